"Chapter 18's `train_noisy_classifier`: on a small set it learns (held-out digits, noised, are classified well above chance), and bad input fails with a message that names the problem."
import math
import pytest
import torch
import torch.nn.functional as F
from ddpm_nb.forward import make_schedule, q_sample
from ddpm_nb.data import get_dataset
from ddpm_nb.guidance import NoisyClassifier, train_noisy_classifier

SCHED = make_schedule('linear', 1000)


def _small(img_size=28):
    return NoisyClassifier(img_size=img_size, ch=16, ch_mult=(1, 2), groups=4)


def test_learns_on_a_small_set():
    "1,000 training digits at 14x14, a 100-step schedule that keeps them readable (alpha_bar_T = 0.35), 150 steps: seconds."
    sched = make_schedule('linear', 100, beta_T=0.002)
    x, y = get_dataset('mnist', 'train', n=1000)
    x_te, y_te = get_dataset('mnist', 'test', n=500)
    x, x_te = F.avg_pool2d(x, 2), F.avg_pool2d(x_te, 2)
    torch.manual_seed(0)
    clf, hist = train_noisy_classifier(x, y, sched, model=_small(14), steps=150, batch_size=64, lr=3e-3, weight_decay=0.,
                                       seed=0, progress=False)
    assert not clf.training and len(hist) == 15 and all(math.isfinite(l) for _, l in hist)
    g = torch.Generator().manual_seed(1)
    t = torch.randint(1, sched.T + 1, (len(x_te),), generator=g)          # held-out digits, noised at every level
    with torch.no_grad():
        x_t = q_sample(x_te, t, sched, noise=torch.randn(x_te.shape, generator=g))
        acc = (clf(x_t, t).argmax(1) == y_te).double().mean().item()
    se_chance = math.sqrt(0.1 * 0.9 / len(x_te))                           # the spread of a guesser's accuracy
    assert acc > 0.1 + 5 * se_chance, acc


def test_same_seed_same_classifier():
    x = F.avg_pool2d(torch.randn(64, 1, 32, 32, generator=torch.Generator().manual_seed(2)).clamp(-1, 1), 4)
    y = torch.arange(64) % 10
    a = [train_noisy_classifier(x, y, SCHED, model=(torch.manual_seed(0), _small(8))[1], steps=5, batch_size=16, seed=4,
                                progress=False)[0] for _ in range(2)]
    assert all(torch.equal(p, q) for p, q in zip(a[0].state_dict().values(), a[1].state_dict().values()))


X4, Y4 = torch.zeros(4, 1, 8, 8), torch.tensor([0, 1, 0, 1])


@pytest.mark.parametrize('kwargs,match', [
    (dict(y=Y4.float()), 'y must be integers'),
    (dict(y=Y4[:3]), r'y must have shape \(4,\)'),
    (dict(y=torch.tensor([0, 1, 0, 10])), r'y must lie in \[0, 9\]'),
    (dict(x=X4[:, 0]), r'x must be images \(N, C, H, W\)'),
    (dict(x=X4 * float('nan')), 'x has 256 non-finite'),
    (dict(steps=0), 'steps must be an integer >= 1, got 0'),
    (dict(steps=True), 'steps must be an integer >= 1'),
    (dict(batch_size=2.5), 'batch_size must be an integer >= 1'),
    (dict(lr=-1e-3), 'lr must be a finite number > 0'),
    (dict(weight_decay=float('nan')), 'weight_decay must be a finite number >= 0'),
    (dict(seed=-1), 'seed must be an integer >= 0'),
])
def test_bad_input_fails_cleanly(kwargs, match):
    args = dict(x=X4, y=Y4, sched=SCHED, model=NoisyClassifier(img_size=8, ch=8, ch_mult=(1, 2), groups=4), steps=1,
                batch_size=2, progress=False)
    with pytest.raises((ValueError, TypeError), match=match):
        train_noisy_classifier(**{**args, **kwargs})


@pytest.mark.parametrize('kwargs,match', [(dict(num_classes=1), 'num_classes must be an integer >= 2, got 1'),
                                          (dict(ch=7), 'ch must be even'), (dict(img_size=28, ch_mult=(1, 2, 2, 2)), 'cannot be halved')])
def test_bad_classifier_config(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match): NoisyClassifier(**kwargs)
