"""The recall and lencgan families run through the generic loop (`longvid.train.loop.fit`) and sample from its checkpoint."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from longvid.cli import main
from longvid.train.loop import fit
from longvid.train.rebuild import rebuild_model

from recall_helpers import run_config, write_videos


@pytest.mark.parametrize("family,length", [("recall", 24), ("lencgan", 32)])
def test_fit_then_sample(tmp_path, family, length):
    g = torch.Generator().manual_seed(0)
    clips = [{"video": torch.rand(length, 3, 64, 64, generator=g) * 2 - 1} for _ in range(2)]
    run = run_config(family, **({"lencgan": {"hidden": 16}} if family == "lencgan" else {}))
    run["train"] |= {"batch_size": 2, "epochs": 1, "max_iters": 1, "num_workers": 0, "ckpt_every": 0}
    assert fit(run, tmp_path / "final.pt", dataset=clips, device="cpu", log=lambda *a: None) == 0
    ckpt = torch.load(tmp_path / "final.pt", weights_only=False)
    args = ckpt["model_args"]  # the model's own arguments: 16-frame clips, not the training window
    assert args["family"] == family and args["model"]["frames"] == 16 and run["data"]["length"] == 24
    assert args[family]["clip"] == 16 and (family == "recall" or args["lencgan"]["hidden"] == 16)
    rebuilt = rebuild_model(ckpt)
    assert all(torch.equal(v, ckpt["model"][k]) for k, v in rebuilt.state_dict().items())
    videos = write_videos(tmp_path / "videos", [48])
    assert main(["sample", "--checkpoint", str(tmp_path / "final.pt"), "--sampler", family, "--count", "1",
                 "--frames", "21", "--out", str(tmp_path / "s"), "--videos", str(videos), "--latent", "mean",
                 "--batch-size", "1", "--mp4", "0", "--device", "cpu"]) == 0
    assert np.load(tmp_path / "s" / "videos" / "00000.npy").shape == (21, 64, 64, 3)
