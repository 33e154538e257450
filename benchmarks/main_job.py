#!/usr/bin/env python3
"""The README's main job, timed and judged: `ddpm_nb_train --out DIR` with its defaults, as a new user runs it.

  python benchmarks/main_job.py [--out /tmp/main_job] [--n 500] [--json benchmarks/results/main_job.json]

Runs the command as a subprocess (wall time of the whole process: start-up, training, the 64-sample grid), then draws
`--n` more samples from its checkpoint with the main job's own sampler settings (100 respaced ancestral steps,
sigma^2 = beta-tilde, the EMA weights, the precision the job used; seed 1, so not the grid's images) and judges them
with chapter 10's classifier: the confident share c_0.9 with its binomial standard error, and the class balance.
The issue's bar: at most 5 minutes wall on a 2-core CPU, c_0.9 >= 0.60 and balance >= 0.9.
"""
import argparse, datetime, json, math, os, platform, shutil, subprocess, sys, time
from pathlib import Path
import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default='/tmp/ddpm_nb_main_job'); ap.add_argument('--n', type=int, default=500)
    ap.add_argument('--json', default=str(Path(__file__).parent / 'results' / 'main_job.json'))
    a = ap.parse_args()
    exe = shutil.which('ddpm_nb_train') or str(Path(sys.executable).parent / 'ddpm_nb_train')
    shutil.rmtree(a.out, ignore_errors=True)
    t0 = time.time()
    r = subprocess.run([exe, '--out', a.out], capture_output=True, text=True)
    wall = time.time() - t0
    if r.returncode: sys.exit(f"the main job failed ({r.returncode}):\n{r.stderr[-3000:]}")
    from ddpm_nb.sample import load_model, ddpm_sample
    from ddpm_nb.train import Autocast
    from ddpm_nb.classifier import judge_samples
    log = json.loads(Path(a.out, 'train_log.json').read_text())
    model, sched, kind = load_model(Path(a.out) / 'checkpoint.safetensors')
    g = torch.Generator().manual_seed(1)
    with torch.inference_mode():
        x = ddpm_sample(Autocast(model, log['precision']), (a.n, 1, 28, 28), sched, kind, 'beta_tilde', steps=100,
                        generator=g, progress=False)
    j = judge_samples(x)
    c = j['confident_share']
    res = dict(command='ddpm_nb_train --out DIR', wall_s=round(wall, 1), train_s=log['wall_time_s'],
               grid_s=log.get('sample_time_s'), steps=log['steps'], params=log['params'], precision=log['precision'],
               threads=log.get('threads'), n=a.n, c09=c, c09_se=round(math.sqrt(c * (1 - c) / a.n), 4),
               balance=round(j['class_balance'], 4), counts=j['counts'].tolist(), final_loss=log['final_loss'],
               machine=f"{platform.machine()}, {os.cpu_count()} cores", torch=torch.__version__, date=str(datetime.date.today()))
    print(json.dumps(res, indent=1))
    Path(a.json).parent.mkdir(parents=True, exist_ok=True); Path(a.json).write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
