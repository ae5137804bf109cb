"""Helpers for tests/recall: tiny recall-family models, checkpoints and video folders for tests/recall (sizes only, real code paths)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch

TINY = {"preset": "r2_64", "g_ch": 4, "d_ch": 4, "e_ch": 2, "e_fc": 8, "dim_zc": 8, "dim_zm": 4}


def run_config(family: str = "recall", **blocks) -> dict:
    model = dict(TINY, preset="r2_64" if family == "recall" else "encgan3_64")
    return {"experiment": f"tiny_{family}", "family": family, "run_type": "smoke", "seed": 0,
            "data": {"length": 24}, "model": model, "train": {"batch_size": 2, "eval_hooks": []}, **blocks}


def write_checkpoint(path: Path, run_cfg: dict) -> Path:
    """A checkpoint in the format of longvid.train.checkpoint (untrained weights built by the family's recipe)."""
    from longvid.recipes import RECIPES
    from longvid.train.rebuild import model_args

    torch.manual_seed(0)
    model = RECIPES[run_cfg["family"]].build_model(run_cfg)
    torch.save({"config": run_cfg, "model_args": model_args(run_cfg["family"], model), "epoch": 0, "step": 0,
                "model": model.state_dict()}, path)
    return path


def write_videos(folder: Path, lengths: list[int], res: int = 64, seed: int = 0,
                 groups: list[str] | None = None) -> Path:
    """A video folder of contracts.md: random uint8 videos + videos.csv (manifest groups empty unless given)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    with open(folder / "videos.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["video_id", "path", "n_frames", "split", "action", "actor", "group"])
        for k, n in enumerate(lengths):
            np.save(folder / f"v{k}.npy", rng.integers(0, 256, (n, res, res, 3), dtype=np.uint8))
            w.writerow([f"v{k}", f"v{k}.npy", n, "test", "", "", groups[k] if groups else ""])
    return folder
