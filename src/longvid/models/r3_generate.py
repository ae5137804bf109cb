"""R3 long-video generation, model side (Alg. 11, Sec. 5.4.2, 5.5.5): `robust` and `faster`, any length.

Both start from a real initial clip x (the prior "initial clip"): the video begins with its first r frames
(Alg. 11 l. 10, `gen_vid ← x_{0:r}`) and the GPT's context with its latent space z_0 = Enc(x) (l. 8–9). A token
is (mu_c, logvar_c, mu_m, logvar_m) (`R3Model.tokens` / `.split`); the GPT's output at the last position is the
predicted latent space of the next clip, which continues the previous clip by r frames.

* **robust** (Alg. 11, GPT_robust): per clip, the GPT's last output → candidates drawn from its Gaussians →
  the clip by the latent mode (`vdrej`: Alg. 8, scored on concat(previous clip's first r frames, candidate's
  first T − r frames), the first one against the real x_{0:r}; `sample`: one draw; `mean`: z = mu) → its first r
  frames appended → the chosen clip *re-encoded*, Enc(x̂), and that latent (not the GPT's output) appended to the
  GPT's input (l. 17–18). GPT and R2 alternate, one clip at a time.
* **faster** (GPT_faster, Table 5.11): the GPT first generates the whole latent sequence feeding back its own
  outputs; then the R2 decodes every clip of a video in one batch (parallel, so VDrej cannot score a candidate
  against the clip kept before it: in mode `vdrej` each candidate is scored alone, the first-window rule of
  Alg. 8).

Frames: r real frames, then the first r frames of each generated clip; once the frames still missing fit into one
clip, its first `missing` frames end the video (as `longvid.models.ar2`), so exactly `frames` frames:
16 = 8 real + 8, 17 = 8 + 9, 24 = 8 + 16, 1000 = 8 + 122 × 8 + 16 (123 clips, 123 GPT positions).

The GPT decodes with its KV cache (`gpt.new_cache / prefill / step`), so the cost of token k does not grow with k.
A video longer than the GPT's positions (`gpt.max_frames`, 1000 frames = 124 tokens) slides the context: when
the cache is full, the latest half of the latent tokens is prefilled into a fresh cache (at positions 0..) and
decoding continues (TATS's sliding window; the thesis generates at most 1000 frames). Format `disc+cont` starts
the context with the discrete tokens of Eq. 5.7, [cls, length], and keeps them when it slides (Eq. 5.8 keeps the
class first). Video i draws its randomness from `generators[i]` only (VDrej / sample draws clip by clip), and the
GPT and the eval-mode R2 treat each video alone, so a video does not depend on the batch it is generated in.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import torch

from .gpt import CONTINUOUS
from .vdrej import DEFAULT_CANDIDATES, draw_candidates, select

MODES = ("mean", "sample", "vdrej")


def clip_plan(frames: int, clip: int = 16, shift: int = 8) -> list[int]:
    """Frames kept from each generated clip of a `frames`-frame video that starts with `shift` real frames."""
    if frames <= shift:
        raise ValueError(f"an R3 video starts with the {shift} real frames of its initial clip (Alg. 11 l. 10); "
                         f"--frames must be > {shift}, got {frames}")
    keep, missing = [], frames - shift
    while missing > clip:
        keep.append(shift)
        missing -= shift
    return keep + [missing]


class Context:
    """The GPT's input sequence of a batch of videos, decoded with a KV cache; slides when the cache is full."""

    def __init__(self, gpt, batch: int, device, prefix_ids: torch.Tensor | None = None):
        self.gpt, self.batch, self.device = gpt, batch, device
        self.prefix = prefix_ids  # (B, P) discrete ids of disc+cont (Eq. 5.7), or None
        self.size = gpt.cfg.positions
        self.latent = gpt.latent
        self.recent = torch.zeros(batch, 0, self.latent, device=device)  # latent tokens of the current context
        self.cache = None

    def _prefill(self, latents: torch.Tensor) -> torch.Tensor:
        """Fresh cache with [prefix, latents]; -> the prediction after the last latent (B, latent)."""
        self.cache = self.gpt.new_cache(self.batch, device=self.device)
        if self.prefix is None:
            return self.gpt.prefill(latents, self.cache)[:, -1]
        p = self.prefix.shape[1]
        z = torch.cat([latents.new_zeros(self.batch, p, self.latent), latents], dim=1)  # (B, P + L, latent)
        ids = torch.cat([self.prefix, self.prefix.new_full((self.batch, latents.shape[1]), CONTINUOUS)], dim=1)
        return self.gpt.prefill(z, self.cache, ids)[:, -1]

    def push(self, token: torch.Tensor) -> torch.Tensor:
        """Append one latent token (B, latent) per video; -> the GPT's prediction of the next one (B, latent)."""
        token = token.to(self.device, self.recent.dtype)
        if self.cache is None or self.cache.pos >= self.cache.max_len:
            room = self.size - (0 if self.prefix is None else self.prefix.shape[1])  # latent positions
            kept = max(room // 2 - 1, 0) if self.cache is not None else 0  # + this token = half the room
            self.recent = torch.cat([self.recent[:, self.recent.shape[1] - kept :], token[:, None]], dim=1)
            return self._prefill(self.recent)
        self.recent = torch.cat([self.recent, token[:, None]], dim=1)
        return self.gpt.step(token, self.cache)


def decode_clips(r2, dists, generators: Sequence[torch.Generator], mode: str, prev, n: int, chunk: int | None):
    """One clip per row from dists [(mu_c, lv_c), (mu_m, lv_m)] in latent `mode` -> (M, T, C, H, W)."""
    if mode == "vdrej":
        return select(dists, r2.generate, r2.score, generators, n=n, prev=prev,
                      r=r2.recall_cfg.shift, chunk=chunk).clips
    if mode == "mean":
        return r2.generate(dists[0][0], dists[1][0])
    return r2.generate(*draw_candidates(dists, generators, 1))


def _check(model, frames: int, latent: str):
    if latent not in MODES:
        raise ValueError(f"R3 latent mode {latent!r}; choose one of {MODES}")
    for part in ("gpt", "r2"):
        if not hasattr(model, part):
            raise ValueError(f"R3 generation needs an R3 model (`gpt` and the frozen `r2`), got {type(model).__name__}")
    r2 = model.r2
    return r2, clip_plan(frames, r2.recall_cfg.clip, r2.recall_cfg.shift)


def _latent_dists(model, token):
    """Tokens (M, D) -> [(mu_c, logvar_c), (mu_m, logvar_m)], the Gaussians to draw codes from (Alg. 11 l. 14)."""
    mu_c, lv_c, mu_m, lv_m = model.split(token)
    return [(mu_c, lv_c), (mu_m, lv_m)]


@torch.no_grad()
def robust(model, first: torch.Tensor, generators: Sequence[torch.Generator], frames: int, latent: str = "vdrej",
           n: int = DEFAULT_CANDIDATES, chunk: int | None = None,
           prefix_ids: torch.Tensor | None = None) -> Iterator[torch.Tensor]:
    """Alg. 11 (GPT_robust): yield frame blocks (B, k, C, H, W), `frames` in all, of B = len(generators) videos.

    first: the real initial clips (B, clip, C, H, W) in [-1, 1]; latent: vdrej (Alg. 11) | sample | mean;
    prefix_ids (B, P): the discrete tokens of format disc+cont, else None.
    """
    r2, plan = _check(model, frames, latent)
    r = r2.recall_cfg.shift
    ctx = Context(model.gpt, first.shape[0], first.device, prefix_ids)
    yield first[:, :r]  # gen_vid <- x_{0:r}
    pred, prev = ctx.push(model.tokens(first)), first  # z_0 = Enc(x); prev_clip = x_{0:r}
    for j, keep in enumerate(plan):
        clip = decode_clips(r2, _latent_dists(model, pred), generators, latent, prev, n, chunk)  # (B, T, C, H, W)
        yield clip[:, :keep]
        if j + 1 < len(plan):
            prev = clip
            pred = ctx.push(model.tokens(clip))  # the chosen clip re-encoded, not the GPT's output


@torch.no_grad()
def latent_sequence(model, first: torch.Tensor, clips: int, prefix_ids: torch.Tensor | None = None) -> torch.Tensor:
    """GPT_faster's first stage: z_0 = Enc(x), then `clips` latents each fed back -> (B, clips, latent)."""
    ctx = Context(model.gpt, first.shape[0], first.device, prefix_ids)
    out = [ctx.push(model.tokens(first))]
    while len(out) < clips:
        out.append(ctx.push(out[-1]))
    return torch.stack(out, dim=1)


@torch.no_grad()
def faster(model, first: torch.Tensor, generators: Sequence[torch.Generator], frames: int, latent: str = "sample",
           n: int = DEFAULT_CANDIDATES, chunk: int | None = None,
           prefix_ids: torch.Tensor | None = None) -> Iterator[tuple[int, torch.Tensor]]:
    """GPT_faster: yield (row, video (frames, C, H, W)) for each of the B videos, in order.

    All latents of all B videos first (`latent_sequence`), then per video every clip decoded in one batch
    (`chunk` candidates per G / D_V call in mode vdrej); latent: mean | sample | vdrej (Table 5.11).
    """
    r2, plan = _check(model, frames, latent)
    r = r2.recall_cfg.shift
    tokens = latent_sequence(model, first, len(plan), prefix_ids)  # (B, K, latent)
    for i, g in enumerate(generators):
        dists = _latent_dists(model, tokens[i])  # K rows: the clips of video i
        clips = decode_clips(r2, dists, [g] * len(plan), latent, None, n, chunk)  # (K, T, C, H, W)
        parts = [first[i, :r]] + [c[:keep] for c, keep in zip(clips, plan)]
        yield i, torch.cat(parts)  # (frames, C, H, W)
