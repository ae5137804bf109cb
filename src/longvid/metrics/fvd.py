"""FVD of generated long videos (thesis Sec. 4.6, 5.5; Tables 4.2–4.3, 4.5, 4.7–4.8, 5.5–5.11; Fig. 4.9).

Frechet Video Distance [82] = Eq. (3.7) on Kinetics-400 I3D logits (``detectors.py``, detector ``i3d``),
protocol of the original FVD (google-research ``frechet_video_distance``): uint8 frames, TF1 bilinear resize to
224×224, [-1, 1], time-averaged logits, unbiased covariances, tf-gan's trace-sqrt formula.

* ``fvd2048_16f`` / ``fvd2048_128f`` — the **first 16 / 128 frames** of each generated long video (thesis line
  2173: "calculated using the first 16 frames and the first 128 frames") vs one random 16- / 128-frame clip per
  real video (T4.5, T5.5; real videos shorter than the clip are discarded);
* ``fvd_ratio`` = FVD-16f / FVD-128f (line 2122; T5.5–5.11; higher = less degradation over time);
* ``fvd_len_{L}f`` — the first L frames (T4.2/4.3/4.7/4.8: L ∈ {10, 16, 32, 64, 96, 100, 128, 136}; the thesis
  only says "we sample sets of frames from each long-term video" (line 1549), so we take the first L, like
  16f/128f);
* ``fvd_along_16f`` — FVD of the "consecutive non-overlapping 16frame clips" (line 1661) [16k, 16k+16) of the
  generated videos, each against the real 16-frame clips (Fig. 4.9), as a list over k.
The FVD network is "different from the one used in video FID" (line 1648): see ``vfid.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from longvid.metrics.features import extract, sample_videos
from longvid.metrics.frechet import frechet_from_features


def video_frames(path: Path) -> int:
    return int(np.load(path, mmap_mode="r").shape[0])


def generated_features(detector, sample_dir: Path, length: int, start: int = 0, count: int | None = None):
    """Detector features ``(N, D)`` of frames ``[start, start+length)`` of the first ``count`` generated videos."""
    paths = sample_videos(sample_dir, count)
    short = [p.name for p in paths if video_frames(p) < start + length]
    if short:
        raise ValueError(f"{sample_dir}: {len(short)} videos (e.g. {short[0]}) are shorter than "
                         f"{start + length} frames")
    return extract(detector, [(p, start) for p in paths], length)


def fvd_first(detector, sample_dir: Path, real_feats: np.ndarray, length: int, count: int | None = None) -> float:
    """FVD of the first ``length`` frames of the generated videos vs real ``length``-frame clip features."""
    return frechet_from_features(real_feats, generated_features(detector, sample_dir, length, 0, count))


def fvd_along(detector, sample_dir: Path, real_feats16: np.ndarray, count: int | None = None,
              clip: int = 16, max_frames: int | None = None) -> list[float]:
    """FVD of each consecutive non-overlapping ``clip``-frame window along the generated videos (Fig. 4.9)."""
    paths = sample_videos(sample_dir, count)
    frames = min(video_frames(p) for p in paths)
    if max_frames is not None:
        frames = min(frames, max_frames)
    return [frechet_from_features(real_feats16, extract(detector, [(p, k * clip) for p in paths], clip))
            for k in range(frames // clip)]


def fvd_ratio(fvd16: float, fvd128: float) -> float:
    """FVD-16f / FVD-128f (T5.5). The thesis truncates some printed ratios; we keep full precision."""
    return float(fvd16 / fvd128)


def fvd_of_arrays(detector, real: np.ndarray, fake: np.ndarray) -> float:
    """FVD of two uint8 clip arrays ``(N, T, H, W, 3)`` (whole arrays; for tests and small sets)."""
    return frechet_from_features(detector(real), detector(fake))
