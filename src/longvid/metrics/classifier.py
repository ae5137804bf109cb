"""Per-dataset 3D-ResNet classifier behind video IS (thesis Sec. 3.4.3, Eq. 3.8).

The thesis computes video IS with "the same 3D-CNN structure [95]" (Hara et al.'s 3D ResNets) as a **separate
classifier pre-trained on each dataset** (after [42, 22]): UvA-NEMO on actor classes, Weizmann / KTH / UCF101 on
action classes (T3.3, T4.6b) and Weizmann / KTH also on actor classes (T3.4). Those classifiers were never
published, so the pipeline trains them (``longvid train-classifier``). Architecture: a 3D ResNet-18 (Hara et al.):
stem 3×7×7 conv (stride 1, 2, 2), four stages of two basic blocks (widths w, 2w, 4w, 8w; stride 2 from stage 2),
global average pool, linear layer. ``width`` (w = 64 in Hara et al.) comes from config so the smoke world can
shrink it. Input: ``(B, T, C, H, W)`` in [-1, 1] (package convention), 16 frames at the dataset resolution.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class ClassifierConfig:
    num_classes: int  # number of labels (actions or actors)
    width: int = 64  # channels of the first stage (Hara et al.'s ResNet-18: 64)
    length: int = 16  # frames per input clip
    resolution: int = 64  # input frames are resized to resolution × resolution


class BasicBlock3d(nn.Module):
    """Two 3×3×3 convs with BN, identity or 1×1×1 projection shortcut."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv3d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm3d(cout)
        self.conv2 = nn.Conv3d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm3d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv3d(cin, cout, 1, stride, bias=False), nn.BatchNorm3d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (x if self.short is None else self.short(x)))


class VideoClassifier(nn.Module):
    """3D ResNet-18-style classifier: ``(B, T, C, H, W)`` in [-1, 1] → logits ``(B, num_classes)``."""

    def __init__(self, cfg: ClassifierConfig):
        super().__init__()
        self.cfg = cfg
        w = cfg.width
        self.stem = nn.Sequential(nn.Conv3d(3, w, (3, 7, 7), (1, 2, 2), (1, 3, 3), bias=False),
                                  nn.BatchNorm3d(w), nn.ReLU(inplace=True))
        blocks, cin = [], w
        for i, cout in enumerate((w, 2 * w, 4 * w, 8 * w)):
            blocks += [BasicBlock3d(cin, cout, 1 if i == 0 else 2), BasicBlock3d(cout, cout, 1)]
            cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, cfg.num_classes)

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        x = self.stem(video.transpose(1, 2))  # (B, w, T, H/2, W/2)
        x = self.blocks(x)  # (B, 8w, T/8, H/16, W/16)
        return self.fc(F.adaptive_avg_pool3d(x, 1).flatten(1))  # (B, K)


def to_model_input(clips: np.ndarray, cfg: ClassifierConfig, device: str = "cpu") -> torch.Tensor:
    """uint8 clips ``(B, T, H, W, 3)`` → ``(B, cfg.length, 3, R, R)`` in [-1, 1] (first ``length`` frames)."""
    x = torch.as_tensor(np.ascontiguousarray(clips[:, : cfg.length])).to(device)  # (B, T, H, W, 3)
    b, t, h, w, _ = x.shape
    if t < cfg.length:
        raise ValueError(f"the IS classifier needs {cfg.length}-frame clips, got {t} frames")
    x = x.permute(0, 1, 4, 2, 3).float().reshape(b * t, 3, h, w)  # (B*T, 3, H, W)
    if (h, w) != (cfg.resolution, cfg.resolution):
        x = F.interpolate(x, size=(cfg.resolution,) * 2, mode="bilinear", align_corners=False, antialias=True)
    return (x / 127.5 - 1.0).reshape(b, t, 3, cfg.resolution, cfg.resolution)  # (B, T, 3, R, R)


def save_classifier(model: VideoClassifier, path, classes: list[str], extra: dict) -> None:
    """Atomic checkpoint ``{"config", "classes", "state_dict", ...extra}``."""
    from longvid.fsutil import atomic_path

    with atomic_path(path) as tmp:
        torch.save({"config": asdict(model.cfg), "classes": list(classes), "state_dict": model.state_dict(), **extra},
                   tmp)


def load_classifier(path, device: str = "cpu") -> tuple[VideoClassifier, dict]:
    """A trained classifier in eval mode and its checkpoint metadata; clear error if the file is missing."""
    from pathlib import Path

    if not Path(path).is_file():
        raise FileNotFoundError(f"IS classifier {path} not found: train it with "
                                f"`longvid train-classifier --out {path}`")
    blob = torch.load(path, map_location="cpu", weights_only=False)
    model = VideoClassifier(ClassifierConfig(**blob["config"]))
    model.load_state_dict(blob["state_dict"])
    meta = {k: v for k, v in blob.items() if k != "state_dict"}
    return model.eval().requires_grad_(False).to(device), meta
