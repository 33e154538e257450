#!/usr/bin/env python3
"""Turn a training checkpoint into the small weights file that ships inside the package (ddpm_nb/weights/).

Keeps only what sampling needs: the EMA weights (as `model.*`, float32), the loss history, and the metadata (architecture,
model config, training settings, step, wall time) plus a record of how the run was made (command, hardware), so the
docs can say how the shipped weights were trained. The optimiser state is dropped.
  python tools/ship_weights.py RUN/checkpoint.safetensors ddpm_nb/weights/mnist_unet.safetensors \
      --command "ddpm_nb_train --out RUN --steps 6000 --ch 32 --lr 1e-3" --hardware "2-core x86_64 CPU (shared), 1 thread"
"""
import argparse, json, os, platform
from pathlib import Path
import torch
from ddpm_nb.train import load_checkpoint, save_checkpoint, file_sha256


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('checkpoint'); p.add_argument('dest')
    p.add_argument('--command', required=True, help='the command that trained it')
    p.add_argument('--hardware', default=f'{platform.machine()} CPU, {os.cpu_count()} cores')
    p.add_argument('--note', default='')
    p.add_argument('--raw', action='store_true', help="ship the trained weights themselves instead of their EMA "
                   "(for a short fine-tune, where the EMA still averages in the starting weights)")
    a = p.parse_args()
    tensors, meta = load_checkpoint(a.checkpoint)
    pre = 'model.' if a.raw else 'ema.module.'
    ema = {k[len(pre):]: v.float() for k, v in tensors.items() if k.startswith(pre) and not k.startswith('model.optim')}
    if not ema: raise SystemExit(f"{a.checkpoint} holds no {'model' if a.raw else 'EMA'} weights ('{pre}*')")
    out = {f'model.{k}': v for k, v in ema.items()}
    if 'history' in tensors: out['history'] = tensors['history']
    keep = {k: v for k, v in meta.items() if k not in ('optim', 'lr_sched')}
    keep.update(weights='raw' if a.raw else 'ema', command=a.command, hardware=a.hardware, note=a.note)
    save_checkpoint(a.dest, out, keep)
    print(f"{a.dest}: {Path(a.dest).stat().st_size / 1e6:.2f} MB, step {meta['step']}, "
          f"{sum(v.numel() for v in ema.values()):,} parameters, wall time {meta.get('wall_time', 0):.0f} s")
    print(f"sha256 {file_sha256(a.dest)}: pin it in SHIPPED (nbs/19_cli.ipynb) if this file ships")


if __name__ == '__main__':
    main()
