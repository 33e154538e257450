#!/usr/bin/env python3
"""Distil autoguidance into one network (chapter 18, `GuidanceDistiller`): a copy of the good model (or of --student,
any unconditional eps U-Net on the same schedule), with dropout 0, is trained to output (1+w) eps_good - w eps_bad at
the noised training digits. The result samples with one network call per step.

Checkpoints are written atomically every --ckpt_every steps (and on SIGINT/SIGTERM); --resume continues exactly.
  python tools/distill_guidance.py --out runs/mnist_unet_distilled --w 2 --steps 3000
Ship the result with tools/ship_weights.py (its EMA weights).
"""
import argparse, os
from pathlib import Path
import torch
from ddpm_nb.cli import load_checkpoint_or_shipped
from ddpm_nb.data import get_dataset
from ddpm_nb.guidance import AutoGuidedModel, GuidanceDistiller
from ddpm_nb.train import TrainingInterrupted, build_model


def build_distiller(good_name, bad_name, w, student_name=None, steps=3000, lr=2e-4, warmup=100, ema_decay=0.999,
                    precision='bf16'):
    "A `GuidanceDistiller` at step 0: its student is a dropout-0 copy of `student_name` (default: the good model)."
    good, sched, kind = load_checkpoint_or_shipped(good_name, 'cpu')
    bad, sched_b, kind_b = load_checkpoint_or_shipped(bad_name, 'cpu')
    if (kind, kind_b) != ('eps', 'eps') or not torch.equal(sched.betas, sched_b.betas):
        raise SystemExit('the good and bad models must both predict eps on the same schedule')
    start = good
    if student_name is not None:
        start, sched_s, kind_s = load_checkpoint_or_shipped(student_name, 'cpu')
        if kind_s != 'eps' or not torch.equal(sched.betas, sched_s.betas):
            raise SystemExit("the student must predict eps on the teacher's schedule")
    cfg = dict(start.config, dropout=0.0)                     # chapter 8: no dropout in a short run
    student = build_model('unet', cfg); student.load_state_dict(start.state_dict())
    x, _ = get_dataset('mnist', 'train', seed=0)
    return GuidanceDistiller(student, AutoGuidedModel(good, bad, w), x, sched,
                             teacher_name=f'AutoGuidedModel({good_name}, {bad_name}, w={w:g})', batch_size=64, lr=lr,
                             warmup=warmup, ema_decay=ema_decay, ema_warmup=True, lr_schedule='cosine',
                             total_steps=steps, precision=precision)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', required=True, help='folder for checkpoint.safetensors')
    p.add_argument('--good', default='mnist_unet', help='the model to sample and the student\'s start (file or shipped name)')
    p.add_argument('--bad', default='mnist_unet_early', help='the worse version of it (file or shipped name)')
    p.add_argument('--student', default=None,
                   help="the student's start (file or shipped name; default: the good model). Any eps U-Net on the same schedule")
    p.add_argument('--w', type=float, default=2.0, help='guidance weight (0: the good model)')
    p.add_argument('--steps', type=int, default=3000); p.add_argument('--lr', type=float, default=2e-4)
    p.add_argument('--warmup', type=int, default=100); p.add_argument('--ema_decay', type=float, default=0.999)
    p.add_argument('--precision', default='bf16'); p.add_argument('--threads', type=int, default=2)
    p.add_argument('--ckpt_every', type=int, default=250); p.add_argument('--resume', action='store_true')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    tr = build_distiller(a.good, a.bad, a.w, a.student, steps=a.steps, lr=a.lr, warmup=a.warmup,
                         ema_decay=a.ema_decay, precision=a.precision)
    ck = Path(a.out) / 'checkpoint.safetensors'
    if ck.exists() and not a.resume: raise SystemExit(f'{ck} exists: pass --resume to continue it')
    if a.resume: tr.load(ck)
    try: tr.fit(a.steps, a.out, a.ckpt_every, progress=False, log_every=50)
    except TrainingInterrupted as e: raise SystemExit(str(e))
    print(f'step {tr.step}, wall time {tr.wall_time:.0f} s, last losses {tr.history[-3:]}')


if __name__ == '__main__':
    main()
