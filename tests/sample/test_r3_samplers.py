"""The R3 samplers (`longvid sample --sampler r3_robust | r3_faster`, Alg. 11, Table 5.11): exact lengths, the real
initial clip's first 8 frames, batch-size independence, format disc+cont's prompt, wrong inputs refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from samplekit import write_checkpoint, write_r3_checkpoint, write_videos

from longvid.cli import main


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("r3")
    return root, write_r3_checkpoint(root / "r3.pt"), write_videos(root / "videos", frames=20)


def sample(root, ckpt, videos, name, sampler, *extra, count=3):
    out = root / name
    assert main(["sample", "--checkpoint", str(ckpt), "--sampler", sampler, "--count", str(count), "--out", str(out),
                 "--videos", str(videos), "--mp4", "0", "--device", "cpu", *extra]) == 0
    return out, json.loads((out / "samples.json").read_text())


@pytest.mark.parametrize("frames", [16, 17, 24, 100])
@pytest.mark.parametrize("sampler,latent", [("r3_robust", "sample"), ("r3_faster", "mean")])
def test_exact_frames_from_the_real_initial_clip(world, frames, sampler, latent):
    root, ckpt, videos = world
    out, meta = sample(root, ckpt, videos, f"{sampler}_{frames}", sampler, "--frames", str(frames), "--latent", latent,
                       "--batch-size", "2")
    assert meta["frames"] == frames and meta["count"] == 3 and meta["family"] == "r3"
    assert meta["generation"] == sampler.split("_")[1] and meta["real_videos"] == ["v0", "v1", "v2"]
    for i in range(3):
        video = np.load(out / "videos" / f"{i:05d}.npy")
        assert video.shape == (frames, 64, 64, 3)
        np.testing.assert_array_equal(video[:8], np.load(videos / f"v{i}.npy")[:8])  # gen_vid <- x_{0:r}


@pytest.mark.parametrize("sampler", ["r3_robust", "r3_faster"])
def test_video_i_does_not_depend_on_the_batch_size(world, sampler):
    root, ckpt, videos = world
    one, _ = sample(root, ckpt, videos, f"{sampler}_b1", sampler, "--frames", "40", "--batch-size", "1")
    three, _ = sample(root, ckpt, videos, f"{sampler}_b3", sampler, "--frames", "40", "--batch-size", "3")
    for i in range(3):
        a = np.load(one / "videos" / f"{i:05d}.npy").astype(int)
        b = np.load(three / "videos" / f"{i:05d}.npy").astype(int)
        assert np.abs(a - b).max() <= 1  # uint8 rounding of a batched convolution at most
    first, second = (np.load(one / "videos" / f"{i:05d}.npy") for i in (0, 1))
    assert not np.array_equal(first[8:], second[8:])


def test_disc_cont_prompts_with_the_initial_videos_class(tmp_path):
    videos = write_videos(tmp_path / "videos", frames=20)  # actors p0, p1, p2: classes 0, 1, 2
    ok = write_r3_checkpoint(tmp_path / "dc.pt", fmt="disc+cont", classes=3)
    _, meta = sample(tmp_path, ok, videos, "dc", "r3_robust", "--frames", "30")
    assert meta["frames"] == 30 and meta["gpt_format"] == "disc+cont"
    few = write_r3_checkpoint(tmp_path / "dc2.pt", fmt="disc+cont", classes=2)
    with pytest.raises(SystemExit, match="class 2 .* gpt.classes=2"):
        sample(tmp_path, few, videos, "dc2", "r3_robust", "--frames", "30")


def test_wrong_requests_are_refused(world, tmp_path):
    root, ckpt, videos = world
    other = write_checkpoint(tmp_path / "enc.pt")
    with pytest.raises(SystemExit, match="needs a checkpoint of family r3"):
        sample(tmp_path, other, videos, "x", "r3_robust", "--frames", "30")
    with pytest.raises(SystemExit, match="--frames 8: .*must be > 8"):
        sample(tmp_path, ckpt, videos, "y", "r3_faster", "--frames", "8")
    with pytest.raises(SystemExit, match="pass --videos"):
        main(["sample", "--checkpoint", str(ckpt), "--sampler", "r3_robust", "--count", "1", "--frames", "30",
              "--out", str(tmp_path / "z"), "--device", "cpu"])


def test_generation_time_reaches_the_metric_file(world, tmp_path):
    """Table 5.11's time column: samples.json's generation_seconds / videos, in minutes, via `longvid evaluate`."""
    root, ckpt, videos = world
    out, meta = sample(root, ckpt, videos, "timed", "r3_faster", "--frames", "20", "--latent", "mean", count=2)
    assert meta["generation_seconds"] > 0 and meta["device"] == "cpu" and meta["batch_size"] == 16
    metrics = tmp_path / "m.json"
    assert main(["evaluate", "--samples", str(out), "--metrics", "gen_min_per_video", "--out", str(metrics)]) == 0
    got = json.loads(metrics.read_text())["metrics"]["gen_min_per_video"]
    assert got == pytest.approx(meta["generation_seconds"] / 2 / 60)
    doc = json.loads((out / "samples.json").read_text())
    del doc["generation_seconds"]
    (out / "samples.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="no generation_seconds"):
        main(["evaluate", "--samples", str(out), "--metrics", "gen_min_per_video", "--out", str(metrics)])


def test_initial_clips_come_from_the_training_videos(world, tmp_path):
    """Sec. 5.5.3: "we use training clips as the starting input in R3" (default split train; --split overrides)."""
    root, ckpt, _ = world
    videos = write_videos(tmp_path / "videos", frames=20)
    manifest = videos / "videos.csv"
    manifest.write_text(manifest.read_text().replace("v0,v0.npy,20,train", "v0,v0.npy,20,test"))
    _, meta = sample(tmp_path, ckpt, videos, "train_only", "r3_faster", "--frames", "20", "--latent", "mean")
    assert meta["real_videos"] == ["v1", "v2", "v1"] and meta["initial_split"] == "train"
    _, meta = sample(tmp_path, ckpt, videos, "test_only", "r3_faster", "--frames", "20", "--latent", "mean",
                     "--split", "test")
    assert meta["real_videos"] == ["v0", "v0", "v0"]


def test_longvid_generate_runs_the_r3_samplers(world, tmp_path):
    """`longvid generate --method r3-robust | r3-faster` (issue 17): the same samplers, with MP4 beside the .npy."""
    root, ckpt, videos = world
    for method in ("r3-robust", "r3-faster"):
        out = tmp_path / method
        assert main(["generate", "--checkpoint", str(ckpt), "--method", method, "--frames", "20", "--count", "2",
                     "--videos", str(videos), "--latent", "mean", "--out", str(out), "--device", "cpu"]) == 0
        meta = json.loads((out / "samples.json").read_text())
        assert (meta["count"], meta["frames"], meta["sampler"]) == (2, 20, method.replace("-", "_"))
        assert (out / "mp4" / "00001.mp4").is_file()
