"""Self-describing checkpoints: ``model_args`` read from the model, the model rebuilt without any recipe."""

from __future__ import annotations

import pytest
import torch

from longvid.recipes.encgan3 import EncGAN3Recipe
from longvid.train.loop import fit
from longvid.train.rebuild import model_args, rebuild_model
from trainkit import TINY_MODEL, tiny_run


def test_a_trained_checkpoint_rebuilds_its_model_without_the_recipe(tmp_path, video_store, monkeypatch):
    run = tiny_run(max_iters=1, eval_hooks=[])
    assert fit(run, tmp_path / "final.pt", videos=str(video_store), device="cpu", log=lambda *a: None) == 0
    ckpt = torch.load(tmp_path / "final.pt", weights_only=False)
    args = ckpt["model_args"]
    assert args["family"] == "encgan3" and set(args) == {"family", "model"}
    assert {k: args["model"][k] for k in ("g_ch", "d_ch", "e_fc", "dim_zc", "frames")} == {
        "g_ch": TINY_MODEL["g_ch"], "d_ch": TINY_MODEL["d_ch"], "e_fc": TINY_MODEL["e_fc"],
        "dim_zc": TINY_MODEL["dim_zc"], "frames": 16}

    def no_recipe(*a, **k):
        raise AssertionError("rebuild_model ran recipe logic")

    monkeypatch.setattr(EncGAN3Recipe, "build_model", classmethod(no_recipe))
    ckpt["config"] = {"model": {"preset": "nope"}}  # the run config is not read either
    model = rebuild_model(ckpt)
    assert not model.training
    assert all(torch.equal(v, ckpt["model"][k]) for k, v in model.state_dict().items())


def test_model_args_round_trip_g3an_without_encoder():
    net = EncGAN3Recipe.build_model(tiny_run() | {"model": TINY_MODEL | {"use_encoder": False}})
    args = model_args("g3an", net)
    rebuilt = rebuild_model({"model_args": args, "model": net.state_dict()})
    assert rebuilt.encoder is None and rebuilt.cfg == net.cfg


def test_a_checkpoint_without_model_args_is_refused_with_a_clear_message(tmp_path):
    from longvid.sample.stream import load_model

    net = EncGAN3Recipe.build_model(tiny_run())
    old = tmp_path / "old.pt"
    torch.save({"config": tiny_run(), "epoch": 1, "step": 2, "model": net.state_dict()}, old)
    with pytest.raises(SystemExit, match=f"{old}: checkpoint has no model_args .* retrain the run"):
        load_model(old, torch.device("cpu"))
