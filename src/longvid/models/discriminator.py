"""Two-stream discriminator of EncGAN3: video discriminator D_V and image discriminator D_I (Sec. 3.4.2, Fig. 3.1).

A discriminator layer set = spectrally normalised conv → LeakyReLU (Sec. 3.4.2). The slope is not stated in the
thesis; we use 0.2, the value of G³AN's public discriminators (whose design EncGAN3 keeps).

* D_I (one frame, `(B, C, H, W)`): 4×4 stride-2 conv2d sets with widths ch, 2ch, 4ch, 8ch (64×64 → 4×4), then a
  4×4 conv to one logit: **five** conv2d layer sets at 64×64. 128×128 adds one more 4×4 stride-2 set at width 8ch
  (Sec. 3.4.2 scaling rule) — G³AN's 64×64 D_I plus one 512→512 set gives exactly Table 5.3's 6.96 M.
* D_V (a clip, `(B, T, C, H, W)`): four pairs (spatial (1,4,4) stride (1,2,2) conv3d set, temporal (4,1,1) conv3d
  set), then a (1,4,4) conv3d set and a (4,1,1) conv3d to one logit: **ten** conv3d layer sets at 64×64
  (T: 16 → 13 → 10 → 7 → 4 → 1). 128×128 adds one (1,4,4) stride-2 set whose width continues the doubling
  (8ch → 16ch); the last two layers then work at 16ch. This reading gives Table 5.3's 29.32 M (see
  docs/architecture.md; keeping 8ch would give 12.54 M).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .blocks import sn


def _widths(ch: int, n_down: int, max_mult: int) -> list[int]:
    """Widths of the n_down stride-2 sets: ch, 2ch, 4ch, ... capped at ch * max_mult."""
    return [ch * min(2 ** i, max_mult) for i in range(n_down)]


def _down_sets(resolution: int) -> int:
    """Number of stride-2 sets that bring `resolution` down to 4 (4 at 64×64, 5 at 128×128)."""
    n = int(math.log2(resolution)) - 2
    if 2 ** (n + 2) != resolution or n < 1:
        raise ValueError(f"resolution must be a power of two >= 8, got {resolution}")
    return n


class ImageDiscriminator(nn.Module):
    """D_I(frames (B, C, H, W)) -> logits (B,)."""

    def __init__(self, cfg):
        super().__init__()
        layers, c_in = [], cfg.channels
        for c_out in _widths(cfg.d_ch, _down_sets(cfg.resolution), cfg.id_max_mult):
            layers += [sn(nn.Conv2d(c_in, c_out, 4, 2, 1)), nn.LeakyReLU(cfg.leaky_slope, inplace=True)]
            c_in = c_out
        layers.append(sn(nn.Conv2d(c_in, 1, 4, 1, 0)))  # 4×4 → 1×1
        self.net = nn.Sequential(*layers)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) in [-1, 1] -> (B,) logits."""
        return self.net(frames).flatten(1).squeeze(1)  # (B,)


class VideoDiscriminator(nn.Module):
    """D_V(video (B, T, C, H, W)) -> logits (B,). At T = 16 four (4,1,1) sets and the final one reach T = 1.

    A longer clip (T > 16: EncGAN3 trained directly on 20 frames, Table 3.7) leaves T - 15 temporal positions at
    the end; their logits are averaged, i.e. D_V scores every 16-frame receptive field of the clip (a reading: the
    thesis' 20-frame run never trained, it ran out of memory).
    """

    def __init__(self, cfg):
        super().__init__()
        slope, layers, c_in = cfg.leaky_slope, [], cfg.channels
        widths = _widths(cfg.d_ch, _down_sets(cfg.resolution), cfg.vd_max_mult)
        for i, c_out in enumerate(widths):
            layers += [sn(nn.Conv3d(c_in, c_out, (1, 4, 4), (1, 2, 2), (0, 1, 1))), nn.LeakyReLU(slope, inplace=True)]
            if i < 4:  # G³AN's four temporal sets: 16 → 13 → 10 → 7 → 4
                layers += [sn(nn.Conv3d(c_out, c_out, (4, 1, 1))), nn.LeakyReLU(slope, inplace=True)]
            c_in = c_out
        layers += [sn(nn.Conv3d(c_in, c_in, (1, 4, 4))), nn.LeakyReLU(slope, inplace=True)]  # 4×4 → 1×1
        layers.append(sn(nn.Conv3d(c_in, 1, (4, 1, 1))))  # T 4 → 1
        self.net = nn.Sequential(*layers)

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        """(B, T, C, H, W) in [-1, 1] -> (B,) logits."""
        if video.shape[1] < 16:
            raise ValueError(f"the video discriminator scores clips of at least 16 frames, got T={video.shape[1]}")
        return self.net(video.transpose(1, 2)).flatten(1).mean(1)  # (B, T - 15) -> (B,)
