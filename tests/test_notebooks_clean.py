"""The committed notebooks are clean (what `nbdev_clean` leaves: no execution counts, no stray metadata) and were run
in full before being committed, without errors, so the site and README show real outputs.

How (clean): copy settings.ini and nbs/ to a scratch folder, run `nbdev_clean` there, and compare every notebook
byte for byte with the committed one.
How (executed): nbdev_clean erases execution counts, so "was run" is read from the outputs: in every cell that is
run by default (not `#| slow`, `#| gpu`, `#| eval: false`), a top-level `show_doc(...)`, `print(...)`,
`display(...)` or `plt.show()` (also inside a top-level for/while/with block), or a last line that is a bare
expression (not a call, not ending in `;`), must have left an output; no cell may hold an error output or a
traceback on stderr; and every chapter must have some outputs at all."""
import ast, re, shutil
import pytest
from conftest import NBS, REPO, bin_of, chapters, notebooks, read_nb, run, src

NB_NAMES = [p.name for p in notebooks()]
CH_NAMES = [p.name for p in chapters()]
SKIP_FLAGS = re.compile(r'^\s*#\|\s*(slow|gpu|eval:\s*false)\b', re.M)
PRINTING = {'show_doc', 'print', 'display'}


@pytest.fixture(scope='module')
def cleaned(tmp_path_factory):
    d = tmp_path_factory.mktemp('clean')
    shutil.copy2(REPO / 'settings.ini', d / 'settings.ini')
    (d / 'nbs').mkdir()
    for p in notebooks(): shutil.copy2(p, d / 'nbs' / p.name)
    run([bin_of('nbdev_clean')], cwd=d, timeout=120)
    return d / 'nbs'


@pytest.mark.parametrize('name', NB_NAMES)
def test_notebook_is_clean(name, cleaned):
    a, b = (NBS / name).read_bytes(), (cleaned / name).read_bytes()
    assert a == b, f"nbs/{name} is not clean: run `nbdev_clean --fname nbs/{name}` (after executing it)"


def _must_print(code:str)->bool:
    "Does this cell, if run, surely leave an output?"
    try: tree = ast.parse(code)
    except SyntaxError: return False                     # magics etc.: no opinion
    def calls_printer(stmts):
        for s in stmts:
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call):
                f = s.value.func
                if isinstance(f, ast.Name) and f.id in PRINTING: return True
                if isinstance(f, ast.Attribute) and f.attr == 'show' and isinstance(f.value, ast.Name) and f.value.id == 'plt':
                    return True
            if isinstance(s, (ast.For, ast.While, ast.With)) and calls_printer(s.body): return True
        return False
    if calls_printer(tree.body): return True
    last = tree.body[-1] if tree.body else None
    shown = (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.List, ast.Dict, ast.BinOp, ast.Compare, ast.UnaryOp)
    return isinstance(last, ast.Expr) and isinstance(last.value, shown) and not code.rstrip().endswith(';')


@pytest.mark.parametrize('name', NB_NAMES)
def test_notebook_was_run_without_errors(name):
    nb = read_nb(NBS / name)
    problems, n_out = [], 0
    for i, c in enumerate(nb['cells']):
        if c['cell_type'] != 'code': continue
        outs, s = c.get('outputs', []), src(c)
        n_out += len(outs)
        for o in outs:
            if o.get('output_type') == 'error':
                problems.append(f"cell {i}: error output {o.get('ename')}: {o.get('evalue')}")
            if o.get('name') == 'stderr' and 'Traceback' in ''.join(o.get('text', '')):
                problems.append(f"cell {i}: a traceback on stderr")
        if not outs and not SKIP_FLAGS.search(s) and _must_print(s):
            problems.append(f"cell {i} has no outputs although it prints or shows something (not executed?):\n{s[:300]}")
    if name in CH_NAMES and n_out == 0: problems.append("no outputs at all: the notebook was not executed")
    assert not problems, f"nbs/{name}: execute it and commit the outputs " \
        f"(`cd nbs && jupyter nbconvert --to notebook --execute --inplace {name}`, then `nbdev_clean`):\n" + '\n'.join(problems)


CONTROL = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')


@pytest.mark.parametrize('name', NB_NAMES)
def test_no_control_characters(name):
    """A LaTeX command written through a Python string without r'' (\\bar, \\alpha, \\frac...) turns into a control
    character (backspace, bell, form feed) that silently eats part of the formula on the page; none may be in any cell."""
    nb = read_nb(NBS / name)
    bad = [(i, c['cell_type'], repr(CONTROL.search(src(c)).group()))
           for i, c in enumerate(nb['cells']) if CONTROL.search(src(c))]
    assert not bad, f"nbs/{name}: control characters in cells (index, type, char): {bad}"
