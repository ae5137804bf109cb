"""Helpers: a tiny EncGAN3 checkpoint (random weights) and a tiny video store (docs/contracts.md format)."""

from __future__ import annotations

import torch

torch.set_num_threads(1)

TINY_MODEL = {"preset": "encgan3_64", "g_ch": 4, "d_ch": 4, "e_ch": 4, "e_fc": 16, "dim_zc": 8, "fsa_after": 2}


def run_config(**model) -> dict:
    return {"experiment": "tiny", "family": "encgan3", "run_type": "smoke", "seed": 0,
            "data": {"dataset": "toy", "resolution": 64, "length": 16, "sampling": "step", "steps": [1, 1],
                     "label": "actor", "split": None},
            "model": TINY_MODEL | model, "train": {"batch_size": 2}}


def write_checkpoint(path, **model):
    from longvid.recipes.encgan3 import EncGAN3Recipe

    cfg = run_config(**model)
    torch.manual_seed(0)
    net = EncGAN3Recipe.build_model(cfg)
    net.train()
    with torch.no_grad():  # a few train-mode passes give BatchNorm non-trivial running statistics
        for _ in range(2):
            net.encode(torch.rand(3, 16, 3, 64, 64) * 2 - 1) if net.encoder is not None else None
    torch.save({"config": cfg, "epoch": 7, "step": 70, "model": net.state_dict(), "optimizers": {}, "rng": []}, path)
    return path
