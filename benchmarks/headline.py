#!/usr/bin/env python3
"""The headline results: sample quality and likelihood of the shipped MNIST models, one row per command.

  python benchmarks/headline.py ROW [ROW ...] [--n 1000] [--threads 1] [--json benchmarks/results/headline.json]
  python benchmarks/headline.py --list

Every sampling row draws --n images with seed 0 (labels 0..9 in turn for the guided rows) and scores them against the
1,000 held-out digits with `ddpm_nb.metrics.image_scores` (FD and IS by torchmetrics on the book's classifier, and the
confident share), with bootstrap standard errors of the FD and IS (`ddpm_nb.metrics.bootstrap_se`, 200 replicates of
the features, seed 0); the autoguided row (`ag_2`, chapter 18) guides `mnist_unet` away from `mnist_unet_early`, and
`distilled_50` samples the one network trained to imitate that pair (`mnist_unet_distilled`, chapter 18); rows
guided towards a class also report the share the independent classifier assigns to the requested digit.
Likelihood rows compute `ddpm_nb.improved.nll_bpd` on the 1,000 held-out digits (50 stratified terms per digit, an
unbiased estimate of the negative ELBO, with its standard error). Each row records its settings, wall time, threads,
machine and date, and a digest of the tensors of every shipped file it used (model, judge, noisy classifier), so a row
measured on weights that have since changed can be told apart; it is merged into the JSON file (other rows are kept),
and a 64-image grid of each sampling row is written next to it. The results page (nbs/results.ipynb) reads that file.
"""
import argparse, datetime, hashlib, json, math, os, platform, time
from pathlib import Path
import torch

ROWS = {
    'real':          dict(kind='real', note='1,000 training digits (real vs real at this n)'),
    'ddpm_100':      dict(kind='sample', model='mnist_unet', sampler='ddpm', steps=100, var_type='beta_tilde'),
    'ddim_20':       dict(kind='sample', model='mnist_unet', sampler='ddim', steps=20, eta=0.0),
    'ddim_50':       dict(kind='sample', model='mnist_unet', sampler='ddim', steps=50, eta=0.0),
    'ddim_50_eta1':  dict(kind='sample', model='mnist_unet', sampler='ddim', steps=50, eta=1.0),
    'euler_20':      dict(kind='sample', model='mnist_flow', sampler='euler', steps=20),
    'learned_50':    dict(kind='sample', model='mnist_hybrid', sampler='improved', steps=50),
    'cfg_0':         dict(kind='sample', model='mnist_cond', sampler='ddim', steps=50, eta=0.0, cfg=0.0),
    'cfg_2':         dict(kind='sample', model='mnist_cond', sampler='ddim', steps=50, eta=0.0, cfg=2.0),
    'clf_2':         dict(kind='sample', model='mnist_unet', sampler='ddim', steps=50, eta=0.0, classifier=2.0),
    'ag_2':          dict(kind='sample', model='mnist_unet', sampler='ddim', steps=50, eta=0.0, autoguide=2.0, bad='mnist_unet_early'),
    'distilled_50':  dict(kind='sample', model='mnist_unet_distilled', sampler='ddim', steps=50, eta=0.0),
    'dpmpp_3m_10':   dict(kind='sample', model='mnist_unet', sampler='dpmpp_3m', steps=10, grid='trailing'),
    'dpmpp_2m_pc_10': dict(kind='sample', model='mnist_unet', sampler='dpmpp_2m', steps=10, grid='trailing', corrector=True),
    'nll_beta':      dict(kind='nll', model='mnist_unet', var_type='beta'),
    'nll_beta_tilde': dict(kind='nll', model='mnist_unet', var_type='beta_tilde'),
    'nll_learned':   dict(kind='nll', model='mnist_hybrid', var_type='learned'),
}


def cpu_name():
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()


def weights_digest(path)->str:
    "SHA-256 (16 hex digits) of a safetensors file's tensors (names, dtypes, shapes, bytes, in name order): a rewrite of its metadata leaves it unchanged."
    from safetensors.torch import load_file
    h = hashlib.sha256()
    for k, v in sorted(load_file(str(path)).items()):
        h.update(f"{k}|{v.dtype}|{tuple(v.shape)}|".encode())
        h.update(v.detach().reshape(-1).contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:16]


def row_files(spec)->list:
    "The shipped files a row depends on: its model, the judge (for scored samples) and the noisy classifier (classifier guidance)."
    names = [spec['model']] if 'model' in spec else []
    if spec['kind'] in ('sample', 'real'): names.append('mnist_classifier')
    if 'classifier' in spec: names.append('mnist_noisy_classifier')
    if 'bad' in spec: names.append(spec['bad'])
    return names


def row_weights(spec, path_of=None)->dict:
    "name -> `weights_digest` of each file of `row_files(spec)`, by default the files shipped in this install."
    if path_of is None:
        from ddpm_nb.cli import shipped_path as path_of
    return {name: weights_digest(path_of(name)) for name in row_files(spec)}


def draw(spec, n, batch=250, seed=0):
    "n samples of a row's model and sampler, in batches, from one CPU generator; labels for guided rows."
    from ddpm_nb.cli import load_pretrained
    from ddpm_nb.ddim import ddim_sample
    from ddpm_nb.sample import ddpm_sample
    model, sched, kind = load_pretrained(spec['model'])
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 10 if ('cfg' in spec or 'classifier' in spec) else None
    out = []
    for i in range(0, n, batch):
        b = min(batch, n - i)
        yb = labels[i:i + b] if labels is not None else None
        if spec['sampler'] == 'ddpm':
            x = ddpm_sample(model, (b, 1, 28, 28), sched, kind, spec['var_type'], steps=spec['steps'], generator=g, progress=False)
        elif spec['sampler'] == 'improved':
            from ddpm_nb.improved import improved_sample
            x = improved_sample(model, (b, 1, 28, 28), sched, steps=spec['steps'], generator=g, progress=False)
        elif spec['sampler'].startswith('dpmpp_'):
            from ddpm_nb.solvers import dpm_solver_sample
            x = dpm_solver_sample(model, (b, 1, 28, 28), sched, kind, steps=spec['steps'], order=int(spec['sampler'][6]),
                                  grid=spec['grid'], corrector=spec.get('corrector', False), generator=g, progress=False)
        elif spec['sampler'] == 'euler':
            from ddpm_nb.flow import flow_sample
            x = flow_sample(model, (b, 1, 28, 28), 'euler', spec['steps'], generator=g, progress=False)
        else:
            m = model
            if 'cfg' in spec:
                from ddpm_nb.guidance import CFGModel
                m = CFGModel(model, yb, spec['cfg'])
            elif 'classifier' in spec:
                from ddpm_nb.guidance import ClassifierGuidedEps, load_noisy_classifier
                m = ClassifierGuidedEps(model, load_noisy_classifier(), yb, spec['classifier'], sched, kind)
            elif 'autoguide' in spec:
                from ddpm_nb.guidance import AutoGuidedModel
                m = AutoGuidedModel(model, load_pretrained(spec['bad'])[0], spec['autoguide'], sched, kind)
            x = ddim_sample(m, (b, 1, 28, 28), sched, 'eps' if m is not model else kind, spec['eta'], spec['steps'],
                            generator=g, progress=False)
        out.append(x.cpu())
        print(f"  {i + b}/{n} samples", flush=True)
    return torch.cat(out), labels


def run_row(name, n, threads):
    from ddpm_nb.data import get_dataset, show_images
    from ddpm_nb.metrics import image_scores, features_and_probs, score_se
    from ddpm_nb.classifier import load_classifier, judge_samples
    spec = dict(ROWS[name])
    x_te, _ = get_dataset('mnist', 'test', seed=0)
    judge = load_classifier()
    rec = dict(row=name, **spec, threads=threads, machine=f"{cpu_name()}, {os.cpu_count()} cores", device='cpu',
               torch=torch.__version__, date=datetime.date.today().isoformat(), weights=row_weights(spec))
    t0 = time.perf_counter()
    if spec['kind'] == 'real':
        x_tr, _ = get_dataset('mnist', 'train', seed=0)
        x, labels = x_tr[:n], None
    elif spec['kind'] == 'sample':
        x, labels = draw(spec, n)
    else:
        from ddpm_nb.cli import load_pretrained
        from ddpm_nb.improved import nll_bpd
        model, sched, _ = load_pretrained(spec['model'])
        bpd = nll_bpd(model, x_te, sched, spec['var_type'], n_t=50, generator=torch.Generator().manual_seed(0), progress=False)
        rec.update(n=len(x_te), n_t=50, bpd=bpd.mean().item(), bpd_se=(bpd.std() / math.sqrt(len(bpd))).item(),
                   wall_s=round(time.perf_counter() - t0, 1))
        return rec
    rec['sample_wall_s'] = round(time.perf_counter() - t0, 1)
    rec.update(image_scores(x, x_te, judge))
    f_x, p_x = features_and_probs(x, judge)
    f_ref = features_and_probs(x_te, judge)[0]
    rec['fd_se'], rec['is_se'] = score_se(f_ref, f_x, p_x)                         # 200 replicates, seed 0
    j = judge_samples(x, judge)
    rec.update(class_balance=j['class_balance'], counts=j['counts'].tolist())
    if labels is not None: rec['accuracy'] = (j['probs'].argmax(1) == labels).float().mean().item()
    rec['wall_s'] = round(time.perf_counter() - t0, 1)
    if spec['kind'] != 'sample': return rec
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4, 4))
    show_images(x[:64], nrow=8, ax=ax); ax.set_title(name, fontsize=9)
    fig.savefig(Path(ARGS.json).parent / f'headline_{name}.png', dpi=60, bbox_inches='tight'); plt.close(fig)
    return rec


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('rows', nargs='*'); p.add_argument('--n', type=int, default=1000)
    p.add_argument('--threads', type=int, default=1); p.add_argument('--list', action='store_true')
    p.add_argument('--json', default=str(Path(__file__).parent / 'results' / 'headline.json'))
    ARGS = a = p.parse_args()
    if a.list or not a.rows:
        for k, v in ROWS.items(): print(f"{k:16s} {v}")
        return
    bad = [r for r in a.rows if r not in ROWS]
    if bad: raise SystemExit(f"unknown rows {bad}; choose from {list(ROWS)}")
    if a.n <= 128: raise SystemExit("--n must exceed the 128 features of the judge (a Fréchet distance needs it)")
    torch.set_num_threads(a.threads)
    path = Path(a.json); path.parent.mkdir(parents=True, exist_ok=True)
    for name in a.rows:
        print(f"{name}: {ROWS[name]}", flush=True)
        rec = run_row(name, a.n, a.threads)
        data = json.loads(path.read_text()) if path.exists() else {}      # re-read: several runs may write in turn
        data[name] = rec
        tmp = path.with_suffix('.tmp'); tmp.write_text(json.dumps(data, indent=1)); tmp.replace(path)
        print(json.dumps({k: v for k, v in rec.items() if k != 'counts'}), flush=True)


if __name__ == '__main__':
    main()
