"""AR2 long-video generation, model side (Alg. 10, Sec. 5.3.2): unconditional, streamed, any length.

1. The first clip comes from noise: codes ~ N(0, I) (with VDrej, Alg. 8, in latent mode `vdrej`).
2. Each next clip is predicted from the previous *selected* clip: its latent distributions are Enc(previous clip)
   and the candidates are scored by D_V on concat(previous clip's first r frames, candidate's first T − r frames).
3. The video is the first r frames of each clip (clip j + 1 continues clip j by r frames, the training target of
   Alg. 9); once the frames still missing fit into the current clip, its first `missing` frames end the video
   (exactly L frames: L = 16 is the first clip, L = 17 is 8 + 9 frames).
Latent modes (Table 5.8): `mean` decodes z = mu of each encoded clip; `sample` one draw z = mu + sigma * eps;
`vdrej` the D_V-best of N draws. Since the prior's mean is the same for every video, the first clip is drawn from
N(0, I) in every mode (with VDrej only in mode `vdrej`). No real video is read. Only the current clip is held,
so memory does not grow with the length. Video i depends only on `generators[i]` (one per video).
"""

from __future__ import annotations

from typing import Iterator, Sequence

import torch

from .generator import motion_steps
from .vdrej import DEFAULT_CANDIDATES, draw_candidates, select

MODES = ("mean", "sample", "vdrej")


def _prior(model, b: int, device):
    """(mu, logvar) = (0, 0) of N(0, I) for each latent of a `model.cfg.frames`-frame clip, batch b."""
    cfg, steps = model.cfg, motion_steps(model.cfg.frames)
    shapes = [(b, cfg.dim_zc), (b, cfg.dim_zm) if steps == 1 else (b, cfg.dim_zm, steps)]  # as sample_latents
    return [(torch.zeros(s, device=device), torch.zeros(s, device=device)) for s in shapes]


def _next_clip(model, dists, generators, mode: str, prev, n: int, chunk: int | None):
    """One clip per video from `dists` [(mu_c, lv_c), (mu_m, lv_m)] in latent `mode` -> (B, T, C, H, W)."""
    decode = model.generate  # a RecallModel: rebuilt around the reference frame with R_Enc (Eq. 4.2-4.3)
    if mode == "vdrej":
        return select(dists, decode, model.score, generators, n=n, prev=prev,
                      r=model.recall_cfg.shift, chunk=chunk).clips
    if mode == "mean":
        return decode(dists[0][0], dists[1][0])
    return decode(*draw_candidates(dists, generators, 1))


@torch.no_grad()
def generate(model, generators: Sequence[torch.Generator], frames: int, latent: str = "vdrej",
             n: int = DEFAULT_CANDIDATES, chunk: int | None = None) -> Iterator[torch.Tensor]:
    """Alg. 10: yield blocks of frames (B, k, C, H, W) of B = len(generators) videos, `frames` frames in all.

    `model`: an AR2 `RecallModel` (`recall_cfg`, `encode`, `generate`, `score`), in eval mode; `latent`:
    mean | sample | vdrej (Table 5.8); `n` VDrej candidates per clip; `chunk` candidates per forward.
    """
    if latent not in MODES:
        raise ValueError(f"AR2 latent mode {latent!r}; choose one of {MODES}")
    if frames < 1:
        raise ValueError(f"AR2 generation needs frames >= 1, got {frames}")
    r, b = model.recall_cfg.shift, len(generators)
    device = next(model.generator.parameters()).device
    first_mode = "vdrej" if latent == "vdrej" else "sample"  # the prior's mean is one clip for every video
    clip = _next_clip(model, _prior(model, b, device), generators, first_mode, None, n, chunk)
    missing = frames
    while True:
        if missing <= clip.shape[1]:
            yield clip[:, :missing]
            return
        yield clip[:, :r]
        missing -= r
        mu_c, lv_c, mu_m, lv_m = model.encode(clip)  # CoEnc reads the reference frame
        clip = _next_clip(model, [(mu_c, lv_c), (mu_m, lv_m)], generators, latent, clip, n, chunk)
