#!/usr/bin/env python3
"""Draw a fixed set of samples with chapter 15's solvers and store them (or compare with the stored ones).

Same seeds, same samples: `dpm_solver_sample` (orders 1, 2, 3 on the logsnr, karras and uniform grids, 10 steps) and
`heun_sample` (with and without churn), and `dpm_solver_sample(..., corrector=True)` on the trailing grid, on the shipped 2-D models (64 points) and on 4 MNIST images of `mnist_unet` and
`mnist_cond` (with labels, and under chapter 18's `CFGModel` at w = 2; `mnist_unet` also under `ClassifierGuidedEps`),
float32, one thread. The reference file also records the SHA-256 of every shipped file it used: when a shipped model
is retrained its draws change, and the comparison stops with a message asking to re-draw the reference.
  python tools/solver_reference.py --write    # store tests/data/solver_reference.safetensors (with known-good solver code)
  python tools/solver_reference.py            # compare; exit 1 on any difference (tests/test_sampler_reference.py)"""
import argparse, sys
from pathlib import Path
import torch
from safetensors import safe_open
sys.path.insert(0, str(Path(__file__).resolve().parent))
from sampler_reference import write_or_compare     # the one store-or-compare of both reference tools

REF = Path(__file__).resolve().parents[1] / 'tests' / 'data' / 'solver_reference.safetensors'
MODELS = ('moons_mlp', 'mixture_mlp', 'mnist_unet', 'mnist_cond', 'mnist_noisy_classifier')
GRIDS3, ORDERS = ('logsnr', 'karras', 'uniform'), (1, 2, 3)


def shipped_sha256s()->dict:
    "The pinned SHA-256 of each shipped file the draws use (`load_pretrained` refuses a file that does not match its pin)."
    from ddpm_nb.cli import SHIPPED
    return {f'sha256/{k}': SHIPPED[k][1] for k in MODELS}


def _solver_draws(out:dict, prefix:str, m, sc, shape, seed:int, y=None, clip=True, heun_steps=6):
    from ddpm_nb.solvers import dpm_solver_sample, heun_sample
    g = lambda s: torch.Generator().manual_seed(s)
    kw = dict(shape=shape, sched=sc, y=y, clip_x0=clip, progress=False)
    for o in ORDERS:
        for grid in GRIDS3:
            out[f'{prefix}/dpmpp_{o}m_{grid}'] = dpm_solver_sample(m, steps=10, order=o, grid=grid, generator=g(seed), **kw)
    out[f'{prefix}/heun_karras'] = heun_sample(m, steps=heun_steps, generator=g(seed + 1), **kw)
    out[f'{prefix}/heun_churn'] = heun_sample(m, steps=heun_steps, churn=5.0, generator=g(seed + 2), **kw)


def draws()->dict:
    torch.set_num_threads(1)
    from ddpm_nb.cli import load_pretrained
    from ddpm_nb.solvers import dpm_solver_sample, heun_sample
    from ddpm_nb.guidance import CFGModel, ClassifierGuidedEps
    g = lambda s: torch.Generator().manual_seed(s)
    out = {}
    for j, name in enumerate(('moons_mlp', 'mixture_mlp')):          # the 2-D models: 64 points, no clipping
        m, sc, k = load_pretrained(name)
        _solver_draws(out, name, m, sc, (64, 2), 100 + 10 * j, clip=False, heun_steps=8)
        kw = dict(shape=(64, 2), sched=sc, kind=k, clip_x0=False, progress=False)
        out[f'{name}/dpmpp_3m_karras_cap10'] = dpm_solver_sample(m, steps=12, order=3, grid='karras', sigma_max=10.0, generator=g(120 + j), **kw)
        out[f'{name}/dpmpp_2m_trailing_20'] = dpm_solver_sample(m, steps=20, order=2, grid='trailing', generator=g(122 + j), **kw)
        out[f'{name}/heun_logsnr_uncapped'] = heun_sample(m, steps=7, grid='logsnr', sigma_max=None, generator=g(124 + j), **kw)
        out[f'{name}/heun_churn_window'] = heun_sample(m, steps=9, churn=8.0, churn_tmin=0.05, churn_tmax=5.0, s_noise=1.007,
                                                       generator=g(126 + j), **kw)
        xT = torch.randn(64, 2, generator=g(128 + j))
        out[f'{name}/dpmpp_2m_xT'] = dpm_solver_sample(m, x_T=xT, sched=sc, steps=5, clip_x0=False, progress=False)
        for o in ORDERS:                                              # with the corrector
            out[f'{name}/dpmpp_{o}m_pc_trailing'] = dpm_solver_sample(m, steps=10, order=o, grid='trailing', corrector=True,
                                                                      generator=g(130 + 10 * j + o), **kw)
    img, y = (4, 1, 28, 28), torch.tensor([0, 3, 7, 9])
    m, sc, k = load_pretrained('mnist_unet')
    _solver_draws(out, 'mnist_unet', m, sc, img, 200)
    clf = load_pretrained('mnist_noisy_classifier')
    cg = ClassifierGuidedEps(m, clf, y, 2.0, sc, k)
    out['mnist_unet/classifier2_dpmpp_2m'] = dpm_solver_sample(cg, img, sc, steps=10, generator=g(210), progress=False)
    out['mnist_unet/classifier2_heun'] = heun_sample(cg, img, sc, steps=5, generator=g(211), progress=False)
    out['mnist_unet/dpmpp_2m_pc_trailing'] = dpm_solver_sample(m, img, sc, steps=10, grid='trailing', corrector=True, generator=g(212), progress=False)
    mc, scc, kc = load_pretrained('mnist_cond')
    _solver_draws(out, 'mnist_cond/label', mc, scc, img, 300, y=y)
    _solver_draws(out, 'mnist_cond/cfg2', CFGModel(mc, y, 2.0), scc, img, 400)
    return {k: v.detach().contiguous().cpu() for k, v in out.items()}


def check_shipped()->list:
    "Problems with the stored SHA-256s against the shipped files' pins now (empty: the reference applies)."
    with safe_open(str(REF), 'pt') as f: meta = f.metadata() or {}
    now = shipped_sha256s()
    return [f"{k[7:]}: reference drawn with sha256 {meta.get(k, 'none')[:12]}..., shipped file now {v[:12]}..."
            for k, v in now.items() if meta.get(k) != v]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0]); ap.add_argument('--write', action='store_true')
    a = ap.parse_args()
    if not a.write:
        if not REF.is_file(): sys.exit(f"no reference at {REF}: write it with `python tools/solver_reference.py --write`")
        changed = check_shipped()
        if changed:
            for c in changed: print('shipped model changed:', c)
            print("The reference was drawn from other weights: with solver code known to be good, re-draw it with "
                  "`python tools/solver_reference.py --write`.")
            sys.exit(2)
    write_or_compare(draws(), REF, a.write, 'solver draws', shipped_sha256s())


if __name__ == '__main__':
    main()
