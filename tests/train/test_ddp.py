"""DDP: two gloo processes with per-rank batch 2 train exactly like one process with batch 4 (same global batch).

The toy recipe has no BatchNorm and no random draws, so the comparison is exact up to float summation order:
gradients averaged over ranks equal the full-batch gradient of a mean loss when every rank holds the same
number of clips. The real EncGAN3 is not compared here: its encoder's BatchNorm uses per-rank batch statistics
(as DDP without SyncBatchNorm), which legitimately differ from one process's statistics.
"""

from __future__ import annotations

import csv
import socket

import torch
import torch.multiprocessing as mp

from longvid.train.loop import fit
from toy import ExactToy, ToyClips, ddp_worker, toy_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _losses(path):
    with open(path) as f:
        return [float(r["value"]) for r in csv.DictReader(f) if r["name"] == "train_loss"]


def test_two_processes_equal_one_process_with_the_same_global_batch(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert fit(toy_config(batch_size=4), one / "final.pt", metrics=one / "metrics.csv", dataset=ToyClips(8),
                     recipe_cls=ExactToy, device="cpu", log=lambda *a: None) == 0
    mp.spawn(ddp_worker, args=(2, _free_port(), str(two)), nprocs=2, join=True)
    a = torch.load(one / "final.pt", weights_only=False)
    b = torch.load(two / "final.pt", weights_only=False)
    assert a["step"] == b["step"] == 6 and b["world_size"] == 2 and len(b["rng"]) == 2
    for k in a["model"]:
        torch.testing.assert_close(a["model"][k], b["model"][k], rtol=0, atol=1e-6)
    la, lb = _losses(one / "metrics.csv"), _losses(two / "metrics.csv")
    assert len(la) == len(lb) == 6
    torch.testing.assert_close(torch.tensor(la), torch.tensor(lb), rtol=1e-5, atol=1e-6)
    assert la[-1] < la[0]
