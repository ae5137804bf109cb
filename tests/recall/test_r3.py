"""R3 stage 2 (Sec. 5.4, Eq. 5.3): the GPT recipe on a tiny frozen R2 — loss, masks, inputs checked, checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import yaml
from recall_helpers import TINY, write_checkpoint

from longvid.cli import main
from longvid.data.latentseq import write_sequences
from longvid.data.store import file_sha256
from longvid.train.checkpoint import load_checkpoint
from longvid.train.loop import fit
from longvid.train.rebuild import rebuild_model

D = 2 * (TINY["dim_zc"] + TINY["dim_zm"])  # 24: (mu_c, logvar_c, mu_m, logvar_m)


def r3_run(fmt="pad0", **gpt) -> dict:
    return {"experiment": "tiny_r3", "family": "r3", "run_type": "smoke", "seed": 0, "data": {"length": 24},
            "model": dict(TINY), "recall": {},
            "gpt": {"n_layer": 2, "n_head": 4, "max_frames": 96, "format": fmt, "classes": 2} | gpt,
            "train": {"batch_size": 3, "epochs": 4, "lr": 3e-3, "betas": [0.9, 0.95], "eval_hooks": [],
                      "ckpt_every": 0, "log_every": 1, "num_workers": 0}}


def r2_checkpoint(tmp_path):
    run = {"experiment": "tiny_recall", "family": "recall", "run_type": "smoke", "seed": 0, "data": {"length": 24},
           "model": dict(TINY), "train": {"batch_size": 2, "eval_hooks": []}}
    return write_checkpoint(tmp_path / "r2.pt", run)


def latents(tmp_path, r2, lengths=(5, 9, 3, 7, 1), sha=None):
    """Smooth toy sequences: z_t = a sin(w t + phase) per dimension, one (a, w, phase) per video."""
    rng = np.random.default_rng(0)
    seqs = []
    for n in lengths:
        a, w, ph = rng.uniform(0.5, 1, D), rng.uniform(0.2, 0.6, D), rng.uniform(0, 6, D)
        seqs.append((a * np.sin(w * np.arange(n)[:, None] + ph)).astype(np.float32))
    meta = {"r2_checkpoint_sha256": sha or file_sha256(r2), "shift": 8, "clip": 16, "max_frames": 96}
    return write_sequences(tmp_path / "lat.npz", seqs, [k % 2 for k in range(len(lengths))],
                           [f"v{k}" for k in range(len(lengths))], meta)


def _recipe(tmp_path, fmt="pad0"):
    from longvid.recipes.gpt import GPTRecipe
    from longvid.train.distributed import Context
    from longvid.train.config import TrainConfig

    r2 = r2_checkpoint(tmp_path)
    run = r3_run(fmt)
    torch.manual_seed(0)
    model, data = GPTRecipe.prepare(run, {"latents": latents(tmp_path, r2), "r2": r2}, log=lambda *a: None)
    ctx = Context(rank=0, world=1, device=torch.device("cpu"), amp_dtype=None)
    return GPTRecipe(model.train(), TrainConfig.from_dict(run["train"]), ctx), data


def _batch(data, idx):
    items = [data[i] for i in idx]
    return {k: torch.stack([it[k] for it in items]) for k in ("z", "ids", "valid", "target")}


@pytest.mark.parametrize("fmt", ["pad0", "padzs", "disc+cont"])
def test_loss_decreases(tmp_path, fmt):
    recipe, data = _recipe(tmp_path, fmt)
    batch = _batch(data, range(len(data)))
    losses = [recipe.step(batch)["loss_gpt"] for _ in range(30)]
    assert losses[-1] < 0.5 * losses[0]
    assert all(p.grad is None for p in recipe.model.r2.parameters())  # the R2 stays frozen
    assert not recipe.model.r2.training


def test_loss_ignores_padding(tmp_path):
    recipe, data = _recipe(tmp_path)
    batch = _batch(data, [0, 2])  # 5 and 3 tokens: item 1 padded
    with torch.no_grad():
        base = recipe.loss(batch)
        batch["z"][1, 3:] = 50.0  # padding content never reaches the loss
        assert torch.equal(recipe.loss(batch), base)
        batch["z"][0, 4] += 1.0  # a real target does
        assert not torch.equal(recipe.loss(batch), base)
        longer = {k: torch.cat([v, torch.zeros_like(v[:, :2])], 1) for k, v in batch.items()}  # 2 more pads
        longer["ids"][:, -2:] = -1
        torch.testing.assert_close(recipe.loss(longer), recipe.loss(batch))  # trimming to the batch changes nothing
        longer["valid"][0, -1] = True  # (the loss trims to the longest valid item, so force the full length)
        torch.testing.assert_close(recipe.loss(longer), recipe.loss(batch))


def test_fit_and_rebuild_round_trip(tmp_path):
    r2 = r2_checkpoint(tmp_path)
    lat = latents(tmp_path, r2)
    out, cfg = tmp_path / "run" / "final.pt", tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump(r3_run()))
    assert main(["train", "--config", str(cfg), "--out", str(out), "--latents", str(lat), "--r2", str(r2),
                 "--device", "cpu"]) == 0  # the CLI front, as the workflow rule calls it
    ckpt = load_checkpoint(out)
    assert ckpt["model_args"]["family"] == "r3" and set(ckpt["model_args"]) == {"family", "model", "recall", "gpt"}
    model = rebuild_model(ckpt)
    r2_state = torch.load(r2)["model"]
    assert all(torch.equal(model.r2.state_dict()[k], v) for k, v in r2_state.items())  # the R2 travels with R3
    z = torch.randn(1, 4, D)
    torch.manual_seed(1)
    again = rebuild_model(load_checkpoint(out))
    torch.testing.assert_close(model.gpt(z), again.gpt(z))
    assert model.tokens(torch.zeros(2, 16, 3, 64, 64)).shape == (2, D)


def test_inputs_are_checked(tmp_path):
    from longvid.recipes.gpt import GPTRecipe

    r2 = r2_checkpoint(tmp_path)
    with pytest.raises(ValueError, match="--latents FILE --r2 FILE"):
        fit(r3_run(), tmp_path / "a" / "final.pt", device="cpu", log=lambda *a: None)
    with pytest.raises(ValueError, match="takes no --latents"):
        fit(r3_run() | {"family": "recall", "gpt": None}, tmp_path / "b" / "final.pt", device="cpu",
            log=lambda *a: None, inputs={"latents": "x.npz"})
    lat = latents(tmp_path, r2, sha="0" * 64)
    with pytest.raises(ValueError, match="r2.pt: sha256 .* not the R2 that encoded"):
        GPTRecipe.prepare(r3_run(), {"latents": lat, "r2": r2})
    from longvid.models.config import model_config
    from longvid.models.r3 import build_r3
    from longvid.models.sections import GPTConfig, RecallConfig

    with pytest.raises(ValueError, match="gpt.clip / gpt.shift = 16 / 8 must be the R2's"):
        build_r3(model_config(TINY), GPTConfig(n_layer=1, n_head=4), RecallConfig(overlap=4))
    lat = latents(tmp_path, r2)
    other = r3_run()
    other["model"] = dict(TINY, dim_zm=6)
    with pytest.raises(ValueError, match="model.dim_zm .* base the r3 experiment on the R2's"):
        GPTRecipe.prepare(other, {"latents": lat, "r2": r2})
