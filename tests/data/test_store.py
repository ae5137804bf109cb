"""The video store: bad inputs are recorded with their file name and never stop the others; reruns skip work."""

from __future__ import annotations

import zipfile

import numpy as np

from longvid.data import weizmann
from longvid.data.common import archive_video_frames
from longvid.data.smoke_render import render_person
from longvid.data.store import VideoSource, file_sha256, preprocess, read_csv, read_manifest, write_csv
from longvid.io import iter_frames, write_video


def _video(tmp_path, name, n_frames):
    return write_video(tmp_path / name, render_person(48, 64, n_frames, "walk", 0))


def test_bad_inputs_are_rejected_and_good_ones_kept(tmp_path):
    good = _video(tmp_path, "good.mp4", 20)
    short = _video(tmp_path, "short.mp4", 10)
    data = _video(tmp_path, "whole.mp4", 20).read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 3])
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.writestr("junk.avi", np.random.default_rng(0).bytes(3000))
    sources = [
        VideoSource("cut", str(tmp_path / "cut.mp4"), lambda: iter_frames(tmp_path / "cut.mp4")),
        VideoSource("junk", "a.zip:junk.avi", lambda: archive_video_frames(tmp_path / "a.zip", "junk.avi")),
        VideoSource("gone", "a.zip:gone.avi", lambda: archive_video_frames(tmp_path / "a.zip", "gone.avi")),
        VideoSource("short", str(short), lambda: iter_frames(short)),
        VideoSource("good", str(good), lambda: iter_frames(good), "test", "walk", "x", "g"),
    ]
    out = tmp_path / "store"
    messages = []
    stored, bad = preprocess(sources, out, 32, 16, [("listed.avi", "missing member: listed")], log=messages.append)
    assert (stored, bad) == (1, 5)
    rows = read_manifest(out)
    assert rows == [{"video_id": "good", "path": "good.npy", "n_frames": 20, "split": "test", "action": "walk",
                     "actor": "x", "group": "g", "sha256": file_sha256(out / "good.npy")}]
    assert np.load(out / "good.npy", mmap_mode="r").shape == (20, 32, 32, 3)
    reasons = {r["source"]: r["reason"] for r in read_csv(out / "rejected.csv")}
    assert "cut.mp4" in reasons[str(tmp_path / "cut.mp4")]
    assert "a.zip:junk.avi" in reasons["a.zip:junk.avi"]
    assert "missing member gone.avi" in reasons["a.zip:gone.avi"]
    assert reasons[str(short)] == "shorter than a clip: 10 < 16 frames"
    assert reasons["listed.avi"] == "missing member: listed"
    assert len(messages) == 5 and all(m.startswith("rejected ") for m in messages)
    assert sorted(p.name for p in out.iterdir()) == ["good.npy", "rejected.csv", "videos.csv"]


def test_workers_give_the_same_store(smoke_world, tmp_path):
    sources, _ = weizmann.sources(smoke_world("weizmann"))
    preprocess(sources[:4], tmp_path / "one", 32, log=lambda m: None)
    preprocess(sources[:4], tmp_path / "two", 32, log=lambda m: None, workers=2)
    assert (tmp_path / "one" / "videos.csv").read_text() == (tmp_path / "two" / "videos.csv").read_text()
    for s in sources[:4]:
        assert np.array_equal(np.load(tmp_path / "one" / f"{s.video_id}.npy"),
                              np.load(tmp_path / "two" / f"{s.video_id}.npy"))


def test_rerun_skips_stored_videos(tmp_path):
    good = _video(tmp_path, "good.mp4", 18)
    out = tmp_path / "store"
    preprocess([VideoSource("good", str(good), lambda: iter_frames(good))], out, 32, log=lambda m: None)
    stamp = (out / "good.npy").stat().st_mtime_ns

    def must_not_decode():
        raise AssertionError("decoded again")

    stored, bad = preprocess([VideoSource("good", str(good), must_not_decode)], out, 32, log=lambda m: None)
    assert (stored, bad) == (1, 0) and (out / "good.npy").stat().st_mtime_ns == stamp


def test_weizmann_store_is_edge_cropped(smoke_world, tmp_path):
    sources, _ = weizmann.sources(smoke_world("weizmann"))
    source = next(s for s in sources if s.video_id == "daria_bend")
    preprocess([source], tmp_path, 64, log=lambda m: None)
    stored = np.load(tmp_path / "daria_bend.npy")
    raw = np.stack(list(source.frames()))
    assert stored.shape == (len(raw), 64, 64, 3)
    # the 20 px edge crop removes the figure-free border: left/right 20 px columns never reach the output
    from longvid.data.transforms import preprocess_video

    assert np.array_equal(stored, preprocess_video(raw, 64, edge=20))


def test_manifest_records_a_content_hash_that_a_rerun_adds_without_decoding(tmp_path):
    video = _video(tmp_path, "a.mp4", 20)
    out = tmp_path / "store"
    preprocess([VideoSource("a", str(video), lambda: iter_frames(video))], out, 32, log=lambda m: None)
    sha = read_manifest(out)[0]["sha256"]
    assert sha == file_sha256(out / "a.npy") and len(sha) == 64
    old = [{k: v for k, v in r.items() if k != "sha256"} for r in read_manifest(out)]  # a store made before the column
    write_csv(out / "videos.csv", list(old[0]), old)

    def never_decoded():
        raise AssertionError("a stored video must not be decoded again")

    preprocess([VideoSource("a", str(video), never_decoded)], out, 32, log=lambda m: None)
    assert read_manifest(out)[0]["sha256"] == sha


def test_same_shape_other_pixels_give_another_hash(tmp_path):
    out = tmp_path / "store"
    frames = [np.full((24, 24, 3), 10, np.uint8)] * 18
    preprocess([VideoSource("a", "a", lambda: iter(frames))], out, 16, log=lambda m: None)
    before = read_manifest(out)[0]
    (out / "a.npy").unlink()
    brighter = [f + 1 for f in frames]
    preprocess([VideoSource("a", "a", lambda: iter(brighter))], out, 16, log=lambda m: None)
    after = read_manifest(out)[0]
    assert after["n_frames"] == before["n_frames"] and after["sha256"] != before["sha256"]


def test_duplicate_ids_keep_the_first_and_name_it(tmp_path):
    frames = [np.zeros((24, 24, 3), np.uint8)] * 18
    sources = [VideoSource("a", "first.avi", lambda: iter(frames)),
               VideoSource("a", "second.avi", lambda: iter(frames))]
    out = tmp_path / "store"
    assert preprocess(sources, out, 16, log=lambda m: None) == (1, 1)
    assert read_csv(out / "rejected.csv") == [
        {"source": "second.avi", "reason": "duplicate video id a: kept first.avi (the first in source order)"}]
