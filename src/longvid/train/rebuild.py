"""Self-describing checkpoints: the arguments a model is built from, and the model rebuilt from them.

``model_args(family, model)`` asks the built model what it is: ``{"family", "model": ModelConfig fields}`` plus
the family's own sections (``recall:`` from ``model.recall_cfg``, ``lencgan:`` from ``model.lcfg``, ``gpt:`` from
``model.gcfg``; R3 has both ``recall:`` and ``gpt:``). These are the
arguments actually used, e.g. ``model.frames`` = the 16-frame clip of a recall or LEncGAN model, not the 24- or
96-frame training window of its run config. ``rebuild_model(ckpt)`` builds the model from them, loads the
weights and switches to eval mode, without any recipe or run-config logic (samplers, benchmarks, hooks).

Models are built through the family registry (``longvid.families.build_model``). Checkpoints written before
``model_args`` existed are refused with a message saying so.
"""

from __future__ import annotations

import dataclasses

SECTIONS = {"recall": "recall_cfg", "lencgan": "lcfg", "gpt": "gcfg"}  # run-config section -> model attribute


def model_args(family: str, model) -> dict | None:
    """What ``model`` is built from, read from the model itself; None for a model outside the family registry."""
    from longvid.families import FAMILIES

    cfg = getattr(model, "cfg", None)
    if family not in FAMILIES or cfg is None:
        return None
    args = {"family": family, "model": cfg.to_dict()}
    for section, attr in SECTIONS.items():
        if getattr(model, attr, None) is not None:
            args[section] = dataclasses.asdict(getattr(model, attr))
    return args


def rebuild_model(ckpt: dict, source: str = "checkpoint"):
    """The checkpoint's model (built on the CPU) with its weights, in eval mode; move it with ``.to(device)``."""
    args = ckpt.get("model_args")
    if args is None:
        raise ValueError(f"{source}: checkpoint has no model_args (written before checkpoints described their "
                         "model, or by a test recipe); retrain the run with this version of longvid")
    from longvid.families import build_model

    model = build_model(args, source=f"{source} model_args")
    model.load_state_dict(ckpt["model"])
    return model.eval()
