"""Batched feature extraction from real videos and generated sample folders, and the real-feature cache.

Real set (PROTOCOL.md §4; FVD protocol of StyleGAN-V / TATS): **one random clip per real video**, at most
``count`` videos (a seeded random subset when there are more), videos shorter than the clip discarded; clips are
``length`` frames at temporal step ``step`` (1 = consecutive frames, the FVD setting of Sec. 5.3.5) from a
uniformly random start. ``split=None`` uses the whole dataset, as the thesis does (Sec. 3.4.1). ``min_frames``
keeps only long videos: Fig. 4.9 compares windows along long generated videos with real clips of videos longer
than 400 (Taichi) / 1024 (Sky) frames.
Generated set: ``videos/NNNNN.npy`` of a sample folder (contracts.md), in file order; a clip is a frame range of
each video (e.g. the first 16 frames). Videos are opened memory-mapped and read one batch of clips at a time, so
2048 videos of 1000 frames are never held in memory.

Cache: real features are written once per (dataset folder + manifest, resolution, clip length, step, count, seed,
split, min_frames, detector protocol incl. weights sha256) to ``resources/features/<detector>/<dataset>/<res>/``
``<len>f.npz`` (``<len>f_min<N>.npz`` when ``min_frames`` = N > 0), keyed inside by a sha256 of all of these; a
file whose key differs is rebuilt. Written atomically.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from longvid.fsutil import atomic_path

CACHE_VERSION = 1  # bump when the extraction protocol changes


@dataclass(frozen=True)
class RealClipSpec:
    length: int = 16  # frames per clip
    count: int = 2048  # at most this many real videos, one clip each
    seed: int = 0  # picks the videos and the clip starts
    step: int = 1  # temporal step between clip frames
    split: str | None = None  # None = whole dataset (Sec. 3.4.1); else "train" / "test"
    min_frames: int = 0  # only videos with at least this many frames (Fig. 4.9: 400 Taichi, 1024 Sky)


def cache_file_name(length: int, min_frames: int = 0) -> str:
    """``16f.npz``, or ``16f_min400.npz`` for clips of videos of at least 400 frames."""
    return f"{length}f_min{min_frames}.npz" if min_frames else f"{length}f.npz"


def read_manifest(video_dir: Path) -> list[dict]:
    """Rows of ``<video_dir>/videos.csv`` (contracts.md)."""
    path = Path(video_dir) / "videos.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: preprocess the dataset first (`longvid` data commands)")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for col in ("video_id", "path", "n_frames"):
        if rows and col not in rows[0]:
            raise ValueError(f"{path}: missing column {col!r} (see docs/contracts.md)")
    return rows


def choose_real_clips(video_dir: Path, spec: RealClipSpec) -> list[tuple[Path, int]]:
    """(video file, start frame) of one random clip per eligible real video, ``spec.count`` at most."""
    rows = [r for r in read_manifest(video_dir) if spec.split is None or r.get("split") == spec.split]
    span = (spec.length - 1) * spec.step + 1
    need = max(span, spec.min_frames)
    longest = max((int(r["n_frames"]) for r in rows), default=0)
    rows = [r for r in rows if int(r["n_frames"]) >= need]
    if not rows:
        if spec.min_frames > span:
            raise ValueError(f"{video_dir}: no video has the {need} frames --min-frames asks for (longest video: "
                             f"{longest} frames); pass a smaller --min-frames (in the workflow: the frames of the "
                             f"fvd_along_16f sampler) or use a dataset with longer videos")
        raise ValueError(f"{video_dir}: no video has the {span} frames a {spec.length}-frame clip needs "
                         f"(longest video: {longest} frames); pass a smaller --length")
    rng = np.random.default_rng(spec.seed)
    if len(rows) > spec.count:
        rows = [rows[i] for i in sorted(rng.choice(len(rows), spec.count, replace=False))]
    starts = [int(rng.integers(0, int(r["n_frames"]) - span + 1)) for r in rows]
    return [(Path(video_dir) / r["path"], s) for r, s in zip(rows, starts)]


def _load_clip(path: Path, start: int, length: int, step: int) -> np.ndarray:
    video = np.load(path, mmap_mode="r")  # (T, H, W, 3) uint8
    end = start + (length - 1) * step + 1
    if video.ndim != 4 or video.shape[-1] != 3 or video.dtype != np.uint8:
        raise ValueError(f"{path}: expected uint8 T×H×W×3, got {video.dtype} {video.shape}")
    if end > len(video):
        raise ValueError(f"{path}: has {len(video)} frames, clip needs frames {start}..{end - 1}")
    return np.array(video[start:end:step])  # (length, H, W, 3)


def iter_clip_batches(items: list[tuple[Path, int]], length: int, step: int, batch: int) -> Iterator[np.ndarray]:
    """uint8 batches ``(B, length, H, W, 3)`` of the clips ``(file, start)``, read lazily."""
    for i in range(0, len(items), batch):
        yield np.stack([_load_clip(p, s, length, step) for p, s in items[i : i + batch]])


def sample_videos(sample_dir: Path, count: int | None = None) -> list[Path]:
    """The first ``count`` (default all) ``videos/NNNNN.npy`` of a sample folder."""
    paths = sorted((Path(sample_dir) / "videos").glob("*.npy"))
    if not paths:
        raise FileNotFoundError(f"{sample_dir}/videos/ holds no .npy videos: run `longvid sample` first")
    if count is not None and len(paths) < count:
        raise ValueError(f"{sample_dir}: {len(paths)} videos, {count} requested")
    return paths[:count] if count is not None else paths


def extract(detector, items: list[tuple[Path, int]], length: int, step: int = 1, batch: int | None = None):
    """Features ``(N, D)`` float64 of the clips ``(file, start)``."""
    batch = batch or max(1, detector.cfg.batch_size * 16 // max(length, 16))
    feats = [detector(clips) for clips in iter_clip_batches(items, length, step, batch)]
    return np.concatenate(feats) if feats else np.zeros((0, detector.dim))


def _manifest_fingerprint(video_dir: Path) -> str:
    digest = hashlib.sha256((Path(video_dir) / "videos.csv").read_bytes())
    for row in read_manifest(video_dir):
        digest.update(f"{row['path']}:{(Path(video_dir) / row['path']).stat().st_size}".encode())
    return digest.hexdigest()


def cache_key(video_dir: Path, spec: RealClipSpec, protocol: dict) -> tuple[str, dict]:
    """sha256 over everything that shapes real features, and the readable dict it hashes."""
    video_dir = Path(video_dir)
    clips = asdict(spec)
    if not spec.min_frames:  # absent when unset, so files made before the field existed keep their key
        del clips["min_frames"]
    meta = {"dataset": video_dir.parent.name, "resolution": video_dir.name,
            "manifest": _manifest_fingerprint(video_dir),
            "clips": clips, "detector": protocol, "cache_version": CACHE_VERSION}
    return hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest(), meta


def save_features(out: Path, feats: np.ndarray, key: str, meta: dict) -> None:
    """Write ``feats`` + float64 mean/covariance + key + meta to ``out`` atomically."""
    from longvid.metrics.frechet import FeatureStats

    stats = FeatureStats.of(feats)
    with atomic_path(out) as tmp, open(tmp, "wb") as f:  # a file object: np.savez would append .npz to a name
        np.savez(f, feats=feats.astype(np.float32), mu=stats.mean(), sigma=stats.cov() if len(feats) > 1 else
                 np.zeros((feats.shape[1],) * 2), key=np.array(key), meta=np.array(json.dumps(meta)))


def load_features(path: Path) -> tuple[np.ndarray, dict]:
    """(feats (N, D) float64, meta) of a cache file."""
    with np.load(path) as data:
        return data["feats"].astype(np.float64), json.loads(str(data["meta"]))


def cached_key(path: Path) -> str | None:
    try:
        with np.load(path) as data:
            return str(data["key"])
    except (OSError, KeyError, ValueError):
        return None


def real_features(video_dir: Path, spec: RealClipSpec, detector, out: Path | None = None):
    """Real features ``(N, D)``: read from ``out`` when its key matches, else extracted (and cached to ``out``)."""
    key, meta = cache_key(video_dir, spec, detector.protocol())
    if out is not None and Path(out).is_file() and cached_key(out) == key:
        return load_features(out)
    items = choose_real_clips(video_dir, spec)
    feats = extract(detector, items, spec.length, spec.step)
    meta = {**meta, "count_used": len(feats)}
    if out is not None:
        save_features(out, feats, key, meta)
    return feats, meta
