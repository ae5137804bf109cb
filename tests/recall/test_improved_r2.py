"""Improved R2 training options (Sec. 5.2, 5.5.3): recall.latent (Fig. 5.8) and recall.noise (Table 5.7)."""

from __future__ import annotations

import pytest
import torch

from longvid.models.sections import RecallConfig
from longvid.recipes.recall import RecallRecipe
from longvid.runconfig import RunConfigError, load_section
from longvid.train.config import TrainConfig
from longvid.train.distributed import Context

from recall_helpers import run_config


def recipe(**recall):
    run = run_config("recall", recall=recall)
    run["model"]["use_fsa"] = False  # sizes only: F-SA is most of a tiny clip's CPU time
    torch.manual_seed(0)
    model = RecallRecipe.build_model(run).train()
    return RecallRecipe(model, TrainConfig(batch_size=2), Context(device=torch.device("cpu")))


def window():
    return torch.rand(2, 24, 3, 64, 64, generator=torch.Generator().manual_seed(1)) * 2 - 1


def generator_batches(r) -> list[int]:
    """Batch size of every G call during one step."""
    sizes = []
    hook = r.model.generator.register_forward_pre_hook(lambda mod, args: sizes.append(args[0].shape[0]))
    r.step({"video": window()})
    hook.remove()
    return sizes


def test_defaults_keep_the_variants_own_noise_branch():
    assert RecallConfig().latent == "sample"
    assert not RecallConfig().noise_branch and RecallConfig(loss="v1").noise_branch
    assert RecallConfig(noise=True).noise_branch
    with pytest.raises(RunConfigError, match="recall.noise"):
        load_section(RecallConfig, {"loss": "v2", "noise": False}, section="recall")
    with pytest.raises(RunConfigError, match="recall.latent"):
        load_section(RecallConfig, {"latent": "mode"}, section="recall")


def test_noise_generation_loss_adds_the_noise_clip_to_both_steps():
    """v4: G runs once per iteration on the encoded pair (2B), the pass both the D step and the joint step use;
    with recall.noise also once on z~ (B): a fake for D, an adversarial term for G (Table 5.7)."""
    assert generator_batches(recipe()) == [4]
    r = recipe(noise=True)
    assert generator_batches(r) == [4, 2]
    seen = []
    r._adv_terms = lambda fakes, singles, target: seen.append([f.shape[0] for f in fakes]) or (0 * fakes[0].sum(),) * 2
    r.update_parts = lambda names, loss: None
    r.step({"video": window()})
    assert seen == [[2, 2], [2, 2, 2], [2], [2, 2, 2], [2]]  # real pair; x^1..3 and x~ for D, then for G


def test_v1_regenerates_only_after_the_encoder_update():
    """v1-v3 (EncGAN3's schedule): the shared pass (2B, and x~), then x^ again from the updated encoder (2B)."""
    assert generator_batches(recipe(loss="v1")) == [4, 2, 4]


def test_noise_terms_reach_the_generator():
    """The joint loss with recall.noise has a gradient from x~ alone: zero it and the G gradients change."""
    grads = {}
    for noise in (False, True):
        r = recipe(noise=noise)
        r.update_parts = lambda names, loss: loss.backward()  # keep the gradients, skip the optimiser steps
        r.model.zero_grad()
        z_tilde = r.model.sample_latents(2) if noise else None
        torch.manual_seed(5)  # the same posterior draws in both runs: only the x~ terms differ
        x1, x2 = r_split(r)
        r._joint_step(x1, x2, r.generation(x1, x2, z_tilde))
        grads[noise] = torch.cat([p.grad.flatten() for p in r.model.generator.parameters() if p.grad is not None])
    assert not torch.allclose(grads[False], grads[True])


def r_split(r):
    from longvid.models.recall import split_window

    return split_window(window(), r.rcfg)


def test_mean_latents_feed_the_posterior_means_to_g():
    r = recipe(latent="mean")
    stats, inputs = [], []
    h1 = r.model.encoder.register_forward_hook(lambda mod, args, out: stats.append(out))
    h2 = r.model.generator.register_forward_pre_hook(lambda mod, args: inputs.append(args))
    r.step({"video": window()})
    h1.remove(), h2.remove()
    for (mu_c, _, mu_m, _), (z_c, z_m) in zip(stats, inputs):
        assert torch.equal(z_c, mu_c) and torch.equal(z_m, mu_m)
    r = recipe()  # sample: z = mu + sigma * eps differs from mu
    stats, inputs = [], []
    h1 = r.model.encoder.register_forward_hook(lambda mod, args, out: stats.append(out))
    h2 = r.model.generator.register_forward_pre_hook(lambda mod, args: inputs.append(args))
    r.step({"video": window()})
    h1.remove(), h2.remove()
    assert not torch.equal(inputs[0][0], stats[0][0])
