"""Long-video samplers: Alg. 7 (recall) and Alg. 5 (lencgan) give exactly the requested frames, reproducibly."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from longvid.sample import lencgan as lencgan_sampler
from longvid.sample import recall as recall_sampler

from recall_helpers import run_config, write_checkpoint, write_videos


def args_for(tmp_path, ckpt, videos, out, frames, count=2, batch=2, **extra):
    ns = dict(checkpoint=ckpt, count=count, frames=frames, out=out, videos=str(videos), split=None, latent="sample",
              batch_size=batch, seed=3, mp4=1, device="cpu")
    return argparse.Namespace(**(ns | extra))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("recall_world")
    videos = write_videos(root / "videos", [150, 60, 20])
    recall_ckpt = write_checkpoint(root / "recall.pt", run_config("recall"))
    lenc_ckpt = write_checkpoint(root / "lencgan.pt", run_config("lencgan", lencgan={"hidden": 16}))
    return root, videos, recall_ckpt, lenc_ckpt


@pytest.mark.parametrize("frames", [5, 16, 24, 37, 100, 133])
def test_recall_sampler_exact_length(world, frames):
    root, videos, ckpt, _ = world
    out = root / f"recall_{frames}"
    assert recall_sampler.run(args_for(root, ckpt, videos, out, frames, count=3)) == 0
    meta = json.loads((out / "samples.json").read_text())
    assert meta["count"] == 3 and meta["length"] == frames and meta["sampler"] == "recall"
    for i in range(3):
        v = np.load(out / "videos" / f"{i:05d}.npy")
        assert v.shape == (frames, 64, 64, 3) and v.dtype == np.uint8
    assert (out / "mp4" / "00000.mp4").is_file() and not list(out.glob("videos/.*"))


@pytest.mark.parametrize("frames", [7, 32, 45])
def test_lencgan_sampler_exact_length(world, frames):
    root, videos, _, ckpt = world
    out = root / f"lenc_{frames}"
    assert lencgan_sampler.run(args_for(root, ckpt, videos, out, frames, count=2)) == 0
    assert np.load(out / "videos" / "00001.npy").shape == (frames, 64, 64, 3)


def test_video_does_not_depend_on_batch_size(world):
    root, videos, ckpt, _ = world
    recall_sampler.run(args_for(root, ckpt, videos, root / "b1", 40, count=2, batch=1))
    recall_sampler.run(args_for(root, ckpt, videos, root / "b2", 40, count=2, batch=2))
    for i in range(2):
        assert np.array_equal(np.load(root / "b1" / "videos" / f"{i:05d}.npy"),
                              np.load(root / "b2" / "videos" / f"{i:05d}.npy"))


def test_too_short_real_videos_are_a_clear_error(world):
    root, videos, ckpt, _ = world
    with pytest.raises(ValueError, match="no any-split video of group\\(s\\) any has 1008 frames"):
        recall_sampler.run(args_for(root, ckpt, videos, root / "long", 1001))


def test_real_videos_keep_the_run_groups(tmp_path):
    videos = write_videos(tmp_path / "videos", [40, 50, 60], res=8, groups=["A", "B", "A"])
    assert [r["video_id"] for r in recall_sampler.RealVideos(videos, 16, groups=["A"]).rows] == ["v0", "v2"]
    assert len(recall_sampler.RealVideos(videos, 16).rows) == 3
    with pytest.raises(ValueError, match=r"group\(s\) \['B'\] has 56 frames \(longest: 50\)"):
        recall_sampler.RealVideos(videos, 56, groups=["B"])
