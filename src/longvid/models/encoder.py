"""Two-stream Encoder of EncGAN3 (Sec. 3.2, Sec. 3.4.2, Fig. 3.1, Alg. 1, Eq. 3.3).

* Content stream (CoEnc) on one frame `x_c` (the first frame `x_0` for EncGAN3; the reference frame `x_r` for R2 via
  `content_index`): six conv2d layer sets + one fc layer set (layer → BatchNorm → ReLU), then one fc layer for the
  mean and one for the log-variance of the content latent space `z_co`.
* Motion stream on the `T − 1` difference maps `v_j = x_{j−1} − x_j` (Eq. 3.3, previous minus current): a shared
  sub-network (Moenc) of six conv2d layer sets with a maxpool2d after every two sets + one fc layer set gives one
  embedding per map; Mofc compresses the embeddings of every two consecutive maps with one fc layer set (an odd
  last embedding is passed through unchanged), concatenates them, compresses with two fc layer sets, and ends in
  two fc layers for the mean and two for the log-variance of the motion latent space `z_mo`.
* 128×128 (Sec. 3.4.2 scaling rule): two more conv2d sets (one more downsampling stage) and one more fc set in
  both streams.

Not in the thesis (choices recorded in docs/architecture.md): conv widths `e_ch * (1, 1, 2, 2, 4, 4, [8, 8])`,
3×3 convs with padding 1; the content stream downsamples with stride 2 in the second conv of each pair (so both
streams reach 8×8 before the fc sets); fc width `e_fc`; the two-layer heads are fc → ReLU → fc. BatchNorm in an fc set needs >= 2 clips per training
batch; `encoder_fc_bn: false` drops it from the fc sets so that batch-size-1 training (Table 3.7's 128×128 runs)
is possible (the thesis does not say how its batch-1 runs normalised the fc sets).
"""

from __future__ import annotations

import torch
from torch import nn

from .blocks import init_bn_, init_conv_


def conv_set(c_in: int, c_out: int, stride: int = 1) -> list[nn.Module]:
    """Encoder conv2d layer set: 3×3 conv → BatchNorm2d → ReLU."""
    return [init_conv_(nn.Conv2d(c_in, c_out, 3, stride, 1)), init_bn_(nn.BatchNorm2d(c_out)), nn.ReLU(inplace=True)]


def fc_set(c_in: int, c_out: int, bn: bool = True) -> list[nn.Module]:
    """Encoder fc layer set: linear → BatchNorm1d → ReLU (`bn=False`: linear → ReLU)."""
    norm = [init_bn_(nn.BatchNorm1d(c_out))] if bn else []
    return [nn.Linear(c_in, c_out), *norm, nn.ReLU(inplace=True)]


def conv_trunk(cfg, pooled: bool) -> nn.Sequential:
    """Conv sets in pairs down to 8×8 + fc set(s): 6 conv + 1 fc at 64×64, 8 conv + 2 fc at 128×128.

    `pooled`: motion sub-network (maxpool2d after every two sets); otherwise the second conv of a pair has stride 2.
    """
    stages = {64: 3, 128: 4}[cfg.resolution]
    layers, c_in = [], cfg.channels
    for s in range(stages):
        c_out = cfg.e_ch * 2 ** s
        layers += conv_set(c_in, c_out) + conv_set(c_out, c_out, stride=1 if pooled else 2)
        if pooled:
            layers.append(nn.MaxPool2d(2))
        c_in = c_out
    layers += [nn.Flatten()] + fc_set(c_in * 8 * 8, cfg.e_fc, cfg.encoder_fc_bn)
    for _ in range(stages - 3):  # 128×128: one more fc set
        layers += fc_set(cfg.e_fc, cfg.e_fc, cfg.encoder_fc_bn)
    return nn.Sequential(*layers)


def difference_maps(video: torch.Tensor) -> torch.Tensor:
    """Eq. (3.3): v_j = x_{j−1} − x_j, j = 1…T−1; (B, T, C, H, W) -> (B, T−1, C, H, W) in [-2, 2]."""
    return video[:, :-1] - video[:, 1:]


def pair_groups(n: int) -> tuple[int, int]:
    """(number of compressed pairs, number of passed-through odd embeddings) for n embeddings."""
    return n // 2, n % 2


class ContentEncoder(nn.Module):
    """CoEnc: frame (B, C, H, W) -> (mu, logvar), each (B, dim_zc)."""

    def __init__(self, cfg):
        super().__init__()
        self.trunk = conv_trunk(cfg, pooled=False)
        self.mu = nn.Linear(cfg.e_fc, cfg.dim_zc)
        self.logvar = nn.Linear(cfg.e_fc, cfg.dim_zc)

    def forward(self, frame: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.trunk(frame)  # (B, e_fc)
        return self.mu(h), self.logvar(h)


class MotionEncoder(nn.Module):
    """Moenc + Mofc: difference maps (B, T−1, C, H, W) -> (mu, logvar), each (B, dim_zm).

    A clip longer than the generator's 16-frame schedule (Table 3.7: EncGAN3 trained on 20 frames) needs a motion
    code of temporal size n = motion_steps(T) > 1: the heads then give dim_zm * n values, shaped (B, dim_zm, n).
    """

    def __init__(self, cfg):
        from .generator import motion_steps

        super().__init__()
        e = cfg.e_fc
        self.n_maps = cfg.frames - 1
        self.dim_zm, self.steps = cfg.dim_zm, motion_steps(cfg.frames)
        n_pairs, n_odd = pair_groups(self.n_maps)
        self.moenc = conv_trunk(cfg, pooled=True)
        bn = cfg.encoder_fc_bn
        self.pair = nn.Sequential(*fc_set(2 * e, e, bn))  # one fc set shared by every pair of embeddings
        self.mofc = nn.Sequential(*fc_set((n_pairs + n_odd) * e, e, bn), *fc_set(e, e, bn))
        out = cfg.dim_zm * self.steps
        self.mu = nn.Sequential(nn.Linear(e, e), nn.ReLU(inplace=True), nn.Linear(e, out))
        self.logvar = nn.Sequential(nn.Linear(e, e), nn.ReLU(inplace=True), nn.Linear(e, out))

    def forward(self, maps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, n = maps.shape[:2]
        if n != self.n_maps:
            raise ValueError(f"motion encoder built for {self.n_maps} difference maps, got {n}")
        emb = self.moenc(maps.flatten(0, 1)).view(b, n, -1)  # (B, N, e)
        n_pairs, n_odd = pair_groups(n)
        pairs = emb[:, : 2 * n_pairs].reshape(b * n_pairs, -1)  # (B*P, 2e): maps (0,1), (2,3), ...
        parts = [self.pair(pairs).view(b, n_pairs, -1)]  # (B, P, e)
        if n_odd:
            parts.append(emb[:, -1:])  # (B, 1, e): the odd last embedding, not compressed
        h = self.mofc(torch.cat(parts, dim=1).flatten(1))  # (B, e)
        if self.steps == 1:
            return self.mu(h), self.logvar(h)  # (B, Zm)
        shape = (b, self.dim_zm, self.steps)
        return self.mu(h).view(shape), self.logvar(h).view(shape)  # (B, Zm, n)


class Encoder(nn.Module):
    """Enc(video) -> (mu_c, logvar_c, mu_m, logvar_m); video (B, T, C, H, W) in [-1, 1]."""

    def __init__(self, cfg):
        super().__init__()
        self.content_index = cfg.content_index
        self.fc_bn = cfg.encoder_fc_bn
        self.content = ContentEncoder(cfg)
        self.motion = MotionEncoder(cfg)

    def forward(self, video: torch.Tensor, content_index: int | None = None):
        """`content_index` overrides cfg.content_index (0 = x_0 for EncGAN3, r = 8 = x_r for R2)."""
        if self.training and self.fc_bn and video.shape[0] < 2:
            raise ValueError("the Encoder's fc layer sets use BatchNorm (Sec. 3.4.2), which needs a batch of at "
                             "least 2 clips in training mode; raise train.batch_size or set "
                             "model.encoder_fc_bn: false (fc sets without BatchNorm) for batch-size-1 training")
        idx = self.content_index if content_index is None else content_index
        mu_c, logvar_c = self.content(video[:, idx])  # (B, Zc) each
        mu_m, logvar_m = self.motion(difference_maps(video))  # (B, Zm) each
        return mu_c, logvar_c, mu_m, logvar_m
