"""Training cost of full-size EncGAN3: seconds per iteration and peak memory by resolution, length, batch (Table 3.7).

Default mode times ``--steps`` full iterations of the EncGAN3 recipe (D -> Enc -> G, Alg. 1) on random clips after
one warm-up iteration, for every ``RESxFRAMES`` setting and batch size. ``--max-batch`` is the Table 3.7 probe:
the largest batch whose iteration fits, found by doubling and then bisection; a trial "fits" when it raises no
CUDA out-of-memory error (on CUDA) or when its peak resident memory stays under ``--mem-limit-mb`` (on CPU, where
nothing raises). Every trial runs in a fresh process so that peak memory is that trial's alone: on CUDA
``torch.cuda.max_memory_allocated``, on CPU the peak RSS (``resource.getrusage``, which includes the interpreter
and torch, about 0.3-0.5 GB). Batch 1 uses ``encoder_fc_bn: false`` (BatchNorm cannot train on one clip).
Columns: machine, device, date, resolution, frames, batch_size, sec_per_iter, peak_mem_mb, status (``ok``,
``oom``, ``over_limit`` or ``error: <message>``), load_avg (the 1-minute load average after the trial: CPU
timings on a shared machine are only as good as it is low); ``--max-batch`` adds max_batch (= batch_size, the
largest batch that fits, 0 if none) and memory_gb (the device's memory, or the CPU limit, in GiB).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
from pathlib import Path

from longvid.fsutil import atomic_path

COLUMNS = ("machine", "device", "date", "resolution", "frames", "batch_size", "sec_per_iter", "peak_mem_mb", "status",
           "load_avg")  # load_avg: 1-minute load average after the trial (CPU timings on a shared machine)
PROBE_COLUMNS = COLUMNS + ("max_batch", "memory_gb")  # --max-batch: batch_size = max_batch; memory_gb = budget
DEFAULT_SETTINGS = ("64x16", "64x20", "128x16", "128x20")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=Path, help="CSV to write (results/bench/train.csv)")
    p.add_argument("--settings", nargs="+", default=list(DEFAULT_SETTINGS), help="RESxFRAMES, e.g. 64x16 128x16")
    p.add_argument("--batch-sizes", nargs="+", type=int, default=[1, 2], help="batch sizes to time")
    p.add_argument("--steps", type=int, default=2, help="timed iterations per setting (after one warm-up)")
    p.add_argument("--quick", action="store_true", help="first setting only, one timed step, batch <= 2")
    p.add_argument("--max-batch", action="store_true", help="probe the largest batch that fits (Table 3.7)")
    p.add_argument("--max-limit", type=int, default=256, help="largest batch the probe tries")
    p.add_argument("--mem-limit-mb", type=float, default=None,
                   help="CPU probe: a batch fits if peak RSS stays below this (default: half the machine's RAM)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")


def _parse(setting: str) -> tuple[int, int]:
    try:
        res, frames = (int(v) for v in setting.lower().split("x"))
    except ValueError:
        raise SystemExit(f"--settings {setting!r}: write RESOLUTIONxFRAMES, e.g. 64x16") from None
    return res, frames


def trial(res: int, frames: int, batch: int, steps: int, device: str, threads: int | None) -> dict:
    """One setting in this process: mean seconds per iteration and peak memory (run in a fresh process)."""
    import resource
    import time

    import torch

    from longvid.recipes.encgan3 import EncGAN3Recipe
    from longvid.train.config import TrainConfig
    from longvid.train.distributed import Context

    if threads:
        torch.set_num_threads(threads)
    dev = torch.device(device)
    # batch 1 trains only without BatchNorm in the encoder's fc sets (models: encoder_fc_bn), as Table 3.7's 128x128
    run = {"model": {"preset": f"encgan3_{res}", "frames": frames} | ({"encoder_fc_bn": False} if batch == 1 else {})}
    try:
        torch.manual_seed(0)
        model = EncGAN3Recipe.build_model(run).to(dev)
        ctx = Context(device=dev, amp_dtype=torch.bfloat16 if dev.type == "cuda" else None)
        recipe = EncGAN3Recipe(model, TrainConfig(batch_size=batch), ctx)
        video = torch.rand(batch, frames, 3, res, res, device=dev) * 2 - 1  # (B, T, C, H, W)
        times = []
        for _ in range(steps + 1):
            t0 = time.perf_counter()
            recipe.step({"video": video})
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
            times.append(time.perf_counter() - t0)
        status = "ok"
    except torch.OutOfMemoryError:
        times, status = [], "oom"
    except Exception as err:  # noqa: BLE001 - recorded in the table, the other settings still run
        times, status = [], f"error: {type(err).__name__}: {str(err).splitlines()[0][:160]}"
    if dev.type == "cuda":
        peak = torch.cuda.max_memory_allocated(dev) / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    sec = sum(times[1:]) / len(times[1:]) if len(times) > 1 else None
    return {"sec_per_iter": sec, "peak_mem_mb": round(peak, 1), "status": status,
            "load_avg": round(os.getloadavg()[0], 2)}


def _isolated(res, frames, batch, steps, device, threads) -> dict:
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(trial, res, frames, batch, steps, device, threads).result()


def _fits(row: dict, device: str, limit_mb: float) -> bool:
    if row["status"] != "ok":
        return False
    return device == "cuda" or row["peak_mem_mb"] <= limit_mb


def probe(res, frames, steps, device, threads, limit, limit_mb, log) -> tuple[int, dict]:
    """Largest batch in [1, limit] that fits: doubling, then bisection between the last fit and the first miss."""
    tried: dict[int, dict] = {}

    def ok(b: int) -> bool:
        tried[b] = _isolated(res, frames, b, steps, device, threads)
        log(f"[bench] {res}x{frames} batch {b}: {tried[b]}")
        return _fits(tried[b], device, limit_mb)

    good, bad = 0, None
    b = 1
    while b <= limit:
        if not ok(b):
            bad = b
            break
        good, b = b, b * 2
    if bad is not None and good:
        while bad - good > 1:
            mid = (good + bad) // 2
            good, bad = (mid, bad) if ok(mid) else (good, mid)
    return good, tried.get(good) or tried[min(tried)]


def run(args: argparse.Namespace) -> int:
    import torch

    device = "cuda" if (args.device == "auto" and torch.cuda.is_available()) or args.device == "cuda" else "cpu"
    settings = [_parse(s) for s in args.settings][: 1 if args.quick else None]
    batches = [b for b in args.batch_sizes if not args.quick or b <= 2]
    steps = 1 if args.quick else args.steps
    limit = min(args.max_limit, 2) if args.quick else args.max_limit
    mem_limit = args.mem_limit_mb or _ram_mb() / 2
    name = torch.cuda.get_device_name(0) if device == "cuda" else (platform.processor() or platform.machine())
    base = {"machine": platform.node(), "device": f"{device}:{name}" if name else device,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    rows = []
    for res, frames in settings:
        if args.max_batch:
            best, row = probe(res, frames, steps, device, args.threads, limit, mem_limit, print)
            if best == 0 and row["status"] == "ok":
                row = row | {"status": "over_limit"}
            rows.append(base | {"resolution": res, "frames": frames, "batch_size": best} | row
                        | {"max_batch": best, "memory_gb": round(_budget_mb(device, mem_limit) / 1024, 2)})
            continue
        for b in batches:
            row = _isolated(res, frames, b, steps, device, args.threads)
            print(f"[bench] {res}x{frames} batch {b}: {row}", flush=True)
            rows.append(base | {"resolution": res, "frames": frames, "batch_size": b} | row)
    _write(args.out, rows, PROBE_COLUMNS if args.max_batch else COLUMNS)
    print(f"[bench] wrote {args.out} ({len(rows)} rows)")
    return 0


def _ram_mb() -> float:
    import psutil

    return psutil.virtual_memory().total / 2**20


def _budget_mb(device: str, cpu_limit_mb: float) -> float:
    import torch

    return torch.cuda.get_device_properties(0).total_memory / 2**20 if device == "cuda" else cpu_limit_mb


def _write(path: Path, rows: list[dict], columns=COLUMNS) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            sec = row["sec_per_iter"]
            sec = "" if sec is None else f"{sec:.4f}"
            writer.writerow({k: row.get(k, "") for k in columns} | {"sec_per_iter": sec})
