"""Training recipes, one per model family: a recipe owns the model, its optimisers, losses and step order.

``RECIPES`` maps the run config's ``family`` to a recipe class with the interface of
``longvid.recipes.base.Recipe``: ``build_model(run_cfg) -> nn.Module`` (classmethod), ``__init__(model, train_cfg,
ctx)``, ``step(batch) -> dict[str, float]`` (one iteration: every optimiser step of Alg. 1), ``state_dict()`` /
``load_state_dict()`` (optimiser states). G3AN is the EncGAN3 recipe with ``model.use_encoder: false``.
"""

from __future__ import annotations

from longvid.recipes.encgan3 import EncGAN3Recipe
from longvid.recipes import lencgan, recall  # Ch. 4 families

RECIPES = {
    "encgan3": EncGAN3Recipe,  # EncGAN3 (Ch. 3) and G3AN (no encoder)
    "g3an": EncGAN3Recipe,  # alias: the same recipe; the model config must have no encoder
    "recall": recall.RecallRecipe, "lencgan": lencgan.LEncGANRecipe,  # REncGAN/R2 (recall.loss v1-v4), LEncGAN
}
