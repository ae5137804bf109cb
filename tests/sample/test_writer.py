"""The sample folder: samples.json is written last and atomically, and says what the files hold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from longvid.sample.stream import SampleFolder


def _finish(out: Path, meta: dict) -> Path:
    folder = SampleFolder(out, mp4=0)
    folder.add(0, torch.zeros(2, 3, 8, 8))  # (T, C, H, W) in [-1, 1]
    return folder.finish(meta)


def test_samples_json_that_fails_mid_write_leaves_the_old_one(tmp_path, monkeypatch):
    out = tmp_path / "samples"
    assert json.loads(_finish(out, {"seed": 1}).read_text())["seed"] == 1

    def half_then_fail(self, text, *args, **kwargs):
        Path.write_bytes(self, text[: len(text) // 2].encode())
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        _finish(out, {"seed": 2})
    assert json.loads((out / "samples.json").read_text())["seed"] == 1
    assert not [p for p in out.rglob(".*")]  # no temporary file anywhere in the folder


def test_manifest_counts_the_frames_written_and_warns_when_short_of_the_request(tmp_path, capsys):
    folder = SampleFolder(tmp_path / "s", mp4=1)
    for i in range(2):
        sink = folder.stream(i, 5, 8)
        sink.write(np.full((3, 8, 8, 3), i, np.uint8))
        sink.write(np.full((2, 8, 8, 3), i, np.uint8))
        sink.close()
    meta = json.loads(folder.finish({"frames_requested": 7, "count_requested": 2}).read_text())
    assert (meta["count"], meta["frames"], meta["length"], meta["resolution"]) == (2, 5, 5, 8)
    assert meta["frames_requested"] == 7 and "7 frames requested, 5 written" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "s" / "mp4").iterdir()) == ["00000.mp4"]
    with pytest.raises(RuntimeError, match="3 of 5 frames written"):
        sink = folder.stream(2, 5, 8)
        sink.write(np.zeros((3, 8, 8, 3), np.uint8))
        sink.close()
