"""The real reference set of FVD / video FID: which clips of which real videos (PROTOCOL.md §4).

StyleGAN-V's ``fvd2048_16f`` / ``fvd2048_128f`` (``compute_fvd`` with ``max_real=2048``) read the real dataset with
``discard_short_videos`` (videos shorter than the clip dropped), ``load_n_consecutive`` = the clip length at
``subsample_factor`` 1 and a random offset per item. Its dataset has one item per video (two with x-flips), so on a
set of fewer than 2048 videos it uses fewer than 2048 clips: 34 on the Taichi subset, i.e. a rank-deficient 400-d
covariance. Our rule keeps its eligibility, clip and offset definitions and fills the 2048: **``count`` clips in all,
spread evenly over the eligible videos** (each video ``count // n`` clips, the remainder to a seeded subset of
videos; with ``n >= count`` a seeded subset of ``count`` videos, one clip each = StyleGAN-V's draw). Every clip
draws its own temporal step (uniform over the values of ``steps`` whose span fits the video, as training's step
sampling, ``data.sampling.step_indices``) and a uniform start, from a generator seeded by (seed, video id): a
video's clips never depend on the other videos. Clips may repeat on short videos (independent draws, as
StyleGAN-V's offsets); videos shorter than the clip at the smallest step, or than ``min_frames``, are discarded.

``steps`` = (1, 1) is the FVD protocol of Ch. 4/5 (Sec. 5.3.5: "a sampling step as 1"); Chapter 3's video FID uses
the dataset's training step range (docs/metrics.md "Real set").
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from longvid.data.sampling import span, step_indices

OFFSETS = "seeded random"  # the offset rule, as table headers print it ("..., seeded random offsets")


@dataclass(frozen=True)
class RealClipSpec:
    length: int = 16  # frames per clip
    count: int = 2048  # clips in all (evaluation.real_clips), spread over the eligible videos
    seed: int = 0  # picks the videos (when there are more than count), the steps and the starts
    steps: tuple[int, int] = (1, 1)  # (lo, hi): temporal step range; (1, 1) = consecutive frames (FVD)
    split: str | None = None  # None = whole dataset (Sec. 3.4.1); else "train" / "test"
    min_frames: int = 0  # only videos with at least this many frames (Fig. 4.9: 400 Taichi, 1024 Sky)


@dataclass(frozen=True)
class RealClip:
    path: Path  # the stored video (uint8 T×H×W×3 .npy)
    start: int  # first frame
    step: int  # temporal step between the clip's frames
    video_id: str


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


def eligible_rows(video_dir: Path, spec: RealClipSpec) -> list[dict]:
    """Manifest rows of the split whose videos hold a clip at the smallest step and ``min_frames`` frames."""
    lo, hi = spec.steps
    if lo < 1 or hi < lo:
        raise ValueError(f"real clip steps must satisfy 1 <= lo <= hi, got {spec.steps}")
    rows = [r for r in read_manifest(video_dir) if spec.split is None or r.get("split") == spec.split]
    need = max(span(spec.length, lo), spec.min_frames)
    longest = max((int(r["n_frames"]) for r in rows), default=0)
    kept = [r for r in rows if int(r["n_frames"]) >= need]
    if not kept:
        if spec.min_frames > span(spec.length, lo):
            raise ValueError(f"{video_dir}: no video has the {need} frames --min-frames asks for (longest video: "
                             f"{longest} frames); pass a smaller --min-frames (in the workflow: the frames of the "
                             f"fvd_along_16f sampler) or use a dataset with longer videos")
        raise ValueError(f"{video_dir}: no video has the {need} frames a {spec.length}-frame clip needs "
                         f"(longest video: {longest} frames); pass a smaller --length")
    return kept


def clips_per_video(n_videos: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """How many clips each of ``n_videos`` gives: ``count`` in all, as even as possible, extras seeded."""
    if count < 1:
        raise ValueError(f"real clip count must be >= 1, got {count}")
    per = np.full(n_videos, count // n_videos, dtype=np.int64)
    per[rng.choice(n_videos, count % n_videos, replace=False)] += 1
    return per


def video_rng(seed: int, video_id: str) -> np.random.Generator:
    """The generator of one video's clips: depends only on the seed and the video id."""
    return np.random.default_rng([seed, int.from_bytes(hashlib.sha256(video_id.encode()).digest()[:8], "big")])


def choose_real_clips(video_dir: Path, spec: RealClipSpec) -> list[RealClip]:
    """The real clips of ``spec`` (module docstring), grouped by video in manifest order."""
    rows = eligible_rows(video_dir, spec)
    per = clips_per_video(len(rows), spec.count, np.random.default_rng(spec.seed))
    clips = []
    for row, k in zip(rows, per):
        rng = video_rng(spec.seed, row["video_id"])
        for _ in range(int(k)):
            idx = step_indices(int(row["n_frames"]), spec.length, tuple(spec.steps), rng)
            step = int(idx[1] - idx[0]) if spec.length > 1 else spec.steps[0]
            clips.append(RealClip(Path(video_dir) / row["path"], int(idx[0]), step, row["video_id"]))
    return clips


def real_set_record(clips: list[RealClip], spec: RealClipSpec) -> dict:
    """``{"clips", "videos", "offsets", "steps", ...}``: what every cache and metric file says of its real set."""
    counts = Counter(c.step for c in clips)
    return {"clips": len(clips), "videos": len({c.video_id for c in clips}),
            "offsets": OFFSETS, "steps": list(range(spec.steps[0], spec.steps[1] + 1)),
            "step_counts": {str(s): counts[s] for s in sorted(counts)}, "seed": spec.seed, "length": spec.length,
            "min_frames": spec.min_frames}
