"""Eq. 4.2-4.3 rebuild, the R_3VD stitched clip, clip pairs, window plans and config errors (Sec. 4.4)."""

from __future__ import annotations

import pytest
import torch

from longvid.models.encoder import difference_maps
from longvid.models.recall import rebuild_from_reference, split_window, stitch
from longvid.models.sections import RecallConfig
from longvid.sample.lencgan import clip_plan
from longvid.sample.recall import frames_needed, window_plan


@pytest.mark.parametrize("r", [0, 7, 8, 15])
def test_rebuild_is_exact_from_reference_and_true_maps(r):
    g = torch.Generator().manual_seed(r)
    clip = torch.randint(-64, 65, (2, 16, 3, 8, 8), generator=g).float() / 64  # dyadic: float sums are exact
    rebuilt = rebuild_from_reference(clip[:, r], difference_maps(clip), r)
    assert torch.equal(rebuilt, clip)


def test_rebuild_random_floats_and_uses_only_reference_and_maps():
    clip = torch.rand(1, 16, 3, 4, 4) * 2 - 1
    maps = difference_maps(clip)
    torch.testing.assert_close(rebuild_from_reference(clip[:, 8], maps, 8), clip, atol=1e-6, rtol=0)
    shifted = rebuild_from_reference(clip[:, 8] + 0.5, maps, 8)  # a different reference moves every frame
    torch.testing.assert_close(shifted - clip, torch.full_like(clip, 0.5), atol=1e-6, rtol=0)


def test_stitched_clip_is_first_r_frames_of_both_clips():
    frames = torch.arange(16.0)[None, :, None, None, None]  # frame j has value j
    x1, x2 = frames, frames + 100
    s = stitch(x1, x2, 8)
    assert s.shape == x1.shape
    assert s[0, :, 0, 0, 0].tolist() == list(range(8)) + [100.0 + j for j in range(8)]


def test_split_window_gives_overlapping_pair():
    window = torch.arange(24.0)[None, :, None, None, None]
    x1, x2 = split_window(window, RecallConfig())
    assert x1[0, :, 0, 0, 0].tolist() == list(range(16))
    assert x2[0, :, 0, 0, 0].tolist() == list(range(8, 24))
    # the stitched generation of a perfect recall equals the real former clip
    assert torch.equal(stitch(x1, x2, 8), x1)
    with pytest.raises(ValueError, match="24-frame windows"):
        split_window(torch.zeros(1, 16, 1, 1, 1), RecallConfig())


@pytest.mark.parametrize("length", [1, 5, 8, 15, 16, 17, 24, 31, 32, 100, 128, 133, 1000, 1024])
def test_window_plan_covers_exactly_the_length(length):
    plan = window_plan(length)
    assert sum(keep for _, keep in plan) == length
    assert all(keep <= 16 for _, keep in plan)
    assert [s for s, _ in plan] == [8 * k for k in range(len(plan))]
    assert frames_needed(plan, 16) == plan[-1][0] + 16
    if length >= 16 and (length - 16) % 8 == 0:  # Alg. 7: m = T // r, m - 1 windows, the last one whole
        assert len(plan) == length // 8 - 1 and plan[-1][1] == 16
    cplan = clip_plan(length)
    assert sum(k for _, k in cplan) == length and [s for s, _ in cplan] == [16 * k for k in range(len(cplan))]


def test_recall_config_errors():
    with pytest.raises(ValueError, match="v5 is not defined"):
        RecallConfig(loss="v5")
    with pytest.raises(ValueError, match="unknown recall keys"):
        RecallConfig.from_run({"recall": {"los": "v4"}})
    assert RecallConfig(overlap=8).shift == 8 and RecallConfig().window == 24


@pytest.mark.parametrize("loss", ["v1", "v2", "v3", "v4"])
def test_reconstruction_terms_of_each_variant(loss):
    """Hand-computed: image term at r plus the variant's video terms, each averaged over its clips."""
    from longvid.recipes.recall import RecallRecipe

    recipe = RecallRecipe.__new__(RecallRecipe)  # only _recon's inputs: the variant and the reference index
    recipe.rcfg, recipe.ref = RecallConfig(loss=loss), 8
    x1, x2 = torch.zeros(1, 16, 1, 1, 1), torch.zeros(1, 16, 1, 1, 1)
    f1 = torch.zeros(1, 16, 1, 1, 1)
    f1[:, 8] = 1.0  # error 1 on the reference frame of clip 1 only
    f2 = torch.full((1, 16, 1, 1, 1), 0.5)  # error 0.5 everywhere in clip 2
    f3 = stitch(f1, f2, 8)  # frames 0-7 of f1 (error 0), 8-15 of f2 (error 0.5)
    image = (1.0 + 0.5) / 2
    video = {"v1": (1 / 16 + 0.5 + 0.25) / 3, "v2": (1 / 16 + 0.5) / 2, "v3": 0.0, "v4": (1 / 16 + 0.5) / 2}[loss]
    got = recipe._recon(x1, x2, f1, f2, f3)
    assert got.item() == pytest.approx(image + video)
