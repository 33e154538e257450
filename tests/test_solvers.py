"Fast checks of chapter 15's solvers (the full checks live in nbs/15_solvers.ipynb): grids, DDIM equality, the guidance wrappers of chapter 18 under both solvers."
import math
import pytest
import torch
from ddpm_nb.forward import make_schedule
from ddpm_nb.param import GaussianMixture
from ddpm_nb.ddim import ddim_sample
from ddpm_nb.continuous import gaussian_flow_map
from ddpm_nb.solvers import GRIDS, solver_timesteps, dpm_solver_sample, heun_sample, heun_calls
from ddpm_nb.unet import MLPDenoiser
from ddpm_nb.guidance import CFGModel, ClassifierGuidedEps, MixtureClassifier

MU, SD, D = 0.3, 0.5, 4


def oracle(sched, kind='eps'):
    gm = GaussianMixture([1.0], torch.full((1, D), MU, dtype=torch.float64), SD)
    return lambda x, t: gm.optimal(kind, x, t, sched)


@pytest.fixture(scope='module')
def xT():
    return torch.randn(64, D, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


@pytest.mark.parametrize('grid', GRIDS)
@pytest.mark.parametrize('name,T', [('linear', 1000), ('cosine', 1000), ('sigmoid', 7), ('cosine', 1), ('linear', 21)])
def test_grids_valid(grid, name, T):
    sc = make_schedule(name, T)
    for S in sorted({1, min(2, T), min(5, T), T}):
        ts = solver_timesteps(sc, S, grid)
        assert len(ts) == S and ts[0] == T and ts[-1] >= 1 and (ts.diff() < 0).all()


@pytest.mark.parametrize('spacing', ('uniform', 'quadratic', 'trailing'))
def test_order1_is_ddim(xT, spacing):
    sc = make_schedule('cosine', 1000)
    a = dpm_solver_sample(oracle(sc), x_T=xT, sched=sc, steps=9, order=1, grid=spacing, clip_x0=False, progress=False)
    b = ddim_sample(oracle(sc), x_T=xT, sched=sc, steps=9, spacing=spacing, clip_x0=False, progress=False)
    torch.testing.assert_close(a, b, rtol=1e-13, atol=1e-13)


def test_higher_orders_converge(xT):
    sc = make_schedule('linear', 1000)
    exact = gaussian_flow_map(xT, 1000, 0, sc, MU, SD)
    err = lambda o, S: (dpm_solver_sample(oracle(sc), x_T=xT, sched=sc, steps=S, order=o, clip_x0=False, progress=False) - exact).pow(2).mean().sqrt()
    assert err(3, 40) < err(2, 40) < err(1, 40)
    assert (heun_sample(oracle(sc), x_T=xT, sched=sc, steps=20, clip_x0=False, progress=False) - exact).pow(2).mean().sqrt() < err(1, 40)


def test_zero_terminal_snr_needs_v(xT):
    z = make_schedule('linear', 1000, zero_terminal_snr=True)
    with pytest.raises(ValueError, match='zero terminal SNR'): dpm_solver_sample(oracle(z), x_T=xT, sched=z, steps=5)
    for f in (dpm_solver_sample, heun_sample):
        assert torch.isfinite(f(oracle(z, 'v'), x_T=xT, sched=z, kind='v', steps=5, clip_x0=False, progress=False)).all()


def test_heun_calls_counted(xT):
    sc, n = make_schedule('linear', 1000), {'calls': 0}
    def m(x, t): n['calls'] += 1; return oracle(sc)(x, t)
    heun_sample(m, x_T=xT, sched=sc, steps=6, clip_x0=False, progress=False)
    assert n['calls'] == heun_calls(sc, 6)


@pytest.mark.parametrize('solver', ('dpm', 'heun'))
def test_guidance_wrappers_work_with_solvers(solver):
    "Chapter 18's wrappers are (x, t) -> eps models: both solvers take them (the solvers module does not import guidance)."
    torch.manual_seed(0)
    sc = make_schedule('linear', 100)
    run = (lambda m, x: dpm_solver_sample(m, x_T=x, sched=sc, steps=6, order=3, clip_x0=False, progress=False)) if solver == 'dpm' else \
          (lambda m, x: heun_sample(m, x_T=x, sched=sc, steps=4, clip_x0=False, progress=False))
    x = torch.randn(6, 2, generator=torch.Generator().manual_seed(1))
    net = MLPDenoiser(dim=2, hidden=16, depth=1, emb_dim=8, num_classes=3).eval()
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    outs = [run(CFGModel(net, y, w), x) for w in (0.0, 2.0)]
    assert all(torch.isfinite(o).all() and o.shape == x.shape for o in outs) and not torch.allclose(outs[0], outs[1])
    with torch.no_grad():
        assert torch.allclose(outs[0], run(lambda xx, tt: net(xx, tt, y), x), atol=1e-6)    # w = 0 is the conditional model
    gm = GaussianMixture([1., 1.], torch.tensor([[-1., 0.], [1., 0.]], dtype=torch.float64), 0.3)
    clf = MixtureClassifier(gm, sc)
    unet = MLPDenoiser(dim=2, hidden=16, depth=1, emb_dim=8).eval()
    yc = torch.tensor([0, 1, 0, 1, 0, 1])
    g0, g3 = (run(ClassifierGuidedEps(unet, clf, yc, s, sc), x) for s in (0.0, 3.0))
    assert torch.isfinite(g3).all() and not torch.allclose(g0, g3)


@pytest.mark.parametrize('solver', ('dpm', 'heun'))
def test_return_x0s_from_the_shared_loop(xT, solver):
    "Both samplers run on chapter 9's sample_loop: return_x0s gives one x0-hat per grid point, the last one the denoised end."
    sc = make_schedule('linear', 1000)
    f = dpm_solver_sample if solver == 'dpm' else heun_sample
    x, x0s = f(oracle(sc), x_T=xT, sched=sc, steps=7, clip_x0=False, progress=False, return_x0s=True)
    assert len(x0s) == 7 and all(v.shape == xT.shape for v in x0s)
    assert torch.equal(x, f(oracle(sc), x_T=xT, sched=sc, steps=7, clip_x0=False, progress=False))
    assert torch.equal(x, x0s[-1])                        # the last jump, to t = 0, returns x0-hat at t_1


def test_churn_noise_comes_from_the_generator(xT):
    sc = make_schedule('linear', 1000)
    run = lambda s: heun_sample(oracle(sc), x_T=xT, sched=sc, steps=6, churn=3.0, clip_x0=False, progress=False,
                                generator=torch.Generator().manual_seed(s))
    assert torch.equal(run(1), run(1)) and not torch.equal(run(1), run(2))


@pytest.mark.parametrize('kw,exc,msg', [(dict(order=4), ValueError, r'order must be an integer in \[1, 3\], got 4'),
                                        (dict(order=2.0), TypeError, 'order must be an integer'),
                                        (dict(grid='edm'), ValueError, "unknown grid 'edm'; choose one of"),
                                        (dict(kind='noise'), ValueError, "unknown prediction kind 'noise'"),
                                        (dict(steps=0), ValueError, r'steps must be an integer in \[1, 1000\], got 0'),
                                        (dict(sigma_max=0.0), ValueError, 'sigma_max must be a finite number > 0')])
def test_dpm_solver_bad_input(xT, kw, exc, msg):
    sc = make_schedule('linear', 1000)
    with pytest.raises(exc, match=msg): dpm_solver_sample(oracle(sc), x_T=xT, sched=sc, progress=False, **kw)


@pytest.mark.parametrize('kw,msg', [(dict(churn=-1.0), 'churn must be a finite number >= 0'),
                                    (dict(churn_tmin=float('nan')), 'churn_tmin must be a finite number >= 0'),
                                    (dict(churn_tmax=-2.0), 'churn_tmax must be a finite number >= 0'),
                                    (dict(s_noise=True), 's_noise must be a finite number >= 0')])
def test_heun_bad_churn(xT, kw, msg):
    sc = make_schedule('linear', 1000)
    with pytest.raises((ValueError, TypeError), match=msg): heun_sample(oracle(sc), x_T=xT, sched=sc, progress=False, **kw)
