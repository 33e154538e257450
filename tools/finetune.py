#!/usr/bin/env python3
"""Warm-start a new MNIST model from the shipped unconditional U-Net (`mnist_unet`) and fine-tune it.

  cond    class-conditional eps-model with label dropout (classifier-free guidance, chapter 18): the class embedding is
          added to the time embedding and starts at zero, so step 0 is exactly the unconditional model.
  hybrid  learned-variance model (out_mult=2) trained with L_hybrid (chapter 17): the eps half of the output layer is
          copied, the v half starts at zero (v = 0: log-variance halfway between beta and beta-tilde).
  simple  the same network trained further with L_simple alone: the control of a fine-tune (chapter 17's learned
          variance against the same extra steps of L_simple; chapter 13's flow matching against the same steps of DDPM
          from the same start). `--base` names the start, `--ema_decay` the average.

Checkpoints are written atomically every --ckpt_every steps; --resume continues exactly where a run stopped.
  python tools/finetune.py cond --out runs/mnist_cond --steps 3000
  python tools/finetune.py hybrid --out runs/mnist_hybrid --steps 2500
  python tools/finetune.py simple --base start.safetensors --out runs/control --steps 2000 --lr 2e-4
"""
import argparse, json, time
from pathlib import Path
import torch
from ddpm_nb.data import get_dataset
from ddpm_nb.cli import load_pretrained
from ddpm_nb.train import Trainer, build_model
from ddpm_nb.sample import load_model


def warm_start(kind:str, base_file=None):
    "A new model initialised from the shipped `mnist_unet` (or the EMA weights of `base_file`) so that it computes the same eps at step 0."
    base, sched, _ = load_model(base_file) if base_file else load_pretrained('mnist_unet')
    cfg = dict(base.meta['model_config'])
    if kind == 'simple': return build_model('unet', cfg), sched, base
    if kind == 'cond': cfg['num_classes'] = 10
    else: cfg['out_mult'] = 2
    model = build_model('unet', cfg)
    sd = base.state_dict()
    if kind == 'hybrid':
        w, b = sd.pop('out.2.weight'), sd.pop('out.2.bias')
        with torch.no_grad():
            model.out[2].weight.zero_(); model.out[2].bias.zero_()
            model.out[2].weight[:w.shape[0]] = w; model.out[2].bias[:b.shape[0]] = b
    missing, unexpected = model.load_state_dict(sd, strict=False)
    allowed = {'class_emb.weight'} if kind == 'cond' else {'out.2.weight', 'out.2.bias'}
    if set(missing) - allowed or unexpected: raise RuntimeError(f"warm start mismatch: missing {missing}, unexpected {unexpected}")
    if kind == 'cond':
        with torch.no_grad(): model.class_emb.weight.zero_()
    return model, sched


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('kind', choices=['cond', 'hybrid', 'simple'])
    p.add_argument('--base', default=None, help='start from this checkpoint (its EMA weights) instead of the shipped mnist_unet')
    p.add_argument('--ema_decay', type=float, default=0.999)
    p.add_argument('--precision', default='fp32', help='fp32 or bf16 (autocast; chapter 8)')
    p.add_argument('--out', required=True); p.add_argument('--steps', type=int, default=3000)
    p.add_argument('--lr', type=float, default=2e-4); p.add_argument('--warmup', type=int, default=100)
    p.add_argument('--ckpt_every', type=int, default=250); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--resume', action='store_true'); p.add_argument('--threads', type=int, default=1)
    p.add_argument('--init', default=None, help='start from the EMA weights of this checkpoint (same kind) instead of mnist_unet')
    p.add_argument('--emb_lr', type=float, default=None, help='cond: a separate, constant learning rate for the class embedding')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    if a.kind == 'simple':
        model, sched, base = warm_start('simple', a.base)
        model.load_state_dict(base.state_dict())
    else: model, sched = warm_start(a.kind, a.base)
    if a.init:
        from ddpm_nb.train import load_checkpoint
        tensors, meta = load_checkpoint(a.init)
        model.load_state_dict({k[len('ema.module.'):]: v for k, v in tensors.items() if k.startswith('ema.module.')})
    x, y = get_dataset('mnist', 'train', seed=0)
    if a.kind in ('cond', 'simple'):
        tr = Trainer(model, x, y if a.kind == 'cond' else None, sched, lr=a.lr, warmup=a.warmup, ema_decay=a.ema_decay,
                     seed=a.seed, cpu=True, precision=a.precision)
    else:
        from ddpm_nb.improved import HybridTrainer
        tr = HybridTrainer(model, x, None, sched, lr=a.lr, warmup=a.warmup, ema_decay=a.ema_decay, seed=a.seed, cpu=True, precision=a.precision)
    tr.hp['init'] = Path(a.init or a.base).name if (a.init or a.base) else 'mnist_unet'   # a file name, not a path of this machine
    if a.emb_lr is not None:
        # the class embedding starts at zero and Adam moves each weight by about lr per step: with the network's small lr
        # it stays near zero for thousands of steps (the first 2,000-step run ignored the labels), so it gets its own
        # constant lr (no warm-up for it)
        if a.kind != 'cond': raise SystemExit("--emb_lr applies to the class embedding of 'cond' only")
        inner = getattr(tr.opt, 'optimizer', tr.opt)
        emb = list(tr.acc.unwrap_model(tr.model).class_emb.parameters()); ids = {id(q) for q in emb}
        inner.param_groups[0]['params'] = [q for q in inner.param_groups[0]['params'] if id(q) not in ids]
        inner.add_param_group({'params': emb, 'lr': a.emb_lr, 'initial_lr': a.emb_lr})
        tr.lr_sched.base_lrs.append(a.emb_lr); tr.lr_sched.lr_lambdas.append(lambda s: 1.0)
        tr.lr_sched._last_lr = [g['lr'] for g in inner.param_groups]
        tr.hp['emb_lr'] = a.emb_lr
    out = Path(a.out); ck = out / 'checkpoint.safetensors'
    if a.resume: tr.load(ck)
    elif ck.exists(): raise SystemExit(f"{ck} exists: pass --resume")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    tr.fit(a.steps, out, a.ckpt_every, progress=True)
    print(json.dumps(dict(step=tr.step, wall_time=tr.wall_time, last_loss=tr.history[-1] if tr.history else None)))


if __name__ == '__main__':
    main()
