"""Same seeds, same samples: every sampler, rewritten on chapter 9's `sample_loop`, draws bit for bit what it drew before.

tests/data/sampler_reference.safetensors was written by `tools/sampler_reference.py --write` before the rewrite; this
test draws the same set again (2-D models, 64 points; 4 MNIST images per image model and sampler) and compares."""
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_samplers_draw_what_they_drew_before_the_rewrite():
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'sampler_reference.py')], capture_output=True, text=True,
                       timeout=600, env={'OMP_NUM_THREADS': '1', 'PATH': '', 'HOME': str(ROOT)})
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert 'bit-identical' in r.stdout
