"""`longvid bench vdrej_cost`: the network-alone pass makes exactly the sampler's forward calls, and the CSV rows.

No assertion on speed: the numbers are the benchmark's (docs/benchmarks.md), not a test's.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pytest
import yaml

from longvid.bench import vdrej_cost as bench

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_widths_are_the_smoke_configs():
    overrides = yaml.safe_load((ROOT / "tests" / "smoke" / "config.yaml").read_text())["size_overrides"]
    assert bench.SMOKE_WIDTHS == {k.split(".", 1)[1]: v for k, v in overrides.items() if k.startswith("model.")}


def record(model) -> list:
    """Wrap the model's Enc, G and D_V entry points: each call appends (part, input shapes)."""
    calls = []
    encode, generate = model.encode, model.generate

    def enc(video, *a, **k):
        calls.append(("enc", tuple(video.shape)))
        return encode(video, *a, **k)

    def gen(*codes, **k):
        calls.append(("g", tuple(tuple(z.shape) for z in codes)))
        return generate(*codes, **k)

    model.encode, model.generate = enc, gen
    model.video_discriminator.register_forward_pre_hook(lambda m, inp: calls.append(("dv", tuple(inp[0].shape))))
    return calls


@pytest.mark.parametrize("frames", [16, 17, 24, 33])
def test_network_pass_makes_the_samplers_forward_calls(frames):
    import torch

    torch.manual_seed(0)
    model = bench.build("r2_64", "smoke", torch.device("cpu"))
    calls = record(model)
    assert bench.sampler_pass(model, 2, frames, 3) == frames
    sampler = list(calls)
    calls.clear()
    bench.network_pass(model, bench.network_inputs(model, 2, 3), bench.clips_of(model, frames))
    assert calls == sampler
    clips = 1 + max(0, -(-(frames - 16) // 8))  # 16 -> 1, 17 -> 2, 24 -> 2, 33 -> 4
    assert [c[0] for c in sampler] == ["g", "dv"] + ["enc", "g", "dv"] * (clips - 1)
    assert sampler[0] == ("g", ((6, 16), (6, 10))) and sampler[1] == ("dv", (6, 16, 3, 64, 64))  # B·N = 2·3


def test_run_writes_one_row_per_width_and_candidate_count(tmp_path):
    p = argparse.ArgumentParser()
    bench.add_arguments(p)
    out = tmp_path / "vdrej_cost.csv"
    args = p.parse_args(["--out", str(out), "--widths", "smoke", "--candidates", "1", "2", "--frames", "17",
                         "--repeats", "1", "--device", "cpu"])
    assert bench.run(args) == 0
    with open(out) as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert tuple(reader.fieldnames) == bench.COLUMNS
    assert [(r["widths"], r["candidates"], r["clips"], r["frames"]) for r in rows] == \
        [("smoke", "1", "2", "17"), ("smoke", "2", "2", "17")]
    for r in rows:
        assert r["device"].startswith("cpu (") and r["clock"] == "process_cpu" and r["date"]
        s, f = float(r["s_per_frame"]), float(r["forward_s_per_frame"])
        assert s > 0 and f > 0
        assert float(r["overhead_ratio"]) == pytest.approx(s / f - 1, rel=1e-4, abs=1e-5)
        assert float(r["sampler_s"]) == pytest.approx(s * 17, rel=1e-4)
        assert float(r["sampler_spread"]) == float(r["forward_spread"]) == 0  # one repeat
    with pytest.raises(SystemExit, match="must be >= 1"):
        bench.run(p.parse_args(["--out", str(out), "--candidates", "0", "--device", "cpu"]))
