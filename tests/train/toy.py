"""A tiny recipe and dataset that exercise the training loop without the real model (seconds on one core)."""

from __future__ import annotations

import os
import signal

import torch
from torch import nn

from longvid.recipes.base import Recipe, adam


class ToyClips:
    """n clips (T=2, C=1, H=2, W=2); item i of epoch e is fixed noise + 0.01 e (so data order and epoch matter)."""

    def __init__(self, n: int = 10):
        g = torch.Generator().manual_seed(123)
        self.base = torch.randn(n, 2, 1, 2, 2, generator=g)
        self.epoch = 0

    def __len__(self):
        return len(self.base)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __getitem__(self, i):
        return {"video": self.base[i] + 0.01 * self.epoch, "label": i % 2, "video_id": f"v{i}"}


class ToyRecipe(Recipe):
    """Linear regression of the clip sum; ``noisy`` adds torch-RNG input noise; ``kill_at`` sends SIGTERM."""

    noisy = True
    kill_at: int | None = None

    @classmethod
    def build_model(cls, run_cfg):
        return nn.Sequential(nn.Flatten(), nn.Linear(8, 4), nn.Tanh(), nn.Linear(4, 1))

    def __init__(self, model, cfg, ctx):
        super().__init__(model, cfg, ctx)
        self.optimizers = {"net": adam(model.parameters(), cfg)}
        self.groups = {"net": list(model.parameters())}
        self.calls = 0

    def step(self, batch):
        x = batch["video"]  # (B, 2, 1, 2, 2)
        target = x.flatten(1).sum(1, keepdim=True)  # (B, 1)
        if self.noisy:
            x = x + 0.1 * torch.randn_like(x)
        loss = (self.model(x) - target).pow(2).mean()
        self.update_parts(("net",), loss)
        self.calls += 1
        if self.kill_at is not None and self.calls == self.kill_at:
            os.kill(os.getpid(), signal.SIGTERM)
        return {"loss": loss.item()}


def toy_config(**train) -> dict:
    base = {"batch_size": 3, "epochs": 3, "ckpt_every": 1, "eval_every": 0, "eval_hooks": [], "log_every": 1,
            "num_workers": 0}
    return {"experiment": "toy", "family": "toy", "run_type": "smoke", "seed": 7, "data": {}, "model": {},
            "train": base | train}


class ExactToy(ToyRecipe):
    """No random draws: one process with batch 2B and two processes with batch B see the same global batch."""

    noisy = False


def ddp_worker(rank: int, world: int, port: int, out_dir: str) -> None:
    """torch.multiprocessing.spawn target: one gloo rank running ``fit`` on the toy recipe."""
    from pathlib import Path

    from longvid.train.distributed import shutdown
    from longvid.train.loop import fit

    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    torch.set_num_threads(1)
    out = Path(out_dir)
    code = fit(toy_config(batch_size=2), out / "final.pt", metrics=out / "metrics.csv", dataset=ToyClips(8),
                     recipe_cls=ExactToy, device="cpu", log=lambda *a: None)
    shutdown()
    if code != 0:
        raise SystemExit(code)
