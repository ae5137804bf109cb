"""Latent modes: how a sampler turns the encoder's posterior of a real clip into the codes it generates from.

``LATENTS`` maps the mode name (``longvid sample --latent``, a sampler's ``latent:`` in config.yaml, the
``latent`` of samples.json) to ``fn(model, stats, generators, previous) -> (z_c (B, dim_zc), z_m (B, dim_zm))``:

* ``stats`` = ``model.encode(clip)`` = (mu_c, logvar_c, mu_m, logvar_m), each (B, dim);
* ``generators``: one CPU ``torch.Generator`` per video of the batch (``video_generator(seed, i)``); a mode draws
  video j's randomness from ``generators[j]`` only, so a video never depends on the batch it is generated in;
* ``previous``: the clip generated for the same videos at the previous window, (B, T, C, H, W), or None (first
  window, short samplers). ``model`` and ``previous`` are there for modes that generate and score candidates
  (VDrej, Alg. 8: the candidate whose stitched clip D_V scores highest); ``mean`` and ``sample`` ignore them.

Modes of Table 5.8: ``mean`` (posterior means), ``sample`` (Alg. 7 line 12, ``z ← sample(z_co)``; the default).
"""

from __future__ import annotations


def mean(model, stats, generators, previous=None):
    """The posterior means (mu_c, mu_m): no randomness."""
    mu_c, _, mu_m, _ = stats
    return mu_c, mu_m


def sample(model, stats, generators, previous=None):
    """z = mu + exp(logvar / 2) * eps, eps of video j drawn from generators[j] (content first, then motion)."""
    import torch

    from longvid.models.latent import standard_normal

    mu_c, lv_c, mu_m, lv_m = stats  # (B, dim) each
    eps_c = torch.cat([standard_normal((1, mu_c.shape[1]), g, mu_c.device) for g in generators])
    eps_m = torch.cat([standard_normal((1, mu_m.shape[1]), g, mu_m.device) for g in generators])
    return mu_c + torch.exp(0.5 * lv_c) * eps_c, mu_m + torch.exp(0.5 * lv_m) * eps_m


LATENTS = {
    "sample": sample,  # sampled codes (Alg. 7 line 12); the default of every sampler
    "mean": mean,  # posterior means (Table 5.8 "mean")
}
