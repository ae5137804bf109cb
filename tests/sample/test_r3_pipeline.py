"""R3 end to end on tiny sizes, through the commands the workflow runs: a trained R2 -> `longvid encode-latents` ->
`longvid train --latents --r2` (family r3) -> `longvid sample --sampler r3_robust / r3_faster`."""

from __future__ import annotations

import json

import numpy as np
import yaml
from samplekit import write_recall_checkpoint, write_videos

from longvid.cli import main


def test_encode_train_sample(tmp_path):
    videos = write_videos(tmp_path / "videos", frames=48)
    r2 = write_recall_checkpoint(tmp_path / "r2.pt")
    latents = tmp_path / "latents" / "train.npz"
    assert main(["encode-latents", "--checkpoint", str(r2), "--videos", str(videos), "--out", str(latents),
                 "--device", "cpu"]) == 0

    import torch

    run = torch.load(r2, weights_only=False)["config"] | {  # the R2's own blocks: R3 extends that R2
        "experiment": "tiny_r3", "family": "r3",
        "gpt": {"n_layer": 2, "n_head": 2, "max_frames": 64},
        "train": {"batch_size": 3, "epochs": 2, "lr": 1e-3, "betas": [0.9, 0.95], "eval_hooks": [],
                  "ckpt_every": 0, "num_workers": 0}}
    cfg = tmp_path / "run" / "config.yaml"
    cfg.parent.mkdir()
    cfg.write_text(yaml.safe_dump(run))
    final = tmp_path / "run" / "final.pt"
    assert main(["train", "--config", str(cfg), "--latents", str(latents), "--r2", str(r2), "--out", str(final),
                 "--device", "cpu"]) == 0

    for sampler, latent in (("r3_robust", "vdrej"), ("r3_faster", "mean")):
        out = tmp_path / sampler
        extra = ["--candidates", "2"] if latent == "vdrej" else []
        assert main(["sample", "--checkpoint", str(final), "--sampler", sampler, "--count", "2", "--frames", "50",
                     "--latent", latent, "--videos", str(videos), "--out", str(out), "--mp4", "0", "--device", "cpu",
                     *extra]) == 0
        meta = json.loads((out / "samples.json").read_text())
        assert (meta["count"], meta["frames"], meta["family"], meta["epoch"]) == (2, 50, "r3", 2)
        video = np.load(out / "videos" / "00001.npy")
        assert video.shape == (50, 64, 64, 3)
        np.testing.assert_array_equal(video[:8], np.load(videos / "v1.npy")[:8])
