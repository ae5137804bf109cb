"""Training recipes, one per model family: a recipe owns the model, its optimisers, losses and step order.

``RECIPES`` maps the run config's ``family`` to a recipe class with the interface of
``longvid.recipes.base.Recipe``: ``build_model(run_cfg) -> nn.Module`` (classmethod), ``__init__(model, train_cfg,
ctx)``, ``step(batch) -> dict[str, float]`` (one iteration: every optimiser step of Alg. 1), ``state_dict()`` /
``load_state_dict()`` (optimiser states). It is built from the family registry ``longvid.families.FAMILIES`` on
first use. G3AN is the EncGAN3 recipe with ``model.use_encoder: false``.
"""

from __future__ import annotations


def __getattr__(name: str):
    if name == "RECIPES":
        from longvid.families import FAMILIES, resolve

        return {family: resolve(entry.recipe) for family, entry in FAMILIES.items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
