"Shared helpers for the project's own tests (the book's checks live in the notebooks and run under `nbdev_test`)."
import json, os, re, shutil, subprocess, sys
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parent.parent
NBS = REPO / 'nbs'
CHAPTER_RE = re.compile(r'^\d\d_\w+\.ipynb$')


def notebooks():
    "Every notebook nbdev sees in nbs/ (it skips names starting with _ or .)."
    return sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.')))


def chapters():
    "The chapter notebooks: nbs/NN_name.ipynb."
    return [p for p in notebooks() if CHAPTER_RE.match(p.name)]


def read_nb(p):
    return json.loads(Path(p).read_text(encoding='utf-8'))


def src(cell):
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else s


def bin_of(name):
    "A console script of the running environment (next to its python), falling back to PATH."
    p = Path(sys.executable).parent / name
    return str(p) if p.exists() else (shutil.which(name) or name)


def run(cmd, cwd, timeout=300, env=None, check=True):
    "Run `cmd`; on failure (if `check`) fail the test showing the command's output."
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    if check and r.returncode:
        pytest.fail(f"`{' '.join(map(str, cmd))}` failed with status {r.returncode}\n"
                    f"--- stdout ---\n{r.stdout[-4000:]}\n--- stderr ---\n{r.stderr[-4000:]}")
    return r


def copy_project(dest, with_lib=True):
    "Copy what nbdev reads (settings.ini, nbs/, and ddpm_nb/ if `with_lib`) into `dest`."
    ign = shutil.ignore_patterns('_proc', '.ipynb_checkpoints', '__pycache__')
    shutil.copy2(REPO / 'settings.ini', dest / 'settings.ini')
    shutil.copytree(NBS, dest / 'nbs', ignore=ign)
    if with_lib: shutil.copytree(REPO / 'ddpm_nb', dest / 'ddpm_nb', ignore=ign)
    return dest


def settings():
    "The [DEFAULT] section of settings.ini (nbdev's project settings)."
    import configparser
    cp = configparser.ConfigParser(delimiters=['='])
    cp.read(REPO / 'settings.ini', encoding='utf-8')
    return cp['DEFAULT']
