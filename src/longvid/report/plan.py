"""What a full reproduction costs: device-hours per experiment = epochs x iterations/epoch x measured s/iteration.

Iterations per epoch follow Sec. 5.3.5 ("an epoch is one pass over the training set", the last incomplete batch
kept): ceil(items / batch size), one clip per video per epoch for EncGAN3 (step sampling draws one clip per video);
the recall and LEncGAN families count their own items (`items_per_epoch`). The video and segment counts are the
thesis' own, read from `thesis_values.csv` (Tables 3.1, 4.1, 4.4, 5.4), so the plan needs no downloaded data. Seconds per iteration come
from `results/bench/train.csv` measured on this machine's device: the row with the same resolution and clip length
and the nearest batch size, scaled linearly in batch size (an upper bound on a GPU, where larger batches amortise).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from longvid.fsutil import atomic_write_text
from longvid.report.thesis import thesis_value

# thesis_values.csv cells (table, row, column) holding the training videos of each dataset as the thesis counts
# them: Table 3.1 for the short-video sets, the Taichi subset's total (Table 4.1), Sky's train videos (Table 4.4)
VIDEO_CELLS = {"uva": ("3_1", "UvA-NEMO", "Videos"), "weizmann": ("3_1", "Weizmann", "Videos"),
               "kth": ("3_1", "KTH", "Videos"), "ucf101": ("3_1", "UCF101", "Videos"),
               "taichi": ("4_1", "Total", "Long-term videos"), "sky": ("4_4", "Sky-Timelapse", "Videos Train")}
# 24-frame segments at stride 24 (Table 5.4), Chapter 5's recall items; other sets: not counted by the thesis
SEGMENT_CELLS = {"taichi": ("5_4", "Taichi", "Segments"), "sky": ("5_4", "Sky", "Segments")}
# 16-frame segments at stride 8 (Tables 4.1, 4.4): a video with n of them has n - 1 24-frame windows at stride 8,
# Chapter 4's recall items (Taichi 926 - 31 = 895; Sky's count minus its videos, both approximate there)
SEGMENT16_CELLS = {"taichi": ("4_1", "Total", "16-frame segments"), "sky": ("4_4", "Sky-Timelapse (used)", "Segments")}


def thesis_videos(dataset: str, groups: list[str] | None = None) -> int:
    """Training videos of a dataset (of the Taichi subjects `groups`, Table 4.1) as the thesis counts them."""
    if dataset == "taichi" and groups:
        return sum(int(thesis_value("4_1", group, "Long-term videos")) for group in groups)
    return int(thesis_value(*VIDEO_CELLS[dataset]))


def items_per_epoch(run: dict) -> tuple[int, int, str]:
    """(items per epoch, EncGAN3-equivalent steps per item and clips per step factor, note) of a run's family.

    encgan3: one clip per video. recall (Alg. 6): one item per 24-frame segment, and an iteration at batch B encodes
    and generates 2B clips (D_V also scores the B stitched ones), timed as EncGAN3 at batch 2B. lencgan (Alg. 3-4):
    one window per video of its subjects, each `length // clip` EncGAN3 iterations at the run's batch size.
    """
    data, family = run["data"], run.get("family", "encgan3")
    videos = thesis_videos(data["dataset"], data.get("groups") if family == "lencgan" else None)
    if family == "lencgan":
        clip = int((run.get("lencgan") or {}).get("clip", 16))
        return videos, int(data.get("length", 16)) // clip, "lencgan: clips per window x EncGAN3 step"
    if family == "recall":
        indexed = data.get("sampling") in ("segments", "segment_step")
        if indexed and data.get("segment_stride") == 8 and data["dataset"] in SEGMENT16_CELLS:
            pairs = int(thesis_value(*SEGMENT16_CELLS[data["dataset"]])) - videos
            return pairs, 1, "recall: 24f windows at stride 8 (Table 4.1/4.4 segments - videos), step ~ EncGAN3 at 2B"
        if indexed and data.get("segment_stride") in (None, 24) and data["dataset"] in SEGMENT_CELLS:
            segments = int(thesis_value(*SEGMENT_CELLS[data["dataset"]]))
            return segments, 1, "recall: 24f segments (Table 5.4), step ~ EncGAN3 at 2B"
        return videos, 1, "recall: one window per video (or segments not counted by the thesis); step ~ EncGAN3 at 2B"
    return videos, 1, ""


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
        items, steps, note = items_per_epoch(run)
        iters = int(train["epochs"]) * math.ceil(items / batch) * steps
        family = run.get("family", "encgan3")
        frames = 16 if family in ("recall", "lencgan") else int(data.get("length", 16))  # they generate 16f clips
        sec, device = seconds_per_iteration(bench, int(data["resolution"]), frames,
                                            2 * batch if family == "recall" else batch)
        records.append(
            dict(experiment=name, family=family, dataset=data["dataset"], resolution=data["resolution"],
                 batch_size=batch, epochs=train["epochs"], items_per_epoch=items, iterations=iters,
                 sec_per_iter=round(sec, 3), device=device, device_hours=round(iters * sec / 3600, 1),
                 run_type=spec["run_type"], note=note)
        )
    table = pd.DataFrame.from_records(records)
    atomic_write_text(out, table.to_csv(index=False))
    return table
