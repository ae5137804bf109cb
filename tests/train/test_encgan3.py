"""The EncGAN3 / G3AN recipe on the tiny store: learning, step order, resume exactness, the CLI end to end."""

from __future__ import annotations

import csv
import os
import signal

import pytest
import torch
import yaml

from trainkit import tiny_run
from longvid.data.clips import build_dataset
from longvid.train.config import TrainConfig
from longvid.train.distributed import Context
from longvid.train.loop import fit
from longvid.train.signals import EXIT_INTERRUPTED
from longvid.recipes.encgan3 import EncGAN3Recipe
from longvid.bench.train_step import regenerating_g3an_step


def _recipe(run, **cfg):
    torch.manual_seed(0)
    model = EncGAN3Recipe.build_model(run)
    return EncGAN3Recipe(model, TrainConfig(**cfg), Context(device=torch.device("cpu"))), model


def test_steps_on_a_fixed_batch_reduce_the_reconstruction(video_store):
    run = tiny_run()
    batch = {"video": torch.stack([build_dataset(run, str(video_store))[i]["video"] for i in range(2)])}
    recipe, _ = _recipe(run)
    rec = [recipe.step(batch)["enc_recon"] for _ in range(25)]
    first, last = sum(rec[:3]) / 3, sum(rec[-3:]) / 3
    assert last < 0.85 * first, rec  # measured: 0.77 -> 0.61 in 25 steps


def test_one_step_updates_every_part_and_reports_every_loss():
    run = tiny_run()
    recipe, model = _recipe(run)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    out = recipe.step({"video": torch.rand(2, 16, 3, 64, 64) * 2 - 1})
    assert set(out) == {"d_image", "d_video", "enc", "enc_recon", "enc_kl", "g", "g_adv", "g_recon"}
    for part in ("encoder", "generator", "image_discriminator", "video_discriminator"):
        changed = [k for k in before if k.startswith(part) and not torch.equal(before[k], model.state_dict()[k])]
        assert changed, part


@pytest.mark.parametrize("loss", ["diffmaps_enc", "diffmaps"])
def test_loss_variants_run(loss):
    recipe, _ = _recipe(tiny_run(), loss=loss)
    assert torch.isfinite(torch.tensor(list(recipe.step({"video": torch.rand(2, 16, 3, 64, 64)}).values()))).all()


def test_g3an_has_no_encoder_step_and_modes_must_match_the_model():
    run = tiny_run()
    run["model"]["use_encoder"] = False
    recipe, _ = _recipe(run, encoder_mode="none")
    assert set(recipe.step({"video": torch.rand(2, 16, 3, 64, 64)})) == {"d_image", "d_video", "g", "g_adv"}
    assert _recipe(run)[0].use_encoder is False and _recipe(tiny_run())[0].use_encoder is True  # auto
    with pytest.raises(ValueError, match="use_encoder"):
        _recipe(tiny_run(), encoder_mode="none")
    with pytest.raises(ValueError, match="encoder_mode: none"):
        _recipe(run, encoder_mode="train_test")


def _calls(module) -> list:
    """Batch sizes of `module`'s forward calls, appended as they happen."""
    sizes = []
    module.register_forward_pre_hook(lambda mod, args: sizes.append(args[0].shape[0]))
    return sizes


def test_one_step_runs_g_three_times_and_the_encoder_twice():
    """x_tilde and the first x_hat serve D's step and the step after it; only x_hat after the encoder's update
    is generated again (Sec. 3.4.2)."""
    recipe, model = _recipe(tiny_run())
    g, enc = _calls(model.generator), _calls(model.encoder)
    recipe.step({"video": torch.rand(2, 16, 3, 64, 64) * 2 - 1})
    assert (len(g), len(enc)) == (3, 2)


def test_g3an_step_generates_once_and_equals_the_two_forward_step():
    """The same losses and the same D update as the old step. G's update agrees up to float noise only: each G
    forward in training mode advances spectral norm's power iteration (G3AN's layers), which the old step did twice,
    and Adam turns the ~0 gradients of biases before BatchNorm into full-size steps of either sign."""
    run = tiny_run()
    run["model"]["use_encoder"] = False
    x = torch.rand(2, 16, 3, 64, 64, generator=torch.Generator().manual_seed(3)) * 2 - 1
    new, new_model = _recipe(run)
    old, old_model = _recipe(run)
    g = _calls(new_model.generator)
    torch.manual_seed(1)
    got = new.step({"video": x})
    torch.manual_seed(1)
    want = regenerating_g3an_step(old, x)  # the bench baseline: x_tilde generated for D, again for G
    assert len(g) == 1
    assert got == pytest.approx(want, rel=1e-5)  # G's loss: x_tilde after one spectral-norm power step, not two
    old_params = dict(old_model.named_parameters())
    for name, p in new_model.named_parameters():  # D's update saw the same x_tilde, bit for bit
        if not name.startswith("generator"):
            torch.testing.assert_close(p, old_params[name], rtol=0, atol=0, msg=name)


class KillAtThree(EncGAN3Recipe):
    def step(self, batch):
        out = super().step(batch)
        self.calls = getattr(self, "calls", 0) + 1
        if self.calls == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        return out


def test_sigterm_mid_epoch_then_resume_matches_uninterrupted(video_store, tmp_path):
    run = tiny_run(epochs=2, eval_every=0)  # 4 train clips, batch 2: 2 iterations per epoch
    kw = dict(videos=str(video_store), device="cpu", log=lambda *a: None)
    assert fit(run, tmp_path / "a" / "final.pt", **kw) == 0
    assert fit(run, tmp_path / "b" / "final.pt", recipe_cls=KillAtThree, **kw) == EXIT_INTERRUPTED
    assert fit(run, tmp_path / "b" / "final.pt", **kw) == 0
    a = torch.load(tmp_path / "a" / "final.pt", weights_only=False)
    b = torch.load(tmp_path / "b" / "final.pt", weights_only=False)
    assert a["step"] == b["step"] == 4
    for k in a["model"]:
        torch.testing.assert_close(a["model"][k], b["model"][k], rtol=0, atol=1e-6, msg=k)
    for name in a["optimizers"]:
        sa, sb = a["optimizers"][name]["state"], b["optimizers"][name]["state"]
        assert all(torch.allclose(sa[i]["exp_avg"], sb[i]["exp_avg"], atol=1e-6) for i in sa)


def test_cli_trains_and_writes_eval_rows(video_store, tmp_path):
    from longvid.cli import main

    cfg = tmp_path / "run" / "config.yaml"
    cfg.parent.mkdir()
    cfg.write_text(yaml.safe_dump(tiny_run(max_iters=3)))
    out, metrics = tmp_path / "run" / "final.pt", tmp_path / "run" / "metrics.csv"
    assert main(["train", "--config", str(cfg), "--out", str(out), "--metrics", str(metrics),
                 "--videos", str(video_store), "--device", "cpu"]) == 0
    ckpt = torch.load(out, weights_only=False)
    assert ckpt["config"]["experiment"] == "tiny" and ckpt["step"] == 3
    with open(metrics) as f:
        rows = list(csv.DictReader(f))
    evals = [r for r in rows if r["name"] == "recon_l1_test"]
    assert [(r["epoch"], r["step"]) for r in evals] == [("1", "2"), ("1", "3")]
    assert 0 < float(evals[0]["value"]) < 2
    assert {"train_d_video", "train_enc_recon", "train_g_adv", "train_it_per_s"} <= {r["name"] for r in rows}

