"""Two files with one video id (issue 13 item 5): a documented choice recorded in rejected.csv, or an error naming
both files — never a silent drop. Fixtures are written in the datasets' native formats."""

from __future__ import annotations

import io
import shutil
import zipfile

import numpy as np
import pytest

from longvid.data import kth, uva
from longvid.data.smoke_render import render_face, render_person
from longvid.data.store import preprocess, read_csv, read_manifest
from longvid.io import write_video


def _avi_bytes(tmp_path, frames) -> bytes:
    return write_video(tmp_path / "tmp.avi", frames, fps=25.0).read_bytes()


def _append(archive, members: dict) -> None:
    with zipfile.ZipFile(archive, "a") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_kth_keeps_the_official_uncomp_recording_whatever_the_member_order(smoke_world, tmp_path):
    downloads = tmp_path / "kth"
    shutil.copytree(smoke_world("kth"), downloads)
    copy = render_person(120, 160, 24, "boxing", 0, 1, 3.0)  # a re-encoded copy of another length
    _append(downloads / "boxing.zip", {"person01_boxing_d1.avi": _avi_bytes(tmp_path, copy)})  # after the official
    sources, rejected = kth.sources(downloads)
    kept = {s.video_id: s for s in sources}["person01_boxing_d1"]
    assert kept.origin.endswith("boxing.zip:person01_boxing_d1_uncomp.avi") and len(sources) == 18
    assert [r[0].rsplit("/", 1)[-1] for r in rejected] == ["boxing.zip:person01_boxing_d1.avi"]
    assert "kept" in rejected[0][1] and "person01_boxing_d1_uncomp.avi" in rejected[0][1]
    store = tmp_path / "store"
    preprocess([kept], store, 32, rejected=rejected, log=lambda m: None)
    rows = {r["video_id"]: r for r in read_manifest(store)}
    assert rows["person01_boxing_d1"]["n_frames"] == 40  # the official recording, not the 24-frame copy
    reasons = [r["reason"] for r in read_csv(store / "rejected.csv")]
    assert any("person01_boxing_d1_uncomp.avi" in r for r in reasons)


def test_kth_plain_copy_before_the_official_member_loses_too(smoke_world, tmp_path):
    downloads = tmp_path / "kth"
    shutil.copytree(smoke_world("kth"), downloads)
    with zipfile.ZipFile(downloads / "walking.zip") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    plain = {"person02_walking_d2.avi": _avi_bytes(tmp_path, render_person(120, 160, 20, "walking", 1, 2, 0.0))}
    with zipfile.ZipFile(downloads / "walking.zip", "w") as zf:
        for name, data in {**plain, **members}.items():  # the copy first in the archive
            zf.writestr(name, data)
    sources, rejected = kth.sources(downloads)
    kept = {s.video_id: s for s in sources}["person02_walking_d2"]
    assert kept.origin.endswith("person02_walking_d2_uncomp.avi")
    assert len(rejected) == 1 and rejected[0][0].endswith("walking.zip:person02_walking_d2.avi")


def test_kth_two_official_files_of_one_recording_are_an_error_naming_both(smoke_world, tmp_path):
    downloads = tmp_path / "kth"
    shutil.copytree(smoke_world("kth"), downloads)
    with zipfile.ZipFile(downloads / "boxing.zip") as zf:
        data = zf.read("person01_boxing_d1_uncomp.avi")
    _append(downloads / "walking.zip", {"person01_boxing_d1_uncomp.avi": data})
    with pytest.raises(ValueError, match=r"boxing\.zip:person01_boxing_d1_uncomp\.avi and .*walking\.zip:"
                                         r"person01_boxing_d1_uncomp\.avi"):
        kth.sources(downloads)


def _jpg(frame) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(frame).save(buf, format="JPEG", quality=92)
    return buf.getvalue()


def _uva_zip(path, folders: dict, videos: dict) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for vid, frames in folders.items():
            for i, frame in enumerate(frames):
                zf.writestr(f"crop_faces/data/{vid}/{i + 1:04d}.jpg", _jpg(frame))
        for name, data in videos.items():
            zf.writestr(name, data)


def test_uva_frame_folder_wins_over_an_mp4_of_the_same_name(tmp_path):
    downloads = tmp_path / "uva"
    downloads.mkdir()
    vid = "001_spontaneous_smile_1"
    mp4 = write_video(tmp_path / "v.mp4", render_face(128, 20, 0, True), fps=25.0).read_bytes()
    _uva_zip(downloads / "a.zip", {vid: render_face(128, 18, 0, True)}, {f"videos/{vid}.mp4": mp4})
    sources, rejected = uva.sources(downloads)
    assert [s.video_id for s in sources] == [vid] and sources[0].origin.endswith(f"a.zip:crop_faces/data/{vid}")
    assert len(rejected) == 1 and rejected[0][0].endswith(f"a.zip:videos/{vid}.mp4")
    assert f"kept the frame folder {downloads / 'a.zip'}:crop_faces/data/{vid}" in rejected[0][1]
    store = tmp_path / "store"
    preprocess(sources, store, 32, rejected=rejected, log=lambda m: None)
    assert read_manifest(store)[0]["n_frames"] == 18  # the folder's frames, not the mp4's 20
    assert read_csv(store / "rejected.csv")[0]["source"].endswith(f"{vid}.mp4")


def test_uva_two_frame_folders_of_one_id_are_an_error_naming_both(tmp_path):
    downloads = tmp_path / "uva"
    downloads.mkdir()
    vid = "002_deliberate_smile_1"
    frames = [np.zeros((8, 8, 3), np.uint8)] * 2
    _uva_zip(downloads / "a.zip", {vid: frames}, {})
    _uva_zip(downloads / "b.zip", {vid: frames}, {})
    with pytest.raises(ValueError, match=rf"a\.zip:crop_faces/data/{vid} and .*b\.zip:crop_faces/data/{vid}"):
        uva.sources(downloads)
