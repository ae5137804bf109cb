"""Fixtures of the sampler tests (helpers live in samplekit.py: unique module names across test folders)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from samplekit import write_checkpoint


@pytest.fixture
def checkpoint(tmp_path):
    return write_checkpoint(tmp_path / "final.pt")


@pytest.fixture
def video_store(tmp_path):
    root = tmp_path / "videos"
    root.mkdir()
    rng = np.random.default_rng(0)
    rows = []
    for v in range(3):
        np.save(root / f"v{v}.npy", rng.integers(0, 256, size=(18, 64, 64, 3), dtype=np.uint8))
        rows.append({"video_id": f"v{v}", "path": f"v{v}.npy", "n_frames": 18, "split": "train",
                     "action": "a", "actor": f"p{v}", "group": ""})
    with open(root / "videos.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return root
