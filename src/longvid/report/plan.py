"""What a full reproduction costs: device-hours per experiment = epochs x iterations/epoch x measured s/iteration.

Iterations per epoch follow Sec. 5.3.5 ("an epoch is one pass over the training set", the last incomplete batch
kept): ceil(videos / batch size), one clip per video per epoch (step sampling draws one clip per video). The video
counts are the thesis' own (Tables 3.1, 4.1, 4.4), so the plan needs no downloaded data. Seconds per iteration come
from `results/bench/train.csv` measured on this machine's device: the row with the same resolution and clip length
and the nearest batch size, scaled linearly in batch size (an upper bound on a GPU, where larger batches amortise).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from longvid.fsutil import atomic_write_text

# training videos per dataset as the thesis counts them (Table 3.1; Table 4.1 Taichi subset; Table 4.4 Sky train)
THESIS_VIDEOS = {"uva": 1240, "weizmann": 93, "kth": 599, "ucf101": 13320, "taichi": 31, "sky": 2080}


def seconds_per_iteration(bench: pd.DataFrame, resolution: int, frames: int, batch: int) -> tuple[float, str]:
    """Measured s/iteration for a setting, scaled from the nearest measured batch size."""
    rows = bench[(bench["resolution"] == resolution) & (bench["frames"] == frames)]
    if rows.empty:
        rows = bench[bench["resolution"] == resolution]
    if rows.empty:
        raise ValueError(f"results/bench/train.csv has no row at {resolution}px; rerun `longvid bench train`")
    row = rows.iloc[(rows["batch_size"] - batch).abs().argsort().iloc[0]]
    return float(row["sec_per_iter"]) * batch / float(row["batch_size"]), str(row.get("device", "?"))


def plan(spec: dict, bench_csv: Path, out: Path) -> pd.DataFrame:
    bench = pd.read_csv(bench_csv)
    records = []
    for name, run in sorted(spec["runs"].items()):
        data, train = run["data"], run["train"]
        batch = int(train["batch_size"])
        iters = int(train["epochs"]) * math.ceil(THESIS_VIDEOS[data["dataset"]] / batch)
        sec, device = seconds_per_iteration(bench, int(data["resolution"]), int(data.get("length", 16)), batch)
        records.append(
            dict(experiment=name, dataset=data["dataset"], resolution=data["resolution"], batch_size=batch,
                 epochs=train["epochs"], iterations=iters, sec_per_iter=round(sec, 3), device=device,
                 device_hours=round(iters * sec / 3600, 1), run_type=spec["run_type"])
        )
    table = pd.DataFrame.from_records(records)
    atomic_write_text(out, table.to_csv(index=False))
    return table
