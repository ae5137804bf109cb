"""ClipDataset (docs/contracts.md): shapes, range, labels, reproducibility, segments, exclusion of short videos."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from longvid.data.clips import ClipDataset
from longvid.data.segments import write_segments
from longvid.data.store import write_csv, MANIFEST_COLUMNS
from longvid.io import save_npy


@pytest.fixture()
def store(tmp_path):
    """Three stored videos whose pixel value encodes the frame index (frame t == t)."""
    rows = []
    for vid, n, action, actor, split in (("a", 40, "walk", "p1", "train"), ("b", 30, "wave", "p2", "test"),
                                         ("c", 10, "walk", "p2", "train")):
        video = np.broadcast_to(np.arange(n, dtype=np.uint8)[:, None, None, None], (n, 8, 8, 3))
        save_npy(tmp_path / f"{vid}.npy", video)
        rows.append({"video_id": vid, "path": f"{vid}.npy", "n_frames": n, "split": split, "action": action,
                     "actor": actor, "group": ""})
    write_csv(tmp_path / "videos.csv", MANIFEST_COLUMNS, rows)
    return tmp_path


def test_step_items(store):
    with pytest.warns(UserWarning, match="1 video"):
        ds = ClipDataset(store, length=16, sampling="step", steps=(1, 3), seed=3)
    assert ds.excluded == ["c"] and len(ds) == 2 and ds.classes == ["walk", "wave"]
    item = ds[1]
    assert item["video"].shape == (16, 3, 8, 8) and item["video"].dtype == torch.float32
    assert item["video_id"] == "b" and item["label"] == 1
    frames = item["frames"].numpy()
    expected = torch.from_numpy(frames).float().div(127.5).sub(1)  # pixel value = frame index
    assert torch.allclose(item["video"][:, 0, 0, 0], expected)
    assert item["video"].min() >= -1 and item["video"].max() <= 1
    step = frames[1] - frames[0]
    assert 1 <= step <= 3 and (np.diff(frames) == step).all()


def test_reproducible_per_seed_epoch_index(store):
    with pytest.warns(UserWarning):
        ds = ClipDataset(store, sampling="step", steps=(1, 2), seed=0, label="actor")
    first = [ds[i]["frames"].tolist() for i in range(len(ds))]
    assert first == [ds[i]["frames"].tolist() for i in range(len(ds))]
    draws = set()
    for epoch in range(6):
        ds.set_epoch(epoch)
        draws.add(tuple(ds[0]["frames"].tolist()))
    assert len(draws) > 1
    assert ds.classes == ["p1", "p2"]


def test_uniform_and_split(store):
    ds = ClipDataset(store, sampling="uniform", split="test")
    assert [v for v, _ in ds.items] == ["b"]
    frames = ds[0]["frames"].numpy()
    bounds = (np.arange(17) * 30) // 16
    assert ((frames >= bounds[:-1]) & (frames < bounds[1:])).all()


@pytest.mark.filterwarnings("ignore:.*shorter than")
def test_segments_and_dataloader(store):
    write_segments(store, store / "16f.csv", 16, 8)
    with pytest.raises(ValueError, match="needs segments"):
        ClipDataset(store, sampling="segments")
    ds = ClipDataset(store, sampling="segments", segments=store / "16f.csv", split="train")
    assert ds.items == [("a", 0), ("a", 8), ("a", 16), ("a", 24)]  # c (10 frames) has no window
    assert ds[2]["frames"].tolist() == list(range(16, 32))
    batch = next(iter(torch.utils.data.DataLoader(ds, batch_size=4)))
    assert batch["video"].shape == (4, 16, 3, 8, 8)
    with pytest.raises(ValueError, match="24"):
        ClipDataset(store, length=24, sampling="segments", segments=store / "16f.csv")


def test_smoke_store_clips(smoke_store):
    ds = ClipDataset(smoke_store("kth"), length=16, sampling="step", steps=(1, 6), label="action")
    assert len(ds) == 18 and ds.classes == ["boxing", "handwaving", "walking"]
    assert ds[0]["video"].shape == (16, 3, 32, 32)


def test_open_memory_maps_are_bounded(store, monkeypatch):
    import longvid.data.clips as clips

    monkeypatch.setattr(clips, "OPEN_MAPS", 1)
    ds = ClipDataset(store, sampling="uniform", split=None, length=8)
    for i in [0, 1, 0, 2, 1]:
        item = ds[i]
        assert torch.allclose(item["video"][:, 0, 0, 0], item["frames"].float().div(127.5).sub(1))
        assert len(ds._arrays) == 1


def test_groups_filter(tmp_path):
    rows = []
    for vid, group in (("a", "A"), ("b", "B"), ("c", "A")):
        save_npy(tmp_path / f"{vid}.npy", np.zeros((20, 8, 8, 3), np.uint8))
        rows.append({"video_id": vid, "path": f"{vid}.npy", "n_frames": 20, "split": "train", "action": "taichi",
                     "actor": vid, "group": group})
    write_csv(tmp_path / "videos.csv", MANIFEST_COLUMNS, rows)
    ds = ClipDataset(tmp_path, sampling="step", steps=(1, 1), groups=["A"])
    assert [v for v, _ in ds.items] == ["a", "c"]
    with pytest.raises(ValueError, match=r"videos.csv: no video .* group\(s\) \['D'\].*groups present: \['A', 'B'\]"):
        ClipDataset(tmp_path, sampling="step", steps=(1, 1), groups=["D"])


def test_max_items_keeps_a_seeded_subset(tmp_path):
    rows = []
    for k in range(10):
        save_npy(tmp_path / f"v{k}.npy", np.zeros((20, 8, 8, 3), np.uint8))
        rows.append({"video_id": f"v{k}", "path": f"v{k}.npy", "n_frames": 20, "split": "train", "action": "a",
                     "actor": "p", "group": ""})
    write_csv(tmp_path / "videos.csv", MANIFEST_COLUMNS, rows)
    ds = ClipDataset(tmp_path, sampling="step", steps=(1, 1), seed=1, max_items=4)
    assert len(ds) == 4 and ds.items == ClipDataset(tmp_path, sampling="step", steps=(1, 1), seed=1, max_items=4).items
    assert ds.items != ClipDataset(tmp_path, sampling="step", steps=(1, 1), seed=2, max_items=4).items
    assert len(ClipDataset(tmp_path, sampling="step", steps=(1, 1), max_items=40)) == 10
