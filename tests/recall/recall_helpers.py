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


def write_checkpoint(path: Path, run_cfg: dict, vivid: bool = False) -> Path:
    """A checkpoint in the format of longvid.train.checkpoint (untrained weights built by the family's recipe);
    `vivid`: G's output conv scaled so clips span [-1, 1] (fresh weights give ~1e-5, one uint8 level) and the
    written videos can tell generated clips apart."""
    from longvid.recipes import RECIPES
    from longvid.train.rebuild import model_args

    torch.manual_seed(0)
    model = RECIPES[run_cfg["family"]].build_model(run_cfg)
    if vivid:
        make_vivid(model)
    torch.save({"config": run_cfg, "model_args": model_args(run_cfg["family"], model), "epoch": 0, "step": 0,
                "model": model.state_dict()}, path)
    return path


@torch.no_grad()
def make_vivid(model, target: float = 0.5) -> None:
    """Scale G's output conv (weights and bias) so that the pre-tanh activations of a prior clip have std `target`."""
    model.eval()
    rgb = model.generator.to_rgb
    pre = []
    hook = rgb.register_forward_hook(lambda m, i, o: pre.append(o))
    model.generator(*model.sample_latents(2, generator=torch.Generator().manual_seed(0)))
    hook.remove()
    scale = target / pre[0].std().item()
    rgb.weight.mul_(scale)
    if rgb.bias is not None:
        rgb.bias.mul_(scale)


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


def same_up_to_rounding(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal uint8 videos up to float rounding of batched convolutions: a few pixels one level apart (another
    kept candidate or a batch-dependent draw would change most pixels by tens of levels)."""
    d = np.abs(a.astype(int) - b.astype(int))
    return a.shape == b.shape and d.max() <= 1 and (d > 0).mean() < 1e-3
