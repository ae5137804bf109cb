"""Each dataset's parser on the native-format archives the smoke world writes, plus their bad cases."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from longvid.data import archive, kth, taichi, ucf101, uva, weizmann
from longvid.data.store import read_csv, read_manifest


def by_id(sources):
    return {s.video_id: s for s in sources}


def test_weizmann_names():
    assert weizmann.parse_name("daria_bend.avi") == ("daria", "bend")
    assert weizmann.parse_name("lena_run2.avi") == ("lena", "run")
    assert weizmann.parse_name("ido_wave1.avi") == ("ido", "wave1")
    with pytest.raises(ValueError):
        weizmann.parse_name("daria_fly.avi")


def test_weizmann_archives(smoke_world):
    sources, rejected = weizmann.sources(smoke_world("weizmann"))
    found = by_id(sources)
    assert len(found) == 10 and not rejected
    assert (found["lena_walk2"].actor, found["lena_walk2"].action) == ("lena", "walk")
    assert found["denis_wave1"].action == "wave1" and found["denis_wave1"].edge == 20
    assert sum(s.split == "test" for s in sources) == 1  # round(10 * 10/93) = 1


def test_kth_names_index_and_missing_member(smoke_world, tmp_path):
    assert kth.parse_name("person01_boxing_d1_uncomp.avi") == ("person01", "boxing", "d1")
    downloads = tmp_path / "kth"
    shutil.copytree(smoke_world("kth"), downloads)
    with open(downloads / "00sequences.txt", "a") as fh:
        fh.write("person09_boxing_d4\t\tframes\t1-90\nperson13_handclapping_d3\t\tframes\t1-90\n")
    sources, rejected = kth.sources(downloads)
    assert len(sources) == 18
    assert {(s.actor, s.action, s.group) for s in sources} >= {("person02", "walking", "d2")}
    assert len(rejected) == 1 and "person09_boxing_d4" in rejected[0][0] and "missing member" in rejected[0][1]


def test_ucf101_labels_and_official_split(smoke_world):
    sources, rejected = ucf101.sources(smoke_world("ucf101"), rule="official")
    found = by_id(sources)
    assert len(found) == 12 and not rejected
    s = found["v_JumpingJack_g08_c02"]
    assert (s.action, s.actor, s.group, s.split) == ("JumpingJack", "JumpingJack_g08", "g08", "train")
    assert found["v_JumpingJack_g01_c01"].split == "test"  # groups 1-7 are split 1's test groups
    classes, train, test = ucf101.read_splits(smoke_world("ucf101") / ucf101.SPLITS)
    assert classes == ["BoxingPunchingBag", "JumpingJack", "WalkingWithDog"] and len(train) == len(test) == 6


def test_ucf101_missing_listed_video(smoke_world, tmp_path):
    downloads = tmp_path / "ucf"
    shutil.copytree(smoke_world("ucf101"), downloads)
    (downloads / "UCF-101" / "JumpingJack" / "v_JumpingJack_g01_c02.avi").unlink()
    sources, rejected = ucf101.sources(downloads)
    assert len(sources) == 11
    assert rejected == [(f"{downloads}/UCF-101/JumpingJack/v_JumpingJack_g01_c02.avi",
                         "missing member: listed in the official split files but absent")]


def test_ucf101_rar_without_extractor_says_what_to_install(smoke_world, tmp_path, monkeypatch):
    downloads = tmp_path / "ucf"
    downloads.mkdir()
    shutil.copy(smoke_world("ucf101") / ucf101.SPLITS, downloads)
    (downloads / ucf101.RAR).write_bytes(b"Rar!\x1a\x07\x00")
    monkeypatch.setattr(archive.shutil, "which", lambda exe: None)
    with pytest.raises(archive.ArchiveError, match=r"UCF101.rar.*unar.*bsdtar.*by hand into .*UCF-101"):
        ucf101.sources(downloads)


def test_uva_frame_folders(smoke_world):
    sources, rejected = uva.sources(smoke_world("uva"))
    found = by_id(sources)
    assert set(found) == {f"00{k}_{kind}_smile_1" for k in (1, 2, 3) for kind in ("deliberate", "spontaneous")}
    s = found["002_spontaneous_smile_1"]
    assert (s.actor, s.action, s.group) == ("002", "smile", "spontaneous")
    frames = list(s.frames())
    assert len(frames) == 40 and frames[0].shape == (128, 128, 3)


def test_uva_without_archive_explains_the_licence(tmp_path):
    with pytest.raises(FileNotFoundError, match="licence-gated.*uva-nemo.org"):
        uva.sources(tmp_path)


def test_taichi_metadata_and_subset_rule(smoke_world):
    clips = taichi.read_metadata(smoke_world("taichi") / taichi.METADATA)
    assert clips[0] == taichi.Clip("smkTaiChi0A", 10, 310, (48, 8, 208, 168), 29.97, 256, 192, "train")
    chosen = taichi.select_subset(clips, subjects=4, min_frames=100, max_frames=500, seed=0)
    # C's 80-frame clip is too short, its test-partition clip is not in the training set, E has a single clip
    assert sorted((c.video_id, c.start) for c, _, _ in chosen) == [
        ("smkTaiChi0A", 10), ("smkTaiChi0A", 320), ("smkTaiChi0A", 480), ("smkTaiChi0B", 0), ("smkTaiChi0B", 170),
        ("smkTaiChi0C", 5), ("smkTaiChi0C", 210), ("smkTaiChi0D", 0), ("smkTaiChi0D", 190)]
    splits = {(c.video_id, c.start): s for c, _, s in chosen}  # latest ceil(n/3) clips of a subject are test
    assert [k for k, s in sorted(splits.items()) if s == "test"] == [
        ("smkTaiChi0A", 480), ("smkTaiChi0B", 170), ("smkTaiChi0C", 210), ("smkTaiChi0D", 190)]
    letters = {(c.video_id, l) for c, l, _ in chosen}
    assert len(letters) == 4 and {l for _, l in letters} == {"A", "B", "C", "D"}  # one letter per subject
    assert chosen == taichi.select_subset(clips, 4, 100, 500, seed=0)  # deterministic
    two = taichi.select_subset(clips, subjects=2, seed=0)
    assert len({c.video_id for c, _, _ in two}) == 2
    pairs = {frozenset(c.video_id for c, _, _ in taichi.select_subset(clips, 2, seed=k)) for k in range(10)}
    assert len(pairs) > 1  # the seed chooses the subjects
    with pytest.raises(ValueError, match="only 4 subjects"):
        taichi.select_subset(clips, subjects=5)


def test_taichi_full_dataset_rejects_missing_youtube_video(smoke_world):
    sources, rejected = taichi.sources(smoke_world("taichi"), subjects=0)
    assert len(sources) == 11
    assert len(rejected) == 1 and "smkTaiChi0E" in rejected[0][0]
    assert "youtube.com/watch?v=smkTaiChi0E" in rejected[0][1]
    clip = by_id(sources)["smkTaiChi0B_000170_000550"]
    frames = list(clip.frames())
    assert len(frames) == 380 and frames[0].shape == (80, 80, 3)  # box 160 px at 256 wide -> 80 px at 128 wide


def test_sky_filters(smoke_store):
    store = smoke_store("sky")
    rows = {r["video_id"]: r for r in read_manifest(store)}
    assert set(rows) == {"07U1fSrk9oI_1", "0BYq4N7bE1Q_1", "1hD4qZlXm3s_1"}
    assert rows["1hD4qZlXm3s_1"]["split"] == "test" and rows["0BYq4N7bE1Q_1"]["group"] == "0BYq4N7bE1Q"
    reasons = {r["source"].rsplit("/", 1)[-1]: r["reason"] for r in read_csv(store / "rejected.csv")}
    assert reasons["07U1fSrk9oI_2"] == "shorter than 24 frames (12)"
    assert reasons["1hD4qZlXm3s_2"] == "shorter than 24 frames (20)"
    assert "has a gap: frame(s) 17 missing" in reasons["0BYq4N7bE1Q_2"]


def test_zip_member_errors(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("x.avi", b"123")
    with pytest.raises(archive.ArchiveError, match="missing member y.avi"):
        archive.read_member(path, "y.avi")
    (tmp_path / "b.zip").write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(archive.ArchiveError, match="b.zip"):
        archive.list_members(tmp_path / "b.zip")


def test_extraction_that_fails_midway_leaves_no_folder(tmp_path, monkeypatch):
    import os

    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as zf:  # stored, so the second member's bytes can be damaged in place
        zf.writestr("a.txt", b"aaaa")
        zf.writestr("b.txt", b"bbbb")
    path.write_bytes(path.read_bytes().replace(b"bbbb", b"bbbX"))
    with pytest.raises(archive.ArchiveError, match="member b.txt is damaged"):
        archive.extract_all(path, tmp_path / "a")  # a.txt was already extracted into the temporary folder
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "bsdtar"  # called as: bsdtar -x -f ARCHIVE -C DEST; writes half the archive, then fails
    fake.write_text("#!/bin/sh\necho half > \"$5/half.txt\"\necho broken >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setattr(archive, "RAR_TOOLS", archive.RAR_TOOLS[1:])  # bsdtar only
    with pytest.raises(archive.ArchiveError, match=r"bsdtar failed \(broken\)"):
        archive.extract_all(tmp_path / "u.rar", tmp_path / "u")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip", "bin"]


def test_ucf101_rar_is_extracted_with_the_installed_tool(smoke_world, tmp_path, monkeypatch):
    """A stand-in ``bsdtar`` on PATH (it unpacks a zip named UCF101.rar) checks the extraction wiring end to end."""
    import os
    import sys

    downloads = tmp_path / "ucf"
    downloads.mkdir()
    shutil.copy(smoke_world("ucf101") / ucf101.SPLITS, downloads)
    shutil.make_archive(str(tmp_path / "UCF101"), "zip", smoke_world("ucf101"), "UCF-101")
    (tmp_path / "UCF101.zip").rename(downloads / ucf101.RAR)
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "bsdtar"  # called as: bsdtar -x -f ARCHIVE -C DEST
    fake.write_text(f"#!/bin/sh\nexec {sys.executable} -m zipfile -e \"$3\" \"$5\"\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setattr(archive, "RAR_TOOLS", archive.RAR_TOOLS[1:])  # bsdtar only
    sources, rejected = ucf101.sources(downloads)
    assert len(sources) == 12 and not rejected
    assert (downloads / "UCF101_extracted" / "UCF-101" / "JumpingJack").is_dir()
    assert not [p for p in downloads.iterdir() if p.name.startswith(".")]  # no temporary folder left
