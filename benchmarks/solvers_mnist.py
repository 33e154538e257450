#!/usr/bin/env python3
"""Sample quality against network calls on MNIST for the fast solvers, on the shipped U-Net (`mnist_unet`), and bf16
against float32 sampling.

  OMP_NUM_THREADS=1 python benchmarks/solvers_mnist.py [--json benchmarks/results/solvers_mnist.json] [--n 1000]

Every row starts from the same n noise images (seed 0). Scores: the confident share c_0.9 of chapter 10's judge
(`judge_samples`) with its binomial standard error, and the Frechet distance of chapter 16 (`image_scores`) against
the held-out digits of `get_dataset('mnist', 'test')`. bf16: the model wrapped in `ddpm_nb.train.Autocast(model, 'bf16')`."""
import argparse, datetime, json, math, platform, time
import torch
from ddpm_nb.cli import load_pretrained
from ddpm_nb.ddim import ddim_sample
from ddpm_nb.solvers import dpm_solver_sample, heun_sample, heun_calls
from ddpm_nb.classifier import judge_samples, load_classifier
from ddpm_nb.metrics import image_scores
from ddpm_nb.data import get_dataset
from ddpm_nb.train import Autocast


def rows_spec(model, sched, kind):
    S = max(s for s in range(1, 11) if heun_calls(sched, s, 'karras') <= 10)
    bf = Autocast(model, 'bf16')
    return [('DDIM', 50, lambda x: ddim_sample(model, x_T=x, sched=sched, kind=kind, steps=50, progress=False)),
            ('DDIM', 10, lambda x: ddim_sample(model, x_T=x, sched=sched, kind=kind, steps=10, progress=False)),
            ('DPM-Solver++ 2M', 10, lambda x: dpm_solver_sample(model, x_T=x, sched=sched, kind=kind, steps=10, order=2, progress=False)),
            ('DPM-Solver++ 3M', 10, lambda x: dpm_solver_sample(model, x_T=x, sched=sched, kind=kind, steps=10, order=3, progress=False)),
            ('Heun (EDM)', heun_calls(sched, S, 'karras'), lambda x: heun_sample(model, x_T=x, sched=sched, kind=kind, steps=S, progress=False)),
            ('DPM-Solver++ 2M, bf16', 10, lambda x: dpm_solver_sample(bf, x_T=x, sched=sched, kind=kind, steps=10, order=2, progress=False))]


def main(n=1000, seed=0, batch=100):
    torch.set_num_threads(1)
    model, sched, kind = load_pretrained('mnist_unet')
    clf, ref = load_classifier(), get_dataset('mnist', 'test')[0]
    xT = torch.randn(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))
    out = []
    for name, calls, f in rows_spec(model, sched, kind):
        t0 = time.perf_counter()
        x = torch.cat([f(xT[i:i + batch]) for i in range(0, n, batch)])
        wall = time.perf_counter() - t0
        c = judge_samples(x, clf)['confident_share']
        sc = image_scores(x, ref, clf)
        out.append(dict(sampler=name, calls=calls, n=n, c09=c, c09_se=math.sqrt(c * (1 - c) / n), fd=sc['fd'],
                        is_mean=sc['is_mean'], wall_s=wall))
        print(f"{name:24s} {calls:3d} calls: c_0.9 = {c:.3f} +- {out[-1]['c09_se']:.3f}, FD = {sc['fd']:.2f}  ({wall:.0f} s)", flush=True)
    return dict(date=datetime.date.today().isoformat(), torch=torch.__version__, python=platform.python_version(), model='mnist_unet',
                seed=seed, n_ref=len(ref), rows=out)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--json', default='benchmarks/results/solvers_mnist.json'); ap.add_argument('--n', type=int, default=1000)
    a = ap.parse_args()
    res = main(a.n)
    with open(a.json, 'w') as f: json.dump(res, f, indent=1)
