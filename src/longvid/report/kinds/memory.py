"""Memory tables (Table 3.7): the largest EncGAN3 batch that fits per (frames, resolution), probed on this job's
device by `longvid bench train --max-batch` (`results/probe/memory.csv`).

Config entry: `rows` (`{thesis, frames, resolution}`: the settings probed) and `columns` (one `{thesis}`: the label
of the batch-size column).
"""

from __future__ import annotations

from pathlib import Path

from longvid.report.tables import TableResult

PROBE = "results/probe/memory.csv"


def inputs(table: str, spec: dict, cfg: dict) -> list[str]:
    return [PROBE]


def probe_settings(cfg: dict) -> list[str]:
    """`RESxFRAMES` settings the memory probe must measure: the rows of every memory table, first seen first."""
    settings = [f"{r['resolution']}x{r['frames']}" for spec in cfg["tables"].values() if spec["kind"] == "memory"
                for r in spec["rows"]]
    return list(dict.fromkeys(settings))


def build(spec: dict, inputs: list[Path]) -> TableResult:
    import pandas as pd

    probe = pd.read_csv(inputs[0])
    column = spec["columns"][0]["thesis"]
    result = TableResult(spec["table"], spec["run_type"])
    for row in spec["rows"]:
        hit = probe[(probe["frames"] == row["frames"]) & (probe["resolution"] == row["resolution"])]
        if hit.empty:  # `bench train --max-batch --quick` (smoke) probes the first setting only
            result.notes.append(f"{row['thesis']}: not probed in this run ({inputs[0]})")
            continue
        rec = hit.iloc[0]
        result.add(row["thesis"], column, float(rec["max_batch"]), f"probe on {rec['device']}")
    if not result.rows:
        raise ValueError(f"{inputs[0]}: no probe for any row of {spec['table']}")
    devices = ", ".join(sorted({f"{d} (memory budget {m} GB)" for d, m in zip(probe["device"], probe["memory_gb"])}))
    result.notes.append(f"probed on: {devices}; the thesis used a 32 GiB V100 (0 = not even batch 1 fits = CUDA-OOM)")
    return result
