"""Samplers: video i depends only on (seed, i) — not on batch size or count; swaps/sums reuse the latent codes.

Comparisons are made on the float videos (a randomly initialised generator outputs values close to 0, which
would all round to the same uint8 levels); the CLI tests check the folder layout and samples.json.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from samplekit import write_checkpoint
from longvid.cli import main
from longvid.data.clips import build_dataset
from longvid.sample.encgan3 import RealClips, sample_videos
from longvid.sample.stream import SampleRequest, load_model


def _videos(ckpt, mode, count, batch, seed=0, frames=None, store=None):
    model, run_cfg, _ = load_model(ckpt, torch.device("cpu"))
    clips = RealClips(build_dataset(run_cfg, str(store), seed=seed)) if store else None
    spec = SampleRequest(count=count, seed=seed, batch_size=batch, frames=frames)
    return [v for _, v in sorted(sample_videos(model, mode, spec, clips), key=lambda iv: iv[0])]


def _same(a, b):  # relative to the video's scale (a fresh generator outputs values of order 1e-5)
    return (a - b).abs().max().item() <= 1e-4 * a.abs().max().item()


def _differ(a, b):
    return (a - b).abs().max().item() > 1e-2 * a.abs().max().item()


def test_noise_is_batch_size_and_count_independent(checkpoint):
    a = _videos(checkpoint, "noise", 5, batch=2)
    b = _videos(checkpoint, "noise", 3, batch=3)
    c = _videos(checkpoint, "noise", 3, batch=1, seed=1)
    assert len(a) == 5 and a[0].shape == (16, 3, 64, 64)
    assert all(_same(x, y) for x, y in zip(a, b))
    assert _differ(a[0], a[1]) and _differ(a[0], c[0])


def test_latent_swap_and_sum_share_the_codes_of_real_clips(checkpoint, video_store):
    lat = _videos(checkpoint, "latent", 4, batch=4, store=video_store)
    lat1 = _videos(checkpoint, "latent", 4, batch=1, store=video_store)
    assert all(_same(x, y) for x, y in zip(lat, lat1))
    assert _differ(lat[0], lat[3])  # clip 3 = clip 0 at the next clip-sampling epoch, another code draw
    swap = _videos(checkpoint, "swap", 7, batch=3, store=video_store)  # 7 videos -> 2 whole groups
    assert len(swap) == 8
    assert _same(swap[0], lat[0]) and _same(swap[2], lat[1])  # G(c1, m1), G(c2, m2)
    assert _same(swap[4], lat[2]) and _same(swap[6], lat[3])
    assert _differ(swap[1], swap[0]) and _differ(swap[1], swap[2])  # G(c1, m2) is neither
    summed = _videos(checkpoint, "sum", 3, batch=8, store=video_store)
    assert len(summed) == 3 and _same(summed[0], lat[0]) and _same(summed[1], lat[1])
    assert _differ(summed[2], summed[0]) and _differ(summed[2], summed[1])


def test_forced_length_is_batch_independent(checkpoint):
    f1 = _videos(checkpoint, "forced", 2, batch=1, frames=24)
    f2 = _videos(checkpoint, "forced", 2, batch=2, frames=24)
    assert f1[0].shape == (24, 3, 64, 64) and all(_same(x, y) for x, y in zip(f1, f2))
    assert _differ(f1[0], f1[1])
    with pytest.raises(ValueError, match="use --sampler forced"):
        _videos(checkpoint, "noise", 1, batch=1, frames=24)


def _cli(ckpt, out, sampler, count, extra=()):
    return main(["sample", "--checkpoint", str(ckpt), "--sampler", sampler, "--count", str(count), "--out", str(out),
                 "--batch-size", "2", "--seed", "5", "--mp4", "1", "--device", "cpu", *extra])


def test_cli_writes_the_sample_folder(checkpoint, video_store, tmp_path):
    assert _cli(checkpoint, tmp_path / "s", "swap", 4, ("--videos", str(video_store))) == 0
    files = sorted((tmp_path / "s" / "videos").iterdir())
    assert [p.name for p in files] == [f"0000{i}.npy" for i in range(4)]
    arr = np.load(files[0], mmap_mode="r")
    assert arr.shape == (16, 64, 64, 3) and arr.dtype == np.uint8
    assert sorted(p.name for p in (tmp_path / "s" / "mp4").iterdir()) == ["00000.mp4"]
    meta = json.loads((tmp_path / "s" / "samples.json").read_text())
    assert {k: meta[k] for k in ("count", "length", "resolution", "sampler", "run_type", "seed", "group_size")} == \
        {"count": 4, "length": 16, "resolution": 64, "sampler": "swap", "run_type": "smoke", "seed": 5,
         "group_size": 4}
    assert meta["checkpoint"] == str(checkpoint) and meta["epoch"] == 7 and len(meta["real_clips"]) == 2
    with pytest.raises(SystemExit, match="--videos"):
        _cli(checkpoint, tmp_path / "e", "latent", 1)


def test_g3an_latent_sampler_is_refused_and_noise_works(tmp_path):
    ckpt = write_checkpoint(tmp_path / "g3an.pt", use_encoder=False)
    assert _cli(ckpt, tmp_path / "n", "noise", 2) == 0
    assert len(list((tmp_path / "n" / "videos").iterdir())) == 2
    with pytest.raises(ValueError, match="needs an encoder"):
        _cli(ckpt, tmp_path / "l", "latent", 1)


def test_cli_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sample", "--help"])
    assert exc.value.code == 0 and "--sampler" in capsys.readouterr().out


def test_latent_with_vdrej_writes_each_real_clips_best_candidate(checkpoint, video_store):
    """--latent vdrej on the short `latent` sampler: N clips from each real clip's posterior, scored alone (Alg. 8's
    first window) by a D_V the test controls; the written clip is the best one itself."""
    model, run_cfg, _ = load_model(checkpoint, torch.device("cpu"))
    clips = RealClips(build_dataset(run_cfg, str(video_store), seed=0))
    shown = []
    model.score = lambda c: shown.append(c) or c[:, 3].mean(dim=(1, 2, 3))  # (M,): "likes" a bright frame 3
    spec = SampleRequest(count=3, batch_size=3, latent="vdrej", candidates=4)
    out = [v for _, v in sorted(sample_videos(model, "latent", spec, clips), key=lambda iv: iv[0])]
    assert len(shown) == 1 and shown[0].shape[:2] == (12, 16)  # all B·N candidates in one call, video-major
    scored = shown[0].view(3, 4, *shown[0].shape[1:])
    best = scored[:, :, 3].mean(dim=(2, 3, 4)).argmax(1)
    assert all(torch.equal(out[i], scored[i, best[i]]) for i in range(3))
    plain = _videos(checkpoint, "latent", 3, batch=3, store=video_store)
    assert all(_differ(a, b) for a, b in zip(out, plain))
