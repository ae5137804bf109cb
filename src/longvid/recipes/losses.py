"""EncGAN3 objectives as pure functions of tensors (Sec. 3.3.1, Eq. 3.1, 3.3-3.6, 3.9, 3.10).

Readings of the printed equations (PROTOCOL.md §2.2, §8.16; docs/training.md):
* GAN terms are binary cross-entropy on logits ("based on Binary Cross Entropy loss", Sec. 3.3.1), each the
  mean over the batch. Eq. 3.5 / 3.6 are written as log-likelihoods to maximise; we minimise their negation,
  ``BCE(D(real), 1) + BCE(D(x_hat), 0) + BCE(D(x_tilde), 0)``.
* Eq. 3.4 cannot be used literally (it adds ``log D`` terms and *subtracts* the reconstruction, and its second
  term scores ``D(x_hat)`` where ``x_tilde`` is meant). We use the standard non-saturating generator loss
  ``BCE(D(fake), 1)`` for every fake (x_hat and x_tilde, through D_V and D_I: the four terms) plus the L1
  reconstruction with a positive sign. Eq. 3.9 / 3.10 get the same sign fixes (KL added, not subtracted).
* "Mean absolute error" (Sec. 3.3.1): the reconstruction terms are means over every element, not the printed
  double sum of per-frame norms, so their scale does not depend on resolution, length or batch size.
* KL of each latent, ``kl_reduction``:
  - ``"elbo"`` (default): summed over latent dimensions, mean over the batch, divided by the number of elements
    of one reconstructed clip (``elements`` = T*C*H*W). Next to the per-element MAE this is Eq. 3.1 as printed
    (per clip, the L1 norms summed over frames and pixels plus the KL summed over dimensions) divided by the
    constant T*C*H*W; Adam ignores a constant loss scale, so the encoder's update is that of Eq. 3.1.
  - ``"mean"``: mean over batch and latent dimensions. Next to the per-element MAE it weights the KL
    T*C*H*W / dim (about 2,660x at 64x64x16 with 64 + 10 latent dims) more than Eq. 3.1 does, a beta-VAE with a huge
    beta: the posterior collapses onto the prior (docs/learning.md, issue 12). Kept for studies only.
  - ``"batchmean"``: summed over dimensions, mean over the batch (the textbook KL next to a per-clip *sum*).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from longvid.models.latent import kl_divergence


def bce_logits(logits: torch.Tensor, target: float) -> torch.Tensor:
    """Mean BCE of logits (B,) against a constant label (1 = real, 0 = fake)."""
    logits = logits.float().reshape(-1)  # (B,)
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def discriminator_loss(real: torch.Tensor, fakes: list[torch.Tensor]) -> torch.Tensor:
    """-(Eq. 3.5 / 3.6): BCE(real, 1) + sum over fakes BCE(fake, 0); logits (B,)."""
    return bce_logits(real, 1.0) + sum(bce_logits(f, 0.0) for f in fakes)


def generator_adv_loss(fakes: list[torch.Tensor]) -> torch.Tensor:
    """Non-saturating GAN terms of Eq. 3.4: sum over fakes BCE(D(fake), 1); logits (B,)."""
    return sum(bce_logits(f, 1.0) for f in fakes)


def diff_maps(video: torch.Tensor) -> torch.Tensor:
    """Eq. 3.3: v_j = x_{j-1} - x_j, j = 1..T; (B, T+1, C, H, W) -> (B, T, C, H, W)."""
    return video[:, :-1] - video[:, 1:]


def recon_frames(x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    """Reconstruction term of Eq. 3.1 / 3.4: mean |x - x_hat| over all frames and pixels."""
    return (x.float() - x_hat.float()).abs().mean()


def recon_diffmaps(x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    """Reconstruction terms of Eq. 3.9 / 3.10: mean |x_0 - x_hat_0| + mean |v - v_hat| (v of Eq. 3.3)."""
    x, x_hat = x.float(), x_hat.float()
    return (x[:, 0] - x_hat[:, 0]).abs().mean() + (diff_maps(x) - diff_maps(x_hat)).abs().mean()


def kl_term(mu: torch.Tensor, logvar: torch.Tensor, reduction: str = "elbo", elements: int = 1) -> torch.Tensor:
    """D_KL(q(z|x) || N(0, I)) of one latent (B, D): "elbo" summed over D / ``elements`` (T*C*H*W of one clip),
    "mean" per element, "batchmean" summed over D."""
    kl = kl_divergence(mu.float(), logvar.float())  # (B,)
    if reduction == "elbo":
        return kl.mean() / elements
    if reduction == "batchmean":
        return kl.mean()
    if reduction == "mean":
        return kl.mean() / mu[0].numel()
    raise ValueError(f"kl reduction {reduction!r}: use 'elbo', 'mean' or 'batchmean'")


def random_frames(video: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """One uniformly random frame per clip (the input of D_I, Sec. 3.2): (B, T, C, H, W) -> (B, C, H, W)."""
    b, t = video.shape[:2]
    idx = torch.randint(t, (b,), generator=generator).to(video.device)  # (B,)
    return video[torch.arange(b, device=video.device), idx]  # (B, C, H, W)
