"""Experiments of the workflow config: `foreach` templates expanded, then each resolved into its run config.

An experiment is a named `base` (another experiment) plus dotted-key overrides. `set` is inherited by the
experiments built on this one; `own` is not (e.g. the metric hooks of the Fig. 3.2 curve runs, which their
ablations do not log). An entry with `foreach: {var: [values], ...}` is a template: it stands for one experiment
per combination of the values, with `{var}` filled in its name, `base` and values (a value that is exactly
`"{var}"` takes the variable's value as it is, e.g. a number). An entry whose name a template also produces
refines that experiment: its keys are merged on top (so `encgan3_uva_64: {set: {data.label: actor}}` next to the
template `encgan3_{dataset}_64`, or an override file that sets `experiments.encgan3_uva_64.set.train.epochs`).

Resolution: defaults <- base chain (`set`) <- own `set` <- `own` <- `size_overrides` (those of the blocks the run's
family reads). Alongside the run config,
`resolve` can record for each dotted key the config path that set it, which `longvid.config` maps to a file.
"""

from __future__ import annotations

import copy
import itertools
import re
from typing import Any

from longvid import families

TEMPLATE_VAR = re.compile(r"\{([a-z0-9_]+)\}")
NAME = re.compile(r"[a-z0-9_]+")


class ExperimentError(ValueError):
    """A wrong experiment declaration (unknown base, cycle, template variable)."""


def merge(base: dict, override: dict) -> dict:
    """Recursive dict update (the rule Snakemake applies to --configfile), returning a new dict."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _fill(value, variables: dict, where: str):
    """`{var}` filled in strings (recursively in lists and dicts); a string that is exactly `{var}` keeps its type."""
    if isinstance(value, dict):
        return {k: _fill(v, variables, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, variables, where) for v in value]
    if not isinstance(value, str):
        return value
    for name in TEMPLATE_VAR.findall(value):
        if name not in variables:
            raise ExperimentError(f"{where}: {{{name}}} is not a foreach variable ({', '.join(variables)})")
    whole = TEMPLATE_VAR.fullmatch(value)
    if whole:
        return copy.deepcopy(variables[whole.group(1)])
    return TEMPLATE_VAR.sub(lambda m: str(variables[m.group(1)]), value)


def _instances(template: str, spec: dict) -> list[tuple[str, dict]]:
    names = list(spec["foreach"])
    body = {k: v for k, v in spec.items() if k != "foreach"}
    out = []
    for combo in itertools.product(*(spec["foreach"][n] for n in names)):
        variables = dict(zip(names, combo))
        where = f"experiments.{template}"
        out.append((_fill(template, variables, where), _fill(body, variables, where)))
    return out


def expand(experiments: dict) -> tuple[dict, dict]:
    """(experiments with templates expanded and refinements merged, origin): origin maps (experiment, part,
    key) of every expanded value (part: set, own, base, family) to the name of the config entry that wrote it."""
    made: dict[str, tuple[str, dict]] = {}
    for raw, spec in experiments.items():
        for name, body in _instances(raw, spec) if "foreach" in spec else []:
            if not NAME.fullmatch(name):
                raise ExperimentError(f"experiments.{raw}: expands to the name {name!r}; names are [a-z0-9_]+")
            if name in made:
                raise ExperimentError(f"experiments: {name} is produced by both {made[name][0]} and {raw}")
            made[name] = (raw, body)
    out, origin = {}, {}
    for raw, spec in experiments.items():
        if "foreach" in spec:
            for name, (source, body) in made.items():
                if source == raw:
                    out[name] = merge(body, experiments.get(name, {}))
                    _record(origin, name, body, raw)
                    _record(origin, name, experiments.get(name, {}), name)
        elif raw not in made:
            if not NAME.fullmatch(raw):
                raise ExperimentError(f"experiments: {raw} has a {{var}} but no foreach, or characters outside a-z0-9_")
            out[raw] = copy.deepcopy(spec)
            _record(origin, raw, spec, raw)
    return out, origin


def _record(origin: dict, name: str, spec: dict, raw: str) -> None:
    for part, value in spec.items():
        if isinstance(value, dict):
            for key in value:
                origin[(name, part, key)] = raw
        else:
            origin[(name, part, None)] = raw


def set_dotted(tree: dict, key: str, value: Any) -> None:
    """`set_dotted(d, "train.lr", 1e-4)` sets d["train"]["lr"]."""
    *parents, leaf = key.split(".")
    node = tree
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = copy.deepcopy(value)


def sections() -> tuple[str, ...]:
    """Blocks of a run config: data, model, train and every family's own block."""
    return ("data", "model", "train", *families.sections())


def resolve(cfg: dict, name: str, trace: dict | None = None) -> dict:
    """The run config of experiment `name` of an expanded config; `trace` (if given) receives, for each dotted
    key, the config path (tuple) that set it."""
    trace = {} if trace is None else trace
    run = _chain(cfg, name, (), trace)
    _apply(run, cfg["experiments"][name].get("own", {}), ("experiments", name, "own"), trace)
    _apply(run, _sizes_for(run, cfg.get("size_overrides") or {}), ("size_overrides",), trace)
    dataset = cfg["datasets"].get(run["data"].get("dataset"), {})
    if "steps" not in run["data"]:
        run["data"]["steps"] = dataset.get("steps", [1, 3])
        trace["data.steps"] = ("datasets", run["data"].get("dataset"), "steps")
    for section in families.sections():  # family options: present only where a family uses them
        if not run.get(section):
            run.pop(section, None)
    trace.update({"experiment": ("experiments", name), "run_type": ("run_type",), "seed": ("seed",)})
    return {"experiment": name, "run_type": cfg["run_type"], "seed": cfg["seed"], **run}


def family_of(cfg: dict, name: str) -> str:
    """The family of experiment `name` of an expanded config (its own, else its base chain's, else the default)."""
    spec = cfg["experiments"][name]
    if "family" in spec:
        return spec["family"]
    if "base" in spec:
        return family_of(cfg, spec["base"])
    return cfg.get("defaults", {}).get("family", "encgan3")


def upstream(cfg: dict, name: str) -> str | None:
    """The experiment a run extends: the nearest experiment of its base chain whose family differs from its own
    (R3: the improved R2 it freezes, whose checkpoint and latent sequences it trains from); None without one."""
    own, spec = family_of(cfg, name), cfg["experiments"][name]
    while "base" in spec:
        if family_of(cfg, spec["base"]) != own:
            return spec["base"]
        spec = cfg["experiments"][spec["base"]]
    return None


def _sizes_for(run: dict, overrides: dict) -> dict:
    """The size overrides of the blocks a run's family reads: data, model, train, its own and its extra blocks (a
    `gpt.*` size shrinks the R3 runs and gives no other run a `gpt:` block)."""
    fam = families.FAMILIES.get(run.get("family"))
    if fam is None:  # an unknown family: check_run names it
        return overrides
    used = {"data", "model", "train", fam.section, *fam.extra} - {None}
    return {key: value for key, value in overrides.items() if key.split(".")[0] in used}


def _chain(cfg: dict, name: str, seen: tuple[str, ...], trace: dict) -> dict:
    if name not in cfg["experiments"]:
        where = f" (base of {seen[-1]})" if seen else ""
        raise ExperimentError(f"unknown experiment {name!r}{where}; known: {', '.join(sorted(cfg['experiments']))}")
    if name in seen:
        raise ExperimentError(f"experiments: base cycle {' -> '.join(seen + (name,))}")
    spec = cfg["experiments"][name]
    if "base" in spec:
        run = _chain(cfg, spec["base"], seen + (name,), trace)
    else:
        defaults = cfg.get("defaults", {})
        run = {"family": defaults.get("family", "encgan3")}
        trace["family"] = ("defaults", "family")
        for section in sections():
            run[section] = copy.deepcopy(defaults.get(section, {}))
            trace.update({f"{section}.{k}": ("defaults", section, k) for k in run[section]})
    if "family" in spec:
        run["family"] = spec["family"]
        trace["family"] = ("experiments", name, "family")
    _apply(run, spec.get("set", {}), ("experiments", name, "set"), trace)
    return run


def _apply(run: dict, overrides: dict, path: tuple, trace: dict) -> None:
    for key, value in overrides.items():
        set_dotted(run, key, value)
        trace[key] = (*path, key)
