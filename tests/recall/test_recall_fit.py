"""The recall and lencgan families run through the generic loop (`longvid.train.fit`) and sample from its checkpoint."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import torch

from longvid.sample import lencgan as lencgan_sampler
from longvid.sample import recall as recall_sampler
from longvid.train import fit

from recall_helpers import run_config, write_videos


@pytest.mark.parametrize("family,length", [("recall", 24), ("lencgan", 32)])
def test_fit_then_sample(tmp_path, family, length):
    g = torch.Generator().manual_seed(0)
    clips = [{"video": torch.rand(length, 3, 64, 64, generator=g) * 2 - 1} for _ in range(2)]
    run = run_config(family, **({"lencgan": {"hidden": 16}} if family == "lencgan" else {}))
    run["train"] |= {"batch_size": 2, "epochs": 1, "max_iters": 1, "num_workers": 0, "ckpt_every": 0}
    assert fit(run, tmp_path / "final.pt", dataset=clips, device="cpu", log=lambda *a: None) == 0
    videos = write_videos(tmp_path / "videos", [48])
    sampler = recall_sampler if family == "recall" else lencgan_sampler
    args = argparse.Namespace(checkpoint=tmp_path / "final.pt", count=1, frames=21, out=tmp_path / "s",
                              videos=str(videos), split=None, latent="mean", batch_size=1, seed=0, mp4=0,
                              device="cpu")
    assert sampler.run(args) == 0
    assert np.load(tmp_path / "s" / "videos" / "00000.npy").shape == (21, 64, 64, 3)
