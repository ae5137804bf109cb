"""Chapter 5 memory: AR2 training vs R2 and EncGAN3 at equal sizes, AR2 generation (Alg. 10) vs video length.

The claim (Sec. 5.3.2, thesis text l. 1918–1920): "the memory efficiency of AR2 is closer to that of EncGAN3 than
REncGAN" — AR2 encodes one clip per item (R2 encodes two) and adds EncGAN3's noise clip, which skips the Encoder —
"its overall GPU memory requirements are lower than those of REncGAN".

Rows (`results/bench/chapter5_memory.csv`):
* `train` — peak memory of one training iteration of EncGAN3 (a 16-frame clip per item), R2 (loss v4: one 24-frame
  window = two overlapping 16-frame clips per item, both encoded and generated) and AR2 (the same window: X¹ encoded
  and generated, the noise clip generated, X² the target), for each `--batch-sizes` (items per batch; 2 is the
  smallest EncGAN3 and AR2 train with, their encoder's BatchNorm needs two clips). Equal sizes: one resolution and
  the same widths for the three (the r2_* presets differ from encgan3_* only in the content frame x_r); the recall
  families read their windows from a memory-mapped 64-frame video (`longvid.bench.recall.train_trial`).
* `sample` — peak memory and seconds per frame of Alg. 10 generating one video of 128, 1024 and 4096 frames
  (`longvid.bench.ar2.generate_trial`, latent mode `--latent`, N = `--candidates`): memory should stay flat. The N
  candidates of a clip go through G and D_V together, so N sets the level (F-SA's attention maps of N clips at once
  dominate it), not the growth with length.
Every setting runs in a fresh spawned process (`longvid.bench.recall.isolated`), so its peak is its own: on CUDA
`torch.cuda.max_memory_allocated`, on CPU the peak resident set size (interpreter and torch included, ~0.3–0.5 GB,
the same in every row). `--quick` uses tiny widths (column `widths: quick`, for CI) and one candidate per clip
(latent `sample`: 4096 frames with N = 20 take hours on a CPU); the default the full widths and VDrej with N = 20.
"""

from __future__ import annotations

import argparse
import datetime
import platform
from pathlib import Path


COLUMNS = ("machine", "device", "date", "widths", "resolution", "task", "model", "video_frames", "clip_frames",
           "batch_size", "latent", "candidates", "peak_mem_mb", "seconds", "sec_per_frame", "status")
TRAIN_FAMILIES = {"encgan3": "encgan3", "r2": "recall", "ar2": "ar2"}  # model column -> family of train_trial
RECALL_VIDEO_FRAMES = 64  # the video the recall families read their 24-frame windows from (memory-mapped)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=Path, help="CSV to write (results/bench/chapter5_memory.csv)")
    p.add_argument("--models", nargs="+", default=list(TRAIN_FAMILIES), choices=list(TRAIN_FAMILIES),
                   help="families whose training memory is measured")
    p.add_argument("--batch-sizes", nargs="+", type=int, default=[2, 4],
                   help="training items per batch (>= 2: EncGAN3's and AR2's encoder BatchNorm)")
    p.add_argument("--sample-lengths", nargs="*", type=int, default=[128, 1024, 4096],
                   help="AR2 generated video lengths (none: training rows only)")
    p.add_argument("--latent", default=None, choices=("mean", "sample", "vdrej"),
                   help="AR2 generation latent mode (Table 5.8); default vdrej (the thesis' inference), "
                        "sample with --quick")
    p.add_argument("--candidates", type=int, default=None,
                   help="VDrej candidates per clip; default 20 (Sec. 5.2.2), 1 with --quick")
    p.add_argument("--resolution", type=int, default=64, choices=(64, 128), help="frame size")
    p.add_argument("--steps", type=int, default=2, help="timed training iterations after one warm-up")
    p.add_argument("--quick", action="store_true", help="tiny widths and one candidate per clip (CI)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")


def check(args: argparse.Namespace) -> None:
    """Fill the generation defaults (`--quick`: latent sample, N = 1) and refuse settings no trial can run, before
    any process starts."""
    if args.latent is None:
        args.latent = "sample" if args.quick else "vdrej"
    if args.candidates is None:
        args.candidates = 1 if args.quick or args.latent != "vdrej" else 20
    if min(args.batch_sizes) < 2:
        raise SystemExit(f"--batch-sizes {args.batch_sizes}: EncGAN3 and AR2 train with at least 2 items per batch "
                         "(their encoder's fc BatchNorm needs two clips); use 2 or more")
    if min(args.sample_lengths, default=1) < 1 or args.candidates < 1 or args.steps < 0:
        raise SystemExit("--sample-lengths and --candidates must be >= 1, --steps >= 0")


def run(args: argparse.Namespace) -> int:
    from longvid.bench.ar2 import generate_trial
    from longvid.bench.host import device_label, resolve_device
    from longvid.bench.recall import isolated, train_trial, write_rows

    check(args)
    device = resolve_device(args.device)
    base = {"machine": platform.node(), "device": device_label(device), "date": datetime.date.today().isoformat(),
            "widths": "quick" if args.quick else "full", "resolution": args.resolution}
    rows = []
    for batch in args.batch_sizes:
        for model in args.models:
            family = TRAIN_FAMILIES[model]
            frames = 16 if family == "encgan3" else RECALL_VIDEO_FRAMES
            res = isolated(train_trial, family, frames, args.resolution, args.quick, batch, args.steps, device,
                           args.threads)
            rows.append(base | res | {"task": "train", "model": model, "video_frames": frames, "batch_size": batch})
            print(f"[bench] train {model} batch {batch}: {res}", flush=True)
    for n in args.sample_lengths:
        res = isolated(generate_trial, n, args.resolution, args.quick, device, args.threads, args.latent,
                       args.candidates)
        if res["frames"] != n:
            res["status"] = f"error: generated {res['frames']} frames, asked for {n}"
        rows.append(base | res | {"task": "sample", "model": "ar2", "video_frames": n, "clip_frames": 16,
                                  "batch_size": 1, "latent": args.latent, "candidates": args.candidates,
                                  "sec_per_frame": res["seconds"] / n})
        print(f"[bench] sample ar2 {n}f: {res}", flush=True)
    write_rows(args.out, rows, COLUMNS)
    print(f"[bench] wrote {args.out} ({len(rows)} rows)")
    return 0

