"""Thesis figures show what they should: panel titles and order, axis labels, the plotted values, the frames.

Each figure function returns `figures.describe(fig)`, read back from the matplotlib figure it saved."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from longvid.report import figures


def _sample_folder(root: Path, name: str, videos: list[np.ndarray]) -> Path:
    folder = root / name
    (folder / "videos").mkdir(parents=True)
    for i, video in enumerate(videos):
        np.save(folder / "videos" / f"{i:05d}.npy", video)
    return folder


def _ramp(first: int, frames: int = 16, size: int = 4) -> np.ndarray:
    """A video whose frame t is the constant first + t (uint8 T x H x W x 3): panels and frames are recognisable."""
    return np.broadcast_to((first + np.arange(frames, dtype=np.uint8))[:, None, None, None], (frames, size, size, 3)).copy()


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


def test_frames_figure_shows_each_panel_in_order_with_its_frames(tmp_path):
    a = _sample_folder(tmp_path, "a", [_ramp(0), _ramp(100)])
    b = _sample_folder(tmp_path, "b", [_ramp(200)])
    spec = {"figure": "figure_3_9", "kind": "frames", "run_type": "smoke", "panels": [["encgan3_uva_64", "latent"],
            ["g3an_uva_64", "noise"]], "videos": [2, 1], "frames": 4, "diffmaps": True}
    shown = figures.frames_figure(spec, [a, b], tmp_path / "figure_3_9")
    assert (tmp_path / "figure_3_9.png").is_file() and (tmp_path / "figure_3_9.pdf").is_file()
    assert shown["title"] == "[SMOKE RUN] Figure 3.9"
    assert [p["title"] for p in shown["panels"]] == ["encgan3_uva_64 (latent, epoch final)",
                                                     "g3an_uva_64 (noise, epoch final)"]
    first, second = (p["image"] for p in shown["panels"])
    assert first.shape == (2 * 2 * 4, 4 * 4, 3) and second.shape == (2 * 4, 4 * 4, 3)  # videos x (frames, diffs)
    frames = [0, 5, 10, 15]  # 4 frames spread over 16
    assert first[0, ::4, 0].tolist() == frames and first[8, ::4, 0].tolist() == [100 + t for t in frames]
    assert first[4, ::4, 0].tolist() == [0, 3, 3, 3]  # |x_{t-1} - x_t| x 3 under the frames
    assert second[0, ::4, 0].tolist() == [200 + t for t in frames]


def test_frames_figure_labels_epochs_and_checks_counts(tmp_path):
    dirs = [_sample_folder(tmp_path, f"s{i}", [_ramp(10 * i)]) for i in range(4)]
    spec = {"figure": "figure_3_12", "kind": "frames", "run_type": "full", "panels": [["u", "latent"], ["g", "noise"]],
            "epochs": [100, "final"], "videos": 1, "labels": ["uniform", "G3AN"], "diffmaps": False}
    shown = figures.frames_figure(spec, dirs, tmp_path / "figure_3_12")
    assert [p["title"] for p in shown["panels"]] == [
        "uniform: u (latent, epoch 100)", "uniform: u (latent, epoch final)",
        "G3AN: g (noise, epoch 100)", "G3AN: g (noise, epoch final)"]
    assert [int(p["image"][0, 0, 0]) for p in shown["panels"]] == [0, 10, 20, 30]  # folders in panel x epoch order
    assert shown["title"] == "Figure 3.12"
    with pytest.raises(ValueError, match="videos lists 1 counts for 2 panels"):
        figures.frames_figure(spec | {"videos": [4]}, dirs, tmp_path / "x")
    with pytest.raises(ValueError, match="labels lists 1 names for 2 panels"):
        figures.frames_figure(spec | {"labels": ["a"]}, dirs, tmp_path / "x")
    with pytest.raises(ValueError, match="3 sample folders for 2 panels x 2 epochs"):
        figures.frames_figure(spec, dirs[:3], tmp_path / "x")


def test_curves_figure_plots_each_models_logged_values(tmp_path):
    logs = []
    for run, values in {"encgan3_uva_64": [90.0, 80.0], "g3an_uva_64": [95.0, 91.0]}.items():
        path = tmp_path / run / "metrics.csv"
        path.parent.mkdir()
        rows = [{"epoch": e, "step": 10 * e, "name": "vfid", "value": v} for e, v in zip([100, 200], values)]
        rows.append({"epoch": 200, "step": 2000, "name": "train_loss", "value": 0.5})  # not a panel's metric
        pd.DataFrame(rows).to_csv(path, index=False)
        logs.append(path)
    spec = {"figure": "figure_3_2", "kind": "curves", "run_type": "full", "datasets": ["uva", "kth"],
            "metrics": ["vfid", "vis"]}
    shown = figures.curves_figure(spec, logs, tmp_path / "figure_3_2")
    assert shown["title"] == "Figure 3.2: vfid, vis over training epochs"
    panels = shown["panels"]
    assert [p["title"] for p in panels] == ["uva: vfid", "uva: vis", "kth: vfid", "kth: vis"]
    assert [p["ylabel"] for p in panels] == ["vfid", "vis", "vfid", "vis"] and panels[0]["xlabel"] == "epoch"
    assert panels[0]["legend"] == ["EncGAN3", "G3AN"]
    assert panels[0]["lines"] == [([100.0, 200.0], [90.0, 80.0]), ([100.0, 200.0], [95.0, 91.0])]
    assert all(p["lines"] == [] and p["texts"] == ["no evaluations logged"] for p in panels[1:])


def test_along_figure_plots_the_fvd_list(tmp_path):
    paths = []
    for exp, sampler, values in [("recall_taichi_128", "recall400", [100.0, 120.0, 150.0]),
                                 ("recall_sky_128", "recall1024", [80.0, 85.0])]:
        path = tmp_path / exp / sampler / "final.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"metrics": {"fvd_along_16f": values}}))
        paths.append(str(path))
    spec = {"figure": "figure_4_9", "kind": "along", "run_type": "full",
            "panels": [["recall_taichi_128", "recall400"], ["recall_sky_128", "recall1024"]]}
    shown = figures.build_figure(json.dumps(spec), paths, str(tmp_path / "figure_4_9"))
    assert shown["title"] == "Figure 4.9: FVD along the generated videos"
    assert [p["title"] for p in shown["panels"]] == ["recall_taichi_128 (recall400)", "recall_sky_128 (recall1024)"]
    assert shown["panels"][0]["lines"] == [([0.0, 16.0, 32.0], [100.0, 120.0, 150.0])]
    assert shown["panels"][1]["lines"] == [([0.0, 16.0], [80.0, 85.0])]
    assert {(p["xlabel"], p["ylabel"]) for p in shown["panels"]} == {("first frame of the 16-frame clip", "FVD (16 frames)")}


def test_frame_rows_ranges_show_each_stretch_side_by_side():
    video = np.broadcast_to(np.arange(120, dtype=np.uint8)[:, None, None, None], (120, 4, 4, 3))
    row = figures.frame_rows(video, None, 8, False, ranges=[[0, 40], [40, 80], [80, 120]])[0]  # Fig. 5.6 thirds
    gap = 1  # a quarter of a 4-pixel frame, white
    assert row.shape == (4, 3 * 5 * 4 + 2 * gap, 3)
    firsts = [int(row[0, x, 0]) for x in range(0, 5 * 4, 4)]
    assert firsts == [0, 8, 16, 24, 32]
    assert int(row[0, 5 * 4, 0]) == 255 and int(row[0, 5 * 4 + gap, 0]) == 40  # gap, then the second third
    assert int(row[0, -4, 0]) == 112  # last frame of the last third: 80 + 4 x 8
    with pytest.raises(ValueError, match=r"\[80, 200\) does not fit a 120-frame video"):
        figures.frame_rows(video, None, 8, False, ranges=[[80, 200]])


def test_frames_figure_note_goes_under_the_title(tmp_path):
    folder = _sample_folder(tmp_path, "a", [_ramp(0, frames=32)])
    spec = {"figure": "figure_5_6", "kind": "frames", "run_type": "smoke", "panels": [["ar2_taichi_128", "ar2vdrej"]],
            "videos": 1, "every": 4, "ranges": [[0, 16], [16, 32]], "note": "rows of DIGAN, TATS not shown"}
    shown = figures.frames_figure(spec, [folder], tmp_path / "figure_5_6")
    assert shown["title"] == "[SMOKE RUN] Figure 5.6\nrows of DIGAN, TATS not shown"
    assert shown["panels"][0]["title"] == "ar2_taichi_128 (ar2vdrej, epoch final), frames 0-16 | 16-32 every 4"
    assert shown["panels"][0]["image"][0, ::4, 0][:4].tolist() == [0, 4, 8, 12]


def _metric_file(root: Path, exp: str, sampler: str, epoch: str, sampled: int, values: dict) -> str:
    path = root / exp / sampler / f"{epoch}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"metrics": values, "protocol": {"samples_json": {"epoch": sampled}}}))
    return str(path)


def test_checkpoints_figure_plots_each_line_over_the_sampled_epochs(tmp_path):
    """Fig. 5.8: one panel per metric, one line per experiment x sampler, x = the epoch of the sampled checkpoint
    (`final` placed at the run's last epoch, read from samples.json)."""
    lines = [["ir2_mean", "recall128mean"], ["ir2", "recall128vdrej"]]
    paths = []
    for k, (exp, sampler) in enumerate(lines):
        for epoch, sampled in (("10", 10), ("20", 20), ("final", 25)):
            paths.append(_metric_file(tmp_path, exp, sampler, epoch, sampled,
                                      {"fvd2048_16f": 100.0 * (k + 1) + sampled, "fvd2048_128f": 1000.0 - sampled}))
    spec = {"figure": "figure_5_8", "kind": "checkpoints", "run_type": "full", "lines": lines,
            "labels": ["train: mean, test: mean", "train: sample, test: sample"],
            "metrics": ["fvd2048_16f", "fvd2048_128f"], "epochs": ["10", "20", "final"]}
    shown = figures.build_figure(json.dumps(spec), paths[::-1], str(tmp_path / "figure_5_8"))  # any input order
    assert shown["title"] == "Figure 5.8: fvd2048_16f, fvd2048_128f over training epochs"
    first, second = shown["panels"]
    assert (first["title"], second["title"]) == ("(a) fvd2048_16f", "(b) fvd2048_128f")
    assert first["legend"] == spec["labels"] and first["xlabel"] == "training epoch"
    assert first["lines"] == [([10.0, 20.0, 25.0], [110.0, 120.0, 125.0]), ([10.0, 20.0, 25.0], [210.0, 220.0, 225.0])]
    assert second["lines"][1] == ([10.0, 20.0, 25.0], [990.0, 980.0, 975.0])
    with pytest.raises(FileNotFoundError, match="ir2_mean/recall128mean/30"):
        figures.checkpoints_figure(spec | {"epochs": ["30"]}, [Path(p) for p in paths], tmp_path / "x")
    with pytest.raises(KeyError, match="fvd_ratio missing"):
        figures.checkpoints_figure(spec | {"metrics": ["fvd_ratio"]}, [Path(p) for p in paths], tmp_path / "x")


def _patterned(seed: int, frames: int = 16, size: int = 16) -> np.ndarray:
    """A video whose every pixel differs (frame t, row y, column x -> its own value): crops can be located."""
    t, y, x = np.meshgrid(np.arange(frames), np.arange(size), np.arange(size), indexing="ij")
    value = (seed + 7 * t + 3 * y + x) % 251
    return np.repeat(value[..., None], 3, axis=-1).astype(np.uint8)


def test_crops_figure_enlarges_the_stated_box_of_the_stated_frames(tmp_path):
    a = _sample_folder(tmp_path, "a", [_patterned(0), _patterned(50)])
    b = _sample_folder(tmp_path, "b", [_patterned(100)])
    crops = [{"panel": "encgan3_uva_128", "video": 1, "frames": [2, 9], "box": [0.25, 0.5, 0.25, 0.25],
              "label": "UvA: eyes"},
             {"panel": "encgan3_kth_128", "video": 0, "frames": [0], "box": [0.0, 0.0, 0.5, 0.5]}]
    spec = {"figure": "figure_3_5", "kind": "crops", "run_type": "smoke", "crops": crops,
            "panels": [["encgan3_kth_128", "latent"], ["encgan3_uva_128", "latent"]]}
    shown = figures.build_figure(json.dumps(spec), [str(b), str(a)], str(tmp_path / "figure_3_5"))
    assert (tmp_path / "figure_3_5.png").is_file() and (tmp_path / "figure_3_5.pdf").is_file()
    assert shown["title"] == "[SMOKE RUN] Figure 3.5: enlarged parts of the generated videos"
    assert [p["title"] for p in shown["panels"]] == [
        "UvA: eyes: encgan3_uva_128 (latent), video 1, frames [2, 9]",
        "encgan3_kth_128 (latent), video 0, frames [0]"]  # in the order of `crops`, each from its own panel
    eyes, hands = (p["image"] for p in shown["panels"])
    video, gap = _patterned(50), 1  # the crop's video; tiles are 16 px frames with a 1 px white gap
    assert eyes.shape == (16, 3 * 16 + 2 * gap, 3)  # outlined frame + 2 crops, each enlarged to the frame's height
    outlined = eyes[:, :16, 0]
    assert outlined[4, 8:12].tolist() == [255] * 4 and outlined[7, 8:12].tolist() == [255] * 4  # the box's edges
    assert outlined[5:7, 8].tolist() == [255, 255] and outlined[0, 0] == video[2, 0, 0, 0]  # rest: frame 2
    for k, frame in enumerate([2, 9]):  # rows 4-7, columns 8-11, enlarged x4 (nearest neighbour)
        tile = eyes[:, (k + 1) * (16 + gap):(k + 2) * (16 + gap) - gap, 0]
        assert (tile == video[frame, 4:8, 8:12, 0].repeat(4, axis=0).repeat(4, axis=1)).all()
    assert (eyes[:, 16:16 + gap] == 255).all()
    assert (hands[:, 16 + gap:, 0] == _patterned(100)[0, :8, :8, 0].repeat(2, axis=0).repeat(2, axis=1)).all()


def test_crops_figure_names_a_bad_crop(tmp_path):
    a = _sample_folder(tmp_path, "a", [_patterned(0)])
    spec = {"figure": "figure_3_5", "kind": "crops", "panels": [["encgan3_uva_128", "latent"]]}
    bad = [({"panel": "encgan3_kth_128", "box": [0, 0, 0.5, 0.5]}, "not one of its panels"),
           ({"panel": "encgan3_uva_128", "box": [0.6, 0, 0.5, 0.5]}, "inside it"),
           ({"panel": "encgan3_uva_128", "video": 3, "box": [0, 0, 0.5, 0.5]}, "holds 1 videos"),
           ({"panel": "encgan3_uva_128", "frames": [16], "box": [0, 0, 0.5, 0.5]}, "has 16 frames")]
    for crop, message in bad:
        with pytest.raises(ValueError, match=message):
            figures.crops_figure({**spec, "crops": [crop]}, [a], tmp_path / "x")


def test_schema_figure_kinds_are_the_registry_keys():
    import yaml

    schema = yaml.safe_load((Path(__file__).resolve().parents[2] / "workflow/schemas/config.schema.yaml").read_text())
    assert schema["properties"]["figures"]["additionalProperties"]["properties"]["kind"]["enum"] == \
        list(figures.FIGURE_KINDS)
