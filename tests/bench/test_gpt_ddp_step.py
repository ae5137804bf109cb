"""`longvid bench gpt_ddp_step` in one process (world size 1): the GPT recipe steps and rank 0 writes its row.

No assertion on speed (docs/benchmarks.md); the multi-rank run is `tools/device-bench.sh` (--cpu-smoke: 2 gloo ranks).
"""

from __future__ import annotations

import argparse
import csv

import pytest

from longvid.bench import gpt_ddp_step as bench


def test_batch_targets_every_position_but_the_last():
    b = bench.batch_of(2, 5, 8, "cpu")
    assert b["z"].shape == (2, 5, 8) and b["valid"].all() and (b["ids"] == -1).all()
    assert b["target"][:, :-1].all() and not b["target"][:, -1].any()


def test_one_process_writes_one_row(tmp_path):
    p = argparse.ArgumentParser()
    bench.add_arguments(p)
    out = tmp_path / "gpt_ddp_step.csv"
    assert bench.run(p.parse_args(["--out", str(out), "--quick", "--steps", "1", "--device", "cpu"])) == 0
    with open(out) as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert tuple(reader.fieldnames) == bench.COLUMNS and len(rows) == 1
    row = rows[0]
    assert row["world_size"] == "1" and row["widths"] == "smoke" and row["amp"] == "float32" and row["date"]
    assert (row["batch_per_rank"], row["tokens"]) == ("2", "16")
    assert float(row["s_per_step"]) > 0 and float(row["loss"]) > 0 and float(row["gpt_params_m"]) > 0
    assert float(row["tokens_per_s"]) == pytest.approx(2 * 16 / float(row["s_per_step"]), rel=1e-4)
    with pytest.raises(SystemExit, match="--tokens >= 2"):
        bench.run(p.parse_args(["--out", str(out), "--tokens", "1"]))
