"""A few REncGAN training steps (loss v4, Eq. 4.4; and loss v1) reduce the reconstruction error on a fixed batch."""

from __future__ import annotations

import pytest
import torch

from longvid.models.recall import split_window
from longvid.recipes.recall import RecallRecipe
from longvid.train.config import TrainConfig
from longvid.train.distributed import Context

from recall_helpers import run_config


def recon_error(model, window) -> float:
    """Mean |x − x̂| of both clips of the pair, codes = posterior means (deterministic given the weights)."""
    x1, x2 = split_window(window, model.recall_cfg)
    x = torch.cat([x1, x2])
    with torch.no_grad():
        mu_c, _, mu_m, _ = model.encode(x)  # content frame: the model's reference x_r (x_0 without R_Enc)
        return (model.generate(mu_c, mu_m) - x).abs().mean().item()


def smooth_window(b: int = 2) -> torch.Tensor:
    """A fixed batch of 24-frame windows: a bright square moving right over a dark background."""
    video = torch.full((b, 24, 3, 64, 64), -0.8)
    for t in range(24):
        video[:, t, :, 20:36, 4 + t : 20 + t] = 0.6
    return video


@pytest.mark.parametrize("recall", [{"loss": "v4"}, {"loss": "v1"}, {"loss": "v4", "r_enc": False, "r3vd": False}])
def test_steps_reduce_reconstruction(recall):
    torch.manual_seed(0)
    run = run_config("recall", recall=recall)
    if not recall.get("r_enc", True):
        run["model"]["content_index"] = 0
    model = RecallRecipe.build_model(run).train()
    recipe = RecallRecipe(model, TrainConfig(batch_size=2, lr=1e-3), Context(device=torch.device("cpu")))
    window = smooth_window()
    before = recon_error(model, window)
    for _ in range(6):
        losses = recipe.step({"video": window})
    after = recon_error(model, window)
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    assert after < 0.8 * before, (before, after)
