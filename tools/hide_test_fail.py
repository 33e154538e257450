#!/usr/bin/env python3
"""Move the bad-input `test_fail(...)` lines of a chapter out of the cells a reader sees, into hidden cells.

A bad-input check (`test_fail(lambda: f(bad), contains='...')`) documents an error message, and `nbdev_test`
must keep running it, but forty of them in a row bury the maths. For each notebook this script:

- considers only bad-input checks, `test_fail(..., contains=...)`: a `test_fail` without `contains=` usually shows
  that a check rejects a wrong formula, which is part of the argument and stays (`--all` moves those too);
- keeps the first `--keep` (default 2) top-level `test_fail` statements of the notebook where they are, as shown
  examples;
- moves every later top-level `test_fail` statement of a shown code cell into a new cell placed right after it, whose
  first line is `#| hide` (hidden on the docs page, still run by `nbdev_test`); a cell that holds nothing but
  `test_fail` statements and comments (or one set-up assignment such as `sh = (4, 2)`) is not split but hidden as a
  whole by prepending `#| hide`;
- moves a statement only if that cannot change what the cell computes: it is a top-level statement (not inside a
  loop, `with` or function), and no later statement of the cell rebinds a name it reads, so it sees the same values
  at the end of the cell as where it stood. A whole-line comment directly above a moved statement moves with it.
  Statements that fail this test stay where they are (they are reported);
- leaves alone cells flagged `#| export`/`#| exporti`, `#| hide` (already hidden), `#| slow`, `#| gpu`,
  `#| eval: false`, and cells that do not parse as Python (IPython magics).

The outputs of a split cell stay with it (a `test_fail` that passes prints nothing). Run the notebook afterwards
(`tools/run_nb.py`) and `nbdev_clean --fname` it.

  python tools/hide_test_fail.py nbs/02_gaussians.ipynb [more.ipynb ...] [--keep 2] [--dry-run]
"""
from __future__ import annotations
import argparse, ast, re, secrets, sys
from pathlib import Path
import nbformat

SKIP = re.compile(r'^\s*#\|\s*(export|exporti|exports|hide|slow|gpu|eval:\s*false)\b', re.M)


def _is_test_fail(node, all_calls:bool=False)->bool:
    "A top-level `test_fail(...)` statement; unless `all_calls`, only one with `contains=` (a bad-input check)."
    ok = (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
          and isinstance(node.value.func, ast.Name) and node.value.func.id == 'test_fail')
    return ok and (all_calls or any(k.arg == 'contains' for k in node.value.keywords))


def _loads(node)->set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _stores(node)->set:
    "Names a statement (re)binds."
    out = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}
    for n in ast.walk(node):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): out.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            out |= {(a.asname or a.name).split('.')[0] for a in n.names}
        elif isinstance(n, ast.alias): pass
    return out


def plan(source:str, all_calls:bool=False):
    """(lines to move, lines that stay although they are test_fail statements) for one cell, as lists of
    (first line, last line) 0-based inclusive ranges of top-level test_fail statements; None if not parseable."""
    try: tree = ast.parse(source)
    except SyntaxError: return None
    body = tree.body
    movable, stuck = [], []
    for k, node in enumerate(body):
        if not _is_test_fail(node, all_calls): continue
        later = set().union(*(_stores(n) for n in body[k + 1:])) if k + 1 < len(body) else set()
        # a later statement on the same line as this one (`a; test_fail(...)`) makes the line unmovable
        shares_line = any(n.lineno <= node.end_lineno and n.end_lineno >= node.lineno for j, n in enumerate(body) if j != k)
        rng = (node.lineno - 1, node.end_lineno - 1)
        (stuck if (_loads(node) & later) or shares_line else movable).append(rng)
    return movable, stuck


def _new_id(): return secrets.token_hex(4)


def process(path:Path, keep:int=2, dry_run:bool=False, all_calls:bool=False)->dict:
    nb = nbformat.read(path, as_version=4)
    shown_left, out_cells, report = keep, [], {'moved': 0, 'hidden_cells': 0, 'kept': 0, 'stuck': []}
    for idx, cell in enumerate(nb.cells):
        out_cells.append(cell)
        if cell.cell_type != 'code' or SKIP.search(cell.source): continue
        p = plan(cell.source, all_calls)
        if p is None: continue
        movable, stuck = p
        report['stuck'] += [(idx, cell.source.splitlines()[a]) for a, _ in stuck]
        report['kept'] += len(stuck)
        # the first `keep` test_fail statements of the notebook stay shown
        ordered = sorted(movable + stuck)
        keep_here = set()
        for r in ordered:
            if shown_left > 0 and r in movable: keep_here.add(r); shown_left -= 1
            elif shown_left > 0: shown_left -= 1                   # a stuck one counts as shown, too
        to_move = [r for r in movable if r not in keep_here]
        report['kept'] += len(keep_here)
        if not to_move: continue
        lines = cell.source.splitlines()
        moved = set()
        for a, b in to_move:
            moved |= set(range(a, b + 1))
            j = a - 1                                              # comments directly above move too
            while j >= 0 and lines[j].lstrip().startswith('#') and not lines[j].lstrip().startswith('#|'): moved.add(j); j -= 1
        rest = [l for i, l in enumerate(lines) if i not in moved]
        hidden = [l for i, l in enumerate(lines) if i in moved]
        report['moved'] += len(to_move)
        code_left = [l for l in rest if l.strip() and not l.lstrip().startswith('#')]
        trivial = len(code_left) <= 1 and all(re.match(r'^\w+(\s*,\s*\w+)*\s*=[^=]', l) for l in code_left)
        if trivial and not cell.get('outputs'):            # nothing left but comments or one set-up assignment: hide it whole
            cell.source = '#| hide\n' + cell.source                # nothing else in the cell: hide it whole
            report['hidden_cells'] += 1
            continue
        cell.source = '\n'.join(rest).rstrip('\n')
        new = nbformat.v4.new_code_cell('#| hide\n' + '\n'.join(hidden))
        new['id'] = _new_id()
        out_cells.append(new)
        report['hidden_cells'] += 1
    nb.cells = out_cells
    if not dry_run: nbformat.write(nb, path)
    return report


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('paths', nargs='+', type=Path)
    ap.add_argument('--keep', type=int, default=2, help='test_fail statements left shown per notebook')
    ap.add_argument('--dry-run', action='store_true')
    ap.add_argument('--all', action='store_true', help='move test_fail calls without contains= too')
    a = ap.parse_args()
    for p in a.paths:
        r = process(p, a.keep, a.dry_run, a.all)
        print(f"{p}: moved {r['moved']} test_fail statement(s) into {r['hidden_cells']} hidden cell(s); "
              f"{r['kept']} left shown")
        for i, line in r['stuck']: print(f"  cell {i}: stays (reads a name the cell rebinds later): {line.strip()[:100]}")
    sys.exit(0)
