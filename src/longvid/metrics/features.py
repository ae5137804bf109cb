"""Batched feature extraction from real videos and generated sample folders; real features through the cache.

Real set: ``realset.py`` (``count`` clips spread over the eligible videos, seeded steps and starts); cache files
and their key: ``cache.py``. Generated set: ``videos/NNNNN.npy`` of a sample folder (contracts.md), in file order; a
clip is a frame range of each video (e.g. the first 16 frames). Videos are opened memory-mapped and read one batch
of clips at a time, so 2048 videos of 1000 frames are never held in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from longvid.metrics.cache import cache_file_name, cache_key, cached_key, load_features, save_features
from longvid.metrics.realset import RealClipSpec, choose_real_clips, read_manifest, real_set_record

__all__ = ["RealClipSpec", "cache_file_name", "cache_key", "choose_real_clips", "extract", "iter_clip_batches",
           "load_features", "read_manifest", "real_features", "sample_videos", "save_features"]


def _load_clip(path: Path, start: int, length: int, step: int) -> np.ndarray:
    video = np.load(path, mmap_mode="r")  # (T, H, W, 3) uint8
    end = start + (length - 1) * step + 1
    if video.ndim != 4 or video.shape[-1] != 3 or video.dtype != np.uint8:
        raise ValueError(f"{path}: expected uint8 T×H×W×3, got {video.dtype} {video.shape}")
    if end > len(video):
        raise ValueError(f"{path}: has {len(video)} frames, clip needs frames {start}..{end - 1}")
    return np.array(video[start:end:step])  # (length, H, W, 3)


def iter_clip_batches(items: list[tuple], length: int, step: int, batch: int) -> Iterator[np.ndarray]:
    """uint8 batches ``(B, length, H, W, 3)`` of the clips ``(file, start[, step])``, read lazily."""
    for i in range(0, len(items), batch):
        yield np.stack([_load_clip(it[0], it[1], length, it[2] if len(it) > 2 else step)
                        for it in items[i : i + batch]])


def sample_videos(sample_dir: Path, count: int | None = None) -> list[Path]:
    """The first ``count`` (default all) ``videos/NNNNN.npy`` of a sample folder."""
    paths = sorted((Path(sample_dir) / "videos").glob("*.npy"))
    if not paths:
        raise FileNotFoundError(f"{sample_dir}/videos/ holds no .npy videos: run `longvid sample` first")
    if count is not None and len(paths) < count:
        raise ValueError(f"{sample_dir}: {len(paths)} videos, {count} requested")
    return paths[:count] if count is not None else paths


def extract(detector, items: list[tuple], length: int, step: int = 1, batch: int | None = None):
    """Features ``(N, D)`` float64 of the clips ``(file, start[, step])``."""
    batch = batch or max(1, detector.cfg.batch_size * 16 // max(length, 16))
    feats = [detector(clips) for clips in iter_clip_batches(items, length, step, batch)]
    return np.concatenate(feats) if feats else np.zeros((0, detector.dim))


def real_features(video_dir: Path, spec: RealClipSpec, detector, out: Path | None = None):
    """Real features ``(N, D)`` and meta: read from ``out`` when its key matches the current inputs, else extracted
    (and written to ``out``). The meta records the real set (``real_set``: clips, videos, offsets, steps)."""
    key, meta = cache_key(video_dir, spec, detector.protocol())
    if out is not None and Path(out).is_file() and cached_key(out) == key:
        return load_features(out)
    clips = choose_real_clips(video_dir, spec)
    feats = extract(detector, [(c.path, c.start, c.step) for c in clips], spec.length)
    meta = {**meta, "count_used": len(feats), "real_set": real_set_record(clips, spec), "videos": str(video_dir)}
    if out is not None:
        save_features(out, feats, key, meta)
    return feats, meta
