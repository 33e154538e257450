#!/usr/bin/env python3
"""Execute notebooks in place the way `nbdev_test` does (cells flagged `#| slow`, `#| gpu` or `#| eval: false` are not
run), keeping the stored outputs of the skipped cells: the outputs of their last full run stay in the book.

  python tools/run_nb.py nbs/08_train.ipynb [more.ipynb ...] [--run-slow] [--slow-cells 59,60] [--timeout 3600]

`--run-slow` runs the `#| slow` cells too (what a full re-run for the site does; `#| gpu` cells still need a GPU);
`--slow-cells` runs only the slow cells of those indices (re-doing a few results without the others).
Run `nbdev_clean` afterwards, as for any notebook you commit."""
import argparse, re, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

FLAG = re.compile(r'^\s*#\|\s*(slow|gpu|eval:\s*false)\b', re.M)


def run(path:Path, run_slow:bool, timeout:int, slow_cells:set|None=None):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}})
    t0, ran = time.time(), 0
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != 'code': continue
            m = FLAG.search(cell.source)
            if m and not ((run_slow or (slow_cells and i in slow_cells)) and m.group(1) == 'slow'): continue
            try: client.execute_cell(cell, i)
            except CellExecutionError as e:
                nbformat.write(nb, path)
                sys.exit(f"{path}: cell {i} failed:\n{str(e)[-3000:]}")
            ran += 1
    nbformat.write(nb, path)
    print(f"{path}: ran {ran} cells in {time.time() - t0:.0f} s")


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('paths', nargs='+', type=Path); ap.add_argument('--run-slow', action='store_true')
    ap.add_argument('--timeout', type=int, default=3600)
    ap.add_argument('--slow-cells', default='', help='comma-separated indices of the only slow cells to run')
    a = ap.parse_args()
    only = {int(v) for v in a.slow_cells.split(',') if v.strip()}
    for p in a.paths: run(p, a.run_slow, a.timeout, only)
