"""README.md is generated from nbs/index.ipynb (by tools/make_readme.py, no Quarto needed) and must be up to date;
its "Quick start" holds exactly the two commands a newcomer runs, and .ci/run runs exactly its test command.

How: regenerate the README into memory and compare it with README.md; read the commands from the fenced blocks
under the `<!-- quickstart:main -->` and `<!-- quickstart:tests -->` markers; ask `.ci/run --print-command` which
command it runs (it reads it from README.md the same way) and compare."""
import difflib, re, subprocess, sys
from conftest import REPO, run

sys.path.insert(0, str(REPO / 'tools'))
import make_readme

MAIN = 'pip install . && ddpm_nb_train --out ddpm_out'


def _readme(): return (REPO / 'README.md').read_text(encoding='utf-8')


def test_readme_is_generated_from_index(tmp_path):
    out = tmp_path / 'README.md'
    run([sys.executable, str(REPO / 'tools' / 'make_readme.py'), '--out', str(out)], cwd=tmp_path, timeout=120)
    new, old = out.read_text(encoding='utf-8'), _readme()
    if new != old:
        diff = ''.join(list(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                 'README.md (committed)', 'README.md (from nbs/index.ipynb)'))[:60])
        raise AssertionError(f"README.md is out of date with nbs/index.ipynb: run `python tools/make_readme.py`\n{diff}")


def test_quick_start_has_exactly_the_two_commands():
    text = _readme()
    assert '\n## Quick start\n' in text, "README.md has no '## Quick start' section"
    section = text.split('\n## Quick start\n', 1)[1].split('\n## ', 1)[0]
    cmds = make_readme.quickstart_commands(text)
    assert set(cmds) == {'main', 'tests'}, f"expected quick-start commands 'main' and 'tests', found {sorted(cmds)}"
    assert make_readme.quickstart_commands(section) == cmds, "the quick-start commands must sit in the Quick start section"
    assert len(re.findall(r'^```', section, re.M)) == 4, "the Quick start section must hold exactly two code blocks"
    assert cmds['main'] == MAIN, f"main command is {cmds['main']!r}, expected {MAIN!r}"
    t = cmds['tests']
    assert t.startswith('pip install -e ".[dev]" && '), t
    assert re.search(r'&& nbdev_test\b', t) and re.search(r'&& pytest tests\b', t), t


def test_ci_runs_the_readme_test_command():
    ci = REPO / '.ci' / 'run'
    body = ci.read_text()
    assert body.startswith('#!/usr/bin/env bash') and 'set -euo pipefail' in body
    assert 'python3 -m venv' in body and '.venv/bin/activate' in body, ".ci/run must make and use its own venv"
    r = run(['bash', str(ci), '--print-command'], cwd=REPO, timeout=60)
    assert r.stdout.strip() == make_readme.quickstart_commands(_readme())['tests'], \
        f".ci/run would run {r.stdout.strip()!r}, README.md says {make_readme.quickstart_commands(_readme())['tests']!r}"
