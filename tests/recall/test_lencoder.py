"""LEncGAN encoder (Alg. 3-5): inherited states are used, detached between clips, and the switches behave."""

from __future__ import annotations

import pytest
import torch

from longvid.models.lencoder import LEncGANConfig, keep_state
from longvid.recipes.lencgan import LEncGANRecipe, video_clips

from recall_helpers import run_config


def tiny_lencgan(**lenc):
    torch.manual_seed(0)
    return LEncGANRecipe.build_model(run_config("lencgan", lencgan={"hidden": 16, **lenc})).eval()


@pytest.mark.parametrize("inherit_at", ["last", "middle"])
def test_state_is_inherited_and_detached(inherit_at):
    model = tiny_lencgan(inherit_at=inherit_at)
    enc = model.encoder
    x1 = (torch.rand(1, 16, 3, 64, 64) * 2 - 1).requires_grad_(True)
    x2 = torch.rand(1, 16, 3, 64, 64) * 2 - 1
    enc.reset()
    enc(x1)
    enc.advance()
    assert enc.state is not None and all(not t.requires_grad for pair in enc.state for t in pair)
    mu_c, lv_c, mu_m, lv_m = enc(x2)
    (mu_c.sum() + mu_m.sum() + lv_c.sum() + lv_m.sum()).backward()
    assert x1.grad is None  # no gradient reaches the previous clip (Alg. 4 .detach())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in enc.parameters())
    enc.reset()
    with torch.no_grad():
        fresh = enc(x2)[0]
    assert not torch.allclose(fresh, mu_c.detach())  # the inherited state changes the code


def test_inherit_modes_zero_the_other_part():
    h, c = torch.ones(1, 2, 3), torch.full((1, 2, 3), 2.0)
    assert keep_state(h, c, "none") is None
    assert torch.equal(keep_state(h, c, "cell")[0], torch.zeros_like(h))
    assert torch.equal(keep_state(h, c, "output")[1], torch.zeros_like(c))
    hs, cs = keep_state(h.requires_grad_(True), c, "state")
    assert not hs.requires_grad and torch.equal(cs, c)


def test_fc_variant_is_stateless_and_rejects_inheritance():
    with pytest.raises(ValueError, match="no state to inherit"):
        LEncGANConfig(recurrent="fc")
    model = tiny_lencgan(recurrent="fc", inherit="none")
    x = torch.rand(2, 16, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        a = model.encode(x)[0]
        model.encoder.advance()
        b = model.encode(x)[0]
    assert torch.equal(a, b)


def test_training_step_runs_over_clips_and_resets_state():
    from longvid.train.config import TrainConfig
    from longvid.train.distributed import Context

    model = tiny_lencgan(recon_target="middle", inherit="output", inherit_at="middle").train()
    recipe = LEncGANRecipe(model, TrainConfig(batch_size=1), Context(device=torch.device("cpu")))
    video = torch.rand(1, 40, 3, 64, 64) * 2 - 1  # two clips + an 8-frame tail that is dropped
    assert len(video_clips(video, 16)) == 2
    losses = recipe.step({"video": video})
    assert {"d_video", "enc", "g"} <= set(losses) and all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    assert model.encoder.state is None
