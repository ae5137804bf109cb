"""The table-kind registry: how each kind of thesis table finds its inputs and is built from them.

Every table is declared once, under `tables:` in config.yaml, with a `kind:` (a key of `TABLE_KINDS`) and the
fields that kind reads. A kind is two functions:

* `inputs(table, spec, cfg) -> list[str]` -- the files the table is built from (table id, its config entry, the
  whole validated config). Torch-free and cheap: `workflow/rules/common.smk` calls it while Snakemake parses.
* `build(spec, inputs) -> TableResult` -- the table itself. `spec` is the config entry plus `table` and
  `run_type` (what `table_spec` returns, passed as JSON to `longvid build-table`).

The config schema's `kind` enum and per-kind fields must agree with this dict (tests/report/test_kinds.py).
Adding a kind: docs/contracts.md, "Tables".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from longvid.report.kinds import data, memory, metrics, params
from longvid.report.tables import TableResult


@dataclass(frozen=True)
class TableKind:
    """One kind of table: where its numbers come from and how they are laid out."""

    inputs: Callable[[str, dict, dict], list[str]]  # (table id, config entry, whole config) -> input paths
    build: Callable[[dict, list[Path]], TableResult]  # (spec, input paths) -> the built table


TABLE_KINDS: dict[str, TableKind] = {
    "metrics": TableKind(metrics.inputs, metrics.build),  # cells of experiment x sampler x metric
    "data": TableKind(data.inputs, data.build),  # statistics of the stored datasets
    "params": TableKind(params.inputs, params.build),  # parameter counts of a model variant
    "memory": TableKind(memory.inputs, memory.build),  # largest batch that fits, probed on the device
}


def table_spec(cfg: dict, table: str) -> dict:
    """What the builder of `table` reads: its config entry plus its id and the run type."""
    return {**cfg["tables"][table], "table": table, "run_type": cfg["run_type"]}


def table_inputs(cfg: dict, table: str) -> list[str]:
    """The input files of `table`, from its kind's inputs function."""
    spec = cfg["tables"][table]
    return TABLE_KINDS[spec["kind"]].inputs(table, spec, cfg)


def tables_of_kind(cfg: dict, kind: str) -> list[str]:
    """Table ids of one kind, in config order (`data` = the `data_tables` target)."""
    if kind not in TABLE_KINDS:
        raise KeyError(f"no table kind {kind!r}; kinds are {', '.join(TABLE_KINDS)}")
    return [table for table, spec in cfg["tables"].items() if spec["kind"] == kind]


def check_tables(cfg: dict, source: str = "config") -> None:
    """Resolve every table's inputs once, so a bad table entry fails when the workflow is parsed."""
    for table, spec in cfg["tables"].items():
        if spec["kind"] not in TABLE_KINDS:
            raise ValueError(f"{source}: tables.{table}.kind {spec['kind']!r} is not one of {', '.join(TABLE_KINDS)}")
        try:
            TABLE_KINDS[spec["kind"]].inputs(table, spec, cfg)
        except (KeyError, ValueError) as err:
            raise ValueError(f"{source}: tables.{table} ({spec['kind']}): {err}") from err


def build_table(spec: dict, inputs: list[Path]) -> TableResult:
    """Build one table with its kind's builder."""
    return TABLE_KINDS[spec["kind"]].build(spec, inputs)
