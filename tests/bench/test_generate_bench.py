"""`longvid bench generate`: the network-alone pass makes each method's forward calls, and the CSV rows.

No assertion on speed: the numbers are the benchmark's (docs/benchmarks.md), not a test's.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pytest
import yaml

from longvid.bench import generate as bench

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_gpt_is_the_smoke_configs():
    overrides = yaml.safe_load((ROOT / "tests" / "smoke" / "config.yaml").read_text())["size_overrides"]
    assert bench.SMOKE_GPT == {k.split(".", 1)[1]: v for k, v in overrides.items() if k.startswith("gpt.")}


def test_windows_of_each_method():
    assert [bench.windows_of("r2", f) for f in (16, 17, 32, 1000)] == [1, 2, 3, 124]  # Alg. 7 windows
    assert [bench.windows_of("ar2", f) for f in (16, 17, 32, 1000)] == [1, 2, 3, 124]  # Alg. 10 clips
    assert [bench.windows_of("r3-robust", f) for f in (16, 24, 32, 1000)] == [1, 1, 2, 123]  # 8 real frames first
    assert bench.windows_of("r3-faster", 1000) == 123


def record(r2) -> list:
    """Wrap the R2's Enc and G and hook its D_V: each call appends (part, leading input shape)."""
    calls = []
    encode, generate = r2.encode, r2.generate

    def enc(video, *a, **k):
        calls.append(("enc", tuple(video.shape)))
        return encode(video, *a, **k)

    def gen(*codes, **k):
        calls.append(("g", tuple(codes[0].shape)))
        return generate(*codes, **k)

    r2.encode, r2.generate = enc, gen
    r2.video_discriminator.register_forward_pre_hook(lambda m, inp: calls.append(("dv", tuple(inp[0].shape))))
    return calls


@pytest.mark.parametrize("method,latent", [("r2", "vdrej"), ("ar2", "vdrej"), ("ar2", "mean"),
                                           ("r3-robust", "vdrej"), ("r3-faster", "vdrej"), ("r3-faster", "sample")])
def test_network_pass_makes_the_samplers_forward_calls(method, latent, tmp_path):
    import torch

    from longvid import families
    from longvid.sample.stream import SampleRequest

    frames, batch, n = 32, 2, 3 if latent == "vdrej" else 1
    run_cfg = bench.run_config(method, "smoke", "r2_64")
    torch.manual_seed(0)
    model = families.build_model(families.model_args(run_cfg)).eval()
    r2 = model.r2 if method.startswith("r3") else model
    calls = record(r2)
    videos = None if method == "ar2" else str(bench.real_store(tmp_path, 40, 64))
    request = SampleRequest(count=batch, batch_size=batch, frames=frames, latent=latent, videos=videos,
                            split="test" if videos else None, candidates=n, chunk=4 if latent == "vdrej" else None)
    assert bench.sampler_pass(method, model, run_cfg, request, tmp_path, torch.device("cpu")) == frames
    sampler = list(calls)
    calls.clear()
    windows = bench.windows_of(method, frames)
    bench.network_pass(method, model, bench.network_inputs(method, model, batch, n, windows, request.chunk),
                       windows, latent)
    assert calls == sampler
    assert sum(part == "g" for part, _ in sampler) == (
        windows * -(-batch * n // 4) if latent == "vdrej" and method != "r3-faster" else
        batch * -(-windows * n // 4) if latent == "vdrej" else (batch if method == "r3-faster" else windows))
    assert any(part == "dv" for part, _ in sampler) == (latent == "vdrej")


def test_run_writes_well_formed_rows(tmp_path):
    p = argparse.ArgumentParser()
    bench.add_arguments(p)
    out = tmp_path / "generate.csv"
    args = p.parse_args(["--out", str(out), "--quick", "--methods", "ar2", "r3-faster", "--latents", "vdrej",
                         "--candidates", "2", "--batch", "1", "--frames", "17", "--repeats", "1", "--device", "cpu"])
    assert bench.run(args) == 0
    with open(out) as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert tuple(reader.fieldnames) == bench.COLUMNS
    assert [(r["widths"], r["method"], r["sampler"], r["latent"], r["candidates"], r["windows"]) for r in rows] == \
        [("smoke", "ar2", "ar2", "vdrej", "2", "2"),
         ("smoke", "r3-faster", "r3_faster", "vdrej", "2", "1")]  # R3: 8 real frames + one clip of 9
    for r in rows:
        assert r["status"] == "ok" and r["device"].startswith("cpu (") and r["clock"] == "process_cpu" and r["date"]
        s, f, peak = float(r["sampler_s"]), float(r["forward_s"]), float(r["peak_tflops"])
        assert s > 0 and f > 0 and peak > 0 and float(r["peak_mem_mb"]) > 0 and r["mem_kind"] == "cpu_peak_rss"
        assert float(r["total_to_forward"]) == pytest.approx(s / f, rel=1e-4)
        assert float(r["frames_per_s"]) == pytest.approx(17 / s, rel=1e-4)
        windows_1000 = bench.windows_of(r["method"], 1000)
        assert float(r["s_per_1000f_extrapolated"]) == pytest.approx(s * windows_1000 / int(r["windows"]), rel=1e-4)
        assert float(r["gflop_per_video"]) > 0
        assert float(r["fraction_of_peak"]) == pytest.approx(float(r["achieved_tflops"]) / peak, rel=1e-3)
    with pytest.raises(SystemExit, match="must be >= 1"):
        bench.check(p.parse_args(["--out", str(out), "--batch", "0"]))
    with pytest.raises(SystemExit, match="8 real frames"):
        bench.check(p.parse_args(["--out", str(out), "--frames", "8"]))


def test_one_window_of_flops_is_one_clip_per_video():
    """R3-faster's window = R3-robust's (Enc, GPT step, G per video): its K·N codes per video are not all counted."""
    import torch

    from longvid import families

    torch.manual_seed(0)
    model = families.build_model(families.model_args(bench.run_config("r3-faster", "smoke", "r2_64"))).eval()
    faster, robust = (bench.window_flops(m, model, 2, 3, None, "vdrej") for m in ("r3-faster", "r3-robust"))
    assert faster == robust > 0
