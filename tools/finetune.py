#!/usr/bin/env python3
"""Warm-start a new MNIST model from the shipped unconditional U-Net (`mnist_unet`) and fine-tune it.

  cond    class-conditional eps-model with label dropout (classifier-free guidance, chapter 18): the class embedding is
          added to the time embedding and starts at zero, so step 0 is exactly the unconditional model.
  hybrid  learned-variance model (out_mult=2) trained with L_hybrid (chapter 17): the eps half of the output layer is
          copied, the v half starts at zero (v = 0: log-variance halfway between beta and beta-tilde).

Checkpoints are written atomically every --ckpt_every steps; --resume continues exactly where a run stopped.
  python tools/finetune.py cond --out runs/mnist_cond --steps 3000
  python tools/finetune.py hybrid --out runs/mnist_hybrid --steps 2500
"""
import argparse, json, time
from pathlib import Path
import torch
from ddpm_nb.data import get_dataset
from ddpm_nb.cli import load_pretrained
from ddpm_nb.train import Trainer, build_model


def warm_start(kind:str):
    "A new model initialised from the shipped `mnist_unet` so that it computes the same eps at step 0."
    base, sched, _ = load_pretrained('mnist_unet')
    cfg = dict(base.model_config if hasattr(base, 'model_config') else base.config)
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
    p.add_argument('kind', choices=['cond', 'hybrid'])
    p.add_argument('--out', required=True); p.add_argument('--steps', type=int, default=3000)
    p.add_argument('--lr', type=float, default=2e-4); p.add_argument('--warmup', type=int, default=100)
    p.add_argument('--ckpt_every', type=int, default=250); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--resume', action='store_true'); p.add_argument('--threads', type=int, default=1)
    p.add_argument('--init', default=None, help='start from the EMA weights of this checkpoint (same kind) instead of mnist_unet')
    p.add_argument('--emb_lr', type=float, default=None, help='cond: a separate, constant learning rate for the class embedding')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model, sched = warm_start(a.kind)
    if a.init:
        from ddpm_nb.train import load_checkpoint
        tensors, meta = load_checkpoint(a.init)
        model.load_state_dict({k[len('ema.module.'):]: v for k, v in tensors.items() if k.startswith('ema.module.')})
    x, y = get_dataset('mnist', 'train', seed=0)
    if a.kind == 'cond':
        tr = Trainer(model, x, y, sched, lr=a.lr, warmup=a.warmup, seed=a.seed, cpu=True)
    else:
        from ddpm_nb.improved import HybridTrainer
        tr = HybridTrainer(model, x, None, sched, lr=a.lr, warmup=a.warmup, seed=a.seed, cpu=True)
    tr.hp['init'] = a.init or 'mnist_unet'
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
