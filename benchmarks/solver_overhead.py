#!/usr/bin/env python3
"""Per-step overhead of every sampler: the time of a sampling loop over a model that costs nothing (it returns zeros),
divided by its network calls, against one call of the shipped MNIST U-Net at batch 64.

  python benchmarks/solver_overhead.py [--json benchmarks/results/solver_overhead.json] [--threads 1]

Timings are medians over repeats, float32, CPU, `torch.set_num_threads(threads)`; the JSON records the machine's load
average, since other work on the machine slows the U-Net call and the loop alike (the ratio is what is compared)."""
import argparse, datetime, json, os, platform, statistics, time
import torch
from ddpm_nb.ddim import ddim_sample
from ddpm_nb.cli import load_pretrained
from ddpm_nb.solvers import dpm_solver_sample, heun_sample, heun_calls

B, STEPS = 64, 50


def timed(f, repeats):
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter(); f(); out.append(time.perf_counter() - t0)
    return statistics.median(out)


def main(threads=1, repeats=7):
    torch.set_num_threads(threads)
    unet, sched, kind = load_pretrained('mnist_unet')
    x = torch.randn(B, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    t = torch.full((B,), 500)
    with torch.no_grad():
        unet(x, t)
        call = timed(lambda: unet(x, t), repeats)
    zero = lambda x, t: torch.zeros_like(x)
    hc = heun_calls(sched, STEPS, 'karras')
    runs = {'ddim': (lambda: ddim_sample(zero, x_T=x, sched=sched, steps=STEPS, progress=False), STEPS),
            **{f'dpmpp_{o}m': (lambda o=o: dpm_solver_sample(zero, x_T=x, sched=sched, steps=STEPS, order=o, progress=False), STEPS) for o in (1, 2, 3)},
            **{f'dpmpp_{o}m_pc': (lambda o=o: dpm_solver_sample(zero, x_T=x, sched=sched, steps=STEPS, order=o, corrector=True, progress=False), STEPS)
               for o in (1, 2, 3)},
            'heun_edm': (lambda: heun_sample(zero, x_T=x, sched=sched, steps=STEPS, progress=False), hc),
            'heun_edm_churn': (lambda: heun_sample(zero, x_T=x, sched=sched, steps=STEPS, churn=10., generator=torch.Generator().manual_seed(0), progress=False), hc)}
    rows = {}
    for name, (f, calls) in runs.items():
        f()
        per = timed(f, repeats) / calls
        rows[name] = dict(calls=calls, overhead_per_call_s=per, fraction_of_unet_call=per / call)
    return dict(date=datetime.date.today().isoformat(), torch=torch.__version__, python=platform.python_version(), threads=threads,
                cpus=os.cpu_count(), load_average_1min=os.getloadavg()[0], batch=B, steps=STEPS, unet_call_s=call, samplers=rows)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--json', default='benchmarks/results/solver_overhead.json'); ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args()
    res = main(a.threads)
    with open(a.json, 'w') as f: json.dump(res, f, indent=1)
    for k, r in res['samplers'].items(): print(f"{k:15s} {r['overhead_per_call_s'] * 1e3:.3f} ms per call = {100 * r['fraction_of_unet_call']:.3f}% of a U-Net call")
