#!/usr/bin/env python3
"""Endpoint error against network calls for every ddpm_nb solver x grid on an exact oracle, with diffusers' DDIMScheduler
and DPMSolverMultistepScheduler (every grid it offers) measured in the same run on the same starting noise.

  python benchmarks/solvers_oracle.py [--json benchmarks/results/solvers_oracle.json] [--n 2000]

The oracle: data x0 ~ N(0.3, 0.5^2 I) in D = 16 dimensions, the exact eps-prediction E[eps | x_t] (closed form), float64.
ddpm_nb's rows: DDIM on its three spacings; DPM-Solver++ of orders 1-3 on every grid, without and with the corrector
(solver names dpmpp_1m ... dpmpp_3m and dpmpp_1m_pc ... dpmpp_3m_pc), the log-SNR and Karras grids also capped at
sigma_max 80 and 10; Heun on every grid. The error: RMSE of the sampler's output against the exact probability-flow map of the same x_T to t = 0 (closed form for
Gaussian data, `ddpm_nb.continuous.gaussian_flow_map`). diffusers is an optional benchmark dependency
(`pip install diffusers`); without it its rows are skipped. A diffusers configuration that raises is recorded with its
error message (its Karras, log-SNR, exponential and beta grids raise IndexError on the cosine schedule)."""
import argparse, datetime, json, math, platform, warnings
import torch
from ddpm_nb.forward import make_schedule
from ddpm_nb.param import GaussianMixture
from ddpm_nb.ddim import ddim_sample
from ddpm_nb.continuous import gaussian_flow_map
from ddpm_nb.solvers import GRIDS, dpm_solver_sample, heun_sample, heun_calls

MU, SD, D = 0.3, 0.5, 16
CALLS = (5, 10, 20, 50)
SCHEDULES = ('linear', 'cosine')
# sigma_max of the logsnr / karras grids: the schedule's own top (what dpm_solver_sample does by default); 80, Karras et
# al.'s (2022) sigma_max for data of standard deviation 0.5, chosen before and without this oracle (heun_sample's default);
# and 10 (20 times the data's standard deviation), a cap chosen by looking at this oracle
CAPPED = (None, 80.0, 10.0)


def oracle(sched):
    gm = GaussianMixture([1.0], torch.full((1, D), MU, dtype=torch.float64), SD)
    return lambda x, t: gm.optimal('eps', x, t, sched)


def rmse(a, b): return (a.double() - b.double()).pow(2).mean().sqrt().item()


def ours(sched, xT, exact):
    m, rows = oracle(sched), []
    for n in CALLS:
        for sp in ('uniform', 'quadratic', 'trailing'):
            rows.append(dict(lib='ddpm_nb', solver='ddim', grid=sp, sigma_max=None, calls=n,
                             rmse=rmse(ddim_sample(m, x_T=xT, sched=sched, steps=n, spacing=sp, clip_x0=False, progress=False), exact)))
        for g in GRIDS:
            for smax in (CAPPED if g in ('logsnr', 'karras') else (None,)):
                for o in (1, 2, 3):
                    for corr in (False, True):
                        out = dpm_solver_sample(m, x_T=xT, sched=sched, steps=n, order=o, grid=g, clip_x0=False, progress=False,
                                                sigma_max=smax, corrector=corr)
                        rows.append(dict(lib='ddpm_nb', solver=f'dpmpp_{o}m' + ('_pc' if corr else ''), grid=g, sigma_max=smax,
                                         calls=n, rmse=rmse(out, exact)))
                if smax == 80.0: continue                        # heun_edm's default is 80: the None row runs it
                hmax = 80.0 if smax is None else smax
                S = max(s for s in range(1, n + 1) if heun_calls(sched, s, g, hmax) <= n)
                out = heun_sample(m, x_T=xT, sched=sched, steps=S, grid=g, clip_x0=False, progress=False, sigma_max=hmax)
                rows.append(dict(lib='ddpm_nb', solver='heun_edm', grid=g, sigma_max=hmax, calls=heun_calls(sched, S, g, hmax), rmse=rmse(out, exact)))
    return rows


def theirs(sched, xT, exact):
    try:
        import diffusers
        from diffusers import DDIMScheduler, DPMSolverMultistepScheduler
    except ImportError:
        return [], None
    m, b, rows = oracle(sched), sched.betas[1:].numpy(), []
    makers = {}
    for sp in ('linspace', 'leading', 'trailing'):
        makers['ddim', sp] = lambda sp=sp: DDIMScheduler(sched.T, trained_betas=b, clip_sample=False, set_alpha_to_one=True, timestep_spacing=sp)
    for g in ('linspace', 'leading', 'trailing', 'karras', 'lu', 'exponential', 'beta'):
        kw = dict(timestep_spacing=g) if g in ('linspace', 'leading', 'trailing') else {'use_lu_lambdas' if g == 'lu' else f'use_{g}_sigmas': True}
        for o in (2, 3):
            makers[f'dpmpp_{o}m', g] = lambda kw=kw, o=o: DPMSolverMultistepScheduler(sched.T, trained_betas=b, algorithm_type='dpmsolver++', solver_order=o, **kw)
    for n in CALLS:
        for (solver, g), mk in makers.items():
            row = dict(lib='diffusers', solver=solver, grid=g, sigma_max=None, calls=n)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter('ignore')
                    s = mk(); s.set_timesteps(n); x = xT.clone()
                    for t in s.timesteps:                       # diffusers' timestep t is the book's step t + 1
                        x = s.step(m(x, torch.full((len(x),), int(t) + 1)), t, x).prev_sample
                row['rmse'] = rmse(x, exact)
            except Exception as e:
                row['error'] = f'{type(e).__name__}: {e}'[:200]
            rows.append(row)
    return rows, diffusers.__version__


def main(n=2000, seed=0):
    torch.set_num_threads(1)
    xT = torch.randn(n, D, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    rows, version = [], None
    for name in SCHEDULES:
        sched = make_schedule(name, 1000)
        exact = gaussian_flow_map(xT, sched.T, 0, sched, MU, SD)
        for r in ours(sched, xT, exact): rows.append(dict(schedule=name, **r))
        theirs_rows, version = theirs(sched, xT, exact)
        for r in theirs_rows: rows.append(dict(schedule=name, **r))
    return dict(date=datetime.date.today().isoformat(), torch=torch.__version__, diffusers=version, python=platform.python_version(),
                oracle=dict(mean=MU, std=SD, D=D, n=n, seed=seed, T=1000, dtype='float64'), calls=list(CALLS), rows=rows)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--json', default='benchmarks/results/solvers_oracle.json'); ap.add_argument('--n', type=int, default=2000)
    a = ap.parse_args()
    res = main(a.n)
    with open(a.json, 'w') as f: json.dump(res, f, indent=1)
    print(f"wrote {a.json}: {len(res['rows'])} rows (diffusers {res['diffusers']})")
