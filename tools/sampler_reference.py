#!/usr/bin/env python3
"""Draw a fixed set of samples with every sampler of the package and store them (or compare with the stored ones).

The samplers were rewritten on one loop (chapter 9's `sample_loop`); this file pins what they drew before, so that the
rewrite is shown to change nothing: the same seeds give bit-identical samples on the 2-D models and on 4 MNIST images.
(The two mnist_cond entries were redrawn when that model was retrained, after the rewrite had matched all 31, and the
seven mnist_unet entries when mnist_unet was retrained with chapter 8's recipe; the other 24 were unchanged.)
  python tools/sampler_reference.py --write    # store tests/data/sampler_reference.safetensors (before a rewrite)
  python tools/sampler_reference.py            # compare; exit 1 on any difference (tests/test_sampler_reference.py)"""
import argparse, sys
from pathlib import Path
import torch
from safetensors.torch import save_file, load_file

REF = Path(__file__).resolve().parents[1] / 'tests' / 'data' / 'sampler_reference.safetensors'


def draws()->dict:
    torch.set_num_threads(1)
    from ddpm_nb.sample import ddpm_sample, load_model, shipped_dir
    from ddpm_nb.ddim import ddim_sample
    from ddpm_nb.score import langevin_sample
    from ddpm_nb.flow import flow_sample, velocity_from_eps
    from ddpm_nb.improved import improved_sample
    from ddpm_nb.guidance import guided_ddpm_sample, ClassifierGuidedEps, CFGModel, load_noisy_classifier
    load = lambda f: load_model(shipped_dir() / f)
    g = lambda s=0: torch.Generator().manual_seed(s)
    out = {}
    for name in ('moons_mlp', 'mixture_mlp'):                         # the 2-D models: 64 points
        m, sc, k = load(f'{name}.safetensors')
        kw = dict(shape=(64, 2), sched=sc, kind=k, clip_x0=False, progress=False)
        out[f'{name}/ddpm_beta'] = ddpm_sample(m, var_type='beta', generator=g(1), steps=25, **kw)
        out[f'{name}/ddpm_tilde_full'] = ddpm_sample(m, var_type='beta_tilde', generator=g(2), **kw)
        out[f'{name}/ddpm_quadratic'] = ddpm_sample(m, steps=20, spacing='quadratic', generator=g(3), **kw)
        for eta in (0.0, 0.5, 1.0): out[f'{name}/ddim_eta{eta}'] = ddim_sample(m, steps=20, eta=eta, generator=g(4), **kw)
        out[f'{name}/langevin'] = langevin_sample(m, steps=20, n_steps_each=2, generator=g(5), **kw)
        v = velocity_from_eps(m, sc)
        for meth in ('euler', 'heun'):
            out[f'{name}/flow_{meth}'] = flow_sample(v, (64, 2), method=meth, steps=10, clip_x0=False, generator=g(6), progress=False)
    x0s = ddpm_sample(load('moons_mlp.safetensors')[0], (16, 2), load('moons_mlp.safetensors')[1], steps=8, clip_x0=False,
                      generator=g(7), progress=False, return_x0s=True)
    out['moons_mlp/ddpm_x0s'] = torch.stack(x0s[1])
    # 4 MNIST images with each image model and sampler (few steps: the point is identity, not quality)
    img = (4, 1, 28, 28)
    m, sc, k = load('mnist_unet.safetensors')
    out['mnist_unet/ddpm'] = ddpm_sample(m, img, sc, k, steps=10, generator=g(10), progress=False)
    out['mnist_unet/ddim'] = ddim_sample(m, img, sc, k, steps=10, generator=g(11), progress=False)
    out['mnist_unet/ddim_eta1'] = ddim_sample(m, img, sc, k, steps=10, eta=1.0, generator=g(12), progress=False)
    out['mnist_unet/langevin'] = langevin_sample(m, img, sc, k, steps=8, generator=g(13), progress=False)
    out['mnist_unet/flow_heun'] = flow_sample(velocity_from_eps(m, sc), img, method='heun', steps=5, generator=g(14), progress=False)
    clf = load_noisy_classifier()
    y = torch.tensor([0, 3, 7, 9])
    out['mnist_unet/classifier_ddpm'] = guided_ddpm_sample(m, clf, y, 2.0, img, sc, k, steps=10, generator=g(15), progress=False)
    out['mnist_unet/classifier_ddim'] = ddim_sample(ClassifierGuidedEps(m, clf, y, 2.0, sc, k), img, sc, steps=10,
                                                    generator=g(16), progress=False)
    mf, _, _ = load('mnist_flow.safetensors')
    for meth in ('euler', 'heun'): out[f'mnist_flow/{meth}'] = flow_sample(mf, img, method=meth, steps=6, generator=g(17), progress=False)
    mh, sh, _ = load('mnist_hybrid.safetensors')
    out['mnist_hybrid/improved'] = improved_sample(mh, img, sh, steps=10, generator=g(18), progress=False)
    mc, scc, kc = load('mnist_cond.safetensors')
    out['mnist_cond/ddpm_label'] = ddpm_sample(mc, img, scc, kc, steps=10, y=y, generator=g(19), progress=False)
    out['mnist_cond/cfg2_ddim'] = ddim_sample(CFGModel(mc, y, 2.0), img, scc, steps=10, generator=g(20), progress=False)
    return {k: v.detach().contiguous().cpu() for k, v in out.items()}


def write_or_compare(got:dict, ref_path:Path, write:bool, what:str='draws', metadata:dict|None=None):
    "Store `got` in `ref_path` (with `write`), or compare it with what is stored there and exit 1 on any difference."
    if write:
        ref_path.parent.mkdir(parents=True, exist_ok=True); save_file(got, str(ref_path), metadata=metadata)
        print(f"wrote {len(got)} {what} to {ref_path}"); return
    ref = load_file(str(ref_path))
    bad = sorted(set(ref) ^ set(got)) + [k for k in ref if k in got and not torch.equal(ref[k], got[k])]
    for k in bad: print('differs:', k)
    print(f"{len(ref) - len(bad)} of {len(ref)} {what} bit-identical")
    sys.exit(1 if bad else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0]); ap.add_argument('--write', action='store_true')
    a = ap.parse_args()
    write_or_compare(draws(), REF, a.write)


if __name__ == '__main__':
    main()
