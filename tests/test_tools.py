"The scripts that made the shipped weights and the headline table: what they promise, cheaply (no training)."
import importlib.util, json, subprocess, sys
import pytest
import torch
from conftest import REPO


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, REPO / path)
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize('kind', ['cond', 'hybrid'])
def test_warm_start_is_the_shipped_model_at_step_0(kind):
    "tools/finetune.py starts each fine-tune from mnist_unet so that step 0 computes exactly its eps."
    from ddpm_nb.cli import load_pretrained
    ft = _load('tools/finetune.py', 'finetune')
    base = load_pretrained('mnist_unet')[0].eval()
    model = ft.warm_start(kind)[0].eval()
    g = torch.Generator().manual_seed(0)
    x, t = torch.randn(6, 1, 28, 28, generator=g), torch.tensor([1, 10, 200, 500, 900, 1000])
    with torch.no_grad():
        ref = base(x, t)
        if kind == 'cond':
            for y in (torch.arange(6), torch.full((6,), 10)):            # any class, and "no class"
                assert torch.equal(model(x, t, y), ref)
        else:
            out = model(x, t)
            assert out.shape == (6, 2, 28, 28) and torch.equal(out[:, :1], ref) and torch.equal(out[:, 1:], torch.zeros_like(ref))


def test_headline_rows_match_the_results_file():
    "benchmarks/headline.py lists its rows; the committed results hold every row with the settings the script has now."
    hl = _load('benchmarks/headline.py', 'headline')
    out = subprocess.run([sys.executable, str(REPO / 'benchmarks/headline.py'), '--list'], capture_output=True, text=True, check=True).stdout
    assert all(k in out for k in hl.ROWS)
    res = json.loads((REPO / 'benchmarks/results/headline.json').read_text())
    assert sorted(res) == sorted(hl.ROWS)
    for k, r in res.items():
        assert {kk: r[kk] for kk in hl.ROWS[k]} == hl.ROWS[k], k
        assert r['threads'] >= 1 and r['wall_s'] > 0 and r['machine']
    bad = subprocess.run([sys.executable, str(REPO / 'benchmarks/headline.py'), 'nope'], capture_output=True, text=True)
    assert bad.returncode != 0 and 'unknown rows' in bad.stderr


def test_distill_guidance_starts_from_the_student_and_checks_its_inputs():
    "tools/distill_guidance.py: step 0's student computes exactly its start model's eps (the good model, or --student);"
    " the teacher is the autoguided pair; a model on another schedule or a conditional student is refused."
    from ddpm_nb.cli import load_pretrained
    from ddpm_nb.guidance import AutoGuidedModel
    dg = _load('tools/distill_guidance.py', 'distill_guidance')
    g = torch.Generator().manual_seed(0)
    x, t = torch.randn(4, 1, 28, 28, generator=g), torch.tensor([1, 100, 500, 1000])
    good, bad = load_pretrained('mnist_unet')[0].eval(), load_pretrained('mnist_unet_early')[0].eval()
    for student, ref in ((None, good), ('mnist_unet_early', bad)):
        tr = dg.build_distiller('mnist_unet', 'mnist_unet_early', 2.0, student, steps=10)
        with torch.no_grad():
            assert torch.equal(tr.model.eval()(x, t), ref(x, t))
            assert torch.equal(tr.teacher(x, t), AutoGuidedModel(good, bad, 2.0)(x, t))
        assert tr.hp['teacher'] == 'AutoGuidedModel(mnist_unet, mnist_unet_early, w=2)'
        assert all(p.requires_grad for p in tr.model.parameters()) and not any(m.training for m in tr.teacher.modules())
    with pytest.raises(SystemExit, match='same schedule'):
        dg.build_distiller('mnist_unet', 'mnist_flow', 2.0)
    with pytest.raises((SystemExit, ValueError), match='student|unconditional'):
        dg.build_distiller('mnist_unet', 'mnist_unet_early', 2.0, 'mnist_cond')
