"""Spatial preprocessing of Sec. 3.4.1 (thesis lines 936-947) and the [-1, 1] scaling at the package edge.

* Weizmann: crop 20 px from every edge *before* scaling ("to balance frame sharpness and object completeness").
* Resize keeping the aspect ratio so that the shorter side is ``size`` (64, or 128 for the 128×128 models —
  PROTOCOL §1.1 [inferred]), then a centred ``size×size`` crop ("centered cropping to ensure that the entire moving
  object was captured").
* Stored as uint8; scaled to [0, 1] then normalised with mean 0.5 and "variance" 0.5, i.e. ``x/127.5 - 1``, only
  when a clip is loaded (:func:`to_model`).

Resampling: PIL bilinear with its built-in antialiasing on down-scaling — what torchvision's ``Resize`` applies to
PIL images, the pipeline of G³AN's loader that EncGAN3 inherits. The long side is ``round(long * size / short)``.
"""

from __future__ import annotations

import numpy as np

WEIZMANN_EDGE = 20  # px cropped from each edge of Weizmann frames before scaling (Sec. 3.4.1)


def edge_crop(frame: np.ndarray, px: int) -> np.ndarray:
    """Remove ``px`` pixels from each edge of an ``H×W×C`` frame (or ``T×H×W×C`` video)."""
    if px <= 0:
        return frame
    h, w = frame.shape[-3], frame.shape[-2]
    if h <= 2 * px or w <= 2 * px:
        raise ValueError(f"cannot crop {px} px from each edge of a {w}x{h} frame")
    return frame[..., px:h - px, px:w - px, :]


def resized_shape(height: int, width: int, size: int) -> tuple[int, int]:
    """(H, W) after the aspect-preserving resize that makes the shorter side ``size``."""
    if height <= width:
        return size, max(size, round(width * size / height))
    return max(size, round(height * size / width)), size


def centre_crop(frame: np.ndarray, size: int) -> np.ndarray:
    """Centred ``size×size`` crop of an ``H×W×C`` frame (offsets ``(H-size)//2``, ``(W-size)//2``)."""
    h, w = frame.shape[-3], frame.shape[-2]
    if h < size or w < size:
        raise ValueError(f"cannot centre-crop {size}x{size} from a {w}x{h} frame")
    top, left = (h - size) // 2, (w - size) // 2
    return frame[..., top:top + size, left:left + size, :]


def resize_short_side(frame: np.ndarray, size: int) -> np.ndarray:
    """Aspect-preserving resize of a uint8 ``H×W×3`` frame so that its shorter side is ``size``."""
    from PIL import Image

    h, w = frame.shape[:2]
    new_h, new_w = resized_shape(h, w, size)
    if (new_h, new_w) == (h, w):
        return frame
    image = Image.fromarray(np.ascontiguousarray(frame))
    return np.asarray(image.resize((new_w, new_h), Image.BILINEAR))


def preprocess_frame(frame: np.ndarray, size: int, edge: int = 0) -> np.ndarray:
    """Edge crop (Weizmann) → shorter side to ``size`` → centred ``size×size`` crop; uint8 ``size×size×3``."""
    frame = edge_crop(frame, edge)
    return np.ascontiguousarray(centre_crop(resize_short_side(frame, size), size))


def preprocess_video(frames: np.ndarray, size: int, edge: int = 0) -> np.ndarray:
    """:func:`preprocess_frame` on every frame of a uint8 ``T×H×W×3`` video → ``T×size×size×3``."""
    return np.stack([preprocess_frame(f, size, edge) for f in frames])


def to_model(frames):
    """uint8 ``(..., T, H, W, C)`` array/tensor → float32 tensor ``(..., T, C, H, W)`` in [-1, 1]."""
    import torch

    x = torch.as_tensor(np.asarray(frames))  # (..., T, H, W, C) uint8
    return x.movedim(-1, -3).float().div_(127.5).sub_(1.0)  # (..., T, C, H, W)


def to_uint8(video):
    """float ``(..., C, H, W)`` in [-1, 1] (tensor) → uint8 numpy ``(..., H, W, C)``; out-of-range values clip."""
    import torch

    x = ((video.detach().float().cpu() + 1.0) * 127.5).round_().clamp_(0, 255)
    return x.to(torch.uint8).movedim(-3, -1).numpy()  # (..., H, W, C)
