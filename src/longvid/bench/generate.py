"""Generation speed of `longvid generate` (issue 17): per method and latent mode, seconds per 1000-frame video.

For each `--methods` (the `longvid generate --method`s of `longvid.sample.generate.METHODS`: r2 = sampler
`recall`, ar2, r3-robust, r3-faster) and each `--latents` (mean, sample, vdrej with `--candidates` N, 20 by
default), one fresh spawned process (`longvid.bench.recall.isolated`, so its peak memory is its own) builds the
model with random weights at `--widths` (`smoke`: the smoke config's sizes; `full`: the preset's, `--preset`; R3's
GPT: the smoke config's 2 blocks of 4 heads, or the thesis' 48 × 24) and times, side by side and `--repeats` times
after one warm-up run of each:

* the sampler: the `SAMPLERS` entry itself writing `--batch` videos of `--frames` frames into a sample folder in a
  temporary directory (the .npy files, no MP4) — r2 and the R3 samplers read one random real video written there;
* the network alone: the same Enc, G, D_V (and GPT) forward calls on tensors of the same shapes, nothing else
  (`longvid.bench.vdrej_cost.network_pass`; R3-faster: the GPT's steps, then G and D_V per video on its K·N codes).

Columns: `frames_measured` and `windows` (clips generated per video) of the run; `s_per_video` = sampler seconds
/ batch; `s_per_1000f_extrapolated` = s_per_video × windows(1000) / windows(frames_measured) — the cost of a video
is its windows' (linear in the length: memory and time per window are flat, `chapter5_memory.csv`); `frames_per_s`
= batch × frames / sampler seconds; `total_to_forward` = sampler / network-alone seconds (goal ≤ 1.1). FLOPs:
`torch.utils.flop_counter.FlopCounterMode` over one steady window's network calls (Enc, GPT step, G, D_V on all
B·N candidates), times the windows; `achieved_tflops` = those FLOPs / sampler seconds, against `peak_tflops`, the
device's own GEMM rate measured in the same run (`matmul_peak`) in the dtype the samplers compute in (`peak_dtype`:
float32; on CUDA the bfloat16 peak is measured beside it, `peak_tflops_bf16`). Peak memory (`mem_kind`): on CUDA
`torch.cuda.max_memory_allocated` over the timed runs, on CPU the process's peak resident set size (interpreter
and torch included, ~0.3–0.5 GB). Seconds are wall seconds on CUDA and the process's CPU seconds on CPU
(`vdrej_cost.clock`: one torch thread, robust to the other jobs of a shared machine). Rows:
`results/bench/generate.csv` (CPU) or a device-specific file (`tools/device-bench.sh`).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import statistics
import tempfile
from pathlib import Path

from longvid.fsutil import atomic_path

COLUMNS = ("machine", "device", "date", "clock", "threads", "widths", "preset", "method", "sampler", "latent",
           "candidates", "chunk", "batch_size", "frames_measured", "windows", "repeats", "s_per_video",
           "s_per_1000f_extrapolated", "frames_per_s", "sampler_s", "forward_s", "total_to_forward",
           "sampler_spread", "forward_spread", "gflop_per_video", "achieved_tflops", "peak_tflops", "peak_dtype",
           "peak_tflops_bf16", "fraction_of_peak", "peak_mem_mb", "mem_kind", "load_avg", "status")
FLOATS = ("s_per_video", "s_per_1000f_extrapolated", "frames_per_s", "sampler_s", "forward_s", "total_to_forward",
          "sampler_spread", "forward_spread", "gflop_per_video", "achieved_tflops", "peak_tflops",
          "peak_tflops_bf16", "fraction_of_peak")
LATENT_MODES = ("mean", "sample", "vdrej")
SMOKE_GPT = {"n_layer": 2, "n_head": 4}  # the `gpt.*` size_overrides of tests/smoke/config.yaml (a test pins it)
TARGET_FRAMES = 1000  # the thesis' long videos (Tables 5.11, 5.13)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from longvid.sample.generate import METHODS

    p.add_argument("--out", required=True, type=Path, help="CSV to write (results/bench/generate.csv)")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS), help="generation methods")
    p.add_argument("--latents", nargs="+", default=list(LATENT_MODES), choices=LATENT_MODES, help="latent modes")
    p.add_argument("--widths", nargs="+", default=["smoke", "full"], choices=("smoke", "full"),
                   help="model sizes: the smoke config's, the preset's")
    p.add_argument("--preset", default=None,
                   help="model preset of the R2 / AR2 / R3 (default improved_r2_128 on CUDA, r2_64 on CPU)")
    p.add_argument("--candidates", type=int, default=20, help="VDrej candidates per clip (Sec. 5.2.2)")
    p.add_argument("--chunk", type=int, default=None, help="VDrej candidates per G / D_V call (memory; None: all)")
    p.add_argument("--batch", type=int, default=2, help="videos generated together")
    p.add_argument("--frames", type=int, default=32,
                   help="frames per video (32: 3 windows of R2 and AR2, 2 generated clips of R3)")
    p.add_argument("--repeats", type=int, default=2, help="timed runs of each (medians), after a warm-up")
    p.add_argument("--quick", action="store_true", help="smoke widths only (CI)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")


def check(args: argparse.Namespace) -> None:
    """`--quick` and the preset default filled in, impossible settings refused before any process starts."""
    if args.quick:
        args.widths = ["smoke"]
    if min(args.candidates, args.batch, args.repeats) < 1 or (args.chunk is not None and args.chunk < 1):
        raise SystemExit("--candidates, --batch, --repeats and --chunk must be >= 1")
    if args.frames <= 8:
        raise SystemExit(f"--frames {args.frames}: R3 videos start with 8 real frames (Alg. 11); use > 8")


def run_config(method: str, widths: str, preset: str) -> dict:
    """The run config the bench builds `method`'s model from: the method's family at `widths` of `preset`."""
    from longvid.bench.vdrej_cost import WIDTHS
    from longvid.sample.generate import METHODS

    family = METHODS[method].families[0]
    run = {"family": family, "model": {"preset": preset} | WIDTHS[widths]}
    if family == "r3":
        run["gpt"] = SMOKE_GPT if widths == "smoke" else {}
    return run


def windows_of(method: str, frames: int, clip: int = 16, shift: int = 8) -> int:
    """Clips a `frames`-frame video of `method` generates (each one G pass per candidate)."""
    from longvid.models.r3_generate import clip_plan
    from longvid.sample.recall import window_plan

    if method == "r2":
        return len(window_plan(frames, clip, shift))
    if method == "ar2":
        return 1 + max(0, -(-(frames - clip) // shift))
    return len(clip_plan(frames, clip, shift))


def sampler_pass(method: str, model, run_cfg: dict, request, tmp: Path, device) -> int:
    """The method's SAMPLERS entry writing `request`'s videos under `tmp` -> frames of video 0 (checked)."""
    import numpy as np

    from longvid.sample.generate import METHODS
    from longvid.sample.registry import SAMPLERS
    from longvid.sample.stream import SampleFolder

    folder = SampleFolder(tmp / "out", mp4=0)
    SAMPLERS[METHODS[method].sampler](model, run_cfg, request, folder, device)
    return int(np.load(folder.path(0), mmap_mode="r").shape[0])


def network_pass(method: str, model, inputs: dict, windows: int, latent: str) -> None:
    """The sampler's forward calls alone (`vdrej_cost.network_pass`, R3's GPT steps added) for `windows` clips."""
    import torch

    from longvid.bench.vdrej_cost import network_pass as pass_
    from longvid.models.r3_generate import Context

    scored = latent == "vdrej"
    if method in ("r2", "ar2"):  # R2 encodes every real window (Alg. 7), AR2 every clip but the first (Alg. 10)
        pass_(model, inputs, windows, encode_first=method == "r2", scored=scored)
        return
    batch = inputs["prev"].shape[0]
    ctx = Context(model.gpt, batch, inputs["prev"].device)
    if method == "r3-robust":  # Alg. 11: Enc(initial clip), then per clip the GPT step, G, D_V, Enc(kept clip)
        pass_(model.r2, inputs, windows, encode_first=True, scored=scored,
              on_encode=lambda latents: ctx.push(torch.cat(latents, dim=1)))
        return
    with torch.no_grad():  # r3-faster: the GPT's whole sequence, then per video its K·N clips through G (and D_V)
        token = ctx.push(model.tokens(inputs["prev"]))
        for _ in range(windows - 1):
            token = ctx.push(token)
        faster = inputs["faster"]
        for _ in range(batch):
            for codes in faster["chunks"]:
                clip = model.r2.generate(*codes)
                if scored:
                    model.r2.score(clip)


def network_inputs(method: str, model, batch: int, n: int, windows: int, chunk: int | None) -> dict:
    """Tensors of the sampler's shapes (`vdrej_cost.network_inputs`); R3-faster also K·N codes per video."""
    from longvid.bench.vdrej_cost import network_inputs as inputs_

    r2 = model.r2 if method.startswith("r3") else model
    inputs = inputs_(r2, batch, n, chunk)
    if method == "r3-faster":
        inputs["faster"] = inputs_(r2, windows, n, chunk)
    return inputs


def window_flops(method: str, model, batch: int, n: int, chunk: int | None, latent: str) -> int:
    """Network FLOPs of one steady window (`FlopCounterMode`): Enc, GPT step, G and D_V on every candidate."""
    from torch.utils.flop_counter import FlopCounterMode

    inputs = network_inputs(method, model, batch, n, 1, chunk)  # R3-faster: one clip per video
    counter = FlopCounterMode(display=False)
    with counter:  # a steady AR2 window encodes the clip before it, as R2's
        network_pass("r2" if method == "ar2" else method, model, inputs, 1, latent)
    return counter.get_total_flops()


def real_store(root: Path, frames: int, res: int) -> Path:
    """A random real video of `frames` frames in a one-row store (split `test`) for r2 and the R3 samplers."""
    from longvid.bench.recall import write_video

    write_video(root / "real" / "v.npy", frames, res)
    return root / "real"


def trial(setting: dict) -> dict:
    """One (method, latent) setting in this process -> the measured columns (run through `isolated`)."""
    import contextlib

    import torch

    from longvid import families
    from longvid.bench.recall import _peak
    from longvid.bench.vdrej_cost import spread, timed
    from longvid.sample.recall import frames_needed, window_plan
    from longvid.sample.stream import SampleRequest

    torch.set_num_threads(setting["threads"])
    dev = torch.device(setting["device"])
    method, latent, batch, frames = setting["method"], setting["latent"], setting["batch"], setting["frames"]
    n = setting["candidates"] if latent == "vdrej" else 1
    run_cfg = run_config(method, setting["widths"], setting["preset"])
    torch.manual_seed(0)
    with dev if dev.type == "cuda" else contextlib.nullcontext():  # CUDA: initialised there (R3's 1.36 B GPT)
        model = families.build_model(families.model_args(run_cfg, source="bench generate")).to(dev).eval()
    recall_cfg = model.recall_cfg
    windows = windows_of(method, frames, recall_cfg.clip, recall_cfg.shift)
    chunk = setting["chunk"] if latent == "vdrej" else None
    with tempfile.TemporaryDirectory() as tmp:
        videos = None
        if method != "ar2":
            need = frames_needed(window_plan(frames, recall_cfg.clip, recall_cfg.shift), recall_cfg.clip)
            videos = str(real_store(Path(tmp), max(need, recall_cfg.clip), model.cfg.resolution))
        request = SampleRequest(count=batch, batch_size=batch, frames=frames, latent=latent, videos=videos,
                                split="test" if videos else None, candidates=setting["candidates"], chunk=chunk)
        inputs = network_inputs(method, model, batch, n, windows, chunk)
        made = {}
        runs = {"sampler": lambda: made.update(frames=sampler_pass(method, model, run_cfg, request, Path(tmp), dev)),
                "forward": lambda: network_pass(method, model, inputs, windows, latent)}
        for fn in runs.values():  # warm-up: the first calls of a model and a shape are slower on every device
            timed(fn, dev)
        if dev.type == "cuda":
            torch.cuda.reset_peak_memory_stats(dev)
        seconds = {"sampler": [], "forward": []}
        for i in range(setting["repeats"]):  # alternating which goes first, as vdrej_cost
            for name in (("sampler", "forward") if i % 2 == 0 else ("forward", "sampler")):
                seconds[name].append(timed(runs[name], dev))
        peak = _peak(torch, dev)
        flops = window_flops(method, model, batch, n, chunk, latent)
    if made["frames"] != frames:
        raise RuntimeError(f"the {method} sampler made {made['frames']} frames, asked for {frames}")
    s, f = statistics.median(seconds["sampler"]), statistics.median(seconds["forward"])
    per_video = s / batch
    return {"windows": windows, "sampler_s": s, "forward_s": f, "s_per_video": per_video,
            "s_per_1000f_extrapolated": per_video * windows_of(method, TARGET_FRAMES, recall_cfg.clip,
                                                               recall_cfg.shift) / windows,
            "frames_per_s": batch * frames / s, "total_to_forward": s / f, "sampler_spread": spread(seconds["sampler"]),
            "forward_spread": spread(seconds["forward"]), "gflop_per_video": flops * windows / batch / 1e9,
            "achieved_tflops": flops * windows / s / 1e12, "peak_mem_mb": round(peak, 1),
            "mem_kind": "cuda_max_allocated" if dev.type == "cuda" else "cpu_peak_rss", "status": "ok"}


def matmul_peak(device: str, dtype: str, threads: int = 1) -> float:
    """The device's own GEMM rate in TFLOP/s: square matmuls (4096 on CUDA, 512 on CPU) in a loop, best of 3."""
    import torch

    from longvid.bench.vdrej_cost import timed

    torch.set_num_threads(threads)
    dev = torch.device(device)
    size, loops = (4096, 20) if dev.type == "cuda" else (512, 8)
    a = torch.randn(size, size, device=dev, dtype=getattr(torch, dtype))
    b = torch.randn(size, size, device=dev, dtype=getattr(torch, dtype))

    def loop():
        for _ in range(loops):
            torch.mm(a, b)

    timed(loop, dev)  # warm-up
    best = min(timed(loop, dev) for _ in range(3))
    return 2 * size**3 * loops / best / 1e12


def run(args: argparse.Namespace) -> int:
    from longvid.bench.host import device_label, resolve_device
    from longvid.bench.recall import isolated
    from longvid.bench.vdrej_cost import clock
    from longvid.sample.generate import METHODS

    check(args)
    import torch

    device = resolve_device(args.device)
    dev = torch.device(device)
    preset = args.preset or ("improved_r2_128" if dev.type == "cuda" else "r2_64")
    peak = isolated(matmul_peak, device, "float32", args.threads)
    peak_bf16 = isolated(matmul_peak, device, "bfloat16", args.threads) if dev.type == "cuda" else None
    print(f"[bench] matmul peak on {device_label(device)}: {peak:.4g} TFLOP/s float32"
          + (f", {peak_bf16:.4g} bfloat16" if peak_bf16 else ""), flush=True)
    base = {"machine": platform.node(), "device": device_label(device), "clock": clock(dev), "threads": args.threads,
            "batch_size": args.batch, "frames_measured": args.frames, "repeats": args.repeats,
            "peak_tflops": peak, "peak_dtype": "float32", "peak_tflops_bf16": peak_bf16}
    rows = []
    for widths in args.widths:
        for method in args.methods:
            for latent in args.latents:
                setting = {"method": method, "latent": latent, "widths": widths, "preset": preset,
                           "candidates": args.candidates if latent == "vdrej" else 1,
                           "chunk": args.chunk if latent == "vdrej" else None, "batch": args.batch,
                           "frames": args.frames, "repeats": args.repeats, "device": device,
                           "threads": args.threads}
                row = base | {k: setting[k] for k in ("method", "latent", "widths", "preset", "candidates", "chunk")}
                row |= {"sampler": METHODS[method].sampler}
                try:
                    row |= isolated(trial, setting)
                    row["fraction_of_peak"] = row["achieved_tflops"] / peak
                except Exception as err:  # noqa: BLE001 - recorded in the table (e.g. out of memory), the rest runs
                    row["status"] = f"error: {type(err).__name__}: {str(err).splitlines()[0][:160]}"
                row |= {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                        "load_avg": round(os.getloadavg()[0], 2)}
                rows.append(row)
                write(args.out, rows)  # after every row: a run cut short keeps the settings it finished
                print(f"[bench] generate {widths} {method} {latent}: " + (
                    f"{row['s_per_1000f_extrapolated']:.4g} s per 1000-frame video, {row['frames_per_s']:.4g} "
                    f"frames/s, total/forward {row['total_to_forward']:.3f}, {row['achieved_tflops']:.3g} TFLOP/s"
                    if row["status"] == "ok" else row["status"]), flush=True)
    print(f"[bench] wrote {args.out} ({len(rows)} rows)")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


def write(path: Path, rows: list[dict]) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k) for k in COLUMNS}
                            | {k: ("" if row.get(k) is None else f"{row[k]:.6g}") for k in FLOATS})
