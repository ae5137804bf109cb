"""The whole-run check: every section of a resolved run config built and validated (docs/contracts.md).

`longvid.config.validate` calls `check_run` for every experiment when the workflow is parsed, so a bad value
fails at `snakemake -n`, naming the experiment, the dotted key and the file that set it. The sections are loaded
by the one strict loader, `longvid.runconfig.load_section`; the family's own section comes from the family
registry. Torch-free.
"""

from __future__ import annotations

from longvid.runconfig import RUN_KEYS, RunConfigError, load_section


def check_run(run: dict, *, source: str = "run config", datasets: dict | None = None) -> dict:
    """Build every section of a resolved run config; returns {"data", "model", "train", family section: object}.

    `datasets` (the workflow's `datasets:` block) adds the checks that the dataset and resolution are declared.
    """
    from longvid import families
    from longvid.data.config import DataConfig
    from longvid.models.config import model_config
    from longvid.train.config import TrainConfig

    family = families.get(run.get("family"), source)
    allowed = set(RUN_KEYS) | ({family.section, *family.extra} - {None})
    stray = sorted(set(run) - allowed)
    if stray:
        owners = {f.section: n for n, f in families.FAMILIES.items() if f.section}
        fix = (f"{stray[0]}: belongs to family {owners[stray[0]]}" if stray[0] in owners
               else f"top-level keys are {', '.join(sorted(allowed))}")
        raise RunConfigError(stray[0], run[stray[0]], f"is not a section of family {run.get('family')}", fix, source)
    data = load_section(DataConfig, run.get("data"), section="data", source=source)
    if datasets is not None:
        _check_declared(data, datasets, source)
    out = {"data": data, "model": model_config(run.get("model"), source=source, require_preset=datasets is not None)}
    if out["model"].resolution != data.resolution:
        raise RunConfigError("model.preset", (run.get("model") or {}).get("preset"),
                             f"builds {out['model'].resolution}px frames but data.resolution is {data.resolution}",
                             f"use a {data.resolution}px preset", source)
    out["train"] = TrainConfig.from_dict(run.get("train"), source)
    _check_hooks(out["train"], source)
    if family.section:
        out[family.section] = load_section(family.config, run.get(family.section), section=family.section,
                                           source=source)
    for name in family.extra:
        out[name] = load_section(families.section_config(name), run.get(name), section=name, source=source)
    for name, block in list(out.items()):  # a family block that depends on the model (gpt: the R2's latent size)
        problem = block.check_model(out["model"]) if hasattr(block, "check_model") else None
        if problem:
            key, what, fix = problem
            raise RunConfigError(f"{name}.{key}", getattr(block, key), what, fix, source)
    return out


def _check_declared(data, datasets: dict, source: str) -> None:
    if data.dataset not in datasets:
        raise RunConfigError("data.dataset", data.dataset, "is not declared under datasets",
                             f"choose one of {', '.join(datasets)}", source)
    allowed = datasets[data.dataset]["resolutions"]
    if data.resolution not in allowed:
        raise RunConfigError("data.resolution", data.resolution, f"is not in datasets.{data.dataset}.resolutions",
                             f"choose one of {allowed}", source)


def _check_hooks(tcfg, source: str) -> None:
    from longvid.train.config import split_hook
    from longvid.train.hooks import EVAL_HOOKS

    for entry in tcfg.eval_hooks:
        try:
            name = split_hook(entry)[0]
        except ValueError:
            name = None  # a malformed @N
        if name not in EVAL_HOOKS:
            raise RunConfigError("train.eval_hooks", entry, "is not a hook name or name@EPOCHS",
                                 f"choose from {', '.join(sorted(EVAL_HOOKS))}, e.g. fvd_16f@10", source)
