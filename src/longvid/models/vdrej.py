"""VDrej: keep the generated clip the Video Discriminator likes best (Alg. 8, Sec. 5.2.2; used by Alg. 10, 11).

For every video of a batch, N candidate codes are drawn from that video's latent distributions (one Gaussian per
latent: content, motion), N clips are generated and D_V scores them; the clip with the highest D_V output (the most
"real", Sec. 5.2.2) is kept. The first window is scored alone (Alg. 8 l. 17); a later window is scored on
concat(previous best clip's first r frames, candidate's first T − r frames) (Alg. 8 l. 20, "using the first 8
frames of each": r = 8, T = 16), which rates the candidate's quality and its connection to the clip before.
N defaults to 20, the number of the text (Sec. 5.2.2, 5.5.4); Alg. 8 l. 9 prints 10 (PROTOCOL §8.3).

Model-agnostic: the caller passes `decode(*codes) -> clips` and `score(clips) -> D_V logits`. Candidate j of video
i is mu_i + sigma_i * eps_ij with every eps of video i drawn from video i's own generator, in a fixed order (all N
candidates of latent 1, then latent 2, ...), before any network runs. All B·N candidates then go through G and D_V
as one batch, cut only into chunks of `chunk` candidates (memory), so video i depends on its own generator alone,
never on the batch size or the chunk size (up to the float rounding of a batched convolution).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch

from .latent import standard_normal

DEFAULT_CANDIDATES = 20  # Sec. 5.2.2 / 5.5.4 ("sampling 20 latent codes"); Alg. 8 l. 9 says num <- 10


@dataclass
class Selection:
    """What VDrej kept: `clips` (B, T, C, H, W), candidate `index` (B,), all `scores` (B, N) and the kept `codes`
    (one (B, ...) tensor per latent)."""

    clips: torch.Tensor
    index: torch.Tensor
    scores: torch.Tensor
    codes: tuple[torch.Tensor, ...]


def draw_candidates(dists: Sequence[tuple[torch.Tensor, torch.Tensor]], generators: Sequence[torch.Generator],
                    n: int) -> tuple[torch.Tensor, ...]:
    """N codes per video from (mu, logvar) pairs of shape (B, ...) -> one (B·N, ...) tensor per latent, video-major
    (rows i·N … i·N + N − 1 belong to video i); video i's noise comes from `generators[i]` only."""
    b = dists[0][0].shape[0]
    if len(generators) != b or any(mu.shape[0] != b for mu, _ in dists):
        raise ValueError(f"VDrej needs one generator and one distribution row per video: {len(generators)} "
                         f"generators for latents of batch sizes {[mu.shape[0] for mu, _ in dists]}")
    eps = [[] for _ in dists]
    for i, g in enumerate(generators):  # video by video: the draw order of video i ignores the other videos
        for k, (mu, _) in enumerate(dists):
            eps[k].append(standard_normal((n, *mu.shape[1:]), g, mu.device).to(mu.dtype))
    return tuple(mu.repeat_interleave(n, 0) + torch.exp(0.5 * lv).repeat_interleave(n, 0) * torch.cat(e)
                 for (mu, lv), e in zip(dists, eps))


def stitched(prev: torch.Tensor, candidates: torch.Tensor, r: int) -> torch.Tensor:
    """Alg. 8 l. 20: concat(prev_{0:r}, candidate_{0:T−r}) -> (M, T, C, H, W) (T = the candidates' length)."""
    if prev.shape[1] < r:
        raise ValueError(f"VDrej needs the previous clip's first {r} frames, got {prev.shape[1]}")
    return torch.cat([prev[:, :r], candidates[:, : candidates.shape[1] - r]], dim=1)


@torch.no_grad()
def select(dists: Sequence[tuple[torch.Tensor, torch.Tensor]], decode: Callable[..., torch.Tensor],
           score: Callable[[torch.Tensor], torch.Tensor], generators: Sequence[torch.Generator], *,
           n: int = DEFAULT_CANDIDATES, prev: torch.Tensor | None = None, r: int = 8,
           chunk: int | None = None) -> Selection:
    """Alg. 8 l. 13–20 for one window of every video: the D_V-best of `n` candidates per video.

    dists: (mu, logvar) per latent, each (B, ...); decode(*codes (M, ...)) -> clips (M, T, C, H, W);
    score(clips (M, T, C, H, W)) -> D_V logits (M,); prev: the previous window's kept clips (B, >= r, C, H, W)
    or None for the first window; chunk: candidates per decode/score call (None: all B·N at once).
    """
    if n < 1 or (chunk is not None and chunk < 1):
        raise ValueError(f"VDrej needs n >= 1 candidates and chunk >= 1, got n={n}, chunk={chunk}")
    codes = draw_candidates(dists, generators, n)
    b, total = len(generators), len(generators) * n
    step = total if chunk is None else chunk
    scores = torch.empty(total)
    best = torch.full((b,), float("-inf"))
    index = torch.zeros(b, dtype=torch.long)
    clips = None
    for start in range(0, total, step):
        rows = torch.arange(start, min(start + step, total))
        owner = rows // n  # the video of each candidate
        cand = decode(*(z[rows.to(z.device)] for z in codes))  # (m, T, C, H, W)
        shown = cand if prev is None else stitched(prev[owner.to(prev.device)], cand, r)
        got = score(shown).float().reshape(-1).cpu()  # (m,)
        scores[rows] = got
        if clips is None:
            clips = cand.new_zeros((b, *cand.shape[1:]))
        for video in owner.unique().tolist():  # first maximum wins, as argmax over all N would pick
            mine = (owner == video).nonzero().squeeze(1)
            k = mine[got[mine].argmax()]
            if got[k] > best[video]:
                best[video], index[video] = got[k], rows[k] - video * n
                clips[video] = cand[k]
    kept = torch.arange(b) * n + index
    return Selection(clips, index, scores.view(b, n), tuple(z[kept.to(z.device)] for z in codes))
