"""Gaussian latent spaces of the Encoder: reparameterised sampling and the KL term of Eq. (3.1).

The Encoder (Sec. 3.2, Alg. 1) outputs a mean and a variance vector for the content latent space `z_co` and the
motion latent space `z_mo`; codes are drawn with the reparameterisation trick (`z ← sample(z_co)`). The heads
output the *log*-variance (a numerically safe parameterisation of the "variance vector" of the thesis).
Generated video i draws from its own generator `video_generator(seed, i)` (per-video seeds, as in stylegan3 / edm).
"""

from __future__ import annotations

import torch


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """z = mu + exp(logvar / 2) * eps, eps ~ N(0, I) drawn from `generator`; any shape, same as `mu`."""
    eps = standard_normal(tuple(mu.shape), generator=generator, device=mu.device).to(mu.dtype)
    return mu + torch.exp(0.5 * logvar) * eps


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) per sample, summed over all non-batch dims: (B, ...) -> (B,).

    D_KL terms of Eq. (3.1) / (4.4) / (5.1); closed form -1/2 * sum(1 + logvar - mu^2 - exp(logvar)) (Eq. 2.2).
    """
    kl = -0.5 * (1.0 + logvar - mu.pow(2) - logvar.exp())  # (B, ...)
    return kl.flatten(1).sum(dim=1)  # (B,)


def standard_normal(shape: tuple[int, ...], generator: torch.Generator | None = None,
                    device: torch.device | str | None = None) -> torch.Tensor:
    """Draw N(0, I) of `shape` from `generator` (the prior p(z) of Alg. 2, phase 2), returned on `device`.

    The draw happens on the generator's own device (a CPU generator gives the same numbers whatever `device`
    the result goes to), so a sample depends only on the seed, not on where the model runs.
    """
    draw_device = generator.device if generator is not None else device
    return torch.randn(shape, generator=generator, device=draw_device).to(device)


def video_seed(seed: int, index: int) -> int:
    """The seed of video ``index``: a hash of (seed, index), so video i never depends on batch size or order."""
    import numpy as np

    return int(np.random.SeedSequence([int(seed), int(index)]).generate_state(1, dtype=np.uint64)[0] >> 1)


def video_generator(seed: int, index: int) -> torch.Generator:
    """A CPU generator for video ``index`` (draws on CPU, so samples do not depend on the device).

    Every random draw of generated video i (its prior codes, its posterior samples) comes from this generator:
    samplers and the training-time metric hooks use it alike."""
    return torch.Generator().manual_seed(video_seed(seed, index))
