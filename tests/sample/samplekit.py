"""Helpers: tiny EncGAN3 / REncGAN checkpoints (random weights) and tiny video stores (docs/contracts.md format)."""

from __future__ import annotations

import csv

import numpy as np
import torch

from longvid.train.rebuild import model_args

torch.set_num_threads(1)

TINY_MODEL = {"preset": "encgan3_64", "g_ch": 4, "d_ch": 4, "e_ch": 4, "e_fc": 16, "dim_zc": 8, "fsa_after": 2}


def run_config(**model) -> dict:
    return {"experiment": "tiny", "family": "encgan3", "run_type": "smoke", "seed": 0,
            "data": {"dataset": "toy", "resolution": 64, "length": 16, "sampling": "step", "steps": [1, 1],
                     "label": "actor", "split": None},
            "model": TINY_MODEL | model, "train": {"batch_size": 2}}


def build(run_cfg: dict):
    """The run's model, built as samplers build it (the family registry's model builder)."""
    from longvid import families

    return families.build_model(families.model_args(run_cfg))


def write_checkpoint(path, **model):
    cfg = run_config(**model)
    torch.manual_seed(0)
    net = build(cfg)
    net.train()
    with torch.no_grad():  # a few train-mode passes give BatchNorm non-trivial running statistics
        for _ in range(2):
            net.encode(torch.rand(3, 16, 3, 64, 64) * 2 - 1) if net.encoder is not None else None
    torch.save({"config": cfg, "model_args": model_args("encgan3", net), "epoch": 7, "step": 70,
                "model": net.state_dict(), "optimizers": {}, "rng": []}, path)
    return path


def write_recall_checkpoint(path, r_enc: bool = True):
    """A tiny recall-family (REncGAN) checkpoint: r2_64 preset, 24-frame training windows (16-frame clips + 8)."""
    cfg = run_config(preset="r2_64") | {"experiment": "tiny_recall", "family": "recall", "recall": {"r_enc": r_enc}}
    cfg["data"] = cfg["data"] | {"length": 24}
    torch.manual_seed(0)
    net = build(cfg)
    norms = {m: m.momentum for m in net.encoder.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)}
    for m in norms:  # running statistics = those of one batch: at init the activations are ~1e-5 and the default
        m.momentum = 1.0  # momentum would leave BatchNorm unnormalised in eval, i.e. the codes blind to the frames
    net.train()
    with torch.no_grad():  # clips read as the recipe reads them (content frame x_r / x_0)
        net.encode(torch.rand(4, 16, 3, 64, 64) * 2 - 1)  # content frame: the model's reference x_r / x_0
    for m, momentum in norms.items():
        m.momentum = momentum
    torch.save({"config": cfg, "model_args": model_args("recall", net), "epoch": 3, "step": 30,
                "model": net.state_dict(), "optimizers": {}, "rng": []}, path)
    return path


def write_ar2_checkpoint(path):
    """A tiny AR2 checkpoint (family ar2: R2's parts and `recall:` block, 16-frame clips, no F-SA: sizes only)."""
    cfg = run_config(preset="r2_64", use_fsa=False) | {"experiment": "tiny_ar2", "family": "ar2", "recall": {}}
    cfg["data"] = cfg["data"] | {"length": 24}
    torch.manual_seed(0)
    net = build(cfg)
    torch.save({"config": cfg, "model_args": model_args("ar2", net), "epoch": 4, "step": 40,
                "model": net.state_dict(), "optimizers": {}, "rng": []}, path)
    return path


def write_lencgan_checkpoint(path):
    """A tiny LEncGAN checkpoint (LSTM encoder, 16-frame clips; trained on 32-frame windows)."""
    cfg = run_config(encoder_fc_bn=False) | {"experiment": "tiny_lencgan", "family": "lencgan",
                                             "lencgan": {"hidden": 16}}
    cfg["data"] = cfg["data"] | {"length": 32}
    torch.manual_seed(0)
    net = build(cfg)
    torch.save({"config": cfg, "model_args": model_args("lencgan", net), "epoch": 2, "step": 20,
                "model": net.state_dict(), "optimizers": {}, "rng": []}, path)
    return path


def write_videos(root, frames: int, count: int = 3):
    """``count`` random uint8 videos of ``frames`` frames at 64x64 + videos.csv (split train, actor p<v>)."""
    root.mkdir()
    rng = np.random.default_rng(0)
    rows = []
    for v in range(count):
        np.save(root / f"v{v}.npy", rng.integers(0, 256, size=(frames, 64, 64, 3), dtype=np.uint8))
        rows.append({"video_id": f"v{v}", "path": f"v{v}.npy", "n_frames": frames, "split": "train",
                     "action": "a", "actor": f"p{v}", "group": ""})
    with open(root / "videos.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return root
