#!/usr/bin/env python3
"""Speed of the shipped MNIST U-Net config on this machine: training images/second, sampling milliseconds per step,
and each sampler's per-step overhead (everything but the network call) next to one network evaluation.

Not a test (timings depend on the machine and on what else runs on it): a script that measures and reports.
  python benchmarks/speed.py                  # CPU, batch 64, the shipped config
  python benchmarks/speed.py --device cuda    # on a GPU
  python benchmarks/speed.py --json out.json  # also write the numbers
Each number is the median of `--repeats` timed runs after `--warmup` untimed ones."""
import argparse, json, os, platform, statistics, time
import torch
from ddpm_nb.forward import make_schedule
from ddpm_nb.sample import ddpm_sample, p_sample_step
from ddpm_nb.ddim import ddim_sample
from ddpm_nb.score import langevin_sample
from ddpm_nb.flow import flow_sample, nfe
from ddpm_nb.train import Trainer
from ddpm_nb.unet import UNet

SHIPPED = dict(img_size=28, in_ch=1, ch=32, ch_mult=(1, 2, 2), num_res_blocks=1, attn_res=(7,), dropout=0.1)


def _sync(device):
    if device.startswith('cuda'): torch.cuda.synchronize()


def timeit(fn, device, warmup, repeats):
    for _ in range(warmup): fn()
    ts = []
    for _ in range(repeats):
        _sync(device); t0 = time.perf_counter(); fn(); _sync(device); ts.append(time.perf_counter() - t0)
    return statistics.median(ts), ts


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='cpu'); p.add_argument('--batch', type=int, default=64)
    p.add_argument('--warmup', type=int, default=3); p.add_argument('--repeats', type=int, default=10)
    p.add_argument('--json', default=None)
    a = p.parse_args()
    torch.manual_seed(0)
    sched = make_schedule('linear', 1000)
    x = torch.rand(max(a.batch, 256), 1, 28, 28) * 2 - 1
    tr = Trainer(UNet(**SHIPPED), x, sched=sched, batch_size=a.batch, cpu=a.device == 'cpu', precision='fp32')
    step_s, _ = timeit(tr.train_step, a.device, a.warmup, a.repeats)
    model = tr.ema.module.eval().to(a.device)
    xt = torch.randn(a.batch, 1, 28, 28, device=a.device)
    t = torch.full((a.batch,), 500, device=a.device)
    with torch.no_grad():
        net_s, _ = timeit(lambda: model(xt, t), a.device, a.warmup, a.repeats)
        pred = model(xt, t)
        z = torch.randn_like(xt)
        upd_s, _ = timeit(lambda: p_sample_step(pred, xt, 500, sched, 'eps', 'beta', True, z), a.device, a.warmup, a.repeats * 10)
    g = torch.Generator().manual_seed(0)
    n_steps = 20
    full_s, _ = timeit(lambda: ddpm_sample(model, (a.batch, 1, 28, 28), sched, steps=n_steps, generator=g, progress=False,
                                           device=a.device), a.device, 1, 3)
    # overhead: the same sampling loops around a model that costs nothing (it hands back a fixed prediction)
    free = lambda x, t, y=None: pred
    over = {}
    # per network call: 100 for ddpm and ddim; 100 levels x 1 step + the denoising call for langevin
    for name, fn, kw, calls in (('ddpm', ddpm_sample, dict(var_type='beta'), 100), ('ddim', ddim_sample, dict(eta=0.0), 100),
                                ('langevin', langevin_sample, dict(n_steps_each=1), 101)):
        s, _ = timeit(lambda: fn(free, (a.batch, 1, 28, 28), sched, steps=100, generator=torch.Generator().manual_seed(0),
                                 progress=False, device=a.device, **kw), a.device, 1, 5)
        over[f'{name}_overhead_ms_per_step'] = 1e3 * s / calls
    for method in ('euler', 'heun'):                              # the flow-matching ODE solvers: 100 steps, nfe() calls
        s, _ = timeit(lambda: flow_sample(free, (a.batch, 1, 28, 28), method=method, steps=100,
                                          generator=torch.Generator().manual_seed(0), progress=False, device=a.device),
                      a.device, 1, 5)
        over[f'{method}_overhead_ms_per_step'] = 1e3 * s / nfe(100, method)
    res = dict(device=a.device, cpu=platform.processor() or platform.machine(), cores=os.cpu_count(),
               torch_threads=torch.get_num_threads(), torch=torch.__version__, batch=a.batch,
               params=sum(p.numel() for p in model.parameters()),
               train_step_ms=1e3 * step_s, train_images_per_s=a.batch / step_s,
               network_eval_ms=1e3 * net_s, sampler_update_ms=1e3 * upd_s,
               sampling_ms_per_step=1e3 * full_s / n_steps, **over)
    if a.device.startswith('cuda'): res['gpu'] = torch.cuda.get_device_name()
    for k, v in res.items(): print(f'{k:>22}: {v:.4g}' if isinstance(v, float) else f'{k:>22}: {v}')
    if a.json: open(a.json, 'w').write(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
