"""`longvid bench gpt`: the frame -> token mapping, the smoke widths, well-formed train / decode rows at tiny sizes,
and extrapolated rows that say so.

No assertion on speed or memory: the numbers are the benchmark's (docs/benchmarks.md), not a test's.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pytest
import yaml

from longvid.bench import gpt as bench

ROOT = Path(__file__).resolve().parents[2]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    bench.add_arguments(p)
    return p


def test_tokens_are_the_recall_windows_of_the_latent_encoder():
    from longvid.sample.encode_latents import window_starts

    for frames in (16, 23, 24, 64, 128, 256, 512, 999, 1000):
        assert bench.tokens_of(frames) == len(window_starts(frames)) == 1 + (frames - 16) // 8
    assert [bench.tokens_of(f) for f in bench.TRAIN_FRAMES] == [2, 7, 15, 31, 63, 124]


def test_smoke_gpt_is_the_smoke_configs():
    overrides = yaml.safe_load((ROOT / "tests" / "smoke" / "config.yaml").read_text())["size_overrides"]
    assert bench.SMOKE_GPT == {k.split(".", 1)[1]: v for k, v in overrides.items() if k.startswith("gpt.")}
    gcfg, latent = bench.gpt_shape("smoke", 2)
    assert (gcfg.n_layer, gcfg.n_head, latent) == (2, 4, 2 * (16 + 256))
    gcfg, latent = bench.gpt_shape("full", bench.FULL_LAYERS)
    assert (gcfg.n_layer, gcfg.n_head, latent) == (48, 24, 1536)
    assert bench.params("full", bench.FULL_LAYERS) == pytest.approx(1.36e9, rel=0.02)  # Table 5.3


def test_settings_no_trial_can_run_are_refused(tmp_path):
    out = ["--out", str(tmp_path / "g.csv")]
    with pytest.raises(SystemExit, match="24 to 1000 frames"):
        bench.check(parser().parse_args([*out, "--frames", "16"]))
    with pytest.raises(SystemExit, match="24 to 1000 frames"):
        bench.check(parser().parse_args([*out, "--frames", "1008"]))
    with pytest.raises(SystemExit, match="positions are 1 to 124"):
        bench.check(parser().parse_args([*out, "--positions", "0"]))
    with pytest.raises(SystemExit, match="must be >= 1"):
        bench.check(parser().parse_args([*out, "--decode-repeats", "0"]))
    args = parser().parse_args([*out, "--quick"])
    bench.check(args)
    assert (args.widths, args.frames, args.repeats, args.decode_repeats) == (["smoke"], [24, 256, 1000], 2, 5)


def test_extrapolation_is_a_line_in_the_block_count_and_labelled():
    row = {"widths": "full", "task": "train", "frames": 24, "status": "ok", "spread": 0.1}
    rows = [row | {"layers_measured": 1, "s_per_iter": 2.0, "peak_mem_mb": 1000.0},
            row | {"layers_measured": 2, "s_per_iter": 3.0, "peak_mem_mb": 1400.0},
            row | {"widths": "smoke", "layers_measured": 2, "s_per_iter": 0.1, "peak_mem_mb": 800.0}]
    (est,) = bench.extrapolate(rows, 48)
    assert est["s_per_iter"] == pytest.approx(2.0 + 47 * 1.0) and est["peak_mem_mb"] == pytest.approx(1000 + 47 * 400)
    assert (est["layers_measured"], est["extrapolated_to"], est["status"], est["spread"]) == \
        ("1+2", 48, "extrapolated", None)
    assert est["gpt_params"] == bench.params("full", 48)
    assert bench.extrapolate(rows[:1] + rows[2:], 48) == []  # one block count: no line, no estimate


def test_run_writes_train_and_decode_rows(tmp_path, monkeypatch):
    from longvid.bench import recall

    monkeypatch.setattr(recall, "isolated", lambda fn, *a: fn(*a))  # in this process: rows, not memory, are tested
    out = tmp_path / "gpt.csv"
    args = parser().parse_args(["--out", str(out), "--widths", "smoke", "--frames", "24", "40", "--positions", "1",
                                "3", "--repeats", "1", "--decode-repeats", "1", "--device", "cpu"])
    assert bench.run(args) == 0
    with open(out) as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert tuple(reader.fieldnames) == bench.COLUMNS
    got = [(r["task"], r["frames"], r["tokens"], r["position"], r["kv_cache"], r["status"]) for r in rows]
    assert got == [("decode", "", "", "1", "yes", "ok"), ("decode", "", "", "1", "no", "ok"),
                   ("decode", "", "", "3", "yes", "ok"), ("decode", "", "", "3", "no", "ok"),
                   ("train", "24", "2", "", "", "ok"), ("train", "40", "4", "", "", "ok")]
    for r in rows:
        assert r["device"].startswith("cpu (") and r["clock"] == "process_cpu" and r["date"]
        assert (r["widths"], r["layers_measured"], r["extrapolated_to"], r["n_head"], r["token"]) == \
            ("smoke", "2", "", "4", "544")
        assert int(r["gpt_params"]) == bench.params("smoke", 2) and float(r["spread"]) == 0  # one repeat
        seconds = r["s_per_iter"] if r["task"] == "train" else r["s_per_token"]
        assert float(seconds) > 0 and (r["peak_mem_mb"] != "") == (r["task"] == "train")


def test_cli_help(capsys):
    from longvid.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["bench", "gpt", "--help"])
    assert exit_.value.code == 0 and "--full-layers" in capsys.readouterr().out
