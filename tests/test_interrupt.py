"SIGTERM in the middle of `ddpm_nb_train`: the step reached is checkpointed, and `--resume` continues it bit-exactly."
import os, shutil, signal, subprocess, sys, time
from pathlib import Path
import torch
from ddpm_nb.train import load_checkpoint

EXE = shutil.which('ddpm_nb_train') or str(Path(sys.executable).parent / 'ddpm_nb_train')
ARGS = ['--data', 'mixture', '--ch', '4', '--cpu', '--precision', 'fp32', '--n_samples', '16', '--sample_steps', '5']
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'CUDA_VISIBLE_DEVICES': ''}

def _run(out, *extra, timeout=300):
    r = subprocess.run([EXE, *ARGS, '--out', str(out), *extra], capture_output=True, text=True, env=ENV, timeout=timeout)
    assert r.returncode == 0, r.stderr[-2000:]
    return r

def test_sigterm_checkpoints_and_resumes_exactly(tmp_path):
    steps = '4000'
    p = subprocess.Popen([EXE, *ARGS, '--out', str(tmp_path / 'cut'), '--steps', steps, '--ckpt_every', '100'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    ck = tmp_path / 'cut' / 'checkpoint.safetensors'
    t0 = time.time()
    while not ck.exists():                                     # training is under way once the first checkpoint is there
        assert p.poll() is None, p.communicate()[1][-2000:]
        assert time.time() - t0 < 240, 'no checkpoint after 240 s'
        time.sleep(0.05)
    time.sleep(0.3)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 128 + signal.SIGTERM, (p.returncode, err[-2000:])
    step = load_checkpoint(ck)[1]['step']
    assert 100 <= step < int(steps), step
    assert f'interrupted by SIGTERM at step {step}' in err and '--resume' in err, err
    assert 'Traceback' not in err
    _run(tmp_path / 'cut', '--steps', steps, '--resume')
    _run(tmp_path / 'straight', '--steps', steps, '--ckpt_every', '100000')
    (ta, ma), (tb, mb) = load_checkpoint(ck), load_checkpoint(tmp_path / 'straight' / 'checkpoint.safetensors')
    assert ma['step'] == mb['step'] == int(steps)
    assert sorted(ta) == sorted(tb)
    assert [n for n in ta if not torch.equal(ta[n], tb[n])] == []
