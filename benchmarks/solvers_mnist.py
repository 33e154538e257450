#!/usr/bin/env python3
"""Sample quality of the fast solvers at 10 network calls on an MNIST model, every solver on every grid, with DDIM at
50 and at 10 calls as references.

  OMP_NUM_THREADS=1 python benchmarks/solvers_mnist.py [--ckpt mnist_unet] [--n 1000] [--precision fp32|bf16]
                                                       [--json benchmarks/results/solvers_mnist.json] [--only REGEX]

Rows: DDIM (eta 0, uniform spacing) at 50 and at 10 calls; DPM-Solver++ 2M and 3M (`dpm_solver_sample`) on every grid of
`GRIDS` at 10 calls, without and with the corrector (`corrector=True`, rows dpmpp_2m_pc and dpmpp_3m_pc); Heun on the EDM ODE (`heun_sample`, no churn) on the karras and logsnr grids with the most grid points
whose network calls (`heun_calls`) are at most 10. Every row starts from the same n noise images (seed 0) and clips
x0-hat to [-1, 1], as every image sampler of the book does; a class-conditional checkpoint gets the labels 0, 1, 2, ...
in turn. Scores: the confident share c_0.9 of chapter 10's judge (`judge_samples`) with its binomial standard error,
and the Frechet distance and Inception Score of chapter 16 (`image_scores`, the judge's features) against the held-out
digits of `get_dataset('mnist', 'test')`, each with its bootstrap standard error (`bootstrap_se`, 200 replicates); the Frechet distance needs more samples than features, so it is null
for a small --n (a quick check of the script, not a result). --precision bf16 runs every forward pass under
`ddpm_nb.train.Autocast(model, 'bf16')`."""
import argparse, datetime, hashlib, json, math, platform, re, time
from pathlib import Path
import torch
from ddpm_nb.cli import load_checkpoint_or_shipped, checkpoint_file
from ddpm_nb.ddim import ddim_sample
from ddpm_nb.solvers import GRIDS, dpm_solver_sample, heun_sample, heun_calls
from ddpm_nb.classifier import judge_samples, load_classifier
from ddpm_nb.metrics import image_scores, MnistFeatureExtractor, features_and_probs, score_se
from ddpm_nb.data import get_dataset
from ddpm_nb.train import Autocast

CALLS = 10


def rows_spec(model, sched, kind, y=None):
    "(name, grid, calls, sampler of x_T) for every row of the sweep."
    kw = dict(sched=sched, kind=kind, progress=False)
    ddim = lambda S: (lambda x, yy: ddim_sample(model, x_T=x, y=yy, steps=S, **kw))
    rows = [('ddim', 'uniform', 50, ddim(50)), ('ddim', 'uniform', CALLS, ddim(CALLS))]
    for order in (2, 3):
        for corr in (False, True):
            for g in GRIDS:
                rows.append((f'dpmpp_{order}m' + ('_pc' if corr else ''), g, CALLS, lambda x, yy, g=g, o=order, c=corr: dpm_solver_sample(
                    model, x_T=x, y=yy, steps=CALLS, order=o, grid=g, corrector=c, **kw)))
    for g in ('karras', 'logsnr'):
        S = max(s for s in range(1, CALLS + 1) if heun_calls(sched, s, g) <= CALLS)
        rows.append(('heun_edm', g, heun_calls(sched, S, g), lambda x, yy, g=g, S=S: heun_sample(
            model, x_T=x, y=yy, steps=S, grid=g, **kw)))
    return rows


def main(ckpt='mnist_unet', n=1000, precision='fp32', seed=0, batch=100, only=None, threads=1, device='cpu'):
    torch.set_num_threads(threads)
    model, sched, kind = load_checkpoint_or_shipped(ckpt, device)
    path = checkpoint_file(ckpt)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    if precision != 'fp32': model = Autocast(model, precision)
    ncls = getattr(model, 'num_classes', None)
    clf, ref = load_classifier(), get_dataset('mnist', 'test')[0]
    n_feat = MnistFeatureExtractor(clf).num_features
    f_ref = features_and_probs(ref, clf)[0]
    xT = torch.randn(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))
    y = torch.arange(n) % ncls if ncls else None
    out = []
    for name, grid, calls, f in rows_spec(model, sched, kind):
        if only and not re.search(only, f'{name}_{grid}_{calls}'): continue
        t0 = time.perf_counter()
        x = torch.cat([f(xT[i:i + batch], None if y is None else y[i:i + batch]).cpu() for i in range(0, n, batch)])
        wall = time.perf_counter() - t0
        c = judge_samples(x, clf)['confident_share']
        sc = image_scores(x, ref, clf, splits=min(10, n // 2)) if n > n_feat else dict(fd=None, is_mean=None)
        fd_se = is_se = None
        if sc['fd'] is not None:                                        # bootstrap SEs (chapter 16), 200 replicates, seed 0
            f_x, p_x = features_and_probs(x, clf)
            fd_se, is_se = score_se(f_ref, f_x, p_x, splits=min(10, n // 2))
        out.append(dict(sampler=name, grid=grid, calls=calls, n=n, c09=c, c09_se=math.sqrt(c * (1 - c) / n), fd=sc['fd'],
                        fd_se=fd_se, is_mean=sc['is_mean'], is_se=is_se, wall_s=wall))
        fd = 'n/a (n <= features)' if sc['fd'] is None else f"{sc['fd']:.2f} +- {fd_se:.2f}"
        print(f"{name:9s} {grid:9s} {calls:3d} calls: c_0.9 = {c:.3f} +- {out[-1]['c09_se']:.3f}, FD = {fd}  ({wall:.0f} s)", flush=True)
    return dict(date=datetime.date.today().isoformat(), torch=torch.__version__, python=platform.python_version(),
                model=str(ckpt), model_sha256=sha, precision=precision, device=str(device), threads=threads, seed=seed,
                labels='0, 1, 2, ... in turn' if ncls else None, n_ref=len(ref), n_features=n_feat, rows=out)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ckpt', default='mnist_unet', help='a shipped model name or a checkpoint file')
    ap.add_argument('--n', type=int, default=1000, help='samples per row')
    ap.add_argument('--precision', default='fp32', choices=('fp32', 'bf16'), help="the network's forward passes")
    ap.add_argument('--json', default='benchmarks/results/solvers_mnist.json')
    ap.add_argument('--only', default=None, help="run the rows whose 'sampler_grid_calls' matches this regex (e.g. 'ddim|dpmpp_2m_logsnr')")
    ap.add_argument('--batch', type=int, default=100); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1); ap.add_argument('--device', default='cpu')
    a = ap.parse_args()
    res = main(a.ckpt, a.n, a.precision, a.seed, a.batch, a.only, a.threads, a.device)
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    with open(a.json, 'w') as f: json.dump(res, f, indent=1)
    print(f"wrote {a.json}: {len(res['rows'])} rows")
