"""AR2 long-video generation (Alg. 10, models/ar2.py): exact lengths from noise alone, stitching, determinism."""

from __future__ import annotations

import pytest
import torch

from longvid.models import ar2
from longvid.recipes.ar2 import AR2Recipe

from recall_helpers import run_config


@pytest.fixture(scope="module")
def model():
    run = run_config("recall") | {"family": "ar2"}
    run["model"]["use_fsa"] = False  # sizes only: F-SA is most of a tiny clip's CPU time
    torch.manual_seed(0)
    return AR2Recipe.build_model(run).eval()


def gens(seeds):
    return [torch.Generator().manual_seed(s) for s in seeds]


@pytest.mark.parametrize("frames,blocks,latent", [(16, [16], "vdrej"), (17, [8, 9], "mean"),
                                                  (24, [8, 16], "sample"), (1000, [8] * 123 + [16], "mean")])
def test_exact_length(model, frames, blocks, latent):
    out = list(ar2.generate(model, gens([0, 1]), frames, latent=latent, n=3))
    assert [b.shape[1] for b in out] == blocks
    video = torch.cat(out, 1)
    assert video.shape == (2, frames, 3, 64, 64) and torch.isfinite(video).all()


def test_vdrej_long_video_and_first_frames_of_each_clip(model, monkeypatch):
    clips, encoded = [], []
    real, encode = ar2._next_clip, model.encode
    monkeypatch.setattr(ar2, "_next_clip", lambda *a: clips.append(real(*a)) or clips[-1])
    monkeypatch.setattr(model, "encode", lambda x, *a: encoded.append(x) or encode(x, *a))
    video = torch.cat(list(ar2.generate(model, gens([3]), 40, latent="vdrej", n=2)), 1)
    assert video.shape[1] == 40 and len(clips) == 4  # 8 + 8 + 8 + 16
    for j, clip in enumerate(clips[:3]):
        assert torch.equal(video[:, 8 * j : 8 * j + 8], clip[:, :8])  # the first r frames of each clip
    assert torch.equal(video[:, 24:], clips[3])
    assert len(encoded) == 3 and all(torch.equal(e, c) for e, c in zip(encoded, clips))  # next from the kept clip


def test_a_video_depends_only_on_its_generator(model):
    both = torch.cat(list(ar2.generate(model, gens([5, 6]), 24, latent="vdrej", n=3, chunk=4)), 1)
    alone = torch.cat(list(ar2.generate(model, gens([6]), 24, latent="vdrej", n=3, chunk=1)), 1)
    torch.testing.assert_close(alone, both[1:], atol=1e-4, rtol=1e-4)


def test_bad_mode_is_an_error(model):
    with pytest.raises(ValueError, match="latent mode"):
        next(ar2.generate(model, gens([0]), 16, latent="best"))
