"""Load, validate and expand the workflow configuration (`config.yaml` + optional override files).

The config says *what* to run. This module turns it into the things rules need: one resolved run config per
experiment (`longvid.experiments`: `foreach` templates, base chain, dotted overrides, `size_overrides`), the cells
of every table, and the set of metrics each (experiment, sampler, epoch) must be evaluated on. `validate` checks
the schema (whose family enum and section names come from `longvid.families`), then builds every experiment's run
config with `longvid.runconfig` (types, ranges, unknown keys, presets), naming the experiment, the key and the file
that set it. It is imported by `workflow/rules/common.smk` and must stay free of heavy imports (no torch).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from longvid import experiments, families
from longvid.experiments import ExperimentError, merge, set_dotted, upstream  # noqa: F401 (part of this module's API)
from longvid.runcheck import check_run
from longvid.runconfig import RunConfigError

SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"
LABEL_METRIC = re.compile(r"^vis(?:_hy|_hyx)?_(action|actor)$")
SECTIONS = experiments.sections()


def use_running_interpreter() -> None:
    """Put the interpreter running Snakemake (its venv) first on PATH, so that rules' `python -m longvid` is this
    package; a rule's conda environment (`--sdm conda`) still puts its own interpreter before it."""
    import os
    import sys

    os.environ["PATH"] = f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}"


class ConfigError(ValueError):
    """A config value is wrong; the message names the key and the file."""


def read_yaml(path: str | Path) -> dict:
    """A YAML (or JSON) file as a dict; libyaml's loader when present (the workflow reads config files each parse)."""
    with open(path) as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


def load(*paths: str | Path) -> dict:
    """Read and merge YAML files left to right, then validate; returns the expanded config."""
    cfg: dict = {}
    files = []
    for path in paths:
        raw = read_yaml(path)
        files.append((str(path), raw))
        cfg = merge(cfg, raw)
    return validate(cfg, source=" + ".join(str(p) for p in paths), files=files)


def snakemake_files(configfiles, overwrite_configfiles, cli_config) -> list[tuple[str, dict]]:
    """The config layers of a Snakemake run in merge order: the Snakefile's `configfile:`, each `--configfile`,
    then `--config KEY=VALUE` (from `workflow.configfiles`, `workflow.overwrite_configfiles` and
    `workflow.config_settings.config`)."""
    cli = [str(Path(p)) for p in overwrite_configfiles]
    own = [str(p) for p in configfiles if str(Path(p).absolute()) not in cli and str(p) not in cli]
    files = [(path, read_yaml(path)) for path in own + cli]
    if cli_config:
        files.append(("--config", dict(cli_config)))
    return files


class Origins:
    """Which file set each key of a merged config: the last layer that holds the key (or a non-dict above it)."""

    def __init__(self, files: list[tuple[str, dict]], default: str):
        self.default = default
        self.leaves: dict[tuple, str] = {}
        for label, tree in files:
            self._walk(label, tree, ())

    def _walk(self, label: str, node, path: tuple) -> None:
        if isinstance(node, dict) and node:
            for key, value in node.items():
                self._walk(label, value, (*path, key))
        else:
            self.leaves = {p: f for p, f in self.leaves.items() if p[: len(path)] != path}
            self.leaves[path] = label

    def file(self, path: tuple) -> str:
        """The file that set `path` (a tuple of keys), or of the last value set below it."""
        for n in range(len(path), 0, -1):
            if path[:n] in self.leaves:
                return self.leaves[path[:n]]
        below = [f for p, f in self.leaves.items() if p[: len(path)] == path]
        return below[-1] if below else self.default


def schema() -> dict:
    """The JSON schema with the registry's family names and run-config sections filled in."""
    spec = read_yaml(SCHEMA)
    spec["$defs"]["family"]["enum"] = list(families.FAMILIES)
    spec["$defs"]["dotted_key"]["pattern"] = rf"^({'|'.join(SECTIONS)})\.[a-z0-9_]+$"
    spec["$defs"]["defaults"]["properties"].update({s: {"$ref": "#/$defs/section"} for s in SECTIONS})
    return spec


def validate(cfg: dict, source: str = "config", files: list[tuple[str, dict]] | None = None) -> dict:
    """Check `cfg` against the schema, expand its experiments and build every run config fully; returns the
    expanded config. `files` (label, raw YAML) in merge order let errors name the file that set the bad key."""
    import jsonschema

    origins = Origins(files or [], source)
    errors = sorted(jsonschema.Draft202012Validator(schema()).iter_errors(cfg), key=lambda e: list(e.path))
    if errors:
        lines = [f"  {origins.file(tuple(e.path))}: {'.'.join(map(str, e.path)) or '<top>'}: {e.message}"
                 for e in errors[:10]]
        raise ConfigError(f"{source}: invalid configuration (schema {SCHEMA.name}):\n" + "\n".join(lines))
    try:
        expanded, origin = experiments.expand(cfg["experiments"])
    except ExperimentError as err:
        raise ConfigError(f"{source}: {err}") from None
    cfg = {**cfg, "experiments": expanded}
    _check_runs(cfg, origin, origins)
    _check_upstreams(cfg, origins)
    _check_references(cfg, source)
    return cfg


def recipe_inputs(family: str) -> tuple[str, ...]:
    """The named input files a family's recipe trains from beyond videos (`Recipe.inputs`; R3: latents, r2)."""
    return tuple(getattr(families.recipe(family), "inputs", ()))


def _check_upstreams(cfg: dict, origins: Origins) -> None:
    """A family whose recipe trains from another run's outputs (R3: an R2's checkpoint and latent sequences)
    extends that run: its base chain holds an experiment of another family (`experiments.upstream`)."""
    for name in cfg["experiments"]:
        family = experiments.family_of(cfg, name)
        if recipe_inputs(family) and experiments.upstream(cfg, name) is None:
            raise ConfigError(f"{origins.file(('experiments', name))}: experiment {name}: family {family} trains "
                              f"from the outputs of the run it extends ({', '.join(recipe_inputs(family))}); give it "
                              "a base of the family it builds on (R3: `base: improved_r2_<dataset>_128`)")


def _check_runs(cfg: dict, origin: dict, origins: Origins) -> None:
    """Build every experiment's run config; one line per distinct error, naming experiments, key and file."""
    found: dict[str, list[str]] = {}
    for name in cfg["experiments"]:
        trace: dict = {}
        try:
            check_run(experiments.resolve(cfg, name, trace), source=f"experiment {name}", datasets=cfg["datasets"])
        except ExperimentError as err:
            raise ConfigError(f"{origins.file(('experiments', name))}: experiment {name}: {err}") from None
        except RunConfigError as err:
            path = _raw_path(_key_path(trace, err.key), origin)
            found.setdefault(f"{origins.file(path)}: {err.detail('.'.join(map(str, path)))}", []).append(name)
    if found:
        lines = [f"  experiment {', '.join(names[:4])}{' (+%d more)' % (len(names) - 4) if len(names) > 4 else ''}"
                 f": {message}" for message, names in list(found.items())[:10]]
        raise ConfigError("invalid run config:\n" + "\n".join(lines))


def _key_path(trace: dict, key: str) -> tuple:
    """The config path that set dotted run-config `key` (or the last one set inside it)."""
    if key in trace:
        return trace[key]
    inside = [p for k, p in trace.items() if k.startswith(f"{key}.")]
    return inside[-1] if inside else ()


def _raw_path(path: tuple, origin: dict) -> tuple:
    """An expanded experiment's path mapped back to the config entry that wrote it (its foreach template)."""
    if len(path) >= 3 and path[0] == "experiments":
        key = path[3] if len(path) > 3 else None
        raw = origin.get((path[1], path[2], key), path[1])
        return ("experiments", raw, *path[2:])
    return path


def _check_references(cfg: dict, source: str) -> None:
    """Tables, figures and ablations name declared experiments, samplers, tables and figures."""
    for table in cfg["tables"]:
        if cfg["tables"][table]["kind"] == "metrics":
            for cell in table_cells(cfg, table):
                _check_cell(cfg, f"tables.{table}", cell, source)
    for fig, spec in cfg["figures"].items():
        for exp, sampler in figure_panels(spec):
            if exp not in cfg["experiments"] or sampler not in cfg["samplers"]:
                raise ConfigError(f"{source}: figures.{fig}: unknown panel {exp}:{sampler}")
            for epoch in figure_epochs(spec):
                _check_kept(cfg, f"figures.{fig}", exp, epoch, source)
        for crop in spec.get("crops", []):  # Fig. 3.5: a crop enlarges part of one of the figure's panels
            if crop["panel"] not in [exp for exp, _ in figure_panels(spec)]:
                raise ConfigError(f"{source}: figures.{fig}.crops: panel {crop['panel']!r} is not one of the "
                                  f"figure's panels {[exp for exp, _ in figure_panels(spec)]}")
            top, left, height, width = crop["box"]
            if height <= 0 or width <= 0 or top + height > 1 or left + width > 1:
                raise ConfigError(f"{source}: figures.{fig}.crops: box {crop['box']} must be [top, left, height, "
                                  "width] fractions with height, width > 0 and the box inside the frame")
    for name, group in cfg["ablations"].items():
        for key in ("tables", "figures"):
            for item in group.get(key, []):
                if item not in cfg[key]:
                    raise ConfigError(f"{source}: ablations.{name}.{key}: {item!r} is not declared under {key}")


def _check_cell(cfg: dict, where: str, cell: "Cell", source: str) -> None:
    if cell.experiment not in cfg["experiments"]:
        raise ConfigError(f"{source}: {where}: cell {cell.row}/{cell.column} names unknown experiment {cell.experiment!r}")
    if cell.sampler not in cfg["samplers"]:
        raise ConfigError(f"{source}: {where}: cell {cell.row}/{cell.column} names unknown sampler {cell.sampler!r}")
    _check_kept(cfg, where, cell.experiment, cell.epoch, source)


def _check_kept(cfg: dict, where: str, experiment: str, epoch: str, source: str) -> None:
    """An epoch other than `final` must be one whose checkpoint the run keeps (train.keep_epochs / keep_every)."""
    from longvid.train.config import TrainConfig, keeps

    if epoch == "final":
        return
    train = resolve_experiment(cfg, experiment)["train"]
    if not (epoch.isdigit() and keeps(TrainConfig.from_dict(train, source=f"experiment {experiment}"), int(epoch))):
        raise ConfigError(
            f"{source}: {where}: epoch {epoch} of {experiment} is not a kept checkpoint (train.epochs "
            f"{train.get('epochs')}, keep_epochs {list(train.get('keep_epochs', []))}, keep_every "
            f"{train.get('keep_every', 0)}); add it to the experiment's train.keep_epochs or use epoch final")


def resolve_experiment(cfg: dict, name: str) -> dict:
    """The run config of one experiment of a validated (expanded) config."""
    try:
        return experiments.resolve(cfg, name)
    except ExperimentError as err:
        raise ConfigError(str(err)) from None


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
    """(experiment, sampler) pairs of a figure: its `panels` (frames, along) or `lines` (checkpoints)."""
    out = []
    for panel in spec.get("panels", spec.get("lines", [])):
        exp, _, sampler = panel.partition(":")
        out.append((exp, sampler or spec.get("sampler", "latent")))
    return out


def figure_epochs(spec: dict) -> list[str]:
    """The checkpoints a figure reads: `epochs` as a list (`[100, final]`) or a range `{first, every, last}`
    (Fig. 5.8: every 10 epochs up to 4060; `first` defaults to `every`); ["final"] when absent."""
    epochs = spec.get("epochs", ["final"])
    if isinstance(epochs, dict):
        every = epochs["every"]
        return [str(e) for e in range(epochs.get("first", every), epochs["last"] + 1, every)]
    return [str(e) for e in epochs]


def evaluations(cfg: dict, tables: list[str] | None = None) -> dict[tuple[str, str, str], list[str]]:
    """Metrics needed per (experiment, sampler, epoch) by the metric tables named (default: all)."""
    needed: dict[tuple[str, str, str], set[str]] = {}
    for table in tables if tables is not None else list(cfg["tables"]):
        if cfg["tables"][table]["kind"] != "metrics":
            continue
        for cell in table_cells(cfg, table):
            needed.setdefault((cell.experiment, cell.sampler, cell.epoch), set()).add(cell.metric)
    if tables is None:  # figures of metric files: FVD along long videos (Fig. 4.9), metrics over epochs (Fig. 5.8)
        for spec in cfg["figures"].values():
            if spec["kind"] == "along":
                for exp, sampler in figure_panels(spec):
                    needed.setdefault((exp, sampler, "final"), set()).add("fvd_along_16f")
            if spec["kind"] == "checkpoints":
                for exp, sampler in figure_panels(spec):
                    for epoch in figure_epochs(spec):
                        needed.setdefault((exp, sampler, epoch), set()).update(spec["metrics"])
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
    from longvid.models.config import model_config

    source = f"experiment {run.get('experiment')}"
    try:
        cfg = model_config(run.get("model"), source=source, require_preset=True)
    except RunConfigError as err:
        raise ConfigError(str(err)) from None
    if cfg.resolution != run["data"]["resolution"]:
        raise ConfigError(
            f"{source}: model preset {run['model']['preset']} is {cfg.resolution}px"
            f" but data.resolution is {run['data']['resolution']}; set model.preset to a {run['data']['resolution']}px preset"
        )
    fields = cfg.to_dict() | {"frames": run["data"].get("length", cfg.frames)}
    return {**run, "model_preset": run["model"]["preset"], "model": fields}


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
