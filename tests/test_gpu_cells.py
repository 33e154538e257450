"""The `#| gpu` cells of the chapters that train, run end to end on the CPU at a tiny size, so that they cannot rot.

`DDPM_NB_TINY=1` makes `colab_size()` return `TINY_SIZE` (a few steps of a tiny U-Net) and `colab_digits()` a few of the
bundled digits (never a download); the cells assert their bars only at full size. Each notebook's gpu cells are
self-contained (their own imports), so they run in order in a fresh interpreter, in a scratch folder."""
import json, os, re, subprocess, sys
from pathlib import Path
import pytest

NBS = Path(__file__).resolve().parents[1] / 'nbs'
CHAPTERS = ('08_train', '10_classifier', '11_score', '13_flow', '17_improved', '18_guidance')
GPU = re.compile(r'^\s*#\|\s*gpu\b', re.M)


def gpu_cells(name):
    nb = json.loads((NBS / f'{name}.ipynb').read_text())
    return [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'code' and GPU.search(''.join(c['source']))]


@pytest.mark.parametrize('name', CHAPTERS)
def test_chapter_has_a_full_size_gpu_run(name):
    cells = gpu_cells(name)
    assert any('colab_fit(' in c or 'colab_digits(' in c for c in cells), f"{name}: no full-size #| gpu run"
    assert any('if not tiny_mode()' in c and 'assert' in c for c in cells), f"{name}: the gpu run asserts no bar"


@pytest.mark.parametrize('name', CHAPTERS)
def test_gpu_cells_run_at_tiny_size(name, tmp_path):
    src = '\n\n'.join(GPU.sub('', c) for c in gpu_cells(name))
    script = tmp_path / f'{name}_gpu.py'
    script.write_text('import matplotlib\nmatplotlib.use("Agg")\n' + src + '\nprint("GPU CELLS DONE")\n')
    env = {**os.environ, 'DDPM_NB_TINY': '1', 'CUDA_VISIBLE_DEVICES': '', 'OMP_NUM_THREADS': '1', 'MPLBACKEND': 'Agg'}
    r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0 and 'GPU CELLS DONE' in r.stdout, f"{name}: {r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    assert not (tmp_path / 'data').exists() and not list(tmp_path.glob('**/MNIST')), "a tiny run downloaded data"
