"""EncGAN3 loss functions against values computed by hand on tiny tensors (Eq. 3.1, 3.3-3.6, 3.9, 3.10)."""

from __future__ import annotations

import math

import pytest
import torch

from longvid.recipes import losses


def test_bce_terms_by_hand():
    real, fake = torch.tensor([0.0, 2.0]), torch.tensor([-1.0, 0.0])
    sp = lambda v: math.log1p(math.exp(v))  # softplus  # noqa: E731
    # BCE(l, 1) = softplus(-l); BCE(l, 0) = softplus(l)
    expect_d = (sp(0.0) + sp(-2.0)) / 2 + (sp(-1.0) + sp(0.0)) / 2
    assert losses.discriminator_loss(real, [fake]).item() == pytest.approx(expect_d, rel=1e-6)
    expect_d2 = expect_d + (sp(-1.0) + sp(0.0)) / 2
    assert losses.discriminator_loss(real, [fake, fake]).item() == pytest.approx(expect_d2, rel=1e-6)
    expect_g = (sp(1.0) + sp(0.0)) / 2 + (sp(-0.0) + sp(-2.0)) / 2  # non-saturating: BCE(D(fake), 1)
    assert losses.generator_adv_loss([fake, real]).item() == pytest.approx(expect_g, rel=1e-6)


def test_diff_maps_sign_is_previous_minus_current():
    x = torch.tensor([1.0, 3.0, 6.0]).view(1, 3, 1, 1, 1)  # (B, T, C, H, W)
    assert losses.diff_maps(x).flatten().tolist() == [-2.0, -3.0]  # v_j = x_{j-1} - x_j


def test_reconstruction_terms_by_hand():
    x = torch.tensor([0.0, 1.0, 1.0]).view(1, 3, 1, 1, 1)
    x_hat = torch.tensor([0.5, 0.5, 1.5]).view(1, 3, 1, 1, 1)
    assert losses.recon_frames(x, x_hat).item() == pytest.approx((0.5 + 0.5 + 0.5) / 3)
    # first frame |0 - 0.5| = 0.5; v = [-1, 0], v_hat = [0, -1] -> mean |.| = 1
    assert losses.recon_diffmaps(x, x_hat).item() == pytest.approx(0.5 + 1.0)


def test_kl_reductions_by_hand():
    mu = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(2.0)], [0.0, 0.0]])
    # per element 0.5 * (mu^2 + var - 1 - logvar): [[0.5, 0.5 * (1 - ln 2)], [0, 0]]
    total = 0.5 + 0.5 * (1 - math.log(2.0))
    assert losses.kl_term(mu, logvar, "batchmean").item() == pytest.approx(total / 2, rel=1e-6)
    assert losses.kl_term(mu, logvar, "mean").item() == pytest.approx(total / 4, rel=1e-6)
    assert losses.kl_term(torch.zeros(3, 4), torch.zeros(3, 4)).item() == 0.0


def test_random_frames_picks_one_frame_of_each_clip():
    video = torch.arange(2 * 5, dtype=torch.float32).view(2, 5, 1, 1, 1).expand(2, 5, 1, 2, 2)
    frames = losses.random_frames(video, torch.Generator().manual_seed(0))  # (B, C, H, W)
    assert frames.shape == (2, 1, 2, 2)
    assert 0 <= frames[0, 0, 0, 0] < 5 and 5 <= frames[1, 0, 0, 0] < 10
    assert (frames == frames[:, :, :1, :1]).all()


def test_default_kl_weighs_like_eq_3_1():
    """Issue 12: the default KL : L1 ratio is Eq. 3.1's (per clip: L1 summed over T*C*H*W elements + KL summed over
    latent dims), so with the per-element MAE the KL is divided by T*C*H*W - not averaged over latent dims (that
    weighted it ~2,660x more than Eq. 3.1 at 64x64x16 and collapsed the posterior onto the prior)."""
    from longvid.train.config import TrainConfig

    mu = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(2.0)], [0.0, 0.0]])
    per_clip = (0.5 + 0.5 * (1 - math.log(2.0))) / 2  # KL summed over dims, mean over the 2 clips
    elements = 16 * 3 * 64 * 64
    kl = losses.kl_term(mu, logvar, TrainConfig().kl_reduction, elements)
    assert kl.item() * elements == pytest.approx(per_clip, rel=1e-6)
    with pytest.raises(ValueError, match="elbo"):
        losses.kl_term(mu, logvar, "sum")
