#!/usr/bin/env python3
"""Train the noisy MNIST classifier p(y | x_t, t) that chapter 18 guides with, and write it with its accuracy by t.
  python tools/train_noisy_classifier.py --out ddpm_nb/weights/mnist_noisy_classifier.safetensors --steps 2000
"""
import argparse, platform, os, time
import torch
from ddpm_nb.data import get_dataset
from ddpm_nb.forward import make_schedule, q_sample
from ddpm_nb.guidance import train_noisy_classifier, save_noisy_classifier


@torch.no_grad()
def accuracy_by_t(model, x, y, sched, ts=(1, 100, 250, 500, 750, 1000), seed=1):
    g = torch.Generator().manual_seed(seed); out = {}
    for t in ts:
        tt = torch.full((len(x),), t)
        x_t = q_sample(x, tt, sched, noise=torch.randn(x.shape, generator=g))
        out[t] = round((model(x_t, tt).argmax(1) == y).float().mean().item(), 4)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', required=True); p.add_argument('--steps', type=int, default=2000)
    p.add_argument('--threads', type=int, default=1); p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    sched = make_schedule('linear', 1000)
    x, y = get_dataset('mnist', 'train', seed=0); xt, yt = get_dataset('mnist', 'test', seed=0)
    t0 = time.time()
    model, hist = train_noisy_classifier(x, y, sched, steps=a.steps, seed=a.seed)
    wall = time.time() - t0
    acc = accuracy_by_t(model, xt, yt, sched)
    print('held-out accuracy by t:', acc, f'wall {wall:.0f} s')
    save_noisy_classifier(model, a.out, steps=a.steps, wall_time=round(wall, 1), heldout_accuracy_by_t=acc,
                          history=hist, command=f"python tools/train_noisy_classifier.py --steps {a.steps} --threads {a.threads}",
                          hardware=f"{platform.machine()} CPU, {os.cpu_count()} cores, {a.threads} thread(s)")


if __name__ == '__main__':
    main()
