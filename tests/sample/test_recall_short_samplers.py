"""Short-clip samplers on recall-family (REncGAN) checkpoints, as Fig. 4.10 needs.

The encoder reads the first 16 frames of each 24-frame training window with content frame x_8 (R_Enc) or x_0,
and every clip goes through `RecallModel.generate` -> `generate_clip` (Eq. 4.2-4.3 with R_Enc). Expected videos are rebuilt here from
the checkpoint by hand (reference index written out, not taken from the package) and compared on the float
videos, as in test_samplers.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from samplekit import write_recall_checkpoint
from longvid.cli import main
from longvid.data.clips import build_dataset
from longvid.models import recall
from longvid.models.latent import video_generator
from longvid.sample.encgan3 import RealClips, sample_videos
from longvid.sample.stream import SampleRequest, load_model

REF = {True: 8, False: 0}  # content / reference frame of the tiny r2_64 model with and without R_Enc


@pytest.fixture(params=[True, False], ids=["r_enc", "no_r_enc"])
def recall_world(request, tmp_path, window_store):
    """(model, clips of the run's 24-frame windows, r_enc) of a tiny recall checkpoint."""
    model, run_cfg, _ = load_model(write_recall_checkpoint(tmp_path / "recall.pt", request.param), torch.device("cpu"))
    return model, RealClips(build_dataset(run_cfg, str(window_store), seed=0)), request.param


@pytest.fixture
def clip_calls(monkeypatch):
    """(ref, r_enc) of every generate_clip call (the real function still runs)."""
    calls, real = [], recall.generate_clip

    def spy(model, z_c, z_m, ref, r_enc):
        calls.append((ref, r_enc))
        return real(model, z_c, z_m, ref, r_enc)

    monkeypatch.setattr(recall, "generate_clip", spy)
    return calls


def _videos(model, mode, count, batch, clips=None, frames=None):
    spec = SampleRequest(count=count, seed=0, batch_size=batch, frames=frames)
    return [v for _, v in sorted(sample_videos(model, mode, spec, clips), key=lambda iv: iv[0])]


def _codes(model, clips, i, r_enc):
    """sample(Enc(first 16 frames of window i)) with content frame REF[r_enc], drawn from generator (0, i)."""
    window = clips(i)["video"][None]  # (1, 24, C, H, W)
    assert window.shape[1] == 24
    mu_c, lv_c, mu_m, lv_m = model.encode(window[:, :16], REF[r_enc])
    g = video_generator(0, i)
    return model.reparameterize(mu_c, lv_c, g), model.reparameterize(mu_m, lv_m, g)


def _clip(model, z_c, z_m, r_enc):
    with torch.no_grad():
        return recall.generate_clip(model, z_c, z_m, REF[r_enc], r_enc)[0]  # (16, C, H, W)


def _same(a, b):  # relative to the video's scale (a fresh generator outputs values of order 1e-5)
    return (a - b).abs().max().item() <= 1e-4 * a.abs().max().item()


def _differ(a, b):
    return (a - b).abs().max().item() > 1e-2 * a.abs().max().item()


def test_latent_encodes_the_first_clip_of_the_window_and_generates_with_generate_clip(recall_world, clip_calls):
    model, clips, r_enc = recall_world
    lat = _videos(model, "latent", 3, batch=2, clips=clips)
    assert clip_calls and set(clip_calls) == {(REF[r_enc], r_enc)}
    with torch.no_grad():
        expected = [_clip(model, *_codes(model, clips, i, r_enc), r_enc) for i in range(3)]
    assert lat[0].shape == (16, 3, 64, 64)
    assert all(_same(x, y) for x, y in zip(lat, expected))
    assert all(_same(x, y) for x, y in zip(lat, _videos(model, "latent", 3, batch=1, clips=clips)))
    assert _differ(lat[0], lat[1])


def test_swap_and_sum_groups_exchange_and_add_the_codes_of_two_windows(recall_world, clip_calls):
    model, clips, r_enc = recall_world
    with torch.no_grad():
        (c1, m1), (c2, m2) = _codes(model, clips, 0, r_enc), _codes(model, clips, 1, r_enc)
    swap = _videos(model, "swap", 5, batch=3, clips=clips)  # 5 videos -> 2 whole groups of 4
    assert len(clip_calls) == 8 and set(clip_calls) == {(REF[r_enc], r_enc)}  # 2 batches of 1 group x 4 combos
    assert len(swap) == 8 and swap[0].shape == (16, 3, 64, 64)
    for video, (c, m) in zip(swap[:4], [(c1, m1), (c1, m2), (c2, m2), (c2, m1)]):  # Fig. 4.10 (a), (c), (b), (d)
        assert _same(video, _clip(model, c, m, r_enc))
    assert _differ(swap[1], swap[0]) and _differ(swap[1], swap[2]) and _differ(swap[3], swap[1])
    assert all(_same(x, y) for x, y in zip(swap, _videos(model, "swap", 8, batch=4, clips=clips)))
    summed = _videos(model, "sum", 3, batch=8, clips=clips)
    assert len(summed) == 3 and _same(summed[0], swap[0]) and _same(summed[1], swap[2])
    assert _same(summed[2], _clip(model, c1 + c2, m1 + m2, r_enc))  # Fig. 4.10 (e)


def test_noise_goes_through_generate_clip_and_forced_is_refused(recall_world, clip_calls):
    model, _, r_enc = recall_world
    noise = _videos(model, "noise", 2, batch=2)
    assert set(clip_calls) == {(REF[r_enc], r_enc)}
    for i, video in enumerate(noise):
        z_c, z_m = model.sample_latents(1, generator=video_generator(0, i))
        assert _same(video, _clip(model, z_c, z_m, r_enc))
    with pytest.raises(ValueError, match="--sampler recall"):
        _videos(model, "forced", 1, batch=1, frames=24)
    with pytest.raises(ValueError, match="use --sampler recall"):
        _videos(model, "noise", 1, batch=1, frames=24)


def test_cli_latent_on_a_recall_checkpoint_writes_the_sample_folder(tmp_path, window_store):
    ckpt = write_recall_checkpoint(tmp_path / "final.pt")
    base = ["sample", "--checkpoint", str(ckpt), "--count", "3", "--batch-size", "2", "--seed", "5", "--mp4", "1",
            "--device", "cpu"]
    assert main(base + ["--sampler", "latent", "--out", str(tmp_path / "s"), "--videos", str(window_store)]) == 0
    files = sorted((tmp_path / "s" / "videos").iterdir())
    assert [p.name for p in files] == [f"0000{i}.npy" for i in range(3)]
    arr = np.load(files[0], mmap_mode="r")
    assert arr.shape == (16, 64, 64, 3) and arr.dtype == np.uint8
    meta = json.loads((tmp_path / "s" / "samples.json").read_text())
    assert {k: meta[k] for k in ("count", "length", "sampler", "family", "codes", "group_size", "epoch")} == \
        {"count": 3, "length": 16, "sampler": "latent", "family": "recall", "codes": "encoder", "group_size": 1,
         "epoch": 3}
    assert len(meta["real_clips"]) == 3
    with pytest.raises(ValueError, match="--sampler recall"):
        main(base + ["--sampler", "forced", "--out", str(tmp_path / "f")])
