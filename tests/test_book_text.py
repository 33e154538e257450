"""No build-log text in the book: the markdown and the outputs of every notebook say what was run, on what, with
which settings and how long it took, but never carry the traces of how the book was made (commit hashes, paths on
the machine that built it, shell incantations, remarks about the build's own schedule).

How: for every notebook in nbs/, read each markdown cell's source and each code cell's outputs (streams, and the
text/plain, text/markdown and text/html of results and displays), and search them for the patterns below. A
failure names the notebook, the cell index and the offending text."""
import re
import pytest
from conftest import notebooks, read_nb, src

NB_NAMES = [p.name for p in notebooks()]
PATTERNS = {
    'a commit hash (40 hex digits)': re.compile(r'(?<![0-9a-fA-F])[0-9a-f]{40}(?![0-9a-fA-F])'),
    'a commit hash (labelled)': re.compile(r'\bcommit(?:ted)?\b[\s:=`(#]*(?:at\s+|as\s+)?`?[0-9a-f]{7,40}\b', re.I),
    'a machine path': re.compile(r'(?<![\w.])/(?:work|tmp|home|root)/'),
    '"nohup"': re.compile(r'\bnohup\b', re.I),
    '"session"': re.compile(r'\bsessions?\b', re.I),
    '"shared with another training job"': re.compile(r'shared with another training job', re.I),
    '"still to be written"': re.compile(r'still to be written', re.I),
    '"left for a GPU re-run"': re.compile(r'left for a GPU re-?run', re.I),
    '"did not fit into the CPU time"': re.compile(r'did not fit into the CPU time', re.I),
}


def _texts(cell):
    "The reader-visible text of a cell: a markdown cell's source, a code cell's outputs."
    if cell['cell_type'] == 'markdown': yield 'markdown', src(cell)
    if cell['cell_type'] != 'code': return
    for o in cell.get('outputs', []):
        if 'text' in o: yield 'output', src({'source': o['text']})
        for mime in ('text/plain', 'text/markdown', 'text/html'):
            if mime in o.get('data', {}): yield 'output', src({'source': o['data'][mime]})


def findings(path):
    "(cell index, where, what, matched text) for each build-log string in the notebook at `path`."
    out = []
    for i, cell in enumerate(read_nb(path)['cells']):
        for where, text in _texts(cell):
            for what, pat in PATTERNS.items():
                for m in pat.finditer(text):
                    a, b = max(0, m.start() - 40), min(len(text), m.end() + 40)
                    out.append((i, where, what, text[a:b].replace('\n', ' ')))
    return out


def test_patterns_catch_what_they_should():
    "The patterns are not vacuous: each flags a sample of what it is for, and none flags ordinary book text."
    bad = ['commit 1a2b3c4d', 'at ' + 'ab12' * 10, 'see /work/x.json', 'in /tmp/run', 'nohup python x &',
           'this session', 'shared with another training job', 'still to be written', 'left for a GPU re-run',
           'did not fit into the CPU time']
    for s in bad:
        assert any(p.search(s) for p in PATTERNS.values()), s
    good = ['Ho et al. 2020', 'sha256 ' + 'ab12' * 16, '2,140 s on 1 CPU thread', 'x/tmp/y is a ratio',
            'the committed weights', 'a 0.9 threshold']
    for s in good:
        assert not any(p.search(s) for p in PATTERNS.values()), s


@pytest.mark.parametrize('name', NB_NAMES)
def test_no_build_log_text(name):
    from conftest import NBS
    found = findings(NBS / name)
    assert not found, f"nbs/{name}: build-log text a reader should not see:\n" + '\n'.join(
        f"  cell {i} ({where}): {what}: ...{ctx}..." for i, where, what, ctx in found)
