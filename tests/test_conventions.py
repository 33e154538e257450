"Conventions of the package itself: modules that compile without warnings, and the shipped weights declared as package data."
import warnings
import pytest
from conftest import REPO

MODULES = sorted((REPO / 'ddpm_nb').glob('*.py'))


@pytest.mark.parametrize('path', MODULES, ids=lambda p: p.name)
def test_module_compiles_without_warnings(path):
    "An invalid escape such as '\\m' in a docstring is a SyntaxWarning on Python 3.12+ (at every import) and an error later."
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        compile(path.read_text(encoding='utf-8'), str(path), 'exec')


def test_module_docstrings_have_no_backslashes():
    "nbdev writes each chapter's summary line as a plain (not raw) module docstring: a backslash there is an escape."
    import ast
    bad = [p.name for p in MODULES if '\\' in (ast.get_docstring(ast.parse(p.read_text(encoding='utf-8')), clean=False) or '')]
    assert bad == []


def test_weights_are_package_data():
    setup = (REPO / 'setup.py').read_text()
    assert "package_data={cfg['lib_path']: ['weights/*.safetensors']}" in setup
    assert 'recursive-include ddpm_nb/weights *.safetensors' in (REPO / 'MANIFEST.in').read_text()
