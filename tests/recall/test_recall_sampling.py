"""Long-video samplers: Alg. 7 (recall) and Alg. 5 (lencgan) give exactly the requested frames, reproducibly,
for each latent mode; the manifest says what the files hold."""

from __future__ import annotations

import json

import numpy as np
import pytest

from longvid.cli import main
from longvid.sample.stream import RealVideos

from recall_helpers import run_config, write_checkpoint, write_videos


def sample(ckpt, videos, out, frames, sampler="recall", count=2, batch=2, latent="sample", seed=3):
    """`longvid sample` with the workflow's arguments; returns samples.json."""
    assert main(["sample", "--checkpoint", str(ckpt), "--sampler", sampler, "--count", str(count), "--frames",
                 str(frames), "--out", str(out), "--videos", str(videos), "--latent", latent, "--batch-size",
                 str(batch), "--seed", str(seed), "--mp4", "1", "--device", "cpu"]) == 0
    return json.loads((out / "samples.json").read_text())


def video(out, i: int) -> np.ndarray:
    return np.load(out / "videos" / f"{i:05d}.npy")


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
    meta = sample(ckpt, videos, out, frames, count=3)
    assert meta["count"] == 3 and meta["sampler"] == "recall" and meta["latent"] == "sample"
    assert meta["frames"] == meta["length"] == meta["frames_requested"] == frames
    for i in range(3):
        v = video(out, i)
        assert v.shape == (frames, 64, 64, 3) and v.dtype == np.uint8
    assert (out / "mp4" / "00000.mp4").is_file() and not list(out.glob("videos/.*"))


@pytest.mark.parametrize("frames", [7, 32, 45])
def test_lencgan_sampler_exact_length(world, frames):
    root, videos, _, ckpt = world
    out = root / f"lenc_{frames}"
    meta = sample(ckpt, videos, out, frames, sampler="lencgan")
    assert meta["frames"] == frames and video(out, 1).shape == (frames, 64, 64, 3)


def test_video_does_not_depend_on_batch_size(world):
    root, videos, ckpt, _ = world
    sample(ckpt, videos, root / "b1", 40, batch=1)
    sample(ckpt, videos, root / "b2", 40, batch=2)
    for i in range(2):
        assert np.array_equal(video(root / "b1", i), video(root / "b2", i))


@pytest.mark.parametrize("sampler", ["recall", "lencgan"])
def test_latent_modes_differ_and_each_is_deterministic(world, sampler):
    """--latent mean (posterior means) and sample (Alg. 7 line 12) are different videos; each reproduces, and mean
    does not depend on the seed (it draws nothing)."""
    root, videos, recall_ckpt, lenc_ckpt = world
    ckpt = recall_ckpt if sampler == "recall" else lenc_ckpt
    runs = {"mean": ("mean", 3), "mean_again": ("mean", 3), "mean_seed9": ("mean", 9), "sample": ("sample", 3),
            "sample_again": ("sample", 3)}
    for name, (latent, seed) in runs.items():
        assert sample(ckpt, videos, root / f"{sampler}_{name}", 24, sampler, latent=latent, seed=seed)["latent"] \
            == latent
    out = {name: root / f"{sampler}_{name}" for name in runs}
    for i in range(2):
        assert np.array_equal(video(out["mean"], i), video(out["mean_again"], i))
        assert np.array_equal(video(out["mean"], i), video(out["mean_seed9"], i))
        assert np.array_equal(video(out["sample"], i), video(out["sample_again"], i))
        assert not np.array_equal(video(out["mean"], i), video(out["sample"], i))


def test_too_short_real_videos_are_a_clear_error(world):
    root, videos, ckpt, _ = world
    with pytest.raises(ValueError, match="no any-split video of group\\(s\\) any has 1008 frames"):
        sample(ckpt, videos, root / "long", 1001)


def test_long_samplers_need_frames_videos_and_their_family(world):
    root, videos, recall_ckpt, lenc_ckpt = world
    base = ["sample", "--count", "1", "--out", str(root / "bad"), "--device", "cpu"]
    with pytest.raises(SystemExit, match="--frames"):
        main(base + ["--checkpoint", str(recall_ckpt), "--sampler", "recall", "--videos", str(videos)])
    with pytest.raises(SystemExit, match="--videos"):
        main(base + ["--checkpoint", str(recall_ckpt), "--sampler", "recall", "--frames", "20"])
    with pytest.raises(SystemExit, match="family lencgan"):
        main(base + ["--checkpoint", str(recall_ckpt), "--sampler", "lencgan", "--frames", "20", "--videos",
                     str(videos)])
    with pytest.raises(SystemExit, match="recall-family checkpoint"):
        main(base + ["--checkpoint", str(lenc_ckpt), "--sampler", "recall", "--frames", "20", "--videos",
                     str(videos)])


def test_real_videos_keep_the_run_groups(tmp_path):
    videos = write_videos(tmp_path / "videos", [40, 50, 60], res=8, groups=["A", "B", "A"])
    assert [r["video_id"] for r in RealVideos(videos, 16, groups=["A"]).rows] == ["v0", "v2"]
    assert len(RealVideos(videos, 16).rows) == 3
    with pytest.raises(ValueError, match=r"group\(s\) \['B'\] has 56 frames \(longest: 50\)"):
        RealVideos(videos, 56, groups=["B"])
