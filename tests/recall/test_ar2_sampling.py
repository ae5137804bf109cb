"""The `ar2` sampler (Alg. 10) through `longvid sample`: exactly L frames from noise alone (no real data read), a
video independent of batch and candidate chunk sizes, and checkpoints of another family refused (both ways)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from longvid.cli import main
from longvid.models.ar2 import MODES
from longvid.sample.latents import LATENTS

from recall_helpers import run_config, same_up_to_rounding, write_checkpoint, write_videos


@pytest.fixture(scope="module")
def ckpts(tmp_path_factory):
    root = tmp_path_factory.mktemp("ar2_world")
    ar2 = run_config("recall") | {"family": "ar2"}
    ar2["model"]["use_fsa"] = False  # sizes only: F-SA is most of a tiny clip's CPU time
    return root, write_checkpoint(root / "ar2.pt", ar2, vivid=True), write_checkpoint(root / "r2.pt",
                                                                                        run_config("recall"))


def sample(ckpt, out, frames, *extra, count=2, sampler="ar2"):
    assert main(["sample", "--checkpoint", str(ckpt), "--sampler", sampler, "--count", str(count), "--frames",
                 str(frames), "--out", str(out), "--seed", "7", "--mp4", "0", "--device", "cpu", *extra]) == 0
    return json.loads((out / "samples.json").read_text())


def videos_of(out) -> list[np.ndarray]:
    return [np.load(p) for p in sorted((out / "videos").glob("*.npy"))]


@pytest.fixture
def no_real_data(monkeypatch):
    """Any attempt to read real videos or clips fails the test."""
    import longvid.data.clips
    import longvid.data.store
    import longvid.sample.stream

    def refuse(*args, **kwargs):
        raise AssertionError("the ar2 sampler read real data")

    for module, name in [(longvid.sample.stream, "RealVideos"), (longvid.sample.stream, "window_batch"),
                         (longvid.data.store, "read_manifest"), (longvid.data.clips, "build_dataset")]:
        monkeypatch.setattr(module, name, refuse)


def test_ar2_latent_modes_are_latent_modes():
    assert set(MODES) == set(LATENTS)


@pytest.mark.parametrize("frames,latent", [(16, "vdrej"), (17, "sample"), (24, "vdrej"), (1000, "mean")])
def test_exactly_l_frames_from_noise_alone(ckpts, tmp_path, no_real_data, frames, latent):
    _, ckpt, _ = ckpts
    extra = ["--candidates", "2"] if latent == "vdrej" else []
    count = 1 if frames == 1000 else 2
    meta = sample(ckpt, tmp_path / "out", frames, "--latent", latent, *extra, count=count)
    videos = videos_of(tmp_path / "out")
    assert meta["sampler"] == "ar2" and meta["family"] == "ar2" and meta["latent"] == latent
    assert meta["frames"] == meta["frames_requested"] == frames and meta["count"] == len(videos) == count
    assert meta["real_videos"] == [] and meta["codes"] == "noise"
    assert meta.get("candidates") == (2 if latent == "vdrej" else None)
    assert all(v.shape == (frames, 64, 64, 3) and v.dtype == np.uint8 for v in videos)
    assert all(v.std() > 10 for v in videos)  # real pictures, not one grey level


def test_a_video_depends_on_neither_batch_size_nor_chunk_size(ckpts):
    root, ckpt, _ = ckpts
    runs = {"b1": ["--batch-size", "1"], "b3c2": ["--batch-size", "3", "--chunk", "2"],
            "b2c5": ["--batch-size", "2", "--chunk", "5"]}
    for name, extra in runs.items():
        meta = sample(ckpt, root / name, 40, "--latent", "vdrej", "--candidates", "3", *extra, count=3)
        assert meta["candidates"] == 3 and meta["chunk"] == (None if name == "b1" else int(extra[-1]))
    base = videos_of(root / "b1")
    assert not same_up_to_rounding(base[0], base[1])  # videos differ from each other
    for name in ("b3c2", "b2c5"):
        for a, b in zip(base, videos_of(root / name), strict=True):
            assert same_up_to_rounding(a, b), name
    again = sample(ckpt, root / "mean", 40, "--latent", "mean", count=2)
    assert again["latent"] == "mean" and not same_up_to_rounding(base[0], videos_of(root / "mean")[0])


def test_wrong_family_and_real_video_options_are_refused(ckpts, tmp_path):
    root, ar2, r2 = ckpts
    videos = write_videos(tmp_path / "videos", [40])
    with pytest.raises(SystemExit, match="needs a checkpoint of family ar2 .*this one is family 'recall'"):
        sample(r2, tmp_path / "a", 24)
    with pytest.raises(SystemExit, match="family 'ar2', whose encoder predicts the next clip .*--sampler ar2"):
        sample(ar2, tmp_path / "b", 24, "--videos", str(videos), sampler="recall")
    with pytest.raises(SystemExit, match="reads no real video .*drop --videos"):
        sample(ar2, tmp_path / "c", 24, "--videos", str(videos))
    with pytest.raises(SystemExit, match="--sampler ar2 generates long videos: pass --frames"):
        main(["sample", "--checkpoint", str(ar2), "--sampler", "ar2", "--count", "1", "--out", str(tmp_path / "d"),
              "--device", "cpu"])
    assert not (tmp_path / "a" / "samples.json").exists()
