"""Tiny stores in the contracts.md layout, written by the tests (real videos and sample folders), and a fast
stand-in for the feature detectors."""

import csv
import json
from pathlib import Path

import numpy as np

from longvid.data.store import file_sha256
from longvid.metrics.detectors import DetectorConfig


def write_video_store(root: Path, frames: list[int], res: int = 32, labels=None, seed: int = 0) -> Path:
    """``root/<dataset>/<res>/`` with one random-pattern uint8 video per entry of ``frames`` + videos.csv."""
    folder = Path(root) / "toy" / str(res)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = []
    for i, n in enumerate(frames):
        vid = f"v{i:03d}"
        video = rng.integers(0, 256, size=(n, res, res, 3), dtype=np.uint8)
        np.save(folder / f"{vid}.npy", video)
        action = (labels or ["a"] * len(frames))[i]
        rows.append({"video_id": vid, "path": f"{vid}.npy", "n_frames": n, "split": "train", "action": action,
                     "actor": f"p{i % 2}", "group": "", "sha256": file_sha256(folder / f"{vid}.npy")})
    with open(folder / "videos.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


def write_sample_folder(root: Path, n: int, frames: int, res: int = 32, seed: int = 1) -> Path:
    folder = Path(root) / "samples"
    (folder / "videos").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        np.save(folder / "videos" / f"{i:05d}.npy", rng.integers(0, 256, size=(frames, res, res, 3), dtype=np.uint8))
    meta = {"count": n, "length": frames, "resolution": res, "sampler": "noise", "run_type": "smoke",
            "checkpoint": "none", "seed": seed}
    (folder / "samples.json").write_text(json.dumps(meta))
    return folder


class CountingDetector:
    """Test double with the Detector interface: mean colour + per-frame-mean std; counts clips seen."""

    dim = 4

    def __init__(self, tag="a"):
        self.cfg, self.calls, self.tag = DetectorConfig(batch_size=2), 0, tag

    def protocol(self):
        return {"detector": "counting", "tag": self.tag}

    def __call__(self, clips):
        self.calls += len(clips)
        x = clips.astype(np.float64)
        return np.concatenate([x.mean((1, 2, 3)), x.mean((2, 3, 4)).std(1, keepdims=True)], 1)
