"""The GitHub Actions workflows of an nbdev project: `test.yaml` runs the README's test command on every push and pull
request with a CPU torch and this project's nbdev 2.4 (through the dev extras); `deploy.yaml` builds the Quarto site
with `nbdev_docs` and publishes it to GitHub Pages."""
import subprocess, sys
import yaml
from conftest import REPO

WF = REPO / '.github' / 'workflows'


def _load(name):
    d = yaml.safe_load((WF / name).read_text())
    return d, d.get('on', d.get(True))                       # YAML 1.1 reads the key `on` as True


def _runs(d):
    return [s.get('run', '') for job in d['jobs'].values() for s in job['steps']]


def test_ci_workflow_runs_the_readme_test_command():
    readme_cmd = subprocess.run([sys.executable, str(REPO / 'tools' / 'make_readme.py'), '--command', 'tests'],
                                capture_output=True, text=True, check=True).stdout.strip()
    d, on = _load('test.yaml')
    assert {'push', 'pull_request'} <= set(on)
    runs = _runs(d)
    assert readme_cmd in runs, (readme_cmd, runs)
    assert any('torch==2.14.1' in r and '/whl/cpu' in r for r in runs)     # a CPU torch, before the dev install
    assert runs.index(readme_cmd) > next(i for i, r in enumerate(runs) if 'torch==' in r)


def test_deploy_workflow_builds_and_publishes_the_site():
    d, on = _load('deploy.yaml')
    assert 'push' in on and on['push']['branches'] == ['main']
    runs = _runs(d)
    assert 'nbdev_docs' in runs and any('pip install -e ".[dev]"' in r for r in runs)
    steps = [s for job in d['jobs'].values() for s in job['steps']]
    assert any(s.get('uses', '').startswith('quarto-dev/quarto-actions/setup') for s in steps)
    pub = [s for s in steps if s.get('uses', '').startswith('peaceiris/actions-gh-pages')]
    assert pub and pub[0]['with']['publish_dir'] == './_docs'
