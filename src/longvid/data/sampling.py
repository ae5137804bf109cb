"""Frame-index sampling: step sampling, uniform sampling, fixed windows and overlapping clip pairs.

* Step sampling (Sec. 3.4.1, thesis line 936-947): a random first frame, then a fixed step "varying randomly from
  1 to 3 or 1 to 6, depending on the dataset's general video lengths"; Sec. 3.4.5 (line 1154) says "a sampling
  step of 2 or 3 ... randomly selected at each sampling time" (the UvA ablation, = G³AN's UvA loader), Sec. 4.6.1
  "1 to 3, depending on the video length" (PROTOCOL §8.4). Our reading: the step range is a per-dataset setting
  ``steps=(lo, hi)`` (config); each draw picks a step uniformly among the values in [lo, hi] whose 16-frame span
  fits the video (so "depending on the video length" also holds per video), then a uniform start.
* Uniform sampling (Sec. 3.4.5, Fig. 3.12 ablation): split the video into ``length`` sets of (as) equal (as
  possible) size — set k = frames ``[floor(k n / L), floor((k+1) n / L))`` — and draw one frame from each.
* Fixed windows (Sec. 4.5.1 "splitting each video into several 16-frame clips"): starts ``0, s, 2s, ...`` while the
  window fits. Table 4.1 row D (272 + 392 frames → 33 + 48 = 81 segments) fixes 16-frame windows at stride 8.
* Clip pairs for recall (Alg. 6; PROTOCOL §0): within a 24-frame segment, clip 1 = frames 0-15 and clip 2 =
  frames r..r+15 with r = T_c//2 + 1 = 8.
"""

from __future__ import annotations

import numpy as np

RECALL_R = 8  # r = T_c//2 + 1 with T_c = 15 (Alg. 6-11)


def span(length: int, step: int) -> int:
    """Frames covered by ``length`` samples at ``step``: ``(length-1)*step + 1``."""
    return (length - 1) * step + 1


def step_indices(n_frames: int, length: int, steps: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Step sampling: ``start + step * arange(length)``, step uniform over the fitting values of [lo, hi]."""
    lo, hi = steps
    if lo < 1 or hi < lo:
        raise ValueError(f"step range must satisfy 1 <= lo <= hi, got {steps}")
    fitting = [s for s in range(lo, hi + 1) if span(length, s) <= n_frames]
    if not fitting:
        raise ValueError(f"a {n_frames}-frame video is shorter than {length} frames at step {lo}")
    step = fitting[int(rng.integers(len(fitting)))]
    start = int(rng.integers(n_frames - span(length, step) + 1))
    return start + step * np.arange(length)


def uniform_indices(n_frames: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform sampling: one random frame from each of ``length`` equal sets of the video."""
    if n_frames < length:
        raise ValueError(f"a {n_frames}-frame video cannot give {length} uniformly sampled frames")
    bounds = (np.arange(length + 1) * n_frames) // length
    return np.array([int(rng.integers(bounds[k], bounds[k + 1])) for k in range(length)])


def window_starts(n_frames: int, length: int, stride: int) -> np.ndarray:
    """Starts of the fixed windows of ``length`` frames at ``stride`` that fit in the video."""
    if n_frames < length:
        return np.zeros(0, dtype=int)
    return np.arange(0, n_frames - length + 1, stride)


def clip_pair(segment_start: int, length: int = 16, r: int = RECALL_R) -> tuple[np.ndarray, np.ndarray]:
    """Frame indices of the two overlapping clips of a recall segment (``length + r`` frames long)."""
    first = segment_start + np.arange(length)
    return first, first + r
