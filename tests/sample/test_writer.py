"""The sample folder's samples.json (written last, so its presence means the folder is complete) is atomic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from longvid.sample import recall
from longvid.sample.writer import SampleWriter


def _finish_writer(out: Path, meta: dict) -> Path:
    writer = SampleWriter(out, mp4=0)
    writer.add(0, torch.zeros(2, 3, 8, 8))  # (T, C, H, W) in [-1, 1]
    return writer.finish(meta)


def _finish_recall(out: Path, meta: dict) -> Path:
    return recall.finish(out, meta, mp4=0, count=0)


@pytest.mark.parametrize("finish", [_finish_writer, _finish_recall])
def test_samples_json_that_fails_mid_write_leaves_the_old_one(tmp_path, monkeypatch, finish):
    out = tmp_path / "samples"
    assert json.loads(finish(out, {"seed": 1}).read_text())["seed"] == 1

    def half_then_fail(self, text, *args, **kwargs):
        Path.write_bytes(self, text[: len(text) // 2].encode())
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        finish(out, {"seed": 2})
    assert json.loads((out / "samples.json").read_text())["seed"] == 1
    assert not [p for p in out.rglob(".*")]  # no temporary file anywhere in the folder
