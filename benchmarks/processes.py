#!/usr/bin/env python3
"""Training images per second on 1 and 2 processes: the console command itself, the main job's U-Net and data.

Each row runs `ddpm_nb_train` for `--steps` steps (after a short warm-up run that is not timed, so the first-step costs
of both cases are the same) and reads the training wall time from its train_log.json:
- 1 process with 2 threads: `ddpm_nb_train ...`;
- 2 processes with 1 thread each: `torchrun --standalone --nproc_per_node 2 $(which ddpm_nb_train) --cpu ...`.
images/s = steps x global batch / training wall time (sampling excluded). On a 2-core CPU two processes are not
expected to be faster: the row shows the cost of the gradient all-reduce (gloo) and of two processes sharing the
cores. Where CUDA is available, a GPU row (1 process) is added.

  python benchmarks/processes.py [--steps 60] [--out benchmarks/results/processes.json]"""
import argparse, json, os, platform, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import torch


def _command(name):
    exe = Path(sys.executable).parent / name
    return str(exe) if exe.exists() else shutil.which(name)


def run(procs:int, threads:int, steps:int, gpu:bool=False)->dict:
    with tempfile.TemporaryDirectory() as tmp:
        args = ['--steps', str(steps), '--ckpt_every', str(steps), '--out', str(Path(tmp) / 'run'), '--n_samples', '4',
                '--sample_steps', '2'] + ([] if gpu else ['--cpu'])
        cmd = ([_command('ddpm_nb_train')] if procs == 1 else
               [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', str(procs),
                _command('ddpm_nb_train')]) + args
        env = {**os.environ, 'OMP_NUM_THREADS': str(threads), 'HF_HOME': str(Path(tmp) / 'hf')}
        if not gpu: env['CUDA_VISIBLE_DEVICES'] = ''
        t0 = time.time()
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode: raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr[-3000:]}")
        log = json.loads((Path(tmp) / 'run' / 'train_log.json').read_text())
    imgs = log['steps'] * log['hp']['global_batch_size']
    return dict(processes=procs, threads_per_process=threads, device=log['device'], precision=log['precision'],
                steps=log['steps'], batch_size=log['hp']['batch_size'], global_batch_size=log['hp']['global_batch_size'],
                train_wall_s=log['wall_time_s'], images_per_s=round(imgs / log['wall_time_s'], 1),
                command_wall_s=round(time.time() - t0, 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--steps', type=int, default=60)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'processes.json'))
    a = ap.parse_args()
    run(1, 2, 10)                                                     # warm caches and imports, not timed
    rows = [run(1, 2, a.steps), run(2, 1, a.steps)]
    if torch.cuda.is_available(): rows.append(run(1, os.cpu_count() or 1, a.steps, gpu=True))
    for r in rows: print(r)
    res = dict(benchmark='training images/s of ddpm_nb_train (main job: mnist, U-Net ch 16, batch 64 per process), '
                         '1 process vs 2 processes under torchrun',
               machine=f"{platform.machine()} CPU, {os.cpu_count()} cores, torch {torch.__version__}",
               gpu=torch.cuda.get_device_name() if torch.cuda.is_available() else None,
               rows=rows, ratio_2p_over_1p=round(rows[1]['images_per_s'] / rows[0]['images_per_s'], 3),
               date=time.strftime('%Y-%m-%d'))
    Path(a.out).write_text(json.dumps(res, indent=1))
    print(f"2 processes / 1 process: {res['ratio_2p_over_1p']}x images/s -> {a.out}")


if __name__ == '__main__':
    main()
