"Fast checks of chapter 14 (the full checks live in nbs/14_continuous.ipynb)."
import pytest
import torch
from ddpm_nb.forward import make_schedule
from ddpm_nb.data import ring_mixture
from ddpm_nb.continuous import VPSDE, vp_marginal, vp_log_prob, gaussian_flow_map, pf_ode_sample, reverse_sde_sample, edm_precond


def test_vp_log_prob_matches_mixture():
    gm, sde = ring_mixture(), VPSDE()
    x = torch.randn(10, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    torch.testing.assert_close(vp_log_prob(gm, sde, x, torch.tensor(0.4, dtype=torch.float64)), vp_marginal(gm, sde, 0.4).log_prob(x))


def test_flow_map_composes():
    sc = make_schedule('cosine', 200)
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    a = gaussian_flow_map(gaussian_flow_map(x, 200, 90, sc, 0.2, 0.7), 90, 0, sc, 0.2, 0.7)
    torch.testing.assert_close(a, gaussian_flow_map(x, 200, 0, sc, 0.2, 0.7))


def test_samplers_run_and_fail_loudly():
    sde, gm = VPSDE(), ring_mixture()
    score = lambda x, u: vp_marginal(gm, sde, u).score(x)
    x = torch.randn(20, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    assert torch.isfinite(pf_ode_sample(score, sde, x, 10)).all()
    assert torch.isfinite(reverse_sde_sample(score, sde, x, 10, generator=torch.Generator().manual_seed(3))).all()
    with pytest.raises(ValueError, match='steps must be an integer'): pf_ode_sample(score, sde, x, 0)


def test_edm_sigma_data_one_is_vp():
    c = edm_precond(torch.tensor([0.5, 3.0]), 1.0)
    torch.testing.assert_close(c['c_skip'], 1 / (1 + torch.tensor([0.25, 9.0], dtype=torch.float64)))


def test_arguments_use_the_public_validators():
    "Chapter 1's check_int and check_real: a non-integer step count is a TypeError, out-of-range values a ValueError naming the bound."
    sde, gm = VPSDE(), ring_mixture()
    score = lambda x, u: vp_marginal(gm, sde, u).score(x)
    x = torch.randn(4, 2, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    with pytest.raises(TypeError, match=r'steps must be an integer >= 1, got 2\.0'): reverse_sde_sample(score, sde, x, 2.0)
    with pytest.raises(ValueError, match=r'u_end must be a finite number in \[0, 1\), got 1\.0'): pf_ode_sample(score, sde, x, 10, u_end=1.0)
    with pytest.raises(ValueError, match=r'beta_max must be a finite number >= 20\.0, got 0\.1'): VPSDE(20, 0.1)
    with pytest.raises(ValueError, match=r'beta_min must be a finite number > 0'): VPSDE(0, 20)
    with pytest.raises(ValueError, match=r'sigma_data must be a finite number > 0'): edm_precond(1., sigma_data=0)
    with pytest.raises(TypeError, match='sigma_data must be a finite number'): edm_precond(1., sigma_data=True)
    s = VPSDE(0.5, 0.5)                                          # beta_min = beta_max is allowed: a constant beta
    assert (s.beta_min, s.beta_max) == (0.5, 0.5)
