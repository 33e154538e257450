#!/usr/bin/env python3
"""Training and network-call speed of the shipped U-Net configuration by precision and memory layout, with diffusers'
`UNet2DModel` at the same parameter count (1,112,801) measured in the same run.

  python benchmarks/precision.py [--threads 2] [--batch 64] [--json benchmarks/results/precision.json]
  python benchmarks/precision.py --only ours_bf16 --steps 30   # just run 30 training steps of one configuration
                                                               # (for timing whole processes against each other)

Configurations: `ours_fp32`, `ours_bf16` (autocast, float32 weights), `ours_fp32_cl` and `ours_bf16_cl`
(channels_last), `diffusers_fp32`, `diffusers_bf16`. A training step is AdamW on the eps-MSE of a random batch at
uniform t; a network call is one forward pass at batch 64 under `torch.inference_mode`. Timings are interleaved
(each repeat runs every configuration once) and the median is reported. diffusers is an optional benchmark
dependency (`pip install diffusers`); without it those rows are skipped.
"""
import argparse, contextlib, datetime, json, os, platform, statistics, time
import torch
import torch.nn.functional as F

SHIPPED = dict(img_size=28, in_ch=1, ch=32, ch_mult=(1, 2, 2), num_res_blocks=1, attn_res=(7,), dropout=0.0)
CONFIGS = ('ours_fp32', 'ours_bf16', 'ours_fp32_cl', 'ours_bf16_cl', 'diffusers_fp32', 'diffusers_bf16')


def build(name):
    "(model, forward(x, t)) of a configuration."
    torch.manual_seed(0)
    if name.startswith('ours'):
        from ddpm_nb.unet import UNet
        m = UNet(**SHIPPED); fwd = lambda x, t: m(x, t)
    else:
        from diffusers import UNet2DModel
        m = UNet2DModel(sample_size=28, in_channels=1, out_channels=1, block_out_channels=(32, 64, 64), layers_per_block=1,
                        down_block_types=('DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D'),
                        up_block_types=('AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D'), norm_num_groups=8)
        fwd = lambda x, t: m(x, t).sample
    if name.endswith('_cl'): m = m.to(memory_format=torch.channels_last)
    return m, fwd


def ctx(name):
    return torch.autocast('cpu', dtype=torch.bfloat16) if 'bf16' in name else contextlib.nullcontext()


def make_step(name, batch):
    m, fwd = build(name)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-4)
    ab = torch.linspace(0.9999, 4e-5, 1000)
    g = torch.Generator().manual_seed(0)
    fmt = torch.channels_last if name.endswith('_cl') else torch.contiguous_format
    def step():
        x0 = torch.rand(batch, 1, 28, 28, generator=g) * 2 - 1
        t = torch.randint(0, 1000, (batch,), generator=g)
        eps = torch.randn(x0.shape, generator=g)
        a = ab[t].view(-1, 1, 1, 1)
        xt = (a.sqrt() * x0 + (1 - a).sqrt() * eps).contiguous(memory_format=fmt)
        with ctx(name): out = fwd(xt, t)
        loss = F.mse_loss(out.float(), eps)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    xt = torch.randn(batch, 1, 28, 28).contiguous(memory_format=fmt); tt = torch.full((batch,), 500)
    def call():
        with torch.inference_mode(), ctx(name): fwd(xt, tt)
    return m, step, call


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--threads', type=int, default=2); p.add_argument('--batch', type=int, default=64)
    p.add_argument('--repeats', type=int, default=5); p.add_argument('--n', type=int, default=5, help='steps per timing')
    p.add_argument('--only', choices=CONFIGS); p.add_argument('--steps', type=int, default=30)
    p.add_argument('--json', default=None)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.only:
        _, step, _ = make_step(a.only, a.batch)
        for _ in range(a.steps): step()
        return
    try: import diffusers  # noqa: F401
    except ImportError: names = [c for c in CONFIGS if c.startswith('ours')]
    else: names = list(CONFIGS)
    built = {n: make_step(n, a.batch) for n in names}
    for _, step, call in built.values(): step(); step(); call(); call()           # warm-up
    tr, fw = {n: [] for n in names}, {n: [] for n in names}
    for _ in range(a.repeats):
        for n, (_, step, call) in built.items():
            t0 = time.perf_counter()
            for _ in range(a.n): step()
            tr[n].append((time.perf_counter() - t0) / a.n)
            t0 = time.perf_counter()
            for _ in range(a.n): call()
            fw[n].append((time.perf_counter() - t0) / a.n)
    rows = {}
    for n, (m, _, _) in built.items():
        s, f = statistics.median(tr[n]), statistics.median(fw[n])
        rows[n] = dict(params=sum(q.numel() for q in m.parameters()), train_step_ms=round(1e3 * s, 1),
                       train_images_per_s=round(a.batch / s, 1), network_call_ms=round(1e3 * f, 1),
                       train_step_ms_min_max=[round(1e3 * min(tr[n]), 1), round(1e3 * max(tr[n]), 1)],
                       network_call_ms_min_max=[round(1e3 * min(fw[n]), 1), round(1e3 * max(fw[n]), 1)])
        print(f"{n:16s} {rows[n]['params']:>9,} params  train {rows[n]['train_step_ms']:7.1f} ms/step "
              f"({rows[n]['train_images_per_s']:6.1f} img/s)  call {rows[n]['network_call_ms']:6.1f} ms", flush=True)
    res = dict(rows=rows, batch=a.batch, threads=a.threads, repeats=a.repeats, steps_per_timing=a.n,
               machine=f"{platform.machine()}, {os.cpu_count()} cores", torch=torch.__version__, date=str(datetime.date.today()))
    if a.json: open(a.json, 'w').write(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
