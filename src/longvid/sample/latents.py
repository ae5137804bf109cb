"""Latent modes: how a sampler turns the encoder's posterior of a clip into the codes (and clip) it generates.

``LATENTS`` maps the mode name (``longvid sample --latent``, a sampler's ``latent:`` in config.yaml, the
``latent`` of samples.json) to ``fn(model, stats, generators, previous, *, candidates, chunk) -> Codes``:

* ``stats`` = ``model.encode(clip)`` = (mu_c, logvar_c, mu_m, logvar_m), each (B, dim);
* ``generators``: one CPU ``torch.Generator`` per video of the batch (``video_generator(seed, i)``); a mode draws
  video j's randomness from ``generators[j]`` only, so a video never depends on the batch it is generated in;
* ``previous``: the clip generated for the same videos at the previous window, (B, T, C, H, W), or None (first
  window, short samplers); ``model`` and ``previous`` serve the modes that generate and score candidates;
* ``candidates`` (N) and ``chunk`` (candidates per G / D_V call, None = all): VDrej's options
  (``SampleRequest.candidates`` / ``.chunk``); ``mean`` and ``sample`` ignore them.

A mode returns ``Codes``: the pair (z_c (B, dim_zc), z_m (B, dim_zm)), unpacked like any 2-tuple, plus ``clips``,
the clips the mode already generated from exactly these codes (VDrej) or None. Samplers turn codes into a clip with
``decode(model, codes)``, so the kept VDrej clip is never generated twice.

Modes of Table 5.8: ``mean`` (posterior means), ``sample`` (Alg. 7 line 12, ``z ← sample(z_co)``; the default),
``vdrej`` (Alg. 8: the D_V-best of N sampled candidates, ``longvid.models.vdrej.select``; the first window scored
alone, later ones on concat(previous clip's first r frames, candidate's first T − r frames)).
"""

from __future__ import annotations

CANDIDATES = 20  # VDrej's default N: the text's 20 (= longvid.models.vdrej.DEFAULT_CANDIDATES; torch-free here)


class Codes(tuple):
    """(z_c, z_m) of a latent mode, with `.clips` (B, T, C, H, W) when the mode already generated them (or None)."""

    def __new__(cls, z_c, z_m, clips=None):
        codes = super().__new__(cls, (z_c, z_m))
        codes.clips = clips
        return codes


def decode(model, codes):
    """The clip (B, T, C, H, W) of a latent mode's codes: the mode's own clips, else ``model.generate(z_c, z_m)``."""
    clips = getattr(codes, "clips", None)
    return clips if clips is not None else model.generate(*codes)


def mean(model, stats, generators, previous=None, *, candidates=CANDIDATES, chunk=None):
    """The posterior means (mu_c, mu_m): no randomness."""
    mu_c, _, mu_m, _ = stats
    return Codes(mu_c, mu_m)


def sample(model, stats, generators, previous=None, *, candidates=CANDIDATES, chunk=None):
    """z = mu + exp(logvar / 2) * eps, eps of video j drawn from generators[j] (content first, then motion)."""
    import torch

    from longvid.models.latent import standard_normal

    mu_c, lv_c, mu_m, lv_m = stats  # (B, dim) each
    eps_c = torch.cat([standard_normal((1, mu_c.shape[1]), g, mu_c.device) for g in generators])
    eps_m = torch.cat([standard_normal((1, mu_m.shape[1]), g, mu_m.device) for g in generators])
    return Codes(mu_c + torch.exp(0.5 * lv_c) * eps_c, mu_m + torch.exp(0.5 * lv_m) * eps_m)


def vdrej(model, stats, generators, previous=None, *, candidates=CANDIDATES, chunk=None):
    """Alg. 8: N candidates per video from its posterior, generated (``model.generate``) and scored by D_V
    (``model.score``, on the clip stitched to ``previous`` after the first window); the best one's codes and clip."""
    from longvid.models.vdrej import select

    mu_c, lv_c, mu_m, lv_m = stats  # (B, dim) each
    rcfg = getattr(model, "recall_cfg", None)
    if previous is not None and rcfg is None:
        raise ValueError("VDrej scores a window stitched to the previous one by the recall shift r (Alg. 8); "
                         f"{type(model).__name__} has no recall options")
    kept = select([(mu_c, lv_c), (mu_m, lv_m)], model.generate, model.score, generators, n=candidates,
                  prev=previous, r=rcfg.shift if rcfg is not None else 0, chunk=chunk)
    return Codes(*kept.codes, clips=kept.clips)


LATENTS = {
    "sample": sample,  # sampled codes (Alg. 7 line 12); the default of every sampler
    "mean": mean,  # posterior means (Table 5.8 "mean")
    "vdrej": vdrej,  # the D_V-best of N sampled candidates (Alg. 8, Table 5.8 "sample+VDrej")
}
USES_CANDIDATES = ("vdrej",)  # modes that read SampleRequest.candidates / .chunk


def choose(request):
    """The request's latent mode as ``fn(model, stats, generators, previous) -> Codes`` (its VDrej options bound)."""
    from functools import partial

    return partial(LATENTS[request.latent], candidates=request.candidates, chunk=request.chunk)
