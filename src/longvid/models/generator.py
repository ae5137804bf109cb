"""Three-stream generator of G³ blocks with F-SA (Sec. 3.2, Sec. 3.4.2, Fig. 3.1; improved R2: Sec. 5.2.1, Fig. 5.1).

Latents enter as 1×1×1 volumes: content `z_c (B, dim_zc)` feeds the spatial stream, motion `z_m (B, dim_zm, n)`
feeds the temporal stream and `cat(z_c, z_m)` feeds the video stream (G³AN). The G³ blocks follow G³AN's public
schedule: block 1 maps 1×1 → 4×4 and 1 → 4 time steps, blocks 2–3 double space and time, later blocks double
space only; F-SA runs on the video stream after block `fsa_after` (= 4, "the video stream output of the fourth G³
block"); an output conv3d (1×3×3) + tanh maps the video stream to RGB.

Block count (PROTOCOL §8.2, Sec. 3.4.2 says both "four" and "five" at 64×64): 64×64 uses **five** G³ blocks
(Fig. 3.1 / G³AN: 4×4 → 64×64 needs four spatial doublings after the first block) with F-SA after the fourth;
128×128 adds one block at the end (Sec. 5.2.1's `G³_5` = the sixth block when blocks are numbered from `G³_0`).
Table 5.3's generator count (90.37 M) is met exactly by this reading — see docs/architecture.md.

Forced longer generation (Fig. 3.13, Sec. 3.5.1): the temporal size of the motion latent is enlarged. With the G³AN
temporal schedule a motion code of `n` steps gives `4(n + 3)` frames (`n = 1` → 16); `motion_steps(frames)` gives
the smallest `n` that reaches `frames` and the output is cut to `frames`. Pass `z_motion` of shape
`(B, dim_zm, n)` (e.g. from `EncGAN3.sample_latents(B, frames=90)`) and `frames=90`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .blocks import FactorizedSelfAttention, G3Block, init_conv_

FIRST_SPATIAL, UP_SPATIAL = (4, 1, 0), (4, 2, 1)  # (kernel, stride, padding): 1 → 4, then ×2
FIRST_TEMPORAL, UP_TEMPORAL, KEEP_TEMPORAL = (4, 1, 0), (4, 2, 1), (1, 1, 0)  # 1 → 4, ×2, unchanged
TEMPORAL_DOUBLINGS = 2  # blocks 2 and 3 double time: 4 → 8 → 16


def motion_steps(frames: int) -> int:
    """Temporal size n of the motion latent needed for `frames` output frames (4(n + 3) >= frames)."""
    if frames < 1:
        raise ValueError(f"frames must be >= 1, got {frames}")
    return max(1, math.ceil(frames / 2 ** TEMPORAL_DOUBLINGS) - 3)


def frames_from_steps(n: int) -> int:
    """Frames produced by a motion latent of temporal size n: 4(n + 3)."""
    return (n + 3) * 2 ** TEMPORAL_DOUBLINGS


class Generator(nn.Module):
    """G(z_content, z_motion) -> video (B, T, C, H, W) in [-1, 1] (tanh)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        widths = cfg.generator_widths
        blocks, c_s, c_t = [], cfg.dim_zc, cfg.dim_zm
        c_v = cfg.dim_zc + cfg.dim_zm
        for i, c_out in enumerate(widths):
            spatial = FIRST_SPATIAL if i == 0 else UP_SPATIAL
            temporal = FIRST_TEMPORAL if i == 0 else UP_TEMPORAL if i <= TEMPORAL_DOUBLINGS else KEEP_TEMPORAL
            block = G3Block(c_s, c_v, c_t, c_out, cfg.g_mode, spatial, temporal,
                            cfg.use_content_stream, cfg.use_temporal_stream)
            blocks.append(block)
            c_s, c_t, c_v = c_out, c_out, block.out_video_channels
            if cfg.use_fsa and i + 1 == cfg.fsa_after:
                self.fsa = FactorizedSelfAttention(c_v)
        self.blocks = nn.ModuleList(blocks)
        if not cfg.use_fsa:
            self.fsa = None
        self.to_rgb = init_conv_(nn.Conv3d(c_v, cfg.channels, (1, 3, 3), 1, (0, 1, 1)))

    def forward(self, z_content: torch.Tensor, z_motion: torch.Tensor, frames: int | None = None) -> torch.Tensor:
        """z_content (B, dim_zc), z_motion (B, dim_zm) or (B, dim_zm, n) -> video (B, frames, C, H, W) in [-1, 1].

        `frames` defaults to `cfg.frames` for a (B, dim_zm) motion code and to 4(n + 3) for a (B, dim_zm, n) one.
        """
        if z_motion.dim() == 2:
            z_motion = z_motion.unsqueeze(-1)  # (B, dim_zm, 1)
            frames = self.cfg.frames if frames is None else frames
        n = z_motion.shape[-1]
        frames = frames_from_steps(n) if frames is None else frames
        if motion_steps(frames) > n:
            raise ValueError(f"{frames} frames need a motion latent of temporal size {motion_steps(frames)} "
                             f"(got {n}); pass z_motion of shape (B, dim_zm, motion_steps(frames)), "
                             f"e.g. from sample_latents(B, frames={frames})")
        h_s = z_content[:, :, None, None, None]  # (B, Zc, 1, 1, 1)
        h_t = z_motion[:, :, :, None, None]  # (B, Zm, n, 1, 1)
        h_v = torch.cat([h_s.expand(-1, -1, n, -1, -1), h_t], dim=1)  # (B, Zc+Zm, n, 1, 1)
        for i, block in enumerate(self.blocks):
            h_s, h_v, h_t = block(h_s, h_v, h_t)
            if self.fsa is not None and i + 1 == self.cfg.fsa_after:
                h_v = self.fsa(h_v)  # (B, Cv, T, H, W)
        video = torch.tanh(self.to_rgb(h_v))  # (B, C, T', H, W)
        return video[:, :, :frames].transpose(1, 2)  # (B, T, C, H, W)
