"""Chapter 4's recall windows (docs/recall.md "Training data"): the stride-8 24-frame index (pairs of adjacent
stride-8 16-frame segments), step-sampled 24-frame windows of the short-video runs (Table 4.6) and the step-4
windows drawn once per index row (Table 4.8), over a tiny store whose pixel value is the frame index."""

from __future__ import annotations

import numpy as np
import pytest

from longvid.data.clips import ClipDataset
from longvid.data.config import DataConfig, index_of, segment_file
from longvid.data.sampling import span
from longvid.data.segments import read_segments, write_segments
from longvid.data.store import MANIFEST_COLUMNS, write_csv
from longvid.io import save_npy

LENGTHS = {"a": 100, "b": 57, "c": 40, "d": 30, "e": 20}  # e: shorter than one 24-frame window


@pytest.fixture()
def store(tmp_path):
    rows = []
    for vid, n in LENGTHS.items():
        save_npy(tmp_path / f"{vid}.npy", np.broadcast_to(np.arange(n, dtype=np.uint8)[:, None, None, None],
                                                          (n, 4, 4, 3)))
        rows.append({"video_id": vid, "path": f"{vid}.npy", "n_frames": n, "split": "train", "action": "x",
                     "actor": vid, "group": ""})
    write_csv(tmp_path / "videos.csv", MANIFEST_COLUMNS, rows)
    return tmp_path


def test_stride8_index_is_every_pair_of_adjacent_16f_segments(store, tmp_path):
    write_segments(store, tmp_path / "16f.csv", 16, 8)
    n = write_segments(store, tmp_path / "24f_s8.csv", 24, 8)
    sixteen, pairs = read_segments(tmp_path / "16f.csv"), read_segments(tmp_path / "24f_s8.csv")
    per_video16 = {v: sum(r["video_id"] == v for r in sixteen) for v in LENGTHS}
    # a video with k stride-8 16-frame segments has k - 1 adjacent pairs (Table 4.1: 926 - 31 = 895)
    assert n == len(pairs) == sum(k - 1 for k in per_video16.values() if k) == 10 + 5 + 3 + 1
    starts16 = {(r["video_id"], r["start"]) for r in sixteen}
    for row in pairs:  # both clips of the pair are 16-frame segments of the index
        assert (row["video_id"], row["start"]) in starts16 and (row["video_id"], row["start"] + 8) in starts16
        assert row["stride"] == 8 and row["start"] + 24 <= LENGTHS[row["video_id"]]
    write_segments(store, tmp_path / "24f.csv", 24, 24)  # Table 5.4's stride 24: a third of the pairs
    assert len(read_segments(tmp_path / "24f.csv")) == 4 + 2 + 1 + 1


def test_index_path_names_a_non_default_stride():
    assert segment_file("taichi", 64, 24) == "resources/segments/taichi/64/24f.csv"
    assert segment_file("taichi", 64, 24, 24) == "resources/segments/taichi/64/24f.csv"  # the default stride
    assert segment_file("taichi", 64, 24, 8) == "resources/segments/taichi/64/24f_s8.csv"
    assert segment_file("sky", 128, 16, 8) == "resources/segments/sky/128/16f.csv"
    data = {"dataset": "taichi", "resolution": 64, "length": 24, "sampling": "segment_step", "segment_stride": 8}
    assert index_of(data) == "resources/segments/taichi/64/24f_s8.csv"
    assert index_of(data | {"sampling": "step", "segment_stride": None}) is None


@pytest.mark.parametrize("kwargs, words", [
    ({"sampling": "step", "segment_stride": 8}, "only applies to data.sampling"),
    ({"sampling": "segments", "segment_stride": 0}, "must be >= 1"),
    ({"sampling": "segments", "length": 32}, "no default stride"),
])
def test_data_config_checks_the_stride(kwargs, words):
    with pytest.raises(ValueError, match=words):
        DataConfig(**({"dataset": "taichi", "length": 24} | kwargs))


def test_step_sampled_recall_windows_fall_back_to_the_steps_that_fit(store):
    """Table 4.6: one 24-frame window per video at a step of 1-3 that fits the video (23 s + 1 frames); a video
    shorter than 24 frames is excluded, one of 24-46 frames uses step 1, one of 47-69 steps 1-2."""
    with pytest.warns(UserWarning, match="1 video"):
        ds = ClipDataset(store, length=24, sampling="step", steps=(1, 3), seed=3)
    assert ds.excluded == ["e"] and len(ds) == 4
    seen = {v: set() for v in ds.videos}
    for epoch in range(40):
        ds.set_epoch(epoch)
        for i, (vid, _) in enumerate(ds.items):
            frames = ds.frame_indices(i)
            step = int(frames[1] - frames[0])
            assert len(frames) == 24 and (np.diff(frames) == step).all()
            assert 0 <= frames[0] and frames[-1] < LENGTHS[vid]  # bounded by the video
            assert span(24, step) <= LENGTHS[vid]
            seen[vid].add(step)
            if epoch == 0:
                assert np.array_equal(ds[i]["video"][:, 0, 0, 0].add(1).mul(127.5).round().long().numpy(), frames)
    assert seen == {"a": {1, 2, 3}, "b": {1, 2}, "c": {1}, "d": {1}}
    with pytest.warns(UserWarning):
        again = ClipDataset(store, length=24, sampling="step", steps=(1, 3), seed=3)
    again.set_epoch(39)
    assert all(np.array_equal(again.frame_indices(i), ds.frame_indices(i)) for i in range(len(ds)))  # seeded


def test_step4_windows_are_drawn_once_per_index_row(store, tmp_path):
    """Table 4.8: the step-4 run reads the step-1 run's index, one item per row (the same iterations per epoch),
    each a 24-frame window at step 4 (93 frames) anywhere in the row's video; shorter videos are excluded."""
    write_segments(store, tmp_path / "24f_s8.csv", 24, 8)
    with pytest.warns(UserWarning, match="1 video"):
        step1 = ClipDataset(store, length=24, sampling="segments", segments=tmp_path / "24f_s8.csv")
    with pytest.warns(UserWarning, match="4 video"):
        step4 = ClipDataset(store, length=24, sampling="segment_step", steps=(4, 4), segments=tmp_path / "24f_s8.csv")
    assert step4.excluded == ["b", "c", "d", "e"]
    assert [v for v, _ in step4.items] == ["a"] * 10 == [v for v, _ in step1.items if v == "a"]
    starts = set()
    for epoch in range(5):
        step4.set_epoch(epoch)
        for i in range(len(step4)):
            frames = step4.frame_indices(i)
            assert (np.diff(frames) == 4).all() and frames[0] >= 0 and frames[-1] < 100
            starts.add(int(frames[0]))
    assert starts == set(range(100 - 93 + 1))  # anywhere in the video, not at the row's start (0, 8, ..., 72)
    full = {v: n for v, n in LENGTHS.items() if n >= 93}
    assert len(step4) == sum(n // 8 - 2 for n in full.values())  # the rows of the long-enough videos


@pytest.mark.parametrize("files", [["config.yaml"], ["config.yaml", "tests/smoke/config.yaml"]])
def test_table_4_8_runs_train_equal_iterations(store, tmp_path, files):
    """The step-1 and step-4 runs of Table 4.8, as config.yaml resolves them, read the same index, draw as many
    items per epoch and train as many epochs at the same batch: equal iterations, whatever the data."""
    from pathlib import Path

    from longvid import config as lvconfig
    from longvid.data.clips import build_dataset
    from longvid.train.config import TrainConfig
    from longvid.train.loop import iters_per_epoch

    root = Path(__file__).resolve().parents[2]
    cfg = lvconfig.load(*(root / f for f in files))
    runs = [lvconfig.resolve_experiment(cfg, name) for name in ("recall_taichi_64_v1", "recall_taichi_64_v1_step4")]
    assert index_of(runs[0]["data"]) == index_of(runs[1]["data"]) == "resources/segments/taichi/64/24f_s8.csv"
    assert [r["data"]["steps"] for r in runs] == [[1, 1], [4, 4]]
    write_segments(store, tmp_path / "24f_s8.csv", 24, 8)
    store_a = tmp_path / "only_a"  # the step-4 windows need 93 frames: keep the one video that has them
    store_a.mkdir()
    (store_a / "a.npy").symlink_to(store / "a.npy")
    write_csv(store_a / "videos.csv", MANIFEST_COLUMNS, [{"video_id": "a", "path": "a.npy", "n_frames": 100,
                                                        "split": "train", "action": "x", "actor": "a", "group": ""}])
    iterations = []
    for run in runs:
        tcfg = TrainConfig.from_dict(run["train"])
        dataset = build_dataset(run, str(store_a), str(tmp_path / "24f_s8.csv"))
        iterations.append(tcfg.epochs * iters_per_epoch(len(dataset), tcfg.batch_size))
    assert iterations[0] == iterations[1] > 0
