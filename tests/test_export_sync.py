"""`ddpm_nb/` must be exactly what `nbdev_export` makes of `nbs/`: nobody edits the modules by hand, and nobody
forgets to export after changing a notebook.

How: copy settings.ini and nbs/ into a scratch folder next to an EMPTY ddpm_nb/, run `nbdev_export` there, and
compare the two ddpm_nb/ folders .py file by .py file, byte for byte (a module with no notebook behind it, or a
notebook's module missing from the repo, fails too)."""
import difflib
from conftest import REPO, bin_of, copy_project, run


def test_modules_are_what_nbdev_export_makes(tmp_path):
    copy_project(tmp_path, with_lib=False)
    (tmp_path / 'ddpm_nb').mkdir()
    run([bin_of('nbdev_export')], cwd=tmp_path, timeout=120)
    made = {p.name: p for p in (tmp_path / 'ddpm_nb').glob('*.py')}
    have = {p.name: p for p in (REPO / 'ddpm_nb').glob('*.py')}
    problems = []
    for name in sorted(have.keys() - made.keys()):
        problems.append(f"ddpm_nb/{name} is not produced by any notebook in nbs/ (delete it, or export it from a notebook)")
    for name in sorted(made.keys() - have.keys()):
        problems.append(f"ddpm_nb/{name} is missing: the notebooks export it (run `nbdev_export`)")
    for name in sorted(made.keys() & have.keys()):
        a, b = have[name].read_bytes(), made[name].read_bytes()
        if a != b:
            diff = ''.join(list(difflib.unified_diff(a.decode(errors='replace').splitlines(True),
                                                     b.decode(errors='replace').splitlines(True),
                                                     f'ddpm_nb/{name} (repo)', f'ddpm_nb/{name} (nbdev_export)'))[:40])
            problems.append(f"ddpm_nb/{name} differs from what `nbdev_export` makes of the notebooks "
                            f"(edit the notebook, not the module, then run `nbdev_export`):\n{diff}")
    assert not problems, '\n\n'.join(problems)
