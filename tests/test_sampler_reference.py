"""Same seeds, same samples: every sampler, rewritten on chapter 9's `sample_loop`, draws bit for bit what it drew before.

tests/data/sampler_reference.safetensors was written by `tools/sampler_reference.py --write` before the rewrite of the
chapter 9-18 samplers, tests/data/solver_reference.safetensors by `tools/solver_reference.py --write` before the rewrite
of chapter 15's solvers; each test draws the same set again (2-D models, 64 points; 4 MNIST images per image model and
sampler) and compares with `torch.equal`. The solver reference records the SHA-256 of the shipped files it was drawn
from: when one of them is retrained, the test fails and names the command that re-draws the reference."""
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {'OMP_NUM_THREADS': '1', 'PATH': '', 'HOME': str(ROOT)}


def test_samplers_draw_what_they_drew_before_the_rewrite():
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'sampler_reference.py')], capture_output=True, text=True,
                       timeout=600, env=ENV)
    assert r.returncode == 0, (r.stdout[-3000:] + r.stderr[-3000:] + "\n(if a shipped model was retrained since "
                               "tests/data/sampler_reference.safetensors was drawn, re-draw it with sampler code known to be "
                               "good: `python tools/sampler_reference.py --write`)")
    assert 'bit-identical' in r.stdout


def test_solvers_draw_what_they_drew_before_the_rewrite():
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'solver_reference.py')], capture_output=True, text=True,
                       timeout=600, env=ENV)
    if r.returncode == 2:                                   # a shipped model changed since the reference was drawn
        raise AssertionError("tests/data/solver_reference.safetensors was drawn from other shipped weights; re-draw it with "
                             "`python tools/solver_reference.py --write` (with solver code known to be good):\n" + r.stdout[-3000:])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert 'solver draws bit-identical' in r.stdout
