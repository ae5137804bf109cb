"""Table and figure builders: thesis values beside reproduced ones, smoke labels, the cost plan."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from longvid.report import builders, figures, plan, tables


def _metric_file(root: Path, exp: str, sampler: str, metrics: dict) -> Path:
    path = root / exp / sampler / "final.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    proto = {"detectors": {"i3d_pool": {"weights_sha256": "ab" * 32}}, "generated_count": 8, "metrics": list(metrics),
             "is_splits": 10, "real_features": {"i3d_pool_16f": {"count": 8, "clips": {"length": 16}, "dataset": "uva"}}}
    path.write_text(json.dumps({"metrics": metrics, "protocol": proto, "run_type": "smoke"}))
    return path


def test_metrics_table_puts_thesis_and_difference_beside_each_cell(tmp_path):
    spec = {
        "table": "table_3_6", "kind": "metrics", "run_type": "smoke",
        "cells": [
            {"row": "Baseline (lr 2e-4)", "column": "FID", "experiment": "encgan3_uva_64", "sampler": "latent",
             "metric": "vfid", "epoch": "final"},
        ],
    }
    inputs = [_metric_file(tmp_path, "encgan3_uva_64", "latent", {"vfid": 100.0})]
    result = builders.BUILDERS["metrics"](spec, inputs)
    tables.write_table(result, tmp_path / "table_3_6")
    csv = pd.read_csv(tmp_path / "table_3_6.csv")
    row = csv[(csv["row"] == "Baseline (lr 2e-4)") & (csv["column"] == "FID")].iloc[0]
    assert row["reproduced"] == 100.0 and row["thesis"] == 86.21 and row["difference"] == pytest.approx(13.79)
    assert set(csv["run_type"]) == {"smoke"}
    md = (tmp_path / "table_3_6.md").read_text()
    assert "SMOKE RUN" in md and "100 / 86.21 (+13.79)" in md
    assert "protocol (uva): i3d_pool weights sha256 abababababab; 8 real clips of 16f; 8 generated videos\n" in md
    assert "SMOKE RUN" in (tmp_path / "table_3_6.tex").read_text()


def test_cited_values_are_listed_and_never_reproduced(tmp_path):
    spec = {"table": "table_3_2", "kind": "metrics", "run_type": "full", "cells": [
        {"row": "EncGAN3", "column": "KTH FID", "experiment": "e", "sampler": "latent", "metric": "vfid", "epoch": "final"}]}
    result = builders.BUILDERS["metrics"](spec, [_metric_file(tmp_path, "e", "latent", {"vfid": 70.0})])
    frame = result.frame()
    cited = frame[frame["source"] == "cited"]
    assert {"VGAN", "TGAN", "MoCoGAN"} <= set(cited["row"]) and cited["reproduced"].isna().all()
    assert "(cited)" in tables.pivot(result).loc["VGAN", "UvA FID"]


def test_missing_metric_is_an_error(tmp_path):
    spec = {"table": "table_3_6", "kind": "metrics", "run_type": "full", "cells": [
        {"row": "Baseline (lr 2e-4)", "column": "FID", "experiment": "e", "sampler": "latent", "metric": "vfid",
         "epoch": "final"}]}
    with pytest.raises(KeyError, match="vfid"):
        builders.BUILDERS["metrics"](spec, [_metric_file(tmp_path, "e", "latent", {"vis_actor": 2.0})])


def test_params_table_millions_and_storage(tmp_path):
    parts = {"encoder": 2_060_000, "generator": 90_370_000, "video_discriminator": 29_320_000,
             "image_discriminator": 6_960_000}
    csv = tmp_path / "params.csv"
    pd.DataFrame([{"variant": "improved_r2_128", "resolution": 128, "g_mode": "3d", "part": k, "params": v}
                  for k, v in parts.items()]).to_csv(csv, index=False)
    result = builders.params_table({"table": "table_5_3", "run_type": "smoke"}, [csv])
    frame = result.frame().set_index(["row", "column"])
    assert frame.loc[("Generator (G)", "Parameter Count [M]"), "reproduced"] == 90.37
    assert frame.loc[("Total R2", "Parameter Count [M]"), "reproduced"] == pytest.approx(128.71)
    assert frame.loc[("Total R2", "Storage Memory (GB)"), "reproduced"] == pytest.approx(0.479, abs=1e-3)


def test_plan_scales_measured_iteration_time(tmp_path):
    bench = tmp_path / "train.csv"
    pd.DataFrame([{"resolution": 64, "frames": 16, "batch_size": 2, "sec_per_iter": 3.0, "device": "cpu"}]).to_csv(bench, index=False)
    run = {"data": {"dataset": "weizmann", "resolution": 64, "length": 16}, "train": {"batch_size": 10, "epochs": 100}}
    table = plan.plan({"run_type": "full", "runs": {"x": run}}, bench, tmp_path / "plan.csv")
    rec = table.iloc[0]
    assert rec["iterations"] == 100 * 10  # ceil(93 / 10) = 10 iterations per epoch
    assert rec["sec_per_iter"] == 15.0 and rec["device_hours"] == pytest.approx(1000 * 15 / 3600, abs=0.05)


def test_plan_counts_the_items_of_each_family(tmp_path):
    bench = tmp_path / "train.csv"
    pd.DataFrame([{"resolution": 64, "frames": 16, "batch_size": 1, "sec_per_iter": 2.0, "device": "cpu"}]).to_csv(bench, index=False)
    recall = {"family": "recall", "data": {"dataset": "taichi", "resolution": 64, "length": 24, "sampling": "segments"},
              "train": {"batch_size": 4, "epochs": 10}}
    lenc = {"family": "lencgan", "data": {"dataset": "taichi", "resolution": 64, "length": 96, "groups": ["A"]},
            "train": {"batch_size": 1, "epochs": 10}}
    table = plan.plan({"run_type": "full", "runs": {"r": recall, "l": lenc}}, bench, tmp_path / "plan.csv")
    rec = table.set_index("experiment")
    assert rec.loc["r", "iterations"] == 10 * 75 and rec.loc["r", "sec_per_iter"] == 16.0  # 300 segments / 4; 2 x 4 clips
    assert rec.loc["l", "iterations"] == 10 * 8 * 6 and rec.loc["l", "sec_per_iter"] == 2.0  # subject A: 8 videos x 6 clips


def test_frame_rows_difference_maps_follow_eq_3_3():
    video = np.zeros((16, 4, 4, 3), np.uint8)
    video[5:] = 10  # one step change between frames 4 and 5
    rows = figures.frame_rows(video, n_frames=16, every=None, diffmaps=True)
    assert len(rows) == 2 and rows[0].shape == (4, 64, 3)
    diff = rows[1].reshape(4, 16, 4, 3)
    assert diff[:, 5].max() == 30 and diff[:, [i for i in range(16) if i != 5]].max() == 0  # |x4 - x5| x 3


def test_frame_rows_every_takes_the_first_n_frames():
    video = np.broadcast_to(np.arange(100, dtype=np.uint8)[:, None, None, None], (100, 2, 2, 3))
    rows = figures.frame_rows(video, n_frames=10, every=5, diffmaps=False)  # Fig. 4.11: 10 frames, one per 5
    assert rows[0][0, ::2, 0].tolist() == list(range(0, 50, 5))
    assert figures.frame_rows(video, n_frames=None, every=30, diffmaps=False)[0][0, ::2, 0].tolist() == [0, 30, 60, 90]


def test_frames_figure_is_labelled_smoke(tmp_path):
    sample = tmp_path / "s"
    (sample / "videos").mkdir(parents=True)
    np.save(sample / "videos" / "00000.npy", np.random.default_rng(0).integers(0, 255, (16, 8, 8, 3), dtype=np.uint8))
    spec = {"figure": "figure_3_7", "kind": "frames", "run_type": "smoke", "panels": [["e", "latent"]], "videos": 1,
            "diffmaps": True}
    figures.frames_figure(spec, [sample], tmp_path / "figure_3_7")
    assert (tmp_path / "figure_3_7.png").stat().st_size > 1000 and (tmp_path / "figure_3_7.pdf").exists()
    assert figures._title(spec, "Figure 3 7").startswith("[SMOKE RUN]")


def test_frames_figure_panel_counts_and_labels_must_match_the_panels(tmp_path):
    sample = tmp_path / "s"
    (sample / "videos").mkdir(parents=True)
    for i in range(4):
        np.save(sample / "videos" / f"{i:05d}.npy", np.zeros((16, 8, 8, 3), np.uint8))
    spec = {"figure": "figure_4_10", "kind": "frames", "run_type": "full", "panels": [["e", "swap"], ["e", "sum"]],
            "videos": [4, 3], "labels": ["swap group", "sum group"], "every": 2}
    figures.frames_figure(spec, [sample, sample], tmp_path / "figure_4_10")
    assert (tmp_path / "figure_4_10.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="videos lists 1 counts for 2 panels"):
        figures.frames_figure(spec | {"videos": [4]}, [sample, sample], tmp_path / "x")
    with pytest.raises(ValueError, match="labels lists 1 names for 2 panels"):
        figures.frames_figure(spec | {"labels": ["a"]}, [sample, sample], tmp_path / "x")


def test_along_figure_reads_the_fvd_list(tmp_path):
    path = _metric_file(tmp_path, "recall_taichi_128", "recall400", {"fvd_along_16f": [100.0, 120.0, 150.0]})
    spec = {"figure": "figure_4_9", "kind": "along", "run_type": "full", "panels": [["recall_taichi_128", "recall400"]]}
    figures.build_figure(json.dumps(spec), [str(path)], str(tmp_path / "figure_4_9"))
    assert (tmp_path / "figure_4_9.png").stat().st_size > 1000


def test_memory_table_reports_unprobed_rows(tmp_path):
    probe = tmp_path / "memory.csv"
    pd.DataFrame([{"resolution": 64, "frames": 16, "max_batch": 2, "device": "cpu:x86_64", "memory_gb": 11.8}]).to_csv(probe, index=False)
    spec = {"table": "table_3_7", "run_type": "smoke", "rows": [
        {"thesis": "16 frames, 64x64", "frames": 16, "resolution": 64},
        {"thesis": "16 frames, 128x128", "frames": 16, "resolution": 128}]}
    result = builders.memory_table(spec, [probe])
    frame = result.frame()
    assert frame.loc[frame["row"] == "16 frames, 64x64", "thesis"].item() == 10.0
    assert any("16 frames, 128x128: not probed" in n for n in result.notes)
