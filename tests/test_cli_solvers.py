"""`ddpm_nb_sample` with chapter 15's solvers: each new sampler runs as a console command (small n, few steps), guided
sampling works with them, the flags of other samplers are refused with one line on stderr, and so are a bad checkpoint
path and an unknown flag (non-zero exit, no traceback)."""
import contextlib, io, os
import pytest
import torch
from conftest import REPO, bin_of, run
from ddpm_nb.cli import sample_cli, sample_main, SOLVERS
from ddpm_nb.solvers import GRIDS

ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}


def sample(args, tmp_path, check=True):
    return run([bin_of('ddpm_nb_sample'), *map(str, args)], cwd=tmp_path, timeout=300, env=ENV, check=check)


def one_line_error(r):
    "A user's mistake: non-zero exit, exactly one line on stderr, naming the command, no traceback."
    lines = r.stderr.strip().splitlines()
    assert r.returncode != 0, r.stdout[-2000:]
    assert len(lines) == 1 and lines[0].startswith('ddpm_nb_sample: error: '), r.stderr[-3000:]
    assert 'Traceback' not in r.stderr
    return lines[0]


@pytest.mark.parametrize('sampler,grid', [('dpmpp_2m', None), ('dpmpp_3m', 'karras'), ('heun_edm', 'logsnr')])
def test_each_solver_runs_as_a_command(sampler, grid, tmp_path):
    args = ['--ckpt', 'moons_mlp', '--sampler', sampler, '--steps', 4, '--n', 16, '--seed', 1,
            '--out', tmp_path / 's.png', '--progress_out', tmp_path / 'p.png'] + (['--grid', grid] if grid else [])
    r = sample(args, tmp_path)
    assert (tmp_path / 's.png').stat().st_size > 1000 and (tmp_path / 'p.png').stat().st_size > 1000
    assert f"out: {tmp_path / 's.png'}" in r.stdout


@pytest.mark.parametrize('args', [['--ckpt', 'mnist_cond', '--label', 3, '--cfg', 2, '--sampler', 'dpmpp_2m'],
                                  ['--ckpt', 'mnist_unet', '--label', 7, '--classifier_scale', 2, '--sampler', 'heun_edm']])
def test_guided_sampling_with_the_solvers(args, tmp_path):
    sample(args + ['--steps', 3, '--n', 2, '--out', tmp_path / 'g.png'], tmp_path)
    assert (tmp_path / 'g.png').stat().st_size > 1000


@pytest.mark.parametrize('args,msg', [
    (['--sampler', 'dpmpp_2m', '--eta', '0.5'], "--eta is an option of sampler 'ddim', not of 'dpmpp_2m'"),
    (['--sampler', 'ddim', '--grid', 'karras'], "--grid is an option of the samplers ['dpmpp_2m', 'dpmpp_3m', 'heun_edm'], not of 'ddim'"),
    (['--sampler', 'heun_edm', '--spacing', 'quadratic'], "--spacing is an option of the samplers ['ddpm', 'ddim', 'langevin', 'euler', 'heun'], not of 'heun_edm'"),
    (['--ckpt', 'no_such_dir/ckpt.safetensors'], 'no checkpoint at no_such_dir/ckpt.safetensors'),
    (['--sampler', 'dpmpp_2m', '--bogus', '1'], 'unrecognized arguments: --bogus 1'),
])
def test_console_command_refuses_with_one_line(args, msg, tmp_path):
    r = sample(args + ['--n', 2, '--out', tmp_path / 'x.png'], tmp_path, check=False)
    assert msg in one_line_error(r)
    assert not (tmp_path / 'x.png').exists()


FOREIGN = [(s, f, v) for s in SOLVERS for f, v in (('eta', 0.0), ('var_type', 'beta'), ('n_steps_each', 2), ('step_ratio', 0.5),
                                                    ('spacing', 'uniform'))] + \
          [(s, 'grid', g) for s in ('ddpm', 'ddim', 'langevin', 'euler', 'heun') for g in GRIDS[:1]]


@pytest.mark.parametrize('sampler,flag,value', FOREIGN)
def test_every_foreign_flag_is_refused(sampler, flag, value):
    "The same through `sample_cli` (the command's function) in this process, for every solver and flag."
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as e:
        sample_cli(['--sampler', sampler, f'--{flag}', str(value), '--n', '2', '--out', os.devnull])
    assert e.value.code != 0 and f"--{flag} is an option of" in str(e.value.code) and f"not of {sampler!r}" in str(e.value.code)


@pytest.mark.parametrize('sampler', SOLVERS)
def test_bad_grid_and_steps(sampler):
    with pytest.raises(ValueError, match="unknown grid 'cosine'; choose one of"): sample_main(sampler=sampler, grid='cosine')
    with pytest.raises(ValueError, match=r'steps must be an integer in \[1, 1000\], got 0'):
        sample_main('moons_mlp', sampler=sampler, steps=0, n=2, out=os.devnull, progress=False)


def test_solver_samples_are_seeded(tmp_path):
    kw = dict(ckpt='moons_mlp', sampler='dpmpp_3m', steps=5, n=32, progress=False, out=str(tmp_path / 'a.png'))
    a, b, c = sample_main(seed=3, **kw), sample_main(seed=3, **kw), sample_main(seed=4, **kw)
    assert torch.equal(a['samples'], b['samples']) and not torch.equal(a['samples'], c['samples'])


@pytest.mark.parametrize('sampler', ('dpmpp_2m', 'dpmpp_3m'))
def test_corrector_flag(sampler, tmp_path):
    "--corrector gives what `dpm_solver_sample(..., corrector=True)` gives from the same seed, and not the plain solver's samples."
    from ddpm_nb.cli import load_pretrained
    from ddpm_nb.solvers import dpm_solver_sample
    kw = dict(ckpt='moons_mlp', sampler=sampler, steps=6, n=64, seed=2, grid='trailing', progress=False, out=str(tmp_path / 'a.png'))
    pc, plain = sample_main(corrector=True, **kw)['samples'], sample_main(**kw)['samples']
    model, sched, kind = load_pretrained('moons_mlp')
    want = dpm_solver_sample(model, (64, 2), sched, kind, steps=6, order=int(sampler[6]), grid='trailing', corrector=True,
                             generator=torch.Generator().manual_seed(2), clip_x0=False, progress=False)
    assert torch.equal(pc, want) and torch.isfinite(pc).all()
    assert (pc - plain).abs().max() > 1e-3


@pytest.mark.parametrize('sampler', ('ddpm', 'ddim', 'heun_edm'))
def test_corrector_refused_elsewhere(sampler):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as e:
        sample_cli(['--sampler', sampler, '--corrector', '--n', '2', '--out', os.devnull])
    assert f"--corrector is an option of the samplers ['dpmpp_2m', 'dpmpp_3m'], not of {sampler!r}" in str(e.value.code)
