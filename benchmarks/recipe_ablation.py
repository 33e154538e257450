#!/usr/bin/env python3
"""The training recipe, ablated at an equal CPU budget (chapter 8, "A recipe for short runs").

  python benchmarks/recipe_ablation.py [ROW ...] [--budget_steps 1000] [--threads 1] [--json benchmarks/results/recipe_ablation.json]

The main job's U-Net (ch 16, 280,177 parameters) is trained on the 4,000 training digits with batch 64, once per row.
Each row changes one thing of the recipe that `ddpm_nb_train` uses by default (bf16 autocast on a CPU that has it,
learning rate 2e-3 with 100 warm-up steps and a cosine decay to 0, EMA 0.995 with warm-up, no dropout, L_simple:
the recipe as first proposed; the command's defaults were then set from this ablation);
`old` is the recipe the command had before (float32, constant learning rate 1e-3, EMA 0.999 from step 0, dropout 0.1).
Every row gets the same CPU budget: `--budget_steps` steps at the speed of a bf16 step; an fp32 row gets as many fp32
steps as fit in that time, from the speed ratio measured at the start of the same run (interleaved timings). `new_*`
and `old_*` rows are shorter budgets, for the quality-against-CPU-minutes figure (the old recipe's constant learning
rate makes its shorter runs the prefixes of one run, which is how they are computed).

Each row is judged on 500 samples, 100 respaced ancestral steps with sigma^2 = beta-tilde (the main job's sampler),
seed 1: chapter 10's confident share c_0.9 (with its binomial standard error) and class balance, and the Frechet
distance to the 1,000 held-out digits (`ddpm_nb.metrics.image_scores`). Rows are merged into the JSON file.
"""
import argparse, datetime, json, math, os, platform, time
from pathlib import Path
import torch

NEW = dict(precision='bf16', lr=2e-3, warmup=100, lr_schedule='cosine', ema_decay=0.995, ema_warmup=True, dropout=0.0,
           weighting='simple')
OLD = dict(precision='fp32', lr=1e-3, warmup=200, lr_schedule='constant', ema_decay=0.999, ema_warmup=False, dropout=0.1,
           weighting='simple')
ROWS = {
    'new':            dict(NEW),
    'fp32':           {**NEW, 'precision': 'fp32'},
    'constant_lr':    {**NEW, 'lr_schedule': 'constant'},
    'no_ema_warmup':  {**NEW, 'ema_warmup': False},
    'dropout_0.1':    {**NEW, 'dropout': 0.1},
    'min_snr_5':      {**NEW, 'weighting': 'min_snr'},
    'old':            dict(OLD),
    'new_quarter':    {**NEW, 'budget': 0.25},
    'new_half':       {**NEW, 'budget': 0.5},
}
UNET = dict(img_size=28, in_ch=1, ch=16, ch_mult=(1, 2, 2), num_res_blocks=1, attn_res=(7,))


def step_time_ratio(x, reps=3, n=15):
    "fp32 step time / bf16 step time of the U-Net, interleaved, median of `reps`."
    from ddpm_nb.train import Trainer
    from ddpm_nb.unet import UNet
    times = {'fp32': [], 'bf16': []}
    trs = {p: Trainer(UNet(**UNET), x, batch_size=64, lr=1e-3, precision=p, cpu=True) for p in times}
    for tr in trs.values():
        for _ in range(3): tr.train_step()
    for _ in range(reps):
        for p, tr in trs.items():
            t0 = time.perf_counter()
            for _ in range(n): tr.train_step()
            times[p].append((time.perf_counter() - t0) / n)
    med = {p: sorted(v)[len(v) // 2] for p, v in times.items()}
    return med['fp32'] / med['bf16'], med


def judge(model, ref, n=500, seed=1):
    from ddpm_nb.sample import ddpm_sample
    from ddpm_nb.train import Autocast
    from ddpm_nb.metrics import image_scores
    from ddpm_nb.classifier import judge_samples
    g = torch.Generator().manual_seed(seed)
    with torch.inference_mode():
        x = torch.cat([ddpm_sample(Autocast(model, 'auto'), (250, 1, 28, 28), None, 'eps', 'beta_tilde', steps=100,
                                   generator=g, progress=False) for _ in range(n // 250)])
    j, sc = judge_samples(x), image_scores(x, ref)
    c = j['confident_share']
    return dict(c09=c, c09_se=math.sqrt(c * (1 - c) / n), balance=j['class_balance'], fd=sc['fd'], n=n)


def train(spec, steps, x, seed=0, evals=()):
    "Train one row; yields (step, trainer) at each step in `evals` and at the end."
    from ddpm_nb.train import Trainer
    from ddpm_nb.unet import UNet
    torch.manual_seed(seed)
    model = UNet(**UNET, dropout=spec['dropout'])
    tr = Trainer(model, x, batch_size=64, lr=spec['lr'], warmup=spec['warmup'], ema_decay=spec['ema_decay'],
                 weighting=spec['weighting'], precision=spec['precision'], cpu=True, lr_schedule=spec['lr_schedule'],
                 total_steps=steps, ema_warmup=spec['ema_warmup'], seed=seed)
    for s in sorted({*evals, steps}):
        tr.fit(s, progress=False)
        yield s, tr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('rows', nargs='*', help=f'rows to run (default: all): {", ".join(ROWS)}')
    ap.add_argument('--budget_steps', type=int, default=1000)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--json', default=str(Path(__file__).parent / 'results' / 'recipe_ablation.json'))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from ddpm_nb.data import get_dataset
    x, _ = get_dataset('mnist', 'train'); ref, _ = get_dataset('mnist', 'test')
    ratio, med = step_time_ratio(x)
    print(f"fp32 / bf16 step time: {ratio:.3f} ({med['fp32'] * 1e3:.0f} / {med['bf16'] * 1e3:.0f} ms)", flush=True)
    path = Path(a.json)
    res = json.loads(path.read_text()) if path.exists() else {}
    res['setup'] = dict(budget_steps=a.budget_steps, threads=a.threads, unet=UNET, batch_size=64,
                        judge='500 samples, ddpm beta_tilde 100 steps, seed 1', torch=torch.__version__,
                        machine=f"{platform.machine()}, {os.cpu_count()} cores", date=str(datetime.date.today()))
    res.setdefault('rows', {})
    for name in a.rows or list(ROWS):
        spec = ROWS[name]
        budget = a.budget_steps * spec.get('budget', 1.0)
        steps = round(budget / ratio) if spec['precision'] == 'fp32' else round(budget)
        evals = [round(steps / 2)] if name == 'old' else []
        t0 = time.time()
        for s, tr in train(spec, steps, x, evals=evals):
            row = dict(spec={k: v for k, v in spec.items() if k != 'budget'}, steps=s, step_ratio=round(ratio, 3),
                       cpu_budget_bf16_steps=round(s * (ratio if spec['precision'] == 'fp32' else 1)),
                       train_s=round(tr.wall_time, 1), final_loss=tr.history[-1][1] if tr.history else None, **judge(tr.ema.module.eval(), ref))
            key = name if s == steps else f'{name}@{s}'
            res['rows'][key] = row
            print(key, json.dumps(row), f'({time.time() - t0:.0f} s)', flush=True)
            path.parent.mkdir(parents=True, exist_ok=True); path.write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
