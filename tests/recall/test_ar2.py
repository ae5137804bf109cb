"""AR2 training (Alg. 9, Eq. 5.1-5.2): the stitched clip, the prediction target, the update order, a tiny fit."""

from __future__ import annotations

import pytest
import torch

from longvid import families
from longvid.recipes.ar2 import AR2Recipe, build_ar2, prediction_loss
from longvid.train.config import TrainConfig
from longvid.train.distributed import Context
from longvid.train.loop import fit
from longvid.train.rebuild import rebuild_model

from recall_helpers import run_config

D_PARTS, ENCG_PARTS = ("image_discriminator", "video_discriminator"), ("encoder", "generator")


def ar2_run(**recall) -> dict:
    run = run_config("recall", **({"recall": recall} if recall else {}))
    return run | {"family": "ar2", "experiment": "tiny_ar2"}


def recipe(run=None, lr: float = 2e-4) -> AR2Recipe:
    torch.manual_seed(0)
    model = AR2Recipe.build_model(run or ar2_run()).train()
    return AR2Recipe(model, TrainConfig(batch_size=2, lr=lr), Context(device=torch.device("cpu")))


def numbered_window(b: int = 2) -> torch.Tensor:
    """Hand-built 24-frame windows: every pixel of frame t of video i is (t − 12) / 13 + i / 100."""
    t = (torch.arange(24, dtype=torch.float32) - 12) / 13
    return (t.view(1, 24, 1, 1, 1) + torch.arange(b).view(b, 1, 1, 1, 1) / 100).expand(b, 24, 3, 64, 64).clone()


def fake_generator(monkeypatch, model, clip):
    """G always returns `clip` (B, 16, C, H, W) (batch taken from z_content)."""
    monkeypatch.setattr(model.generator, "forward", lambda z_c, z_m, frames=None: clip[: z_c.shape[0]].clone())


def test_stitched_clip_is_real_frames_then_generated_frames(monkeypatch):
    r = recipe()
    window = numbered_window()
    generated = -numbered_window()[:, :16] - 0.05  # distinct from every real frame
    fake_generator(monkeypatch, r.model, generated)
    former = window[:, :16]
    x_hat, x_tilde, stitched, _ = r.generate(former, r.model.sample_latents(2), grad=False)
    assert torch.allclose(x_hat, generated, atol=1e-6) and torch.allclose(x_tilde, generated, atol=1e-6)
    assert stitched.shape == former.shape
    assert torch.equal(stitched[:, :8], window[:, :8])  # real frames 0-7 of the former clip
    assert torch.allclose(stitched[:, 8:], generated[:, :8], atol=1e-6)  # generated frames 0-7


def test_prediction_target_is_the_latter_clip(monkeypatch):
    window = numbered_window()
    r = recipe()
    fake_generator(monkeypatch, r.model, window[:, 8:24])  # G predicts X² exactly
    assert r.step({"video": window})["recon"] < 1e-6
    r = recipe()
    fake_generator(monkeypatch, r.model, window[:, :16])  # G reproduces X¹: 8 frames off
    got = r.step({"video": window})["recon"]
    assert got == pytest.approx(prediction_loss(window[:, 8:24], window[:, :16], 8).item(), rel=1e-5)
    assert got == pytest.approx(2 * 0.5 * (8 / 13) ** 2, rel=1e-4)  # Smooth L1 of an 8/13 error, two terms


def test_prediction_loss_is_smooth_l1_at_reference_and_all_frames():
    x, y = torch.zeros(1, 16, 1, 1, 1), torch.zeros(1, 16, 1, 1, 1)
    y[:, 8] = 3.0  # only the reference frame differs, by 3 (linear part of Smooth L1: 3 − 0.5)
    assert prediction_loss(x, y, 8).item() == pytest.approx(2.5 + 2.5 / 16)


def test_one_step_updates_discriminators_then_encoder_and_generator():
    r = recipe(lr=1e-3)
    groups = r.model.param_groups()
    snap = lambda: {p: [t.detach().clone() for t in ps] for p, ps in groups.items()}  # noqa: E731
    changed = lambda a, b, part: any(not torch.equal(x, y) for x, y in zip(a[part], b[part]))  # noqa: E731
    calls, states = [], [snap()]
    update = r.update_parts

    def spy(names, loss):
        update(names, loss)
        calls.append(names)
        states.append(snap())

    r.update_parts = spy
    r.step({"video": numbered_window() + 0.01 * torch.randn(2, 24, 3, 64, 64)})
    assert calls == [D_PARTS, ENCG_PARTS]
    before, after_d, after_encg = states
    assert all(changed(before, after_d, p) for p in D_PARTS)
    assert not any(changed(before, after_d, p) for p in ENCG_PARTS)
    assert all(changed(after_d, after_encg, p) for p in ENCG_PARTS)
    assert not any(changed(after_d, after_encg, p) for p in D_PARTS)


def test_ar2_options_are_checked():
    from longvid.recipes.encgan3 import model_config
    from longvid.models.sections import RecallConfig

    cfg = model_config(ar2_run()).replace(frames=16)
    with pytest.raises(ValueError, match="AR2 has one loss"):
        build_ar2(cfg, RecallConfig(loss="v1"))
    with pytest.raises(ValueError, match="always trains the noise branch"):
        build_ar2(cfg, RecallConfig(noise=False))


def test_tiny_fit_writes_a_checkpoint_that_rebuilds(tmp_path):
    g = torch.Generator().manual_seed(0)
    clips = [{"video": torch.rand(24, 3, 64, 64, generator=g) * 2 - 1} for _ in range(3)]
    run = ar2_run()
    run["train"] |= {"batch_size": 2, "epochs": 1, "max_iters": 1, "num_workers": 0, "ckpt_every": 0}
    assert fit(run, tmp_path / "final.pt", dataset=clips, device="cpu", log=lambda *a: None) == 0
    ckpt = torch.load(tmp_path / "final.pt", map_location="cpu", weights_only=False)
    args = ckpt["model_args"]
    assert args == families.model_args(ckpt["config"])  # what the model is = what its run config says
    assert args["family"] == "ar2" and args["model"]["frames"] == 16 and args["recall"]["clip"] == 16
    model = families.build_model(args)
    model.load_state_dict(ckpt["model"])  # strict: the same network the recipe trained
    assert model.recall_cfg == AR2Recipe.build_model(run).recall_cfg
    assert rebuild_model(ckpt).recall_cfg == model.recall_cfg


def test_kl_is_weighed_against_one_clip_like_eq_5_1(monkeypatch):
    """The default `train.kl_reduction: elbo` divides each KL by T*C*H*W of one clip, the ratio of Eq. 5.1's KL to
    the per-element Smooth L1 (docs/learning.md: a KL left at the per-clip sum collapses the posterior)."""
    from longvid.recipes import losses

    seen, kl_term = [], losses.kl_term

    def spy(mu, logvar, reduction="elbo", elements=1):
        seen.append((reduction, elements))
        return kl_term(mu, logvar, reduction, elements)

    monkeypatch.setattr(losses, "kl_term", spy)
    recipe().step({"video": numbered_window()})
    assert seen == [("elbo", 16 * 3 * 64 * 64)] * 2
