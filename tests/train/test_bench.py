"""`longvid bench train`: the max-batch probe's doubling + bisection, the CSV, and one real (tiny) trial."""

from __future__ import annotations

import csv

import pytest

from longvid.bench import train as bench


def test_probe_finds_the_largest_fitting_batch(monkeypatch):
    calls = []

    def fake(res, frames, batch, steps, device, threads):
        calls.append(batch)
        return {"sec_per_iter": 1.0, "peak_mem_mb": 100.0 * batch, "status": "ok" if batch <= 11 else "oom"}

    monkeypatch.setattr(bench, "_isolated", fake)
    best, row = bench.probe(64, 16, 1, "cuda", None, 256, 0, lambda *a: None)
    assert best == 11 and row["peak_mem_mb"] == 1100.0
    assert calls == [1, 2, 4, 8, 16, 12, 10, 11]
    best, _ = bench.probe(64, 16, 1, "cpu", None, 256, 450.0, lambda *a: None)  # CPU: RSS limit decides
    assert best == 4


def test_run_writes_rows_with_status(monkeypatch, tmp_path):
    monkeypatch.setattr(bench, "_isolated", lambda r, f, b, s, d, t: {"sec_per_iter": None, "peak_mem_mb": 5.0,
                                                                      "status": "oom" if b > 1 else "ok"})
    parser = __import__("argparse").ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--out", str(tmp_path / "t.csv"), "--settings", "64x16", "128x16", "--device", "cpu"])
    assert bench.run(args) == 0
    with open(tmp_path / "t.csv") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == bench.COLUMNS
    assert [(r["resolution"], r["batch_size"], r["status"]) for r in rows] == \
        [("64", "1", "ok"), ("64", "2", "oom"), ("128", "1", "ok"), ("128", "2", "oom")]
    args = parser.parse_args(["--out", str(tmp_path / "p.csv"), "--settings", "64x16", "--device", "cpu",
                              "--max-batch", "--max-limit", "8", "--mem-limit-mb", "1024"])
    assert bench.run(args) == 0
    with open(tmp_path / "p.csv") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == bench.PROBE_COLUMNS
    assert (rows[0]["max_batch"], rows[0]["batch_size"], rows[0]["memory_gb"]) == ("1", "1", "1.0")
    with pytest.raises(SystemExit, match="RESOLUTIONxFRAMES"):
        bench._parse("64-16")


def test_trial_times_the_real_steps_after_a_warm_up(monkeypatch):
    tiny = {"g_ch": 4, "d_ch": 4, "e_ch": 4, "e_fc": 16, "dim_zc": 8, "fsa_after": 2}
    from longvid.recipes import encgan3

    orig = encgan3.EncGAN3Recipe.build_model.__func__
    monkeypatch.setattr(encgan3.EncGAN3Recipe, "build_model",
                        classmethod(lambda cls, run: orig(cls, {"model": run["model"] | tiny})))
    # a clock that each real recipe step advances by a planned duration: warm-up 9 s, then 2 s and 4 s
    import time

    clock, durations, step = [0.0], iter([9.0, 2.0, 4.0]), encgan3.EncGAN3Recipe.step

    def timed_step(self, batch):
        out = step(self, batch)
        clock[0] += next(durations)
        return out

    monkeypatch.setattr(encgan3.EncGAN3Recipe, "step", timed_step)
    monkeypatch.setattr(time, "perf_counter", lambda: clock[0])
    row = bench.trial(64, 16, 2, 2, "cpu", 1)
    assert row["status"] == "ok" and row["sec_per_iter"] == 3.0  # the mean of the timed steps, warm-up left out
    assert next(durations, None) is None  # one warm-up + 2 timed steps of the real recipe ran


def test_train_step_bench_times_both_schedules_interleaved(tmp_path):
    """The issue-17 comparison on tiny widths: both schedules timed, G forwards 2 (regenerating) vs 1 (current)."""
    from longvid.bench.train_step import compare

    result = compare("g3an_64", 16, 2, 1, "cpu", model={"g_ch": 4, "d_ch": 4, "fsa_after": 2})
    assert {k: v["g_forwards"] for k, v in result.items()} == {"regenerating": 2, "current": 1}
    assert all(len(v["times"]) == 1 and v["median_sec"] > 0 for v in result.values())
