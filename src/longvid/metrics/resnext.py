"""Kinetics 3D ResNeXt-101 (Hara et al., CVPR 2018 = thesis ref. [95]) — the video-FID network of G3AN.

Thesis Sec. 3.4.3 / Eq. (3.7): video FID uses features of "one pre-trained 3D CNN [95]" for all datasets, as in
G3AN [5]. G3AN used Hara et al.'s ``resnext-101-kinetics.pth`` (16 frames, 112×112, the 2048-d average-pooled
features before the classifier). That file cannot be fetched here, so this network is only built from a
configured path; a missing file is an error that names where to put it (never random weights).

Architecture (facts of Hara et al.'s published model): conv1 7×7×7, stride (1, 2, 2), 64 ch → BN → ReLU →
max pool 3, stride 2; four stages of ResNeXt bottlenecks [3, 4, 23, 3], cardinality 32, widths 128/256/512/1024,
expansion 2, projection shortcuts ("shortcut B"); average pool over (1, 4, 4); fc 2048 → 400.
Checkpoint layout: ``{"state_dict": {"module.conv1.weight", ..., "module.fc.bias"}, ...}`` (DataParallel keys).
Input convention (Hara's defaults, **[inferred]** for G3AN): RGB frames resized to 112×112 in [0, 255] minus the
ActivityNet mean (114.7748, 107.7354, 99.4750), no std division.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

HARA_MEAN = (114.7748, 107.7354, 99.4750)  # Hara et al. get_mean(norm_value=1, dataset="activitynet")


class Bottleneck(nn.Module):
    """1×1×1 → grouped 3×3×3 (stride) → 1×1×1 ×2, each with BN; projection shortcut where shapes change."""

    def __init__(self, cin: int, planes: int, stride: int, cardinality: int = 32):
        super().__init__()
        mid = cardinality * (planes // 32)
        self.conv1 = nn.Conv3d(cin, mid, 1, bias=False)
        self.bn1 = nn.BatchNorm3d(mid)
        self.conv2 = nn.Conv3d(mid, mid, 3, stride, 1, groups=cardinality, bias=False)
        self.bn2 = nn.BatchNorm3d(mid)
        self.conv3 = nn.Conv3d(mid, planes * 2, 1, bias=False)
        self.bn3 = nn.BatchNorm3d(planes * 2)
        self.downsample = None
        if stride != 1 or cin != planes * 2:
            self.downsample = nn.Sequential(nn.Conv3d(cin, planes * 2, 1, stride, bias=False),
                                            nn.BatchNorm3d(planes * 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNeXt101(nn.Module):
    """3D ResNeXt-101 for 16×112×112 clips; forward returns ``(logits (B, 400), pool (B, 2048))``."""

    def __init__(self, num_classes: int = 400, layers=(3, 4, 23, 3)):
        super().__init__()
        self.conv1 = nn.Conv3d(3, 64, 7, (1, 2, 2), (3, 3, 3), bias=False)
        self.bn1 = nn.BatchNorm3d(64)
        cin = 64
        for i, (planes, n) in enumerate(zip((128, 256, 512, 1024), layers)):
            blocks = []
            for j in range(n):
                blocks.append(Bottleneck(cin, planes, stride=(1 if i == 0 or j > 0 else 2)))
                cin = planes * 2
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.relu(self.bn1(self.conv1(x)))  # (B, 64, 16, 56, 56)
        x = F.max_pool3d(x, 3, 2, 1)  # (B, 64, 8, 28, 28)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))  # (B, 2048, 1, 4, 4)
        pool = F.adaptive_avg_pool3d(x, 1).flatten(1)  # (B, 2048)
        return self.fc(pool), pool


def load_resnext101(weights: Path | str, device: str | torch.device = "cpu") -> ResNeXt101:
    """Hara et al.'s ``resnext-101-kinetics.pth`` → eval-mode :class:`ResNeXt101`; clear error if absent."""
    path = Path(weights)
    if not path.is_file():
        raise FileNotFoundError(
            f"video-FID ResNeXt-101 weights not found at {path}: download Hara et al.'s "
            f"'resnext-101-kinetics.pth' (3D-ResNets-PyTorch release) and place it at {path.resolve()}"
        )
    blob = torch.load(path, map_location="cpu", weights_only=False)
    state = blob.get("state_dict", blob) if isinstance(blob, dict) else blob
    state = {k.removeprefix("module."): v for k, v in state.items()}
    model = ResNeXt101()
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as err:  # shape mismatches
        raise ValueError(f"{path}: not a Kinetics ResNeXt-101 checkpoint ({str(err).splitlines()[0]})") from err
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"{path}: not a Kinetics ResNeXt-101 checkpoint "
                         f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    return model.eval().requires_grad_(False).to(device)
