"""Encoder (Sec. 3.2, Eq. 3.3) and latent helpers (reparameterisation, KL of Eq. 3.1)."""

from __future__ import annotations

import math

import pytest
import torch

from longvid.models import ModelConfig, build_model, kl_divergence, reparameterize
from longvid.models.encoder import Encoder, difference_maps, pair_groups

torch.set_num_threads(1)
TINY = dict(e_ch=2, e_fc=8, dim_zc=6)


def test_difference_maps_sign_previous_minus_current():
    video = torch.arange(4.0).view(1, 4, 1, 1, 1).expand(1, 4, 3, 2, 2) / 4  # x_j = j / 4
    maps = difference_maps(video)
    assert maps.shape == (1, 3, 3, 2, 2)
    assert torch.allclose(maps, torch.full_like(maps, -0.25))  # v_j = x_{j-1} - x_j
    assert torch.equal(maps[:, 0], video[:, 0] - video[:, 1])


def test_pairing_of_fifteen_embeddings():
    assert pair_groups(15) == (7, 1)  # seven pairs + the odd last one passed through
    assert pair_groups(16) == (8, 0)


@pytest.mark.parametrize("resolution,convs,fcs", [(64, 6, 1), (128, 8, 2)])
def test_layer_set_counts_follow_the_scaling_rule(resolution, convs, fcs):
    """Six conv2d + one fc set per stream at 64×64; +2 conv2d and +1 fc set at 128×128 (Sec. 3.4.2)."""
    enc = Encoder(ModelConfig(resolution=resolution, **TINY))
    for trunk in (enc.content.trunk, enc.motion.moenc):
        assert sum(isinstance(m, torch.nn.Conv2d) for m in trunk) == convs
        assert sum(isinstance(m, torch.nn.Linear) for m in trunk) == fcs
        assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in trunk) == convs
    assert sum(isinstance(m, torch.nn.MaxPool2d) for m in enc.motion.moenc) == convs // 2
    assert not any(isinstance(m, torch.nn.MaxPool2d) for m in enc.content.trunk)
    assert sum(isinstance(m, torch.nn.Linear) for m in enc.motion.mu) == 2  # two fc layers for the mean


@pytest.mark.parametrize("resolution", [64, 128])
def test_encoder_output_shapes(resolution):
    cfg = ModelConfig(resolution=resolution, dim_zm=5, **TINY)
    outs = Encoder(cfg)(torch.rand(3, 16, 3, resolution, resolution) * 2 - 1)
    assert [tuple(o.shape) for o in outs] == [(3, 6), (3, 6), (3, 5), (3, 5)]


def test_content_index_selects_the_content_frame():
    """content_index = 8 (R2's x_r) reads frame 8; the motion stream only sees differences."""
    torch.manual_seed(0)
    enc = Encoder(ModelConfig(content_index=8, **TINY))  # train mode: BN uses batch statistics
    video = torch.rand(2, 16, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        mu_c, _, mu_m, _ = enc(video)
        assert torch.allclose(mu_c, enc.content(video[:, 8])[0])
        assert not torch.allclose(mu_c, enc(video, content_index=0)[0], atol=1e-3)
        other = video.clone()
        other[:, 8] = torch.rand(2, 3, 64, 64) * 2 - 1  # a new x_r changes the content code
        assert not torch.allclose(enc(other)[0], mu_c, atol=1e-3)
        shifted = enc(video + 0.3)  # a constant offset leaves every difference map unchanged
        assert torch.allclose(shifted[2], mu_m, atol=1e-5)


def test_encoder_rejects_wrong_clip_length():
    enc = Encoder(ModelConfig(**TINY))
    with pytest.raises(ValueError, match="15 difference maps, got 11"):
        enc(torch.zeros(2, 12, 3, 64, 64))


def test_encoder_needs_two_clips_in_training_mode():
    enc = Encoder(ModelConfig(**TINY))
    with pytest.raises(ValueError, match="batch of at least 2"):
        enc(torch.zeros(1, 16, 3, 64, 64))
    assert enc.eval()(torch.zeros(1, 16, 3, 64, 64))[0].shape == (1, 6)
    no_bn = Encoder(ModelConfig(encoder_fc_bn=False, **TINY))  # batch-1 training without BN in the fc sets
    assert no_bn(torch.rand(1, 16, 3, 64, 64))[2].shape == (1, 10)
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in no_bn.modules())


def test_kl_divergence_closed_form():
    mu = torch.tensor([[0.0, 0.0], [1.0, -2.0]])
    logvar = torch.tensor([[0.0, 0.0], [math.log(2.0), 0.0]])
    expected = torch.tensor([0.0, 0.5 * (2.0 - math.log(2.0) - 1.0 + 1.0) + 0.5 * 4.0])
    assert torch.allclose(kl_divergence(mu, logvar), expected)


def test_kl_divergence_matches_torch_distributions():
    mu, logvar = torch.randn(4, 7), torch.randn(4, 7)
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    p = torch.distributions.Normal(torch.zeros(4, 7), torch.ones(4, 7))
    assert torch.allclose(kl_divergence(mu, logvar), torch.distributions.kl_divergence(q, p).sum(1), atol=1e-5)


def test_reparameterize_is_seeded_and_has_the_right_moments():
    mu, logvar = torch.full((20000,), 1.5), torch.full((20000,), math.log(4.0))
    a = reparameterize(mu, logvar, torch.Generator().manual_seed(0))
    b = reparameterize(mu, logvar, torch.Generator().manual_seed(0))
    assert torch.equal(a, b)
    assert abs(a.mean() - 1.5) < 0.05 and abs(a.std() - 2.0) < 0.05


def test_sample_latents_is_seeded_and_batch_consistent():
    model = build_model(ModelConfig(g_ch=2, d_ch=2, **TINY))
    z1 = model.sample_latents(3, generator=torch.Generator().manual_seed(5))
    z2 = model.sample_latents(3, generator=torch.Generator().manual_seed(5))
    assert all(torch.equal(a, b) for a, b in zip(z1, z2))
    assert z1[0].shape == (3, 6) and z1[1].shape == (3, 10)
