"Chapter 17's `HybridTrainer` resumes bit-exactly: N steps straight equal K steps, a checkpoint, a new trainer that loads it, and N - K more (weights, EMA, losses and the importance sampler's table)."
import pytest
import torch
from ddpm_nb.forward import make_schedule
from ddpm_nb.data import get_dataset
from ddpm_nb.unet import MLPDenoiser
from ddpm_nb.improved import HybridTrainer, ImportanceSampler

N, K, T = 24, 12, 10          # T = 10: the importance sampler warms up (10 losses at every t) before the cut at K


def _trainer(objective, x):
    torch.manual_seed(0)
    return HybridTrainer(MLPDenoiser(dim=2, hidden=32, depth=2, out_mult=2), x, sched=make_schedule('cosine', T),
                         objective=objective, decoder='gaussian', batch_size=32, lr=1e-3, warmup=5, ema_decay=0.9,
                         seed=3, cpu=True)


def _states(tr):
    return {**{f'model.{k}': v for k, v in tr.model.state_dict().items()}, **{f'ema.{k}': v for k, v in tr.ema.state_dict().items()}}


def _equal(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope='module')
def x():
    return get_dataset('mixture', 'train', n=512)[0]


@pytest.mark.parametrize('objective', ['hybrid', 'vlb', 'vlb_uniform'])
def test_resume_is_bit_exact(tmp_path, x, objective):
    straight = _trainer(objective, x).fit(N, progress=False, log_every=1)
    cut = _trainer(objective, x).fit(K, progress=False, log_every=1)
    if objective == 'vlb': assert cut.importance.warmed_up()          # the table already steers t at the cut
    cut.save(tmp_path / 'ck.safetensors')
    resumed = _trainer(objective, x).load(tmp_path / 'ck.safetensors')
    assert resumed.step == K
    resumed.fit(N, progress=False, log_every=1)
    assert _equal(_states(straight), _states(resumed))
    assert straight.history == resumed.history and len(straight.history) == N
    if objective == 'vlb':
        assert torch.equal(straight.importance.losses, resumed.importance.losses)
        assert torch.equal(straight.importance.counts, resumed.importance.counts)


def test_resume_needs_the_importance_table(tmp_path, x):
    "The check above has power: a resumed run that forgets the sampler's table draws other t and ends elsewhere."
    straight = _trainer('vlb', x).fit(N, progress=False)
    _trainer('vlb', x).fit(K, progress=False).save(tmp_path / 'ck.safetensors')
    forgetful = _trainer('vlb', x).load(tmp_path / 'ck.safetensors')
    forgetful.importance = ImportanceSampler(T)
    forgetful.fit(N, progress=False)
    assert not _equal(_states(straight), _states(forgetful))


def test_resume_refuses_other_settings(tmp_path, x):
    _trainer('hybrid', x).fit(2, progress=False).save(tmp_path / 'ck.safetensors')
    with pytest.raises(ValueError, match='other settings'):
        _trainer('vlb', x).load(tmp_path / 'ck.safetensors')
