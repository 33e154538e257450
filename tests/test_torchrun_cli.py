"""The console command itself under `torchrun --standalone --nproc_per_node 2` on the CPU (gloo), then resumed on one process.

What a user types (chapter 8, "More than one process, and GPUs"):
  torchrun --standalone --nproc_per_node 2 $(which ddpm_nb_train) --cpu --data moons --steps 40 --out d
torchrun's `--log-dir ... --redirects 3` keeps each rank's stdout and stderr in its own file, so the test can check that
rank 1 prints nothing and that rank 0 prints each path once."""
import json, os, shutil, subprocess, sys
from pathlib import Path
import pytest
import torch

STEPS, MORE = 40, 60


def _command(name):
    exe = Path(sys.executable).parent / name
    found = str(exe) if exe.exists() else shutil.which(name)
    if found is None: pytest.skip(f"the console script {name} is not installed (pip install -e .)")
    return found


def _env(tmp):
    return {**os.environ, 'CUDA_VISIBLE_DEVICES': '', 'OMP_NUM_THREADS': '1', 'HF_HOME': str(tmp / 'hf')}


def _train_args(out, steps):
    return ['--cpu', '--data', 'moons', '--steps', str(steps), '--ckpt_every', '20', '--out', str(out),
            '--sample_steps', '10', '--n_samples', '16', '--precision', 'fp32']


def _rank_files(logs, rank, name):
    "torchrun writes LOGDIR/<run id>/attempt_0/<rank>/{stdout,stderr}.log."
    found = sorted(Path(logs).glob(f'**/attempt_*/{rank}/{name}.log'))
    assert found, f"torchrun wrote no {name}.log for rank {rank} under {logs}"
    return found[-1].read_text()


@pytest.fixture(scope='module')
def two_then_one(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('torchrun')
    out, logs = tmp / 'run', tmp / 'logs'
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2',
           '--log-dir', str(logs), '--redirects', '3', _command('ddpm_nb_train'), *_train_args(out, STEPS)]
    r2 = subprocess.run(cmd, env=_env(tmp), capture_output=True, text=True, timeout=300)
    if r2.returncode:
        pytest.fail(f"`{' '.join(cmd)}` failed with status {r2.returncode}\n{r2.stderr[-3000:]}\n"
                    f"rank 0: {_rank_files(logs, 0, 'stderr')[-3000:]}")
    log2 = json.loads((out / 'train_log.json').read_text())
    r1 = subprocess.run([_command('ddpm_nb_train'), *_train_args(out, MORE), '--resume'], env=_env(tmp),
                        capture_output=True, text=True, timeout=300)
    assert r1.returncode == 0, r1.stderr[-3000:]
    return tmp, out, logs, r2, log2, r1


def test_the_console_command_ran_on_two_processes(two_then_one):
    _, out, _, _, log2, _ = two_then_one
    assert log2['steps'] == STEPS and log2['hp']['num_processes'] == 2
    assert log2['hp']['batch_size'] == 64 and log2['hp']['global_batch_size'] == 128   # per process, and in all


def test_only_rank0_prints_and_writes(two_then_one):
    _, out, logs, _, _, _ = two_then_one
    assert _rank_files(logs, 1, 'stdout') == '' and _rank_files(logs, 1, 'stderr') == ''
    printed = _rank_files(logs, 0, 'stdout').splitlines()
    for key, name in [('checkpoint', 'checkpoint.safetensors'), ('loss', 'loss.png'), ('samples', 'samples.png'),
                      ('log', 'train_log.json')]:
        assert printed.count(f'{key}: {out / name}') == 1, printed
    assert sorted(p.name for p in out.iterdir()) == ['checkpoint.safetensors', 'loss.png', 'samples.png', 'train_log.json']


def test_resume_on_one_process(two_then_one):
    from ddpm_nb.train import load_checkpoint
    _, out, _, _, _, r1 = two_then_one
    log1 = json.loads((out / 'train_log.json').read_text())
    assert log1['steps'] == MORE and log1['hp']['num_processes'] == 1 and log1['hp']['global_batch_size'] == 64
    _, meta = load_checkpoint(out / 'checkpoint.safetensors')
    assert meta['step'] == MORE and meta['hp']['num_processes'] == 1 and meta['hp']['global_batch_size'] == 64
    assert r1.stdout.splitlines().count(f"checkpoint: {out / 'checkpoint.safetensors'}") == 1
