"""The wheel is a package that works on its own: built without network, installed into a fresh virtual environment,
imported from outside the repository, and its console script runs the README's main job.

How: copy the files the build reads (setup.py, settings.ini, pyproject.toml, MANIFEST.in, README.md, ddpm_nb/)
into a scratch folder (so no stale `build/` can leak old modules into the wheel) and run
`python -m build --wheel --no-isolation` there. Make a venv without pip, install the wheel into it with
`pip --python <venv python> install --no-deps --no-index`, and only then add a .pth file pointing at this
environment's site-packages, so torch & co. are visible without being downloaded again. (Plain paths in a .pth are
not site dirs, so this environment's own .pth files, such as an editable install of ddpm_nb, are not run.)
Every public module listed in the wheel is imported by the venv's python from a scratch cwd, and must come from the
venv's site-packages, not from the repository."""
import json, os, re, site, subprocess, sys, sysconfig, zipfile
from email.parser import Parser
from pathlib import Path
import pytest
from packaging.requirements import Requirement
from conftest import REPO, run, settings

BUILD_INPUTS = ['setup.py', 'settings.ini', 'pyproject.toml', 'MANIFEST.in', 'README.md', 'LICENSE']


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    import shutil
    src = tmp_path_factory.mktemp('src')
    for f in BUILD_INPUTS:
        if (REPO / f).exists(): shutil.copy2(REPO / f, src / f)
    shutil.copytree(REPO / 'ddpm_nb', src / 'ddpm_nb', ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
    dist = tmp_path_factory.mktemp('dist')
    run([sys.executable, '-m', 'build', '--wheel', '--no-isolation', '--outdir', str(dist), str(src)], cwd=src, timeout=300)
    whls = list(dist.glob('*.whl'))
    assert len(whls) == 1, f"expected one wheel, got {whls}"
    return whls[0]


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV', 'IN_TEST')}
    env.update(PYTHONNOUSERSITE='1', **extra)
    return env


@pytest.fixture(scope='module')
def venv(wheel, tmp_path_factory):
    "A fresh venv holding the wheel, seeing this environment's packages through a .pth file."
    root = tmp_path_factory.mktemp('venv')
    run([sys.executable, '-m', 'venv', '--without-pip', str(root)], cwd=root, timeout=120)
    py = root / 'bin' / 'python'
    run([sys.executable, '-m', 'pip', '--python', str(py), 'install', '--no-deps', '--no-index', '--no-cache-dir',
         '--disable-pip-version-check', str(wheel)], cwd=root, timeout=300, env=_clean_env())
    purelib = Path(run([str(py), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                       cwd=root, env=_clean_env()).stdout.strip())
    outer = [p for p in dict.fromkeys(site.getsitepackages() + [sysconfig.get_paths()['purelib'],
                                                                sysconfig.get_paths()['platlib']]) if Path(p).is_dir()]
    (purelib / '_outer_env_packages.pth').write_text('\n'.join(outer) + '\n')
    return dict(root=root, py=py, purelib=purelib, bin=root / 'bin')


def _public_modules(whl):
    "Importable public modules in the wheel, found from its file list: the package and every module not named _x."
    mods = set()
    for n in zipfile.ZipFile(whl).namelist():
        if not n.endswith('.py') or '.dist-info/' in n or '.data/' in n: continue
        parts = n[:-3].split('/')
        if parts[-1] == '__init__': parts = parts[:-1]
        if parts and not any(p.startswith('_') for p in parts): mods.add('.'.join(parts))
    return sorted(mods)


def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.endswith('.ipynb')], f"the wheel ships notebooks: {[n for n in names if n.endswith('.ipynb')]}"
    stray = [n for n in names if n.split('/')[0] in ('nbs', 'tests', 'tools', '_proc', '_docs')]
    assert not stray, f"the wheel ships files that are not the package: {stray}"
    mods = _public_modules(wheel)
    assert 'ddpm_nb' in mods and 'ddpm_nb.forward' in mods, f"unexpected module list {mods}"
    repo_mods = sorted({'ddpm_nb'} | {f'ddpm_nb.{p.stem}' for p in (REPO / 'ddpm_nb').glob('*.py') if not p.stem.startswith('_')})
    assert mods == repo_mods, f"the wheel's public modules {mods} are not the repository's {repo_mods}"


def test_metadata_has_no_dev_pins(wheel):
    meta_name = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith('.dist-info/METADATA'))
    meta = Parser().parsestr(zipfile.ZipFile(wheel).read(meta_name).decode())
    assert meta['Version'] == settings()['version']
    reqs = [Requirement(r) for r in meta.get_all('Requires-Dist') or []]
    runtime = [r for r in reqs if not (r.marker and 'extra' in str(r.marker))]
    dev = [r for r in reqs if r.marker and re.search(r'extra\s*==\s*"dev"', str(r.marker))]
    names = {r.name.lower() for r in runtime}
    assert 'torch' in names, f"torch is not a runtime requirement: {runtime}"
    bad = [str(r) for r in runtime if r.name.lower() in ('nbdev', 'execnb')]
    assert not bad, f"development tools leaked into the runtime requirements: {bad} (put them in dev_requirements)"
    fc = [r for r in runtime if r.name.lower() == 'fastcore']
    capped = [str(r) for r in fc if any(s.operator in ('<', '<=', '==', '~=') for s in r.specifier)]
    assert not capped, f"the runtime fastcore requirement is capped: {capped}; only the `dev` extra may pin fastcore<1.9"
    dev_names = {r.name.lower(): r for r in dev}
    for n in ('nbdev', 'execnb', 'fastcore', 'pytest', 'build'):
        assert n in dev_names, f"the `dev` extra lacks {n}: {[str(r) for r in dev]}"


def test_every_public_module_imports_from_the_venv(wheel, venv, tmp_path):
    mods = _public_modules(wheel)
    code = ("import importlib, json, sys\n"
            "out = {}\n"
            "for m in sys.argv[1:]:\n"
            "    out[m] = importlib.import_module(m).__file__\n"
            "import ddpm_nb; out['__version__'] = ddpm_nb.__version__\n"
            "print(json.dumps(out))\n")
    r = run([str(venv['py']), '-c', code, *mods], cwd=tmp_path, timeout=180, env=_clean_env())
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got.pop('__version__') == settings()['version']
    elsewhere = {m: f for m, f in got.items() if not Path(f).resolve().is_relative_to(venv['purelib'].resolve())}
    assert not elsewhere, f"modules imported from outside the fresh venv (the repo or another install?): {elsewhere}"
    assert sorted(got) == mods


def _readme_main_outputs():
    "The files README.md says the main job writes: names in backticks between the two quick-start blocks."
    text = (REPO / 'README.md').read_text(encoding='utf-8')
    seg = text.split('<!-- quickstart:main -->', 1)[1].split('<!-- quickstart:tests -->', 1)[0]
    return sorted(set(re.findall(r'`([\w.-]+\.(?:png|txt|json|csv|pt|safetensors))`', seg)))


SCRIPTS = {'ddpm_nb_train': '--resume', 'ddpm_nb_sample': '--ckpt', 'ddpm_nb_forward': '--out'}
# The README's main job trains for 1,500 steps (minutes); here the same command runs with these flags appended, which
# shrink it to seconds without changing what it does or which files it writes.
QUICK = ['--steps', '12', '--ckpt_every', '6', '--sample_steps', '4', '--n_samples', '4', '--cpu']


@pytest.mark.parametrize('name', sorted(SCRIPTS))
def test_console_scripts_are_installed(venv, tmp_path, name):
    exe = venv['bin'] / name
    assert exe.exists(), f"console script {name} not installed in {venv['bin']}"
    assert str(venv['root']) in exe.read_text().splitlines()[0], f"{name} does not run the venv's python"
    h = run([str(exe), '--help'], cwd=tmp_path, timeout=180, env=_clean_env())
    assert SCRIPTS[name] in h.stdout, f"`{name} --help` does not mention {SCRIPTS[name]}:\n{h.stdout}"


def test_console_script_runs_the_readme_main_job(venv, tmp_path):
    # the README's main command, minus its `pip install .`
    main = run(['bash', '-c', 'python3 "$0" --command main', str(REPO / 'tools' / 'make_readme.py')], cwd=REPO).stdout.strip()
    assert main.startswith('pip install . && ddpm_nb_train'), main
    args = main.split('&&', 1)[1].split()
    r = run([str(venv['bin'] / args[0]), *args[1:], *QUICK], cwd=tmp_path, timeout=300, env=_clean_env(OMP_NUM_THREADS='1'))
    out = tmp_path / args[args.index('--out') + 1]
    promised = _readme_main_outputs()
    assert promised, "README.md names no output files for the main job"
    written = sorted(p.name for p in out.iterdir())
    assert written == promised, f"the main job wrote {written}, README.md says it writes {promised}"
    for name in written:
        data = (out / name).read_bytes()
        assert data, f"{name} is empty"
        if name.endswith('.png'): assert data[:8] == b'\x89PNG\r\n\x1a\n', f"{name} is not a PNG"
    log = json.loads((out / 'train_log.json').read_text())
    assert log['steps'] == 12 and log['data'] == 'mnist', log
    # run again: it must refuse to replace the checkpoint unless told to resume
    again = run([str(venv['bin'] / args[0]), *args[1:], *QUICK], cwd=tmp_path, timeout=300, env=_clean_env(), check=False)
    assert again.returncode != 0 and 'already exists' in again.stderr, again.stderr[-2000:]


def test_shipped_weights_load_from_the_wheel(wheel, venv, tmp_path):
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(n.split('/')[-1] for n in names if n.startswith('ddpm_nb/weights/') and n.endswith('.safetensors'))
    for f in ('mnist_unet', 'mnist_classifier', 'mnist_cond', 'mnist_hybrid', 'mnist_noisy_classifier'):
        assert f'{f}.safetensors' in shipped, shipped
    code = ("from ddpm_nb.cli import load_pretrained, DIFFUSION_MODELS\n"
            "from ddpm_nb.classifier import load_classifier\n"
            "from ddpm_nb.guidance import load_noisy_classifier\n"
            "import torch\n"
            "for name in DIFFUSION_MODELS:\n"
            "    m, sched, kind = load_pretrained(name)\n"
            "    print(name, type(m).__name__, sched.T, kind)\n"
            "c = load_classifier(); print('classifier', type(c).__name__)\n"
            "n = load_noisy_classifier(); print('noisy', type(n).__name__, n.num_classes)\n")
    r = run([str(venv['py']), '-c', code], cwd=tmp_path, timeout=180, env=_clean_env())
    assert 'classifier' in r.stdout and 'mnist_unet UNet' in r.stdout and 'noisy NoisyClassifier 10' in r.stdout, r.stdout
