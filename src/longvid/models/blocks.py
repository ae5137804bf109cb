"""Building blocks of the EncGAN3 generator: G³ block (Sec. 3.2, Fig. 3.1, Fig. 5.1) and F-SA (Sec. 3.4.2).

Tensors inside the generator are channels-first 3D volumes `(B, C, T, H, W)`:
* spatial / content stream `h_s`: `(B, C, 1, H, W)` (one image, conv2d = transposed conv with kernel (1, k, k)),
* temporal / motion stream `h_t`: `(B, C, T, 1, 1)` (conv1d = transposed conv with kernel (k_t, 1, 1)),
* video stream `h_v`: `(B, C, T, H, W)`.

A G³ block upsamples the three streams and fuses them into the video stream "by adding temporal features and
concatenating spatial features after size matching" (Sec. 3.2): `h_v ← cat(h_s repeated over T, h_v + h_t
repeated over H×W)`. The video stream is either `1p2d` (a conv1d set then a conv2d set: two conv2d + two conv1d
sets per block, Sec. 3.4.2 / Fig. 5.1 b), `2p1d` (conv2d then conv1d) or `3d` (one conv3d set: one 3D, one 2D and
one 1D conv per block, Sec. 5.2.1 / 5.3.4 / Fig. 5.1 a).

A generator layer set = spectrally normalised transposed conv → BatchNorm → ReLU. Sec. 3.4.2 says spectral
normalisation is used "instead of" batch normalisation; we follow G³AN (whose "hyper-parameter initialisation"
EncGAN3 reuses, Sec. 3.4.2), whose public generator uses both (BN weight init N(1, 0.02)), and record the choice
in docs/architecture.md.

F-SA = temporal-wise self-attention (TSA) followed by spatial-wise self-attention (SSA), each with three 1×1×1
conv3d layers (query, key, value) and a learned residual gate `gamma` initialised at 0 (Sec. 3.4.2, G³AN).
The spatial attention here restores the axes correctly: each output position gets the attention-weighted values
computed from *its own* query (G³AN's public SSA reshapes its output with the axes in the wrong order).
"""

from __future__ import annotations

import contextlib
import contextvars

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

G_MODES = ("1p2d", "2p1d", "3d")
_SPECTRAL_NORM = contextvars.ContextVar("spectral_norm", default=True)


@contextlib.contextmanager
def without_spectral_norm():
    """Build layers without the spectral-norm wrapper (same parameters: it only reparameterises the weight).

    Used for fast parameter counting on the meta device, where the wrapper's power iteration is slow.
    """
    token = _SPECTRAL_NORM.set(False)
    try:
        yield
    finally:
        _SPECTRAL_NORM.reset(token)


def init_conv_(module: nn.Module) -> nn.Module:
    """G³AN initialisation: conv weights N(0, 0.02), biases 0 (applied before spectral norm wraps the weight)."""
    nn.init.normal_(module.weight, 0.0, 0.02)
    if module.bias is not None:
        nn.init.zeros_(module.bias)
    return module


def init_bn_(module: nn.Module) -> nn.Module:
    """G³AN initialisation: BatchNorm weight N(1, 0.02), bias 0."""
    nn.init.normal_(module.weight, 1.0, 0.02)
    nn.init.zeros_(module.bias)
    return module


def sn(module: nn.Module) -> nn.Module:
    """Initialise a conv/linear layer (N(0, 0.02)) and wrap it in spectral normalisation [92]."""
    module = init_conv_(module)
    return spectral_norm(module) if _SPECTRAL_NORM.get() else module


def deconv_set(c_in: int, c_out: int, kernel: tuple[int, int, int], stride: tuple[int, int, int],
               padding: tuple[int, int, int]) -> nn.Sequential:
    """Generator layer set: SN transposed conv3d → BatchNorm3d → ReLU."""
    return nn.Sequential(
        sn(nn.ConvTranspose3d(c_in, c_out, kernel, stride, padding)),
        init_bn_(nn.BatchNorm3d(c_out)),
        nn.ReLU(inplace=True),
    )


class G3Block(nn.Module):
    """One G³ block: upsample the spatial, temporal and video streams and fuse them into the video stream.

    `k_s, s_s, p_s` / `k_t, s_t, p_t`: spatial / temporal kernel, stride and padding of the transposed convs.
    `use_spatial` / `use_temporal` switch the content (G_S / G_C) and motion (G_T) streams off (Table 3.4): the
    switched-off stream has no layers and contributes nothing to the video stream.
    """

    def __init__(self, c_s: int, c_v: int, c_t: int, c_out: int, mode: str, spatial: tuple[int, int, int],
                 temporal: tuple[int, int, int], use_spatial: bool = True, use_temporal: bool = True):
        super().__init__()
        if mode not in G_MODES:
            raise ValueError(f"g_mode must be one of {G_MODES}, got {mode!r}")
        (k_s, s_s, p_s), (k_t, s_t, p_t) = spatial, temporal
        conv2d = dict(kernel=(1, k_s, k_s), stride=(1, s_s, s_s), padding=(0, p_s, p_s))
        conv1d = dict(kernel=(k_t, 1, 1), stride=(s_t, 1, 1), padding=(p_t, 0, 0))
        if mode == "3d":
            self.conv_v = deconv_set(c_v, c_out, (k_t, k_s, k_s), (s_t, s_s, s_s), (p_t, p_s, p_s))
        elif mode == "1p2d":
            self.conv_v = nn.Sequential(deconv_set(c_v, c_out, **conv1d), deconv_set(c_out, c_out, **conv2d))
        else:  # 2p1d
            self.conv_v = nn.Sequential(deconv_set(c_v, c_out, **conv2d), deconv_set(c_out, c_out, **conv1d))
        self.conv_s = deconv_set(c_s, c_out, **conv2d) if use_spatial else None
        self.conv_t = deconv_set(c_t, c_out, **conv1d) if use_temporal else None
        self.out_video_channels = 2 * c_out if use_spatial else c_out

    def forward(self, h_s: torch.Tensor | None, h_v: torch.Tensor, h_t: torch.Tensor | None):
        """(B,Cs,1,h,w), (B,Cv,t,h,w), (B,Ct,t,1,1) -> (B,Co,1,H,W), (B,Co or 2Co,T,H,W), (B,Co,T,1,1)."""
        h_v = self.conv_v(h_v)  # (B, Co, T, H, W)
        if self.conv_t is not None:
            h_t = self.conv_t(h_t)  # (B, Co, T, 1, 1)
            h_v = h_v + h_t  # broadcast over H, W = "adding temporal features"
        if self.conv_s is not None:
            h_s = self.conv_s(h_s)  # (B, Co, 1, H, W)
            h_v = torch.cat([h_s.expand(-1, -1, h_v.shape[2], -1, -1), h_v], dim=1)  # (B, 2Co, T, H, W)
        return h_s, h_v, h_t


class _SelfAttention3d(nn.Module):
    """Shared parts of TSA / SSA: 1×1×1 SN conv3d query/key (C → C/8) and value (C → C), residual gate."""

    def __init__(self, channels: int):
        super().__init__()
        inner = max(channels // 8, 1)
        self.query = sn(nn.Conv3d(channels, inner, 1))
        self.key = sn(nn.Conv3d(channels, inner, 1))
        self.value = sn(nn.Conv3d(channels, channels, 1))
        self.gamma = nn.Parameter(torch.zeros(1))

    @staticmethod
    def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """q, k: (N, L, Ck), v: (N, L, C) -> (N, L, C); row i = sum_j softmax_j(q_i · k_j) v_j.

        Unscaled dot products as in G³AN (SAGAN-style), computed by PyTorch's fused attention (`scale=1`) so that
        the L×L matrix need not be stored on GPUs (L = 1024 pixels for SSA at 32×32).
        """
        return F.scaled_dot_product_attention(q, k, v, scale=1.0)  # (N, L, C)


class TemporalSelfAttention(_SelfAttention3d):
    """TSA: attention across the T frames at every spatial position (Sec. 3.4.2)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T, H, W) -> (B, C, T, H, W)."""
        b, c, t, h, w = x.shape

        def seq(y: torch.Tensor) -> torch.Tensor:  # (B, C', T, H, W) -> (B*H*W, T, C')
            return y.permute(0, 3, 4, 2, 1).reshape(b * h * w, t, y.shape[1])

        out = self.attend(seq(self.query(x)), seq(self.key(x)), seq(self.value(x)))  # (B*H*W, T, C)
        out = out.reshape(b, h, w, t, c).permute(0, 4, 3, 1, 2)  # (B, C, T, H, W)
        return x + self.gamma * out


class SpatialSelfAttention(_SelfAttention3d):
    """SSA: attention across the H×W positions of every frame (Sec. 3.4.2), axes restored correctly."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T, H, W) -> (B, C, T, H, W)."""
        b, c, t, h, w = x.shape

        def seq(y: torch.Tensor) -> torch.Tensor:  # (B, C', T, H, W) -> (B*T, H*W, C')
            return y.permute(0, 2, 3, 4, 1).reshape(b * t, h * w, y.shape[1])

        out = self.attend(seq(self.query(x)), seq(self.key(x)), seq(self.value(x)))  # (B*T, H*W, C)
        out = out.reshape(b, t, h, w, c).permute(0, 4, 1, 2, 3)  # (B, C, T, H, W)
        return x + self.gamma * out


class FactorizedSelfAttention(nn.Module):
    """F-SA: TSA then SSA on the video stream (Sec. 3.2, 3.4.2)."""

    def __init__(self, channels: int):
        super().__init__()
        self.tsa = TemporalSelfAttention(channels)
        self.ssa = SpatialSelfAttention(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T, H, W) -> (B, C, T, H, W)."""
        return self.ssa(self.tsa(x))
