"""R3 long-video generation (Alg. 11, models/r3_generate.py): exact lengths, the real start, robust feeds back the
re-encoded clip, faster generates every latent before decoding, batch independence, the sliding context."""

from __future__ import annotations

import pytest
import torch

from longvid.models import r3_generate as r3g
from longvid.models.r3 import build_r3
from longvid.models.sections import GPTConfig, RecallConfig

from recall_helpers import run_config


def make_model(max_frames=1000, fmt="pad0", classes=1):
    from longvid.models.config import model_config

    run = run_config("recall")
    cfg = model_config(run["model"] | {"use_fsa": False}).replace(frames=16)  # sizes only: F-SA is CPU time
    torch.manual_seed(0)
    model = build_r3(cfg, GPTConfig(n_layer=2, n_head=2, max_frames=max_frames, format=fmt, classes=classes),
                     RecallConfig())
    return model.eval()


@pytest.fixture(scope="module")
def model():
    return make_model()


def gens(seeds):
    return [torch.Generator().manual_seed(s) for s in seeds]


def first_clips(b, seed=0):
    return torch.rand(b, 16, 3, 64, 64, generator=torch.Generator().manual_seed(seed)) * 2 - 1


@pytest.mark.parametrize("frames,keep", [(16, [8]), (17, [9]), (24, [16]), (25, [8, 9]), (100, [8] * 10 + [12]),
                                         (1000, [8] * 122 + [16])])
def test_clip_plan(frames, keep):
    plan = r3g.clip_plan(frames)
    assert plan == keep and 8 + sum(plan) == frames and all(1 <= k <= 16 for k in plan)


def test_too_short_is_refused():
    with pytest.raises(ValueError, match="--frames must be > 8"):
        r3g.clip_plan(8)


@pytest.mark.parametrize("frames", [16, 17, 24, 100])
@pytest.mark.parametrize("mode,latent", [("robust", "vdrej"), ("robust", "mean"), ("faster", "sample"),
                                         ("faster", "vdrej")])
def test_exact_length_and_real_start(model, frames, mode, latent):
    first = first_clips(2)
    if mode == "robust":
        video = torch.cat(list(r3g.robust(model, first, gens([0, 1]), frames, latent=latent, n=2)), 1)
    else:
        video = torch.stack([v for _, v in r3g.faster(model, first, gens([0, 1]), frames, latent=latent, n=2)])
    assert video.shape == (2, frames, 3, 64, 64) and torch.isfinite(video).all()
    torch.testing.assert_close(video[:, :8], first[:, :8])  # gen_vid <- x_{0:r} (Alg. 11 l. 10)
    assert not torch.allclose(video[:, 8:16], first[:, 8:16])


def marked(model, value=0.25):
    """A GPT whose every output is the constant token `value`: its predictions are told apart from encodings."""
    m = make_model()
    m.load_state_dict(model.state_dict())
    with torch.no_grad():
        m.gpt.head.weight.zero_()
        m.gpt.head.bias.fill_(value)
    return m


def record(monkeypatch, m):
    """Log ("gpt", tokens fed) / ("decode", rows) / ("clip", clip) events in call order."""
    events = []
    prefill, step, generate, tokens = m.gpt.prefill, m.gpt.step, m.r2.generate, m.tokens
    monkeypatch.setattr(m.gpt, "prefill", lambda z, c, *a: events.append(("gpt", z[:, -1])) or prefill(z, c, *a))
    monkeypatch.setattr(m.gpt, "step", lambda z, c, *a: events.append(("gpt", z)) or step(z, c, *a))
    monkeypatch.setattr(m.r2, "generate", lambda zc, zm, *a: events.append(("decode", zc.shape[0])) or generate(zc, zm, *a))
    monkeypatch.setattr(m, "tokens", lambda clip: events.append(("clip", clip)) or tokens(clip))
    return events


def test_robust_appends_the_reencoded_latent_of_the_chosen_clip(model, monkeypatch):
    m = marked(model)
    events = record(monkeypatch, m)
    video = torch.cat(list(r3g.robust(m, first_clips(1), gens([4]), 40, latent="vdrej", n=3)), 1)
    clips = [e[1] for e in events if e[0] == "clip"]  # what was re-encoded: the real clip, then each kept clip
    fed = [e[1] for e in events if e[0] == "gpt"]
    assert len(clips) == len(fed) == len(r3g.clip_plan(40)) == 3  # the last clip is not fed back
    for clip, z in zip(clips, fed):
        torch.testing.assert_close(z, torch.cat(m.r2.encode(clip), 1))  # Enc(x̂), not the GPT output
        assert not torch.allclose(z, torch.full_like(z, 0.25))
    for k, clip in enumerate(clips[1:]):  # the re-encoded clip is the one whose first r frames were appended
        torch.testing.assert_close(video[:, 8 + 8 * k : 16 + 8 * k], clip[:, :8])


def test_faster_generates_all_latents_first_then_decodes_each_video_in_one_batch(model, monkeypatch):
    m = marked(model)
    events = record(monkeypatch, m)
    out = dict(r3g.faster(m, first_clips(2), gens([0, 1]), 100, latent="mean"))
    kinds = [e[0] for e in events if e[0] != "clip"]
    k = len(r3g.clip_plan(100))  # 11 clips per video
    assert kinds == ["gpt"] * k + ["decode"] * 2  # every GPT token, then one G call per video
    assert [e[1] for e in events if e[0] == "decode"] == [k, k]  # all clips of a video in one batch
    fed = [e[1] for e in events if e[0] == "gpt"][1:]  # after z_0: the GPT's own outputs fed back
    assert all(torch.allclose(z, torch.full_like(z, 0.25)) for z in fed)
    assert sorted(out) == [0, 1] and out[0].shape == (100, 3, 64, 64)


@pytest.mark.parametrize("mode,latent", [("robust", "vdrej"), ("faster", "sample")])
def test_video_i_does_not_depend_on_the_batch(model, mode, latent):
    first = first_clips(3)

    def run(rows):
        g = gens([10 + i for i in rows])
        if mode == "robust":
            return torch.cat(list(r3g.robust(model, first[rows], g, 30, latent=latent, n=2)), 1)
        return torch.stack([v for _, v in r3g.faster(model, first[rows], g, 30, latent=latent, n=2)])

    together = run([0, 1, 2])
    torch.testing.assert_close(run([2])[0], together[2], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(run([0])[0], together[0], atol=1e-5, rtol=1e-5)


def test_context_slides_past_the_gpt_positions():
    m = make_model(max_frames=16 + 8 * 3)  # 4 positions
    ctx = r3g.Context(m.gpt, 2, torch.device("cpu"))
    z = torch.randn(2, 9, m.gpt.latent, generator=torch.Generator().manual_seed(0))
    for t in range(9):
        pred = ctx.push(z[:, t])
        window = ctx.recent
        assert window.shape[1] <= 4
        torch.testing.assert_close(window[:, -1], z[:, t])
        torch.testing.assert_close(pred, m.gpt(window)[:, -1], atol=1e-5, rtol=1e-5)  # = a full pass on the window
    video = torch.cat(list(r3g.robust(m, first_clips(1), gens([0]), 100, latent="mean")), 1)
    assert video.shape[1] == 100


def test_disc_cont_prefix_is_kept():
    m = make_model(max_frames=16 + 8 * 5, fmt="disc+cont", classes=2)
    ids = torch.tensor([[1, 2 + 6], [0, 2 + 6]])  # class, length
    ctx = r3g.Context(m.gpt, 2, torch.device("cpu"), ids)
    z = torch.randn(2, 8, m.gpt.latent, generator=torch.Generator().manual_seed(0))
    for t in range(8):
        pred = ctx.push(z[:, t])
        lat = ctx.recent
        full_z = torch.cat([torch.zeros(2, 2, m.gpt.latent), lat], 1)
        full_ids = torch.cat([ids, torch.full((2, lat.shape[1]), -1)], 1)
        torch.testing.assert_close(pred, m.gpt(full_z, full_ids)[:, -1], atol=1e-5, rtol=1e-5)
