"""`longvid.families`: the registry drives recipes, sections and model arguments; models rebuild from them."""

from __future__ import annotations

import pytest

from longvid import families
from longvid.models import ModelConfig

TINY = {"g_ch": 4, "d_ch": 4, "e_ch": 4, "e_fc": 16, "dim_zc": 8, "fsa_after": 3}


def run(family: str, **extra) -> dict:
    base = {"family": family, "data": {"dataset": "taichi", "resolution": 64, "length": 16},
            "model": {"preset": "r2_64" if family in ("recall", "r3") else "encgan3_64", **TINY}}
    return base | extra


def test_registry_drives_recipes_and_sections():
    from longvid.recipes import RECIPES

    assert list(RECIPES) == list(families.FAMILIES)
    assert RECIPES["recall"].__name__ == "RecallRecipe" and RECIPES["g3an"] is RECIPES["encgan3"]
    assert families.sections() == ("recall", "lencgan", "gpt")
    assert families.get("r3").extra == ("recall",) and families.section_config("recall").__name__ == "RecallConfig"
    with pytest.raises(ValueError, match="family: is not a model family"):
        families.get("nosuch")


def test_model_args_use_the_clip_not_the_training_window():
    recall = families.model_args(run("recall", data={"dataset": "taichi", "resolution": 64, "length": 24}))
    assert recall["family"] == "recall" and recall["model"]["frames"] == 16 and recall["recall"]["clip"] == 16
    lencgan = families.model_args(run("lencgan", data={"length": 96}, lencgan={"inherit": "cell"}))
    assert lencgan["model"]["frames"] == 16 and lencgan["lencgan"]["inherit"] == "cell"
    assert families.model_args(run("encgan3", data={"length": 32}))["model"]["frames"] == 32
    assert ModelConfig(**{**recall["model"], "g_mults": None}).content_index == 8  # plain, complete fields


@pytest.mark.parametrize("family", ["encgan3", "recall", "lencgan", "r3"])
def test_build_model_from_model_args(family):
    import torch

    extra = {}
    if family == "r3":
        extra = {"gpt": {"n_layer": 1, "n_head": 4, "max_frames": 64}, "recall": {"latent": "mean"}}
    args = families.model_args(run(family, **extra))
    torch.manual_seed(0)
    a = families.build_model(args)
    torch.manual_seed(0)
    b = families.recipe(family).build_model(run(family, **extra))  # the recipe's own construction: the same network
    assert type(a) is type(b)
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)
    if family in ("recall", "r3"):
        assert a.recall_cfg == b.recall_cfg
    if family == "r3":  # the frozen R2's own block travels beside the GPT's
        assert args["recall"]["latent"] == "mean" and a.gcfg.n_layer == 1 and a.gpt.latent == 2 * (8 + 10)


def test_model_args_of_every_configured_experiment():
    """The same arguments from the workflow's run config and from the resolved one `longvid resolve` writes."""
    from pathlib import Path

    from longvid import config as lvconfig

    cfg = lvconfig.load(Path(__file__).resolve().parents[1] / "config.yaml")
    for name in cfg["experiments"]:
        run = lvconfig.resolve_experiment(cfg, name)
        args = families.model_args(run)
        assert families.model_args(lvconfig.expand_model(run)) == args, name
        clip = run["data"]["length"] if families.FAMILIES[run["family"]].clip == "data.length" else 16  # recall.clip
        assert args["model"]["frames"] == clip, name
