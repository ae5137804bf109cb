"""VDrej (Alg. 8): keeps the D_V-best candidate, scores later windows on stitched clips, ignores batch and chunk."""

from __future__ import annotations

import pytest
import torch

from longvid.models.vdrej import DEFAULT_CANDIDATES, draw_candidates, select

T, R = 16, 8


def gens(seeds):
    return [torch.Generator().manual_seed(s) for s in seeds]


def ramp_decode(z):
    """Candidate with code z (M, 1): frame t of every pixel = z * (t + 1) (distinct frames, code readable)."""
    return (z.view(-1, 1, 1, 1, 1) * torch.arange(1, T + 1.0).view(1, T, 1, 1, 1)).expand(-1, T, 1, 2, 2)


def dists(b):
    return [(torch.linspace(-1, 1, b).view(b, 1), torch.zeros(b, 1))]


def test_default_is_the_texts_twenty():
    assert DEFAULT_CANDIDATES == 20


def test_first_window_keeps_the_argmax_of_the_discriminator():
    score = lambda clips: clips[:, 0, 0, 0, 0]  # noqa: E731 - D_V "likes" the largest first frame = largest z
    out = select(dists(3), ramp_decode, score, gens([1, 2, 3]), n=7)
    z = draw_candidates(dists(3), gens([1, 2, 3]), 7)[0].view(3, 7)
    assert torch.equal(out.index, z.argmax(1))
    assert torch.equal(out.scores, z)
    assert torch.equal(out.clips, ramp_decode(z.max(1).values.view(3, 1)))
    assert torch.equal(out.codes[0].view(3), z.max(1).values)
    low = select(dists(3), ramp_decode, lambda c: -c[:, 0, 0, 0, 0], gens([1, 2, 3]), n=7)  # D_V flipped
    assert torch.equal(low.index, z.argmin(1))


def test_later_windows_are_scored_on_previous_plus_candidate_frames():
    prev = ramp_decode(torch.tensor([[0.5], [-2.0]]))  # previous kept clips (B, T, ...)
    seen = []

    def continuity(clips):  # D_V of a smooth join: candidate frame 0 close to the previous clip's frame r - 1
        seen.append(clips)
        return -(clips[:, R] - clips[:, R - 1]).abs().flatten(1).mean(1)

    out = select(dists(2), ramp_decode, continuity, gens([5, 6]), n=9, prev=prev, r=R, chunk=4)
    shown = torch.cat(seen)  # (B*n, T, ...) in candidate order
    cands = ramp_decode(draw_candidates(dists(2), gens([5, 6]), 9)[0])
    assert torch.equal(shown[:, :R], prev.repeat_interleave(9, 0)[:, :R])  # previous best's first r frames
    assert torch.equal(shown[:, R:], cands[:, : T - R])  # candidate's first T - r frames
    expected = (cands[:, 0] - prev.repeat_interleave(9, 0)[:, R - 1]).abs().flatten(1).mean(1).view(2, 9).argmin(1)
    assert torch.equal(out.index, expected)
    assert torch.equal(out.clips, cands.view(2, 9, T, 1, 2, 2)[torch.arange(2), expected])


@pytest.fixture(scope="module")
def tiny_model():
    from longvid.recipes.recall import RecallRecipe

    from recall_helpers import run_config

    run = run_config("recall")
    run["model"]["use_fsa"] = False  # F-SA is 90% of a tiny clip's CPU time and per-clip: nothing batch-dependent
    torch.manual_seed(0)
    return RecallRecipe.build_model(run).eval()


def model_select(model, seeds, rows, chunk, prev=None, n=20):
    g = torch.Generator().manual_seed(42)
    mu_c, mu_m = torch.randn(3, model.cfg.dim_zc, generator=g), torch.randn(3, model.cfg.dim_zm, generator=g)
    d = [(mu_c[rows], torch.full_like(mu_c[rows], -1.0)), (mu_m[rows], torch.zeros_like(mu_m[rows]))]
    return select(d, model.generate, model.video_discriminator, gens(seeds), n=n, chunk=chunk,
                  prev=None if prev is None else prev[rows], r=8)


def test_a_video_does_not_depend_on_batch_or_chunk_size(tiny_model):
    """3 videos x 20 candidates in chunks of 20 vs chunks of 1 vs each video alone."""
    seeds = [11, 12, 13]
    whole = model_select(tiny_model, seeds, [0, 1, 2], chunk=20)
    for got, i in [(model_select(tiny_model, seeds, [0, 1, 2], chunk=1), slice(0, 3)),
                   (model_select(tiny_model, seeds[1:2], [1], chunk=20), slice(1, 2))]:
        assert torch.equal(got.index, whole.index[i])
        torch.testing.assert_close(got.scores, whole.scores[i], atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(got.clips, whole.clips[i], atol=1e-5, rtol=1e-5)
    later = model_select(tiny_model, seeds, [0, 1, 2], chunk=5, prev=whole.clips)
    alone = model_select(tiny_model, seeds[2:], [2], chunk=1, prev=whole.clips)
    assert torch.equal(alone.index, later.index[2:])
    torch.testing.assert_close(alone.scores, later.scores[2:], atol=1e-4, rtol=1e-4)


def test_bad_arguments_are_errors():
    with pytest.raises(ValueError, match="one generator"):
        select(dists(2), ramp_decode, lambda c: c[:, 0, 0, 0, 0], gens([1]), n=3)
    with pytest.raises(ValueError, match="n >= 1"):
        select(dists(1), ramp_decode, lambda c: c[:, 0, 0, 0, 0], gens([1]), n=0)
