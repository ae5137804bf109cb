"""Load, validate and expand the workflow configuration (`config.yaml` + optional override files).

The config says *what* to run. This module turns it into the things rules need: one resolved run config per
experiment (named base chain + dotted `set` overrides + `size_overrides`), the cells of every table, and the set
of metrics each (experiment, sampler, epoch) must be evaluated on. It is imported by `workflow/rules/common.smk`
and must stay free of heavy imports (no torch).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"
LABEL_METRIC = re.compile(r"^vis(?:_hy|_hyx)?_(action|actor)$")
SECTIONS = ("data", "model", "train", "recall", "lencgan")


def use_running_interpreter() -> None:
    """Put the interpreter running Snakemake (its venv) first on PATH, so that rules' `python -m longvid` is this
    package; a rule's conda environment (`--sdm conda`) still puts its own interpreter before it."""
    import os
    import sys

    os.environ["PATH"] = f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}"


class ConfigError(ValueError):
    """A config value is wrong; the message names the key and the file."""


def merge(base: dict, override: dict) -> dict:
    """Recursive dict update (the rule Snakemake applies to --configfile), returning a new dict."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load(*paths: str | Path) -> dict:
    """Read and merge YAML files left to right, then validate."""
    cfg: dict = {}
    for path in paths:
        with open(path) as fh:
            cfg = merge(cfg, yaml.safe_load(fh) or {})
    validate(cfg, source=" + ".join(str(p) for p in paths))
    return cfg


def validate(cfg: dict, source: str = "config") -> dict:
    """Check `cfg` against the JSON schema and the cross-references between its sections."""
    import jsonschema

    schema = yaml.safe_load(SCHEMA.read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(cfg), key=lambda e: list(e.path))
    if errors:
        lines = [f"  {'.'.join(map(str, e.path)) or '<top>'}: {e.message}" for e in errors[:10]]
        raise ConfigError(f"{source}: invalid configuration (schema {SCHEMA.name}):\n" + "\n".join(lines))
    for name in cfg["experiments"]:
        run = resolve_experiment(cfg, name)
        dataset, res = run["data"].get("dataset"), run["data"].get("resolution")
        if dataset not in cfg["datasets"]:
            raise ConfigError(f"{source}: experiments.{name}: data.dataset {dataset!r} is not under datasets")
        if res not in cfg["datasets"][dataset]["resolutions"]:
            raise ConfigError(f"{source}: experiments.{name}: resolution {res} not in datasets.{dataset}.resolutions")
    for table in cfg["tables"]:
        if cfg["tables"][table]["kind"] == "metrics":
            for cell in table_cells(cfg, table):
                _check_cell(cfg, f"tables.{table}", cell, source)
    for fig, spec in cfg["figures"].items():
        for exp, sampler in figure_panels(spec):
            if exp not in cfg["experiments"] or sampler not in cfg["samplers"]:
                raise ConfigError(f"{source}: figures.{fig}: unknown panel {exp}:{sampler}")
    for name, group in cfg["ablations"].items():
        for key in ("tables", "figures"):
            for item in group.get(key, []):
                if item not in cfg[key]:
                    raise ConfigError(f"{source}: ablations.{name}.{key}: {item!r} is not declared under {key}")
    return cfg


def _check_cell(cfg: dict, where: str, cell: "Cell", source: str) -> None:
    if cell.experiment not in cfg["experiments"]:
        raise ConfigError(f"{source}: {where}: cell {cell.row}/{cell.column} names unknown experiment {cell.experiment!r}")
    if cell.sampler not in cfg["samplers"]:
        raise ConfigError(f"{source}: {where}: cell {cell.row}/{cell.column} names unknown sampler {cell.sampler!r}")


def set_dotted(tree: dict, key: str, value: Any) -> None:
    """`set_dotted(d, "train.lr", 1e-4)` sets d["train"]["lr"]."""
    *parents, leaf = key.split(".")
    node = tree
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = copy.deepcopy(value)


def resolve_experiment(cfg: dict, name: str, _seen: tuple[str, ...] = ()) -> dict:
    """The run config of one experiment: defaults <- base chain <- own `set` <- size_overrides."""
    if name not in cfg["experiments"]:
        raise ConfigError(f"unknown experiment {name!r} (known: {', '.join(sorted(cfg['experiments']))})")
    if name in _seen:
        raise ConfigError(f"experiments: base cycle {' -> '.join(_seen + (name,))}")
    spec = cfg["experiments"][name]
    if "base" in spec:
        run = resolve_experiment(cfg, spec["base"], _seen + (name,))
    else:
        defaults = cfg.get("defaults", {})
        run = {"family": defaults.get("family", "encgan3")}
        for section in SECTIONS:
            run[section] = copy.deepcopy(defaults.get(section, {}))
    if "family" in spec:
        run["family"] = spec["family"]
    for key, value in spec.get("set", {}).items():
        set_dotted(run, key, value)
    if _seen:  # a base: size overrides and identity are applied once, by the outermost call
        return run
    for key, value in (cfg.get("size_overrides") or {}).items():
        set_dotted(run, key, value)
    dataset = cfg["datasets"].get(run["data"].get("dataset"), {})
    run["data"].setdefault("steps", dataset.get("steps", [1, 3]))
    for section in ("recall", "lencgan"):  # family options: present only where a family uses them
        if not run.get(section):
            run.pop(section, None)
    return {"experiment": name, "run_type": cfg["run_type"], "seed": cfg["seed"], **run}


@dataclass(frozen=True)
class Cell:
    """One reproduced number: where it goes in the thesis table and what produces it."""

    table: str  # e.g. table_3_2
    row: str  # thesis row key
    column: str  # thesis column key
    experiment: str = ""
    sampler: str = ""
    metric: str = ""
    epoch: str = "final"


def table_cells(cfg: dict, table: str) -> list[Cell]:
    """Expand the row x column grid of a table; `{dataset}` / `{label}` in values are filled from the cell."""
    spec = cfg["tables"][table]
    cells = []
    for row in spec["rows"]:
        for col in spec["columns"]:
            merged = {**{k: v for k, v in row.items() if k != "thesis"}, **{k: v for k, v in col.items() if k != "thesis"}}
            fields = {k: str(v) for k, v in merged.items()}
            filled = {k: v.format(**fields) if isinstance(v, str) else v for k, v in fields.items()}
            cells.append(
                Cell(
                    table=table,
                    row=row["thesis"],
                    column=col["thesis"],
                    experiment=filled.get("experiment", ""),
                    sampler=filled.get("sampler", ""),
                    metric=filled.get("metric", ""),
                    epoch=str(filled.get("epoch", "final")),
                )
            )
    return cells


def figure_panels(spec: dict) -> list[tuple[str, str]]:
    """(experiment, sampler) pairs of a frames figure."""
    out = []
    for panel in spec.get("panels", []):
        exp, _, sampler = panel.partition(":")
        out.append((exp, sampler or spec.get("sampler", "latent")))
    return out


def evaluations(cfg: dict, tables: list[str] | None = None) -> dict[tuple[str, str, str], list[str]]:
    """Metrics needed per (experiment, sampler, epoch) by the metric tables named (default: all)."""
    needed: dict[tuple[str, str, str], set[str]] = {}
    for table in tables if tables is not None else list(cfg["tables"]):
        if cfg["tables"][table]["kind"] != "metrics":
            continue
        for cell in table_cells(cfg, table):
            needed.setdefault((cell.experiment, cell.sampler, cell.epoch), set()).add(cell.metric)
    if tables is None:  # FVD along long videos (Fig. 4.9) is a figure of metric files
        for spec in cfg["figures"].values():
            if spec["kind"] == "along":
                for exp, sampler in figure_panels(spec):
                    needed.setdefault((exp, sampler, "final"), set()).add("fvd_along_16f")
    return {key: sorted(metrics) for key, metrics in sorted(needed.items())}


def classifier_labels(metrics: list[str]) -> list[str]:
    """The IS classifier label types (`action`, `actor`) a list of metric names needs."""
    labels = {m.group(1) for m in map(LABEL_METRIC.match, metrics) if m}
    return sorted(labels)


# --- CLI -----------------------------------------------------------------------------------------------------


def register(sub) -> None:
    p = sub.add_parser("resolve", help="write the resolved run config of one experiment (model preset expanded)")
    p.add_argument("--run-json", required=True, help="the experiment's run config as JSON (from common.smk)")
    p.add_argument("--out", required=True, type=Path, help="results/runs/<experiment>/config.yaml")
    p.set_defaults(func=_cmd_resolve)
    p = sub.add_parser("check-config", help="validate config files (merged left to right) and list experiments")
    p.add_argument("configs", nargs="+", type=Path)
    p.set_defaults(func=_cmd_check)


def expand_model(run: dict) -> dict:
    """Replace `model: {preset, **overrides}` by the full ModelConfig fields; the preset name moves to the top."""
    from longvid.models import VARIANTS

    model = dict(run.get("model", {}))
    preset = model.pop("preset", None)
    if preset not in VARIANTS:
        raise ConfigError(f"experiment {run.get('experiment')}: model.preset {preset!r} is not one of {sorted(VARIANTS)}")
    fields = VARIANTS[preset].to_dict() | model
    if fields["resolution"] != run["data"]["resolution"]:
        raise ConfigError(
            f"experiment {run.get('experiment')}: model preset {preset} is {fields['resolution']}px"
            f" but data.resolution is {run['data']['resolution']}; set model.preset to a {run['data']['resolution']}px preset"
        )
    fields["frames"] = run["data"].get("length", fields["frames"])
    return {**run, "model_preset": preset, "model": fields}


def _cmd_resolve(args) -> int:
    from longvid.fsutil import atomic_write_text

    run = expand_model(json.loads(args.run_json))
    atomic_write_text(args.out, yaml.safe_dump(run, sort_keys=False))
    return 0


def _cmd_check(args) -> int:
    cfg = load(*args.configs)
    for name in cfg["experiments"]:
        run = resolve_experiment(cfg, name)
        print(f"{name}: {run['family']} {run['data']['dataset']} {run['data']['resolution']}px")
    return 0
