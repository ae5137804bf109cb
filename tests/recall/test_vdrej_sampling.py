"""VDrej (Alg. 8) as the latent mode `vdrej` of the samplers: the written video holds, window after window, the
candidate a discriminator the test controls scores highest, later windows scored on the previous kept clip's first
r frames + the candidate's first T - r frames; a video changes with neither the batch size nor the chunk size."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from longvid.cli import main
from longvid.data.transforms import to_uint8
from longvid.models.vdrej import DEFAULT_CANDIDATES
from longvid.sample import latents, recall
from longvid.sample.stream import SampleFolder, SampleRequest

from recall_helpers import run_config, same_up_to_rounding, write_checkpoint, write_videos

R, T = 8, 16


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("vdrej_world")
    run = run_config("recall")
    run["model"]["use_fsa"] = False  # sizes only: F-SA is most of a tiny clip's CPU time
    return root, write_videos(root / "videos", [48, 40, 33]), write_checkpoint(root / "recall.pt", run, vivid=True), run


def sample(ckpt, videos, out, frames, *extra):
    assert main(["sample", "--checkpoint", str(ckpt), "--sampler", "recall", "--count", "3", "--frames", str(frames),
                 "--out", str(out), "--videos", str(videos), "--seed", "4", "--mp4", "0", "--device", "cpu",
                 *extra]) == 0
    return json.loads((out / "samples.json").read_text())


def videos_of(out) -> list[np.ndarray]:
    return [np.load(p) for p in sorted((out / "videos").glob("*.npy"))]


def test_the_default_candidates_are_the_texts_twenty():
    assert latents.CANDIDATES == SampleRequest(count=1).candidates == DEFAULT_CANDIDATES == 20


def test_recall_sampler_keeps_the_discriminators_argmax_on_stitched_windows(world, tmp_path):
    """D_V replaced by a score the test controls (mean of the frames after r, recorded): each window's written
    frames are those of the highest-scored candidate, and every later window's candidates are shown after the
    first r frames of the clip kept before."""
    from longvid.train.rebuild import rebuild_model

    _, videos, ckpt, run = world
    model = rebuild_model(torch.load(ckpt, weights_only=False), str(ckpt)).eval()
    shown = []

    def score(clips):  # (M, T, C, H, W) -> (M,)
        shown.append(clips.clone())
        return clips[:, R:].mean(dim=(1, 2, 3, 4))

    model.score = score
    request = SampleRequest(count=1, batch_size=1, seed=9, frames=40, latent="vdrej", candidates=5,
                            videos=str(videos))
    recall.recall(model, run, request, SampleFolder(tmp_path / "out", mp4=0), "cpu")
    video = np.load(tmp_path / "out" / "videos" / "00000.npy")  # 40 = 8 + 8 + 8 + 16 frames: 4 windows
    assert len(shown) == 4 and all(s.shape[:2] == (5, T) for s in shown)
    best = [int(s[:, R:].mean(dim=(1, 2, 3, 4)).argmax()) for s in shown]  # the candidate D_V liked best
    assert any(i != 0 for i in best), best  # the choice is not the first candidate by construction
    first = shown[0][best[0]]  # window 1's kept clip, scored alone
    assert np.array_equal(video[:R], to_uint8(first[:R]))  # its first r frames are written
    for k in range(1, 4):
        first_r_before = first[:R] if k == 1 else shown[k - 1][best[k - 1]][R:]  # previous kept clip, frames 0..r-1
        assert all(torch.equal(s[:R], first_r_before) for s in shown[k])  # stitched: previous kept clip first
        assert np.array_equal(video[R * k : R * k + R], to_uint8(shown[k][best[k]][R:]))  # then the candidate's


def test_a_video_depends_on_neither_batch_size_nor_chunk_size(world):
    root, videos, ckpt, _ = world
    runs = {"b1": ["--batch-size", "1"], "b3c1": ["--batch-size", "3", "--chunk", "1"],
            "b2c3": ["--batch-size", "2", "--chunk", "3"]}
    for name, extra in runs.items():
        meta = sample(ckpt, videos, root / name, 24, "--latent", "vdrej", "--candidates", "4", *extra)
        assert meta["latent"] == "vdrej" and meta["candidates"] == 4 and meta["frames"] == 24
    base = videos_of(root / "b1")
    for name in ("b3c1", "b2c3"):
        for a, b in zip(base, videos_of(root / name), strict=True):
            assert same_up_to_rounding(a, b), name
    sample(ckpt, videos, root / "plain", 24, "--latent", "sample")
    plain = videos_of(root / "plain")
    assert all(not same_up_to_rounding(a, b) for a, b in zip(base, plain))  # VDrej changes what is written


def test_vdrej_options_need_latent_vdrej_and_samplers_refuse_it_where_it_means_nothing(world, tmp_path):
    root, videos, ckpt, _ = world
    with pytest.raises(SystemExit, match="--candidates set the VDrej candidates .*--latent sample"):
        sample(ckpt, videos, tmp_path / "a", 24, "--candidates", "4")
    with pytest.raises(SystemExit, match="--candidates / --chunk"):
        sample(ckpt, videos, tmp_path / "b", 24, "--latent", "mean", "--candidates", "4", "--chunk", "2")
    with pytest.raises(ValueError, match="sampler swap writes clips of recombined codes"):
        main(["sample", "--checkpoint", str(ckpt), "--sampler", "swap", "--count", "4", "--out", str(tmp_path / "s"),
              "--videos", str(videos), "--latent", "vdrej", "--mp4", "0", "--device", "cpu"])
    lenc = write_checkpoint(tmp_path / "lenc.pt", run_config("lencgan", lencgan={"hidden": 16}))
    with pytest.raises(SystemExit, match="LEncGAN's clips do not overlap"):
        main(["sample", "--checkpoint", str(lenc), "--sampler", "lencgan", "--count", "1", "--frames", "20",
              "--out", str(tmp_path / "l"), "--videos", str(videos), "--latent", "vdrej", "--device", "cpu"])
