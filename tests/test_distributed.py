"""Two CPU processes train one model with `Trainer` under `accelerate launch`, and the replicas stay identical.

How it is launched: `accelerate launch --cpu --num_processes 2` starts a single process unless MPI is installed
(accelerate's multi-CPU launcher is `mpirun`), so the test uses the torchrun-based launcher,
`python -m accelerate.commands.launch --multi_gpu --num_processes 2 ...`, with no GPU visible and the script asking
for the CPU (`Trainer(..., cpu=True)`): each process then runs with `DistributedType.MULTI_CPU` over gloo.
`HF_HOME` points into the test's folder so that no user `accelerate config` file is read."""
import os, socket, subprocess, sys
import pytest
import torch

SCRIPT = '''
import os, sys, torch
torch.set_num_threads(1)
from ddpm_nb.train import Trainer
from ddpm_nb.unet import MLPDenoiser
from ddpm_nb.data import toy_data
out = sys.argv[1]
x, _ = toy_data('mixture', 1024)
torch.manual_seed(int(os.environ['RANK']))                    # different initial weights on each process
model = MLPDenoiser(hidden=32)
pre = {k: v.clone() for k, v in model.state_dict().items()}
tr = Trainer(model, x, batch_size=32, lr=1e-2, warmup=1, ema_decay=0.5, cpu=True)
init = {k: v.clone() for k, v in tr.acc.unwrap_model(tr.model).state_dict().items()}
seen, loader = [], tr.loader
def spy():
    for b in loader: seen.append(b.clone()); yield b
tr.loader = spy()
tr.fit(5, out=out, ckpt_every=5, progress=False, log_every=1)
torch.save(dict(rank=tr.acc.process_index, world=tr.acc.num_processes, kind=tr.acc.distributed_type.value,
                pre=pre, init=init, final=tr.acc.unwrap_model(tr.model).state_dict(), ema=tr.ema.state_dict(),
                first_batch=seen[0], history=tr.history), f'{out}/rank{tr.acc.process_index}.pt')
'''


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _same(a, b): return sorted(a) == sorted(b) and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope='module')
def two_ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp('ddp')
    (out / 'script.py').write_text(SCRIPT)
    cmd = [sys.executable, '-m', 'accelerate.commands.launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1',
           '--mixed_precision', 'no', '--dynamo_backend', 'no', '--main_process_port', str(_free_port()),
           str(out / 'script.py'), str(out)]
    env = {**os.environ, 'CUDA_VISIBLE_DEVICES': '', 'OMP_NUM_THREADS': '1', 'HF_HOME': str(out / 'hf')}
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    if r.returncode:
        pytest.fail(f"`{' '.join(cmd)}` failed with status {r.returncode}\n--- stdout ---\n{r.stdout[-4000:]}\n"
                    f"--- stderr ---\n{r.stderr[-4000:]}")
    return out, [torch.load(out / f'rank{i}.pt') for i in (0, 1)]


def test_two_processes_ran(two_ranks):
    _, (r0, r1) = two_ranks
    assert [(r['rank'], r['world'], r['kind']) for r in (r0, r1)] == [(0, 2, 'MULTI_CPU'), (1, 2, 'MULTI_CPU')]


def test_each_rank_sees_its_own_data(two_ranks):
    _, (r0, r1) = two_ranks
    assert r0['first_batch'].shape == r1['first_batch'].shape == (32, 2)
    assert not torch.equal(r0['first_batch'], r1['first_batch'])


def test_rank0_weights_are_broadcast(two_ranks):
    _, (r0, r1) = two_ranks
    assert not _same(r0['pre'], r1['pre'])                      # the two processes built different models ...
    assert _same(r0['init'], r0['pre']) and _same(r1['init'], r0['pre'])   # ... and both start from rank 0's


def test_replicas_stay_identical_and_train(two_ranks):
    _, (r0, r1) = two_ranks
    assert _same(r0['final'], r1['final'])
    assert _same(r0['ema'], r1['ema'])
    assert not _same(r0['final'], r0['init'])
    assert r0['history'] == r1['history'] and len(r0['history']) == 5   # the loss is averaged over the processes


def test_one_checkpoint_from_rank0(two_ranks):
    from ddpm_nb.train import load_checkpoint
    out, (r0, _) = two_ranks
    assert sorted(p.name for p in out.glob('*.safetensors')) == ['checkpoint.safetensors']
    tensors, meta = load_checkpoint(out / 'checkpoint.safetensors')
    assert meta['step'] == 5 and meta['hp']['num_processes'] == 2
    assert all(torch.equal(tensors['model.' + k], v) for k, v in r0['final'].items())
