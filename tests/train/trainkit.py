"""Helpers: a tiny video store in the format of docs/contracts.md, and a tiny EncGAN3 run config."""

from __future__ import annotations

import csv

import numpy as np
import torch

torch.set_num_threads(1)

TINY_MODEL = {"preset": "encgan3_64", "g_ch": 4, "d_ch": 4, "e_ch": 4, "e_fc": 16, "dim_zc": 8, "fsa_after": 2}


def write_store(root, n_videos: int = 6, n_frames: int = 20, res: int = 64, seed: int = 0):
    """Squares of random colour moving with a random velocity; the last third of the videos are the test split."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for v in range(n_videos):
        video = np.full((n_frames, res, res, 3), 20, np.uint8)
        y, x = rng.integers(8, res - 24, size=2)
        dy, dx = rng.integers(-1, 2, size=2)
        colour = rng.integers(120, 256, size=3)
        for t in range(n_frames):
            yy, xx = int(np.clip(y + dy * t, 0, res - 16)), int(np.clip(x + dx * t, 0, res - 16))
            video[t, yy:yy + 16, xx:xx + 16] = colour
        np.save(root / f"v{v}.npy", video)
        split = "test" if v >= 2 * n_videos // 3 else "train"
        rows.append({"video_id": f"v{v}", "path": f"v{v}.npy", "n_frames": n_frames, "split": split,
                     "action": f"a{v % 2}", "actor": f"p{v % 3}", "group": ""})
    with open(root / "videos.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return root



def tiny_run(**train) -> dict:
    base = {"batch_size": 2, "epochs": 2, "ckpt_every": 1, "eval_every": 1, "eval_batch": 2, "log_every": 1,
            "num_workers": 0}
    return {"experiment": "tiny", "family": "encgan3", "run_type": "smoke", "seed": 3,
            "data": {"dataset": "toy", "resolution": 64, "length": 16, "sampling": "step", "steps": [1, 1],
                     "label": "actor", "split": "train"},
            "model": dict(TINY_MODEL), "train": base | train}
