"""`longvid bench chapter5_memory`: AR2, R2 and EncGAN3 train through the real recipes at equal sizes and AR2
generates the asked lengths, one well-formed row each (tiny widths, in this process; no assertion on memory)."""

from __future__ import annotations

import argparse
import csv

import pytest

from longvid.bench import chapter5_memory as bench


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    bench.add_arguments(p)
    return p


def test_generation_defaults_and_refusals(tmp_path):
    out = ["--out", str(tmp_path / "m.csv")]
    args = parser().parse_args(out)
    bench.check(args)
    assert (args.latent, args.candidates) == ("vdrej", 20)  # the thesis' inference (Sec. 5.2.2)
    args = parser().parse_args([*out, "--quick"])
    bench.check(args)
    assert (args.latent, args.candidates) == ("sample", 1)
    with pytest.raises(SystemExit, match="at least 2 items"):
        bench.check(parser().parse_args([*out, "--batch-sizes", "1", "2"]))


@pytest.mark.slow
def test_run_writes_train_and_sample_rows(tmp_path, monkeypatch):
    from longvid.bench import recall

    monkeypatch.setattr(recall, "isolated", lambda fn, *a: fn(*a))  # in this process: rows, not memory, are tested
    monkeypatch.setitem(recall.QUICK_WIDTHS, "fsa_after", 3)  # F-SA on 16x16 maps, as the smoke config (CPU time)
    out = tmp_path / "chapter5_memory.csv"
    args = parser().parse_args(["--out", str(out), "--quick", "--batch-sizes", "2", "--steps", "1",
                                "--sample-lengths", "17", "24", "--device", "cpu"])
    assert bench.run(args) == 0
    with open(out) as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert tuple(reader.fieldnames) == bench.COLUMNS
    got = [(r["task"], r["model"], r["video_frames"], r["clip_frames"], r["batch_size"], r["status"]) for r in rows]
    assert got == [("train", "encgan3", "16", "16", "2", "ok"), ("train", "r2", "64", "16", "2", "ok"),
                   ("train", "ar2", "64", "16", "2", "ok"),
                   ("sample", "ar2", "17", "16", "1", "ok"), ("sample", "ar2", "24", "16", "1", "ok")]
    for r in rows:
        assert float(r["peak_mem_mb"]) > 0 and float(r["seconds"]) > 0 and r["widths"] == "quick"
        assert r["device"].startswith("cpu (")
    assert [(r["latent"], r["candidates"]) for r in rows[3:]] == [("sample", "1")] * 2
    assert float(rows[3]["sec_per_frame"]) == pytest.approx(float(rows[3]["seconds"]) / 17, rel=1e-4)
