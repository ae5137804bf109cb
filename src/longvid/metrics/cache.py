"""The real-feature cache: file names, the key that says when a file is current, and its atomic write.

A file ``resources/features/<detector>/<dataset>/<res>/<name>.npz`` holds ``feats`` (float32), float64 ``mu`` /
``sigma``, ``key`` and ``meta``. The key is a sha256 over everything that shapes the features (``meta`` without
what is only reported):

* the videos: dataset and resolution folder names and the **content** of the store — every manifest row
  (video id, path, frame count, split, labels) with the sha256 of its stored array (``videos.csv`` column
  ``sha256``, written by ``longvid preprocess``) and the file's size. Re-preprocessing with the same shapes but other
  pixels changes the hashes, so the features are rebuilt;
* the clips (``RealClipSpec``: length, count, seed, step range, split, minimum video length);
* the detector protocol: network, output, input size, resize, bf16, the sha256 of the converted weights file that
  is loaded and the converter version;
* ``CACHE_VERSION`` (bumped when the extraction protocol changes).

Every reader re-derives the key from the current inputs before it trusts a file: ``cache-real-features`` and the
training hook rebuild a stale file, ``evaluate`` refuses it naming what changed (:func:`stale_reason`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict
from pathlib import Path

import numpy as np

from longvid.fsutil import atomic_path
from longvid.metrics.realset import RealClipSpec, read_manifest

CACHE_VERSION = 2  # 2: clips spread over videos (real_clips in all), step ranges, content hashes, weights file hash
NAME = re.compile(r"^(\d+)f(?:_min(\d+))?(?:_s(\d+)-(\d+))?$")
REPORTED = ("count_used", "real_set", "videos", "file")  # meta entries that describe the result, not its inputs


def cache_file_name(length: int, min_frames: int = 0, steps: tuple[int, int] = (1, 1)) -> str:
    """``16f.npz``; ``16f_min400.npz`` (videos of at least 400 frames); ``16f_s1-6.npz`` (steps 1..6)."""
    name = f"{length}f" + (f"_min{min_frames}" if min_frames else "")
    if tuple(steps) != (1, 1):
        name += f"_s{steps[0]}-{steps[1]}"
    return name + ".npz"


def parse_cache_name(name: str) -> tuple[int, int, tuple[int, int]]:
    """(length, min_frames, steps) of a cache file name (inverse of :func:`cache_file_name`)."""
    match = NAME.match(Path(name).name.removesuffix(".npz"))
    if not match:
        raise ValueError(f"{name}: not a real-feature file name <len>f[_min<N>][_s<lo>-<hi>].npz")
    length, least, lo, hi = match.groups()
    return int(length), int(least or 0), (int(lo), int(hi)) if lo else (1, 1)


def content_fingerprint(video_dir: Path) -> str:
    """sha256 over every manifest row and its stored array's content hash and size."""
    video_dir = Path(video_dir)
    rows = read_manifest(video_dir)
    if rows and not all(r.get("sha256") for r in rows):
        raise ValueError(
            f"{video_dir / 'videos.csv'} has no sha256 column (made before content hashes were recorded): rerun "
            f"`longvid preprocess --dataset <ds> --downloads resources/downloads/<ds> --resolution <res> --out "
            f"{video_dir}` (stored arrays are not decoded again, only hashed), or delete videos.csv and rerun the "
            f"workflow")
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r["video_id"]):
        size = (video_dir / row["path"]).stat().st_size
        digest.update(json.dumps({**row, "bytes": size}, sort_keys=True).encode())
    return digest.hexdigest()


def key_meta(video_dir: Path, spec: RealClipSpec, protocol: dict) -> dict:
    """The readable dict the key hashes."""
    video_dir = Path(video_dir)
    clips = asdict(spec)
    clips["steps"] = list(spec.steps)
    return {"dataset": video_dir.parent.name, "resolution": video_dir.name,
            "content": content_fingerprint(video_dir), "clips": clips, "detector": protocol,
            "cache_version": CACHE_VERSION}


def cache_key(video_dir: Path, spec: RealClipSpec, protocol: dict) -> tuple[str, dict]:
    """sha256 over everything that shapes real features, and the readable dict it hashes."""
    meta = key_meta(video_dir, spec, protocol)
    return digest_of(meta), meta


def digest_of(meta: dict) -> str:
    keyed = {k: v for k, v in meta.items() if k not in REPORTED}
    return hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()


def stale_reason(meta: dict, expected: dict) -> str:
    """What differs between a file's recorded inputs and the current ones ('' when nothing does)."""
    diffs = []
    if meta.get("content") != expected.get("content"):
        diffs.append("the stored videos changed since the file was made (videos.csv rows / sha256 column)")
    for part in ("dataset", "resolution", "cache_version"):
        if meta.get(part) != expected.get(part):
            diffs.append(f"{part} {meta.get(part)!r} (file) ≠ {expected.get(part)!r} (now)")
    for part in ("clips", "detector"):
        mine, want = meta.get(part) or {}, expected.get(part) or {}
        for k in sorted(set(mine) | set(want)):
            if mine.get(k) != want.get(k):
                diffs.append(f"{part}.{k} {mine.get(k)!r} (file) ≠ {want.get(k)!r} (now)")
    return "; ".join(diffs)


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
    """The key stored in a cache file (None when the file is missing or unreadable)."""
    try:
        with np.load(path) as data:
            return str(data["key"])
    except (OSError, KeyError, ValueError):
        return None
