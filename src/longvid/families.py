"""The model-family registry: one `Family` per value of a run config's `family` (docs/contracts.md).

An entry names everything the rest of the package needs to know about a family: its training recipe and its
model builder (import paths, resolved on use, so this module and `longvid.config` stay torch-free), the run-config
block holding its own options and that block's dataclass, and where its generated clip length comes from.
`RECIPES`, the config schema's `family` enum, the run-config sections (`longvid.config.SECTIONS`) and the
workflow's checks all derive from `FAMILIES`; adding a family is one module plus one entry here. A family whose
model holds another family's model also reads that family's block (`extra`: R3 holds a frozen R2, so `r3` reads
`recall:` beside its own `gpt:`). (Parameter rows
such as Table 5.3's are a `params` table in config.yaml: a model preset and the parts each row sums.)

`model_args(run_cfg)` gives the exact arguments a model is built from (what a checkpoint stores) and
`build_model(model_args)` rebuilds the model from them without any recipe logic (nanoGPT's `model_args`).
"""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass

from longvid.models.sections import GPTConfig, LEncGANConfig, RecallConfig


@dataclass(frozen=True)
class Family:
    recipe: str  # "module:Class" of the training recipe (longvid.recipes.base.Recipe interface)
    builder: str  # "module:function": builder(ModelConfig) or builder(ModelConfig, section config) -> nn.Module
    section: str | None = None  # the run-config block of the family's own options (None: the family has none)
    config: type | None = None  # that block's frozen dataclass (loaded by longvid.runconfig.load_section)
    clip: str = "data.length"  # frames of one generated clip: "data.length" or "<section>.clip"
    extra: tuple[str, ...] = ()  # other families' blocks the model also reads, passed to the builder by name


FAMILIES: dict[str, Family] = {
    "encgan3": Family("longvid.recipes.encgan3:EncGAN3Recipe", "longvid.models.model:build_model"),  # Ch. 3
    "g3an": Family("longvid.recipes.encgan3:EncGAN3Recipe", "longvid.models.model:build_model"),  # no encoder
    "recall": Family("longvid.recipes.recall:RecallRecipe", "longvid.models.recall:RecallModel", "recall",
                     RecallConfig, "recall.clip"),  # REncGAN / R2 and improved R2, Sec. 4.4, 5.2.1
    "lencgan": Family("longvid.recipes.lencgan:LEncGANRecipe", "longvid.models.lencoder:build_lencgan", "lencgan",
                      LEncGANConfig, "lencgan.clip"),  # LEncGAN, Sec. 4.2
    "ar2": Family("longvid.recipes.ar2:AR2Recipe", "longvid.recipes.ar2:build_ar2", "recall", RecallConfig,
                  "recall.clip"),  # AR2, Sec. 5.3: R2's `recall:` block (RecallConfig), one loss (Eq. 5.1)
    "r3": Family("longvid.recipes.gpt:GPTRecipe", "longvid.models.r3:build_r3", "gpt", GPTConfig, "gpt.clip",
                 ("recall",)),  # R3, Sec. 5.4: GPT (`gpt:`) over the latents of a frozen R2 (`model:` + `recall:`)
}


def get(name, source: str = "run config") -> Family:
    """The registry entry of family `name`; an unknown name raises naming the known ones."""
    from longvid.runconfig import RunConfigError

    if name not in FAMILIES:
        raise RunConfigError("family", name, "is not a model family", f"choose one of {', '.join(FAMILIES)}", source)
    return FAMILIES[name]


def sections() -> tuple[str, ...]:
    """The family blocks a run config may hold, in registry order (`recall`, `lencgan`)."""
    return tuple(dict.fromkeys(f.section for f in FAMILIES.values() if f.section))


def section_config(section: str) -> type:
    """The dataclass of run-config block `section` (from the family that owns it)."""
    return next(f.config for f in FAMILIES.values() if f.section == section)


def resolve(path: str):
    """The object at "module:attribute" (imports the module)."""
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def recipe(name: str):
    """The recipe class of family `name`."""
    return resolve(get(name).recipe)


def model_args(run_cfg: dict, source: str = "run config") -> dict:
    """The exact arguments of the run's model: {"family", "model": ModelConfig fields with frames = the generated
    clip (not the training window), <section>: the family block's fields}. Plain data, what a checkpoint stores."""
    from longvid.models.config import model_config
    from longvid.runconfig import load_section

    fam = get(run_cfg.get("family"), source)
    args = {"family": run_cfg["family"]}
    section = load_section(fam.config, run_cfg.get(fam.section), section=fam.section, source=source) \
        if fam.section else None
    if fam.clip == "data.length":
        frames = int((run_cfg.get("data") or {}).get("length", 16))
    else:
        frames = getattr(section, fam.clip.split(".", 1)[1])
    args["model"] = model_config(run_cfg.get("model"), source=source).replace(frames=frames).to_dict()
    if section is not None:
        args[fam.section] = _plain(dataclasses.asdict(section))
    for name in fam.extra:
        extra = load_section(section_config(name), run_cfg.get(name), section=name, source=source)
        args[name] = _plain(dataclasses.asdict(extra))
    return args


def build_model(args: dict, source: str = "model_args"):
    """Rebuild a model from `model_args(...)` (e.g. a checkpoint's `model_args`); torch is imported here."""
    from longvid.models.config import ModelConfig
    from longvid.runconfig import load_section

    fam = get(args.get("family"), source)
    cfg = load_section(ModelConfig, args.get("model"), section="model", source=source)
    builder = resolve(fam.builder)
    if fam.section is None:
        return builder(cfg)
    extra = {name: load_section(section_config(name), args.get(name), section=name, source=source)
             for name in fam.extra}
    return builder(cfg, load_section(fam.config, args.get(fam.section), section=fam.section, source=source), **extra)


def _plain(value):
    """Tuples -> lists, recursively (YAML / torch.save friendly)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
