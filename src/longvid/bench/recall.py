"""Memory and speed of the recall (R2) family: training memory vs video length, sampling memory and time vs length.

Rows (`results/bench/recall_memory.csv`):
* `train` — peak memory of one R2 training iteration (loss v4, R_Enc + R_3VD; batch 1 = one clip pair) on a
  training video of 24, 64, 256, 1024 frames. The video lies memory-mapped on disk and an iteration reads one
  24-frame window of it (two overlapping 16-frame clips, Alg. 6), so memory should not depend on the length
  (Sec. 4.4.1, "constant in video length"). Next to it EncGAN3 trained directly on 16- and 20-frame clips
  (Table 3.7's comparison; batch 2 by default, the smallest its BatchNorm encoder trains with — R2's batch 1 also
  encodes two clips; a status `error: ...` is recorded if a setting cannot run).
* `sample` — peak memory and seconds per frame of Alg. 7 generating one video of 128, 1024 and 4096 frames
  (streamed to disk, the `recall` sampler of `longvid.sample.registry`): memory should stay constant and time grow linearly.
Every setting runs in a fresh spawned process, so its peak is its own: on CUDA `torch.cuda.max_memory_allocated`,
on CPU the peak resident set size (`resource.getrusage`; it includes the interpreter and torch, ~0.3–0.5 GB).
`--quick` uses tiny widths (column `widths: quick`, for CI); the default uses the presets' full widths.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import platform
import tempfile
from pathlib import Path

from longvid.fsutil import atomic_path

COLUMNS = ("machine", "device", "date", "widths", "resolution", "task", "model", "video_frames", "clip_frames",
           "batch_size", "peak_mem_mb", "seconds", "sec_per_frame", "status")
QUICK_WIDTHS = {"g_ch": 4, "d_ch": 4, "e_ch": 2, "e_fc": 8, "dim_zc": 8, "dim_zm": 4}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=Path, help="CSV to write (results/bench/recall_memory.csv)")
    p.add_argument("--train-lengths", nargs="+", type=int, default=[24, 64, 256, 1024],
                   help="training video lengths for R2")
    p.add_argument("--encgan3-frames", nargs="+", type=int, default=[16, 20], help="EncGAN3 clip lengths")
    p.add_argument("--sample-lengths", nargs="+", type=int, default=[128, 1024, 4096], help="generated lengths")
    p.add_argument("--resolution", type=int, default=64, choices=(64, 128), help="frame size")
    p.add_argument("--batch-size", type=int, default=1, help="R2 training batch (long videos = clip pairs)")
    p.add_argument("--encgan3-batch", type=int, default=2,
                   help="EncGAN3 training batch (>= 2: its encoder's BatchNorm needs two clips in training mode)")
    p.add_argument("--steps", type=int, default=2, help="timed training iterations after one warm-up")
    p.add_argument("--quick", action="store_true", help="tiny widths (CI)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")


RECALL_FAMILIES = ("recall", "ar2")  # trained on 24-frame windows of two overlapping 16-frame clips


def model_block(family: str, res: int, quick: bool, frames: int = 16) -> dict:
    """The bench's `model:` block: R2's preset for the recall families (content frame x_r), EncGAN3's otherwise;
    the same widths for every family (quick or the preset's full ones)."""
    preset = f"r2_{res}" if family in RECALL_FAMILIES else f"encgan3_{res}"
    return {"preset": preset, "frames": frames} | (QUICK_WIDTHS if quick else {})


def write_video(path: Path, frames: int, res: int, chunk: int = 64) -> Path:
    """A random uint8 video written in chunks (never whole in memory), with a one-row videos.csv beside it."""
    import numpy as np

    from longvid.sample.stream import StreamedVideo

    rng = np.random.default_rng(frames)
    sink = StreamedVideo(path, (frames, res, res, 3))
    for s in range(0, frames, chunk):
        sink.write(rng.integers(0, 256, (min(chunk, frames - s), res, res, 3), dtype=np.uint8))
    sink.close()
    (path.parent / "videos.csv").write_text(f"video_id,path,n_frames,split,action,actor,group\n"
                                            f"v,{path.name},{frames},test,,,\n")
    return path


def _peak(torch, dev) -> float:
    import resource

    if dev.type == "cuda":
        return torch.cuda.max_memory_allocated(dev) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def train_trial(family: str, video_frames: int, res: int, quick: bool, batch: int, steps: int, device: str,
                threads: int) -> dict:
    """One training setting in this process: peak memory and mean seconds per iteration.

    `family`: recall (R2), ar2 (one 24-frame window of a `video_frames`-frame video per item) or encgan3 (one
    `video_frames`-frame clip per item)."""
    import time

    import torch

    from longvid.data.transforms import to_model
    from longvid.recipes import RECIPES
    from longvid.sample.stream import NpyFrames
    from longvid.train.config import TrainConfig
    from longvid.train.distributed import Context

    torch.set_num_threads(threads)
    dev = torch.device(device)
    clip = 16 if family in RECALL_FAMILIES else video_frames
    run = {"model": model_block(family, res, quick, clip), "recall": {"loss": "v4"}}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            frames = NpyFrames(write_video(Path(tmp) / "v.npy", video_frames, res))
            torch.manual_seed(0)
            model = RECIPES[family].build_model(run).to(dev)
            ctx = Context(device=dev, amp_dtype=torch.bfloat16 if dev.type == "cuda" else None)
            recipe = RECIPES[family](model, TrainConfig(batch_size=batch), ctx)
            window = 24 if family in RECALL_FAMILIES else video_frames
            times = []
            for i in range(steps + 1):
                starts = [(i * 7 + b * 5) % (video_frames - window + 1) for b in range(batch)]
                video = torch.stack([to_model(frames[s : s + window]) for s in starts]).to(dev)  # (B, T, C, H, W)
                t0 = time.perf_counter()
                recipe.step({"video": video})
                if dev.type == "cuda":
                    torch.cuda.synchronize(dev)
                times.append(time.perf_counter() - t0)
        status, sec = "ok", sum(times[1:]) / max(len(times) - 1, 1)
    except torch.OutOfMemoryError:
        status, sec = "oom", None
    except Exception as err:  # noqa: BLE001 - recorded in the table, the other settings still run
        status, sec = f"error: {type(err).__name__}: {str(err).splitlines()[0][:160]}", None
    return {"peak_mem_mb": round(_peak(torch, dev), 1), "seconds": sec, "status": status, "clip_frames": clip}


def sample_trial(length: int, res: int, quick: bool, device: str, threads: int, overrides: dict | None = None) -> dict:
    """Alg. 7 generating one `length`-frame video in this process: peak memory and seconds.

    `overrides`: extra ModelConfig fields (tests switch F-SA off to keep the CPU time small)."""
    import time

    import torch

    from longvid import families
    from longvid.sample.recall import frames_needed, recall, window_plan
    from longvid.sample.stream import SampleFolder, SampleRequest

    torch.set_num_threads(threads)
    dev = torch.device(device)
    run = {"family": "recall", "model": model_block("recall", res, quick) | (overrides or {})}
    with tempfile.TemporaryDirectory() as tmp:
        write_video(Path(tmp) / "real" / "v.npy", frames_needed(window_plan(length), 16), res)
        torch.manual_seed(0)
        model = families.build_model(families.model_args(run)).to(dev).eval()
        request = SampleRequest(count=1, frames=length, videos=str(Path(tmp) / "real"))
        if dev.type == "cuda":
            torch.cuda.reset_peak_memory_stats(dev)
        t0 = time.perf_counter()
        recall(model, run, request, SampleFolder(Path(tmp) / "out", mp4=0), dev)
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        sec = time.perf_counter() - t0
    return {"peak_mem_mb": round(_peak(torch, dev), 1), "seconds": sec, "status": "ok", "clip_frames": 16}


def isolated(fn, *args) -> dict:
    """Run `fn(*args)` in a fresh spawned process (honest per-setting peak memory)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def run(args: argparse.Namespace) -> int:
    import torch

    device = "cuda" if args.device == "auto" and torch.cuda.is_available() else args.device
    device = "cpu" if device == "auto" else device
    base = {"machine": platform.node(), "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
            "date": datetime.date.today().isoformat(), "widths": "quick" if args.quick else "full",
            "resolution": args.resolution}
    rows = []
    settings = [("recall", n) for n in args.train_lengths] + [("encgan3", n) for n in args.encgan3_frames]
    for family, n in settings:
        batch = args.batch_size if family == "recall" else args.encgan3_batch
        res = isolated(train_trial, family, n, args.resolution, args.quick, batch, args.steps, device, args.threads)
        rows.append(base | res | {"task": "train", "model": "r2" if family == "recall" else family,
                                  "video_frames": n, "batch_size": batch, "sec_per_frame": None})
        print(f"[bench] train {family} {n}f: {res}", flush=True)
    for n in args.sample_lengths:
        res = isolated(sample_trial, n, args.resolution, args.quick, device, args.threads)
        rows.append(base | res | {"task": "sample", "model": "r2", "video_frames": n, "batch_size": 1,
                                  "sec_per_frame": res["seconds"] / n})
        print(f"[bench] sample r2 {n}f: {res}", flush=True)
    write_rows(args.out, rows, COLUMNS)
    print(f"[bench] wrote {args.out} ({len(rows)} rows)")
    return 0


def write_rows(path: Path, rows: list[dict], columns) -> None:
    """Memory-benchmark rows as a CSV of ``columns`` (atomically); seconds and sec_per_frame to 6 digits."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            fmt = {k: ("" if row.get(k) is None else f"{row[k]:.6g}") for k in ("seconds", "sec_per_frame")}
            writer.writerow({k: row.get(k) for k in columns} | fmt)
