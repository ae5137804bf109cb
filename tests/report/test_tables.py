"""Table builders of every kind: thesis values beside reproduced ones, the protocol header, smoke labels, and the
Markdown holding exactly the numbers of the CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from longvid.report import tables
from longvid.report.kinds import build_table
from longvid.report.kinds import data as data_kind
from longvid.report.kinds import metrics as metrics_kind

FID_3_6 = {"rows": [{"thesis": "Baseline (lr 2e-4)", "experiment": "encgan3_uva_64"},
                    {"thesis": "Baseline (lr 4e-5)", "experiment": "encgan3_uva_64_lr4e5"}],
           "columns": [{"thesis": "FID", "sampler": "latent", "metric": "vfid"}]}


def metric_file(root: Path, exp: str, sampler: str, metrics: dict, **extra) -> Path:
    path = root / exp / sampler / "final.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    proto = {"detectors": {"i3d_pool": {"weights_sha256": "ab" * 32}}, "generated_count": 8, "metrics": list(metrics),
             "is_splits": 10, "real_features": {"i3d_pool_16f": {"count": 8, "clips": {"length": 16}, "dataset": "uva"}}}
    path.write_text(json.dumps({"metrics": metrics, "protocol": proto, "run_type": "smoke", **extra}))
    return path


def md_cells(path: Path) -> dict[tuple[str, str], str]:
    """(row, column) -> cell text of the pivoted Markdown table under the `>` header lines."""
    lines = [line for line in path.read_text().splitlines() if line.startswith("|")]
    split = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    header, body = split[0], split[2:]  # split[1] is the |---| rule
    return {(cells[0], col): cell for cells in body for col, cell in zip(header[1:], cells[1:])}


def header(path: Path) -> list[str]:
    return [line[2:] for line in path.read_text().splitlines() if line.startswith("> ")]


def test_metrics_table_puts_thesis_and_difference_beside_each_cell(tmp_path):
    spec = {"table": "table_3_6", "kind": "metrics", "run_type": "smoke", **FID_3_6}
    inputs = [metric_file(tmp_path, "encgan3_uva_64", "latent", {"vfid": 100.0}),
              metric_file(tmp_path, "encgan3_uva_64_lr4e5", "latent", {"vfid": 93.5})]
    tables.write_table(build_table(spec, inputs), tmp_path / "table_3_6")
    csv = pd.read_csv(tmp_path / "table_3_6.csv").set_index(["row", "column"])
    row = csv.loc[("Baseline (lr 2e-4)", "FID")]
    assert row["reproduced"] == 100.0 and row["thesis"] == 86.21 and row["difference"] == pytest.approx(13.79)
    assert set(csv["run_type"]) == {"smoke"}
    assert md_cells(tmp_path / "table_3_6.md") == {("Baseline (lr 2e-4)", "FID"): "100 / 86.21 (+13.79)",
                                                  ("Baseline (lr 4e-5)", "FID"): "93.5 / 88.68 (+4.82)"}
    lines = header(tmp_path / "table_3_6.md")
    assert lines[:2] == ["Table 3.6: Ablating changes in the loss functions and learning rate",
                         "run type: SMOKE RUN (tiny data and models: numbers are not comparable to the thesis)"]
    assert "protocol (uva): i3d_pool weights sha256 abababababab; 8 real clips of 16f; 8 generated videos" in lines
    assert "% run type: SMOKE RUN" in (tmp_path / "table_3_6.tex").read_text()


def test_markdown_holds_the_csv_values_of_every_cell(tmp_path):
    """Every reproduced and thesis number of the CSV appears, formatted, in its Markdown cell (cited ones too)."""
    spec = {"table": "table_3_2", "kind": "metrics", "run_type": "full",
            "rows": [{"thesis": "EncGAN3", "experiment": "encgan3_{dataset}_64", "sampler": "latent"}],
            "columns": [{"thesis": "UvA FID", "dataset": "uva", "metric": "vfid"},
                        {"thesis": "KTH FID", "dataset": "kth", "metric": "vfid"}]}
    inputs = [metric_file(tmp_path, "encgan3_uva_64", "latent", {"vfid": 81.234567}),
              metric_file(tmp_path, "encgan3_kth_64", "latent", {"vfid": 12345.6})]
    tables.write_table(build_table(spec, inputs), tmp_path / "t")
    csv, md = pd.read_csv(tmp_path / "t.csv"), md_cells(tmp_path / "t.md")
    assert len(csv) > 2 and {k for k, v in md.items() if v} == set(zip(csv["row"], csv["column"]))
    for rec in csv.itertuples():
        cell = md[(rec.row, rec.column)]
        if rec.source == "cited":
            assert cell == f"{tables._fmt(rec.thesis)} (cited)" and pd.isna(rec.reproduced)
        else:
            assert cell.startswith(f"{tables._fmt(rec.reproduced)} / {tables._fmt(rec.thesis)}")
    assert md[("EncGAN3", "UvA FID")] == "81.23 / 86.21 (-4.975)" and md[("EncGAN3", "KTH FID")].startswith("12,346 / ")


def test_header_states_the_real_set_once_per_protocol(tmp_path):
    real = {"clips": 2048, "videos": 34, "offsets": "seeded random", "steps": [1, 1]}
    spec = {"table": "table_3_6", "kind": "metrics", "run_type": "full", **FID_3_6}
    once = metric_file(tmp_path, "encgan3_uva_64", "latent", {"vfid": 1.0}, real_set=real)
    per_metric = metric_file(tmp_path, "encgan3_uva_64_lr4e5", "latent", {"vfid": 2.0},
                             real_set={"vfid": real | {"steps": [1, 2, 3]}, "vis": real})
    lines = build_table(spec, [once, per_metric]).notes
    assert ("protocol (uva): i3d_pool weights sha256 abababababab; real set of vfid: 2048 clips of 34 videos,"
            " seeded random offsets, step 1; 8 generated videos") in lines
    assert any(n.endswith("real set of vfid: 2048 clips of 34 videos, seeded random offsets, steps 1-3;"
                          " 8 generated videos") for n in lines)
    assert not any("real clips of 16f" in n for n in lines)  # the older count is replaced where a record exists
    assert metrics_kind.describe_real_set({"clips": 93}) == "93 clips"


def test_cited_values_are_listed_and_never_reproduced(tmp_path):
    spec = {"table": "table_3_2", "kind": "metrics", "run_type": "full",
            "rows": [{"thesis": "EncGAN3", "experiment": "e", "sampler": "latent"}],
            "columns": [{"thesis": "KTH FID", "metric": "vfid"}]}
    result = build_table(spec, [metric_file(tmp_path, "e", "latent", {"vfid": 70.0})])
    cited = result.frame()[result.frame()["source"] == "cited"]
    assert {"VGAN", "TGAN", "MoCoGAN"} <= set(cited["row"]) and cited["reproduced"].isna().all()
    assert "(cited)" in tables.pivot(result).loc["VGAN", "UvA FID"]


def test_missing_metric_or_file_is_an_error(tmp_path):
    spec = {"table": "table_3_6", "kind": "metrics", "run_type": "full", **FID_3_6}
    with pytest.raises(KeyError, match="vfid"):
        build_table(spec, [metric_file(tmp_path, "encgan3_uva_64", "latent", {"vis_actor": 2.0}),
                           metric_file(tmp_path, "encgan3_uva_64_lr4e5", "latent", {"vfid": 2.0})])
    with pytest.raises(FileNotFoundError, match="encgan3_uva_64_lr4e5/latent/final"):
        build_table(spec, [metric_file(tmp_path, "encgan3_uva_64", "latent", {"vfid": 2.0})])


PARAMS_5_3 = {"table": "table_5_3", "kind": "params", "run_type": "smoke", "variant": "improved_r2_128", "rows": [
    {"thesis": "Generator (G)", "parts": ["generator"]},
    {"thesis": "Total R2", "parts": ["encoder", "generator", "video_discriminator", "image_discriminator"]},
    {"thesis": "GPT", "parts": ["gpt"], "unit": "B"}]}


def test_params_table_millions_storage_and_the_fitted_widths_note(tmp_path):
    parts = {"encoder": 2_060_000, "generator": 90_370_000, "video_discriminator": 29_320_000,
             "image_discriminator": 6_960_000, "gpt": 1_362_467_328}
    csv = tmp_path / "params.csv"
    pd.DataFrame([{"variant": "improved_r2_128", "resolution": 128, "g_mode": "3d", "part": k, "params": v}
                  for k, v in parts.items()]).to_csv(csv, index=False)
    result = build_table(PARAMS_5_3, [csv])
    frame = result.frame().set_index(["row", "column"])
    assert frame.loc[("Generator (G)", "Parameter Count [M]"), "reproduced"] == 90.37
    assert frame.loc[("Total R2", "Parameter Count [M]"), "reproduced"] == pytest.approx(128.71)
    assert frame.loc[("Total R2", "Storage Memory (GB)"), "reproduced"] == pytest.approx(0.479, abs=1e-3)
    assert frame.loc[("GPT", "Parameter Count [B]"), "reproduced"] == 1.36  # printed in billions
    assert frame.loc[("GPT", "Parameter Count [B]"), "thesis"] == 1.36
    assert frame.loc[("GPT", "Storage Memory (GB)"), "reproduced"] == pytest.approx(5.075, abs=1e-3)
    assert any(n.startswith("the counts match by construction, not as an independent confirmation") for n in result.notes)
    with pytest.raises(ValueError, match="no rows of variant 'r2_64'"):
        build_table(PARAMS_5_3 | {"variant": "r2_64"}, [csv])


def test_memory_table_reports_unprobed_rows(tmp_path):
    probe = tmp_path / "memory.csv"
    pd.DataFrame([{"resolution": 64, "frames": 16, "max_batch": 2, "device": "cpu:x86_64", "memory_gb": 11.8}]).to_csv(probe, index=False)
    spec = {"table": "table_3_7", "kind": "memory", "run_type": "smoke", "columns": [{"thesis": "Batch size"}], "rows": [
        {"thesis": "16 frames, 64x64", "frames": 16, "resolution": 64},
        {"thesis": "16 frames, 128x128", "frames": 16, "resolution": 128}]}
    result = build_table(spec, [probe])
    frame = result.frame()
    assert frame[["row", "column", "reproduced", "thesis"]].values.tolist() == [["16 frames, 64x64", "Batch size", 2.0, 10.0]]
    assert any("16 frames, 128x128: not probed" in n for n in result.notes)


def _stats(tmp_path: Path, dataset: str, **fields) -> Path:
    stats = {"dataset": dataset, "video_dir": f"resources/videos/{dataset}/64", "videos": 10, "videos_train": 9,
             "videos_test": 1, "frame_range": [20, 75], "subjects": 3, "classes": 2, "rejected": 0,
             "segments": [{"length": 16, "segments": 40, "segments_train": 30, "segments_test": 10},
                          {"length": 24, "segments": 20, "segments_train": 15, "segments_test": 5}]} | fields
    path = tmp_path / f"{dataset}_stats.json"
    path.write_text(json.dumps(stats))
    return path


def test_data_table_layouts_and_the_holdout_note(tmp_path):
    spec = {"table": "table_4_4", "kind": "data", "run_type": "full", "layout": "splits", "datasets": ["weizmann", "taichi"]}
    result = build_table(spec, [_stats(tmp_path, "weizmann"), _stats(tmp_path, "taichi", rejected=2)])
    cells = {(r["row"], r["column"]): r["reproduced"] for r in result.rows}
    assert cells == {("Weizmann", "Videos"): 10, ("Weizmann", "Videos Train"): 9, ("Weizmann", "Videos Test"): 1,
                     ("Taichi subset (used)", "Segments"): 40, ("Taichi subset (used)", "Segments Train"): 30,
                     ("Taichi subset (used)", "Segments Test"): 10}
    assert "match by construction, not as an independent confirmation" in result.notes[0]
    assert "taichi: 2 source videos rejected (see rejected.csv)" in result.notes
    seg = build_table(spec | {"table": "table_5_4", "layout": "segments"}, [_stats(tmp_path, "taichi")])
    assert [(r["row"], r["column"], r["reproduced"], r["thesis"]) for r in seg.rows][:2] == [
        ("Taichi", "Segments", 20, 300), ("Taichi", "Train", 15, 230)]
    with pytest.raises(ValueError, match="no 24-frame segment index"):
        data_kind.segments_cells(json.loads(_stats(tmp_path, "sky", segments=[]).read_text()))


def _run_log(root: Path, exp: str, last_step: int) -> Path:
    path = root / "runs" / exp / "metrics.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("epoch,step,name,value\n" + "".join(f"0,{s},g,1.0\n" for s in range(50, last_step, 50))
                    + f"1,{last_step},g,1.0\n")
    return path


def test_iterations_note_reads_each_runs_last_step(tmp_path):
    """Table 4.8: `iterations: true` adds the runs' metrics.csv to the inputs and their iteration counts to a note."""
    spec = {"table": "table_4_8", "kind": "metrics", "run_type": "full", "iterations": True,
            "rows": [{"thesis": "step 1", "experiment": "s1", "sampler": "recall136"},
                     {"thesis": "step 4", "experiment": "s4", "sampler": "recall136"}],
            "columns": [{"thesis": "16", "metric": "fvd_len_16f"}]}
    assert metrics_kind.inputs("table_4_8", spec, {}) == [
        "results/metrics/s1/recall136/final.json", "results/metrics/s4/recall136/final.json",
        "results/runs/s1/metrics.csv", "results/runs/s4/metrics.csv"]
    files = [metric_file(tmp_path, e, "recall136", {"fvd_len_16f": 1.0}) for e in ("s1", "s4")]
    result = build_table(spec, files + [_run_log(tmp_path, "s4", 672), _run_log(tmp_path, "s1", 672)])
    assert result.notes[-1] == "training iterations: s1 672, s4 672"
    with pytest.raises(FileNotFoundError, match=r"\['s4'\]"):
        build_table(spec, files + [_run_log(tmp_path, "s1", 672)])
    assert "results/runs/s1/metrics.csv" not in metrics_kind.inputs("t", spec | {"iterations": False}, {})


def test_table_4_1_notes_the_chapter_4_training_windows(tmp_path):
    windows = {"length": 24, "stride": 8, "segments": 57, "segments_train": 40, "segments_test": 17,
               "file": "resources/segments/taichi/64/24f_s8.csv"}
    stats = _stats(tmp_path, "taichi", segments=[{"length": 16, "stride": 8, "segments": 70},
                                                 {"length": 24, "stride": 24, "segments": 20,
                                                  "segments_train": 15, "segments_test": 5}, windows],
                   subjects_table=[{"subject": "A", "videos": 3, "length_range": [60, 200], "segments": 70}])
    spec = {"table": "table_4_1", "kind": "data", "run_type": "full", "layout": "subjects", "datasets": ["taichi"]}
    result = build_table(spec, [stats])
    assert ("taichi: Chapter 4 recall runs train on 57 windows of 24 frames at stride 8 (40 train / 17 test; pairs of"
            " adjacent stride-8 16-frame segments, Sec. 4.6.1; resources/segments/taichi/64/24f_s8.csv)") in result.notes
    seg = build_table(spec | {"table": "table_5_4", "layout": "segments"}, [stats])  # Table 5.4 keeps stride 24
    assert [r["reproduced"] for r in seg.rows if r["column"] == "Segments"] == [20]
