#!/usr/bin/env python3
"""The conditional model's bars (issue: shipped models trained the way the chapters say): 1,000 samples, 100 per digit,
DDIM 50 steps (eta 0), bf16 forward passes, seeds 0/250/500/750 per batch of 250, unguided (w = 0) and with
classifier-free guidance w = 2, judged by chapter 10's classifier: the share of samples it assigns to the requested
digit (with its binomial standard error) and the confident share c_0.9.

  python benchmarks/cond_eval.py [mnist_cond | CHECKPOINT] [--out benchmarks/results/cond_eval.json]"""
import argparse, json, os, platform, time
from pathlib import Path
import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('ckpt', nargs='?', default='mnist_cond')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'cond_eval.json'))
    a = ap.parse_args()
    torch.set_num_threads(1)
    from ddpm_nb.cli import load_checkpoint_or_shipped
    from ddpm_nb.train import Autocast
    from ddpm_nb.ddim import ddim_sample
    from ddpm_nb.guidance import CFGModel
    from ddpm_nb.classifier import judge_samples
    m, sc, _ = load_checkpoint_or_shipped(a.ckpt)
    y = torch.arange(10).repeat_interleave(100)
    res = dict(model=a.ckpt if not os.path.exists(a.ckpt) else Path(a.ckpt).name, n=1000, per_digit=100,
               sampler='ddim', steps=50, eta=0.0, precision='bf16', judge='ddpm_nb.classifier.judge_samples',
               machine=f"{platform.machine()} CPU, {os.cpu_count()} cores, 1 torch thread, torch {torch.__version__}",
               date=time.strftime('%Y-%m-%d'), rows={})
    for w in (0.0, 2.0):
        t0, xs = time.time(), []
        for b in range(0, 1000, 250):
            xs.append(ddim_sample(CFGModel(Autocast(m, 'bf16'), y[b:b + 250], w), (250, 1, 28, 28), sc, steps=50,
                                  generator=torch.Generator().manual_seed(b), progress=False))
        j = judge_samples(torch.cat(xs))
        acc = (j['probs'].argmax(1) == y).double().mean().item()
        res['rows'][str(w)] = dict(w=w, accuracy=round(acc, 4), accuracy_se=round((acc * (1 - acc) / 1000) ** .5, 4),
                                  c09=round(j['confident_share'], 4), class_balance=round(j['class_balance'], 4),
                                  seconds=round(time.time() - t0, 1))
        print(res['rows'][str(w)], flush=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    print('->', a.out)


if __name__ == '__main__':
    main()
