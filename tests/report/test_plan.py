"""`longvid plan`: device-hours from measured seconds per iteration and the thesis' own item counts."""

from __future__ import annotations

import pandas as pd
import pytest

from longvid.report import plan
from longvid.report.thesis import thesis_value


def _bench(tmp_path, sec: float, batch: int):
    bench = tmp_path / "train.csv"
    pd.DataFrame([{"resolution": 64, "frames": 16, "batch_size": batch, "sec_per_iter": sec, "device": "cpu"}]).to_csv(
        bench, index=False)
    return bench


def test_plan_scales_measured_iteration_time(tmp_path):
    run = {"data": {"dataset": "weizmann", "resolution": 64, "length": 16}, "train": {"batch_size": 10, "epochs": 100}}
    table = plan.plan({"run_type": "full", "runs": {"x": run}}, _bench(tmp_path, 3.0, 2), tmp_path / "plan.csv")
    rec = table.iloc[0]
    assert rec["iterations"] == 100 * 10  # ceil(93 / 10) = 10 iterations per epoch
    assert rec["sec_per_iter"] == 15.0 and rec["device_hours"] == pytest.approx(1000 * 15 / 3600, abs=0.05)


def test_plan_counts_the_items_of_each_family(tmp_path):
    recall = {"family": "recall", "data": {"dataset": "taichi", "resolution": 64, "length": 24, "sampling": "segments"},
              "train": {"batch_size": 4, "epochs": 10}}
    lenc = {"family": "lencgan", "data": {"dataset": "taichi", "resolution": 64, "length": 96, "groups": ["A"]},
            "train": {"batch_size": 1, "epochs": 10}}
    table = plan.plan({"run_type": "full", "runs": {"r": recall, "l": lenc}}, _bench(tmp_path, 2.0, 1), tmp_path / "p.csv")
    rec = table.set_index("experiment")
    assert rec.loc["r", "iterations"] == 10 * 75 and rec.loc["r", "sec_per_iter"] == 16.0  # 300 segments / 4; 2 x 4 clips
    assert rec.loc["l", "iterations"] == 10 * 8 * 6 and rec.loc["l", "sec_per_iter"] == 2.0  # subject A: 8 videos x 6 clips


def test_plan_counts_chapter_4_windows_and_table_4_8_runs_alike(tmp_path):
    """Chapter 4: 24f windows at stride 8 = Table 4.1's 926 16f segments - 31 videos; the step-4 run draws one
    window per row of the same index, so both Table 4.8 runs plan the same iterations."""
    data = {"dataset": "taichi", "resolution": 64, "length": 24, "sampling": "segments", "segment_stride": 8}
    runs = {"s1": {"family": "recall", "data": data, "train": {"batch_size": 4, "epochs": 10}},
            "s4": {"family": "recall", "data": data | {"sampling": "segment_step", "steps": [4, 4]},
                   "train": {"batch_size": 4, "epochs": 10}},
            "short": {"family": "recall", "data": {"dataset": "kth", "resolution": 64, "length": 24, "sampling": "step"},
                      "train": {"batch_size": 4, "epochs": 10}}}
    rec = plan.plan({"run_type": "full", "runs": runs}, _bench(tmp_path, 2.0, 1), tmp_path / "p.csv").set_index("experiment")
    assert rec.loc["s1", "items_per_epoch"] == rec.loc["s4", "items_per_epoch"] == 926 - 31
    assert rec.loc["s1", "iterations"] == rec.loc["s4", "iterations"] == 10 * 224  # ceil(895 / 4)
    assert rec.loc["short", "items_per_epoch"] == 599  # one window per KTH video


def test_thesis_counts_are_read_from_the_thesis_data(monkeypatch):
    """The plan holds cell keys, not copies of the numbers: change the data and the plan follows."""
    assert {ds: plan.thesis_videos(ds) for ds in plan.VIDEO_CELLS} == {
        "uva": 1240, "weizmann": 93, "kth": 599, "ucf101": 13320, "taichi": 31, "sky": 2080}
    assert plan.thesis_videos("taichi", ["A", "C"]) == 8 + 14
    seen = []
    monkeypatch.setattr(plan, "thesis_value", lambda *key: seen.append(key) or 7.0)
    run = {"family": "recall", "data": {"dataset": "sky", "sampling": "segments"}}
    assert plan.items_per_epoch(run)[0] == 7 and ("5_4", "Sky", "Segments") in seen
    assert thesis_value(*plan.SEGMENT_CELLS["sky"]) == 47075
