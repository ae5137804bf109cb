"""Metric tables (Tables 3.2-3.6, 4.2, 4.3, 4.5-4.8 and Chapter 5's FVD tables): each cell is one metric of one
evaluated sample folder, `results/metrics/<experiment>/<sampler>/<epoch>.json`.

Config entry: `rows` x `columns`, each cell merging one row and one column (keys experiment, sampler, metric,
dataset, epoch; `{dataset}` in a value is filled from the cell, `longvid.config.table_cells`). The header states
the protocol read from the metric files: detector weights, generated count, IS splits and the real reference set
(`real_set`: clips, videos, offsets, step distribution; older files without it show their real-clip count).
`iterations: true` adds each run's training iterations, the last step of `results/runs/<experiment>/metrics.csv`
(Table 4.8 compares its step-1 and step-4 runs at equal iterations; docs/recall.md).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from longvid import config as lvconfig
from longvid.report.tables import TableResult


def cells(table: str, spec: dict) -> list[lvconfig.Cell]:
    """The row x column grid of one metric table."""
    return lvconfig.table_cells({"tables": {table: spec}}, table)


def inputs(table: str, spec: dict, cfg: dict) -> list[str]:
    grid = cells(table, spec)
    files = {f"results/metrics/{c.experiment}/{c.sampler}/{c.epoch}.json" for c in grid}
    if spec.get("iterations"):
        files |= {f"results/runs/{c.experiment}/metrics.csv" for c in grid}
    return sorted(files)


def trained_iterations(metrics_csv: Path) -> int:
    """Iterations a run trained: the last step of its metrics.csv (the trainer always logs the final step)."""
    with open(metrics_csv, newline="") as f:
        steps = [int(row["step"]) for row in csv.DictReader(f)]
    if not steps:
        raise ValueError(f"{metrics_csv}: no logged step; was the run trained?")
    return max(steps)


def iterations_note(grid: list, run_logs: list[Path]) -> str:
    """`training iterations: <experiment> N, ...` in the table's order of experiments."""
    by_run = {Path(p).parent.name: trained_iterations(Path(p)) for p in run_logs}
    names = list(dict.fromkeys(c.experiment for c in grid))
    missing = [n for n in names if n not in by_run]
    if missing:
        raise FileNotFoundError(f"no results/runs/<experiment>/metrics.csv among the inputs for {missing}")
    return "training iterations: " + ", ".join(f"{n} {by_run[n]}" for n in names)


def build(spec: dict, metric_files: list[Path]) -> TableResult:
    """Read every cell from its metric file; the header lists each distinct protocol once."""
    result = TableResult(spec["table"], spec["run_type"])
    run_logs = [p for p in metric_files if Path(p).suffix == ".csv"]
    loaded = {tuple(Path(p).with_suffix("").parts[-3:]): json.loads(Path(p).read_text())
              for p in metric_files if Path(p).suffix == ".json"}
    grid = cells(spec["table"], spec)
    table_metrics = {c.metric for c in grid}
    protocols = set()
    for cell in grid:
        doc = loaded.get((cell.experiment, cell.sampler, cell.epoch))
        if doc is None:
            raise FileNotFoundError(
                f"{spec['table']}: no metrics file among the inputs for {cell.experiment}/{cell.sampler}/{cell.epoch}")
        if cell.metric not in doc["metrics"]:
            raise KeyError(f"{cell.experiment}/{cell.sampler}: metric {cell.metric} missing (has {sorted(doc['metrics'])})")
        producer = f"{cell.experiment} / {cell.sampler} / {cell.epoch}"
        result.add(cell.row, cell.column, float(doc["metrics"][cell.metric]), producer)
        protocols.add(protocol_note(doc, table_metrics))
    result.notes.extend(sorted(protocols))
    if spec.get("iterations"):
        result.notes.append(iterations_note(grid, run_logs))
    result.add_cited()
    return result


def real_sets(doc: dict, table_metrics: set[str]) -> dict[str, dict]:
    """metric -> its real reference set record, for the table's metrics the file describes (maybe none).

    `real_set` sits at the top of the file or in `protocol`, either once for the file (a record with `clips`) or
    per metric (`{metric: record}`)."""
    record = doc.get("real_set", doc.get("protocol", {}).get("real_set"))
    if not record:
        return {}
    if "clips" in record:
        return {m: record for m in table_metrics if m in doc.get("metrics", {})}
    return {m: r for m, r in record.items() if m in table_metrics}


def describe_real_set(record: dict) -> str:
    """`2048 clips of 34 videos, seeded random offsets, steps 1-6` (the keys present, in that order)."""
    text = f"{record['clips']} clips"
    if "videos" in record:
        text += f" of {record['videos']} videos"
    if record.get("offsets"):
        text += f", {record['offsets']} offsets"
    steps = record.get("steps")
    if steps:
        lo, hi = min(steps), max(steps)
        text += f", step {lo}" if lo == hi else f", steps {lo}-{hi}"
    return text


def protocol_note(doc: dict, table_metrics: set[str]) -> str:
    """Detectors with their weights hash, real set(s), generated count, IS splits (from one metrics JSON)."""
    proto = doc.get("protocol", {})
    datasets = sorted({str(r.get("dataset")) for r in proto.get("real_features", {}).values()})
    parts = [f"{name} weights sha256 {det.get('weights_sha256', '?')[:12]}" for name, det in proto.get("detectors", {}).items()]
    by_metric = real_sets(doc, table_metrics)
    if by_metric:  # the real reference set of each metric, grouped by identical protocol
        groups: dict[str, list[str]] = {}
        for metric, record in sorted(by_metric.items()):
            groups.setdefault(describe_real_set(record), []).append(metric)
        parts += [f"real set of {', '.join(metrics)}: {text}" for text, metrics in groups.items()]
    else:  # files written before the real-set record: the clip counts of the real feature files
        parts += sorted({f"{r.get('count')} real clips of {r.get('clips', {}).get('length', '?')}f"
                         for r in proto.get("real_features", {}).values()})
    if "generated_count" in proto:
        parts.append(f"{proto['generated_count']} generated videos")
    if any(m.startswith("vis") for m in table_metrics):
        parts.append(f"IS over {proto.get('is_splits')} splits")
    return f"protocol ({', '.join(datasets)}): " + "; ".join(parts)
