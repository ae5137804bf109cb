"""The data CLI: every --help, the smoke pipeline download → preprocess → segment → data-stats, manual sources."""

from __future__ import annotations

import json

import numpy as np
import pytest

from longvid.cli import main


@pytest.mark.parametrize("command", ["download", "preprocess", "segment", "data-stats"])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0 and "--out" in capsys.readouterr().out


def test_smoke_pipeline_taichi(tmp_path):
    dl, videos, seg = tmp_path / "dl", tmp_path / "videos", tmp_path / "seg"
    assert main(["download", "--dataset", "taichi", "--source", "smoke", "--out", str(dl)]) == 0
    assert main(["preprocess", "--dataset", "taichi", "--downloads", str(dl), "--resolution", "32", "--out",
                 str(videos)]) == 0
    assert main(["segment", "--videos", str(videos), "--length", "16", "--stride", "8", "--out",
                 str(seg / "16f.csv")]) == 0
    assert main(["segment", "--videos", str(videos), "--length", "24", "--out", str(seg / "24f.csv")]) == 0
    assert main(["segment", "--videos", str(videos), "--length", "24", "--stride", "8", "--out",
                 str(seg / "24f_s8.csv")]) == 0  # Chapter 4's recall windows (the workflow's 24f_s8 index)
    assert main(["data-stats", "--dataset", "taichi", "--videos", str(videos), "--segments", str(seg / "16f.csv"),
                 str(seg / "24f.csv"), str(seg / "24f_s8.csv"), "--taichi-metadata", str(dl / "taichi-metadata.csv"),
                 "--out", str(tmp_path / "stats.json")]) == 0
    stats = json.loads((tmp_path / "stats.json").read_text())
    # selected clips: A 300/150/210, B 160/380, C 200/120 frames (see test_datasets)
    assert stats["videos"] == 9 and stats["frame_range"] == [120, 380] and stats["subjects"] == 4
    assert (stats["videos_train"], stats["videos_test"]) == (5, 4)  # the latest clip of each subject is test
    lengths = [300, 150, 210, 160, 380, 200, 120, 180, 220]
    assert stats["segments"][0]["segments"] == sum((n - 16) // 8 + 1 for n in lengths)
    assert stats["segments"][1]["segments"] == sum(n // 24 for n in lengths)  # default 24f stride: 24
    assert stats["segments"][1]["stride"] == 24
    assert stats["segments"][2]["stride"] == 8  # every pair of adjacent 16f segments: one fewer per video
    pairs = stats["segments"][2]["segments"]
    assert pairs == stats["segments"][0]["segments"] - 9 == sum((n - 24) // 8 + 1 for n in lengths)
    from longvid.report.kinds import build_table

    spec = {"table": "table_4_1", "kind": "data", "run_type": "smoke", "layout": "subjects", "datasets": ["taichi"]}
    notes = build_table(spec, [tmp_path / "stats.json"]).notes
    assert any(f"Chapter 4 recall runs train on {pairs} windows of 24 frames at stride 8" in n for n in notes)
    assert sum(r["videos"] for r in stats["subjects_table"]) == 9
    assert sum(r["segments"] for r in stats["subjects_table"]) == stats["segments"][0]["segments"]
    full = stats["full_dataset"]  # every metadata row, downloaded or not: 12 clips, one in the test partition
    assert (full["videos"], full["videos_train"], full["videos_test"], full["subjects"]) == (12, 11, 1, 5)
    train = [300, 150, 210, 160, 380, 200, 120, 80, 180, 220, 300]
    assert full["segments_16f"]["train"] == sum((n - 16) // 8 + 1 for n in train)
    assert full["segments_16f"]["test"] == (95 - 16) // 8 + 1


def test_licence_gated_download_explains(tmp_path, capsys):
    assert main(["download", "--dataset", "uva", "--source", "remote", "--out", str(tmp_path / "uva")]) == 2
    assert "licence-gated" in capsys.readouterr().err


def test_smoke_world_is_deterministic(tmp_path):
    from longvid.data.smoke import write_smoke_world
    from longvid.data.weizmann import sources

    frames = []
    for k in range(2):
        write_smoke_world("weizmann", tmp_path / str(k), seed=5)
        src = {s.video_id: s for s in sources(tmp_path / str(k))[0]}
        frames.append(np.stack(list(src["denis_walk"].frames())))
    assert np.array_equal(frames[0], frames[1])


def test_manual_archive_placed_by_hand_is_recorded(smoke_world, tmp_path):
    import shutil

    folder = tmp_path / "uva"
    folder.mkdir()
    shutil.copy(smoke_world("uva") / "uva_nemo_g3an_128.zip", folder)
    (folder / "notes.txt").write_text("licence signed")
    assert main(["download", "--dataset", "uva", "--source", "remote", "--out", str(folder)]) == 0
    record = json.loads((folder / "manifest.json").read_text())
    assert record == {"source": "remote", "files": ["uva_nemo_g3an_128.zip"]}
