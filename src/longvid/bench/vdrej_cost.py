"""Generation cost of VDrej (Alg. 8) in the AR2 sampler (Alg. 10): seconds per frame next to the network alone.

For each width (`smoke`: the smoke config's model sizes, `full`: the preset's) and each N of `--candidates`
(1, 10, 20), one process times, side by side and `--repeats` times after a warm-up:
* the sampler: `longvid.models.ar2.generate` in latent mode `vdrej` making `--batch` videos of `--frames` frames —
  the first clip from noise, every later one extrapolated from the state Enc(previous selected clip);
* the network alone (`network_pass`): the same forward calls on tensors of the same shapes, in the same order —
  per clip Enc on the B previous clips (not for the first), G (`model.generate`, the R_Enc rebuild included) on
  B·N codes and D_V on B·N clips — and nothing else.
s_per_frame and forward_s_per_frame are the medians over the repeats divided by the B·frames generated frames, in
seconds of `clock`: wall time on CUDA, the process's CPU time on CPU (one torch thread: robust to the other jobs of
a shared machine, which inflate wall time by up to 2x here);
overhead_ratio = s_per_frame / forward_s_per_frame − 1 is the sampler's own share (drawing N codes video by video,
stitching the previous clip's frames in front of every candidate, keeping the best): the goal is < 0.10 (issue 15).
sampler_spread / forward_spread = (max − min) / median of the repeats: a ratio inside them is noise.
Weights are untrained (time does not depend on them). Rows: `results/bench/vdrej_cost.csv`.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import statistics
import time
from pathlib import Path

from longvid.fsutil import atomic_path

COLUMNS = ("machine", "device", "date", "clock", "threads", "preset", "widths", "batch_size", "frames", "clips",
           "candidates", "repeats", "s_per_frame", "forward_s_per_frame", "overhead_ratio", "sampler_s", "forward_s",
           "sampler_spread", "forward_spread", "load_avg")  # spread: (max - min) / median of the repeats
# the `model.*` size_overrides of tests/smoke/config.yaml (a test keeps the two equal)
SMOKE_WIDTHS = {"fsa_after": 3, "dim_zc": 16, "g_ch": 4, "d_ch": 4, "e_ch": 4, "e_fc": 32}
WIDTHS = {"smoke": SMOKE_WIDTHS, "full": {}}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=Path, help="CSV to write (results/bench/vdrej_cost.csv)")
    p.add_argument("--widths", nargs="+", default=list(WIDTHS), choices=list(WIDTHS), help="model widths to time")
    p.add_argument("--candidates", nargs="+", type=int, default=[1, 10, 20], help="VDrej N per clip")
    p.add_argument("--preset", default="r2_64", help="model preset of the AR2 model (longvid.models.VARIANTS)")
    p.add_argument("--batch", type=int, default=1, help="videos generated together")
    p.add_argument("--frames", type=int, default=24, help="frames per video (24: the first clip + 1 extrapolated)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs of each (medians), after a warm-up")
    p.add_argument("--quick", action="store_true", help="smoke widths only, N = 1 and 10 (CI)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")


def build(preset: str, widths: str, device):
    """The AR2 model (untrained, eval mode) of `preset` at `widths` on `device` - no recipe (tests/sample)."""
    from longvid import families

    run = {"family": "ar2", "model": {"preset": preset} | WIDTHS[widths]}
    return families.build_model(families.model_args(run, source=f"--preset {preset}")).to(device).eval()


def clips_of(model, frames: int) -> int:
    """Clips Alg. 10 generates for a `frames`-frame video: the first, then one per r frames still missing."""
    t, r = model.cfg.frames, model.recall_cfg.shift
    return 1 + max(0, -(-(frames - t) // r))


def sampler_pass(model, batch: int, frames: int, n: int) -> int:
    """The AR2 sampler in latent mode vdrej (Alg. 10 with Alg. 8) -> frames generated per video."""
    import torch

    from longvid.models import ar2

    generators = [torch.Generator().manual_seed(i) for i in range(batch)]
    return sum(block.shape[1] for block in ar2.generate(model, generators, frames, latent="vdrej", n=n))


def network_inputs(model, batch: int, n: int, chunk: int | None = None) -> dict:
    """Tensors of the sampler's shapes, made before timing: B previous clips and B·N codes, cut into the sampler's
    chunks of `chunk` candidates per G / D_V call (None: one)."""
    import torch

    device = next(model.generator.parameters()).device
    cfg = model.cfg
    z_c, z_m = model.sample_latents(batch * n, torch.Generator(device=device).manual_seed(0), device=device)
    prev = torch.zeros(batch, cfg.frames, cfg.channels, cfg.resolution, cfg.resolution, device=device)
    step = batch * n if chunk is None else chunk
    return {"prev": prev, "chunks": [(z_c[s : s + step], z_m[s : s + step]) for s in range(0, batch * n, step)]}


def network_pass(model, inputs: dict, clips: int, *, encode_first: bool = False, scored: bool = True,
                 on_encode=None) -> None:
    """The sampler's network work alone: per clip Enc (not the first unless `encode_first`: Alg. 7 and 11 encode
    a real window / the initial clip first), G on B·N codes, D_V on B·N clips (`scored`: latent mode vdrej).
    `on_encode(latents)`: the work a sampler does with each encoding (R3: the GPT's step), counted as network."""
    import torch

    with torch.no_grad():
        for j in range(clips):
            if j or encode_first:
                latents = model.encode(inputs["prev"])
                if on_encode is not None:
                    on_encode(latents)
            for codes in inputs["chunks"]:
                clip = model.generate(*codes)
                if scored:
                    model.score(clip)  # D_V, as the sampler calls it


def clock(device) -> str:
    """CUDA: wall seconds (synchronised); CPU: this process's CPU seconds, which the other jobs of a shared machine
    do not inflate (with one torch thread they equal the wall seconds of a quiet machine)."""
    return "wall" if device.type == "cuda" else "process_cpu"


def timed(fn, device) -> float:
    """Seconds `fn()` takes on `clock(device)`."""
    import torch

    now = time.perf_counter if device.type == "cuda" else time.process_time
    t0 = now()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return now() - t0


def measure(model, batch: int, frames: int, n: int, repeats: int) -> dict:
    """Sampler and network alone, `repeats` timed runs of each after a warm-up -> medians and ratios.

    Warm-up: one clip of G and D_V at the B·N shapes (the first call of a shape is slower on every device). The
    two alternate which goes first, so that neither sees a shape or a cache state first more often."""
    device = next(model.generator.parameters()).device
    clips, inputs = clips_of(model, frames), network_inputs(model, batch, n)
    network_pass(model, inputs, 1)
    made = {}
    runs = {"sampler": lambda: made.update(frames=sampler_pass(model, batch, frames, n)),
            "forward": lambda: network_pass(model, inputs, clips)}
    seconds = {"sampler": [], "forward": []}
    for i in range(repeats):
        for name in (("sampler", "forward") if i % 2 == 0 else ("forward", "sampler")):
            seconds[name].append(timed(runs[name], device))
    if made["frames"] != frames:
        raise RuntimeError(f"the AR2 sampler made {made['frames']} frames, asked for {frames}")
    s, f = statistics.median(seconds["sampler"]), statistics.median(seconds["forward"])
    return {"clips": clips, "sampler_s": s, "forward_s": f, "s_per_frame": s / (batch * frames),
            "forward_s_per_frame": f / (batch * frames), "overhead_ratio": s / f - 1,
            "sampler_spread": spread(seconds["sampler"]), "forward_spread": spread(seconds["forward"])}


def spread(values: list[float]) -> float:
    """(max − min) / median: how far apart the repeats fell (an overhead_ratio inside it is noise)."""
    return (max(values) - min(values)) / statistics.median(values)


def run(args: argparse.Namespace) -> int:
    import torch

    from longvid.bench.host import device_label, resolve_device

    if args.quick:
        args.widths, args.candidates = ["smoke"], [1, 10]
    if min(args.candidates) < 1 or args.batch < 1 or args.frames < 1 or args.repeats < 1:
        raise SystemExit("--candidates, --batch, --frames and --repeats must be >= 1")
    torch.set_num_threads(args.threads)
    device = torch.device(resolve_device(args.device))
    base = {"machine": platform.node(), "device": device_label(str(device)), "clock": clock(device),
            "threads": args.threads,
            "preset": args.preset, "batch_size": args.batch, "frames": args.frames, "repeats": args.repeats}
    rows = []
    for widths in args.widths:
        torch.manual_seed(0)
        model = build(args.preset, widths, device)
        measure(model, args.batch, args.frames, 1, 1)  # warm-up: the first Enc, G, D_V calls of a model are slower
        for n in args.candidates:
            row = base | {"widths": widths, "candidates": n} | measure(model, args.batch, args.frames, n,
                                                                       args.repeats)
            row |= {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                    "load_avg": round(os.getloadavg()[0], 2)}
            rows.append(row)
            write(args.out, rows)  # after every row: a run cut short keeps the settings it finished
            print(f"[bench] vdrej {widths} N={n}: {row['s_per_frame']:.4g} s/frame, network "
                  f"{row['forward_s_per_frame']:.4g} s/frame, overhead {row['overhead_ratio']:+.1%}", flush=True)
    write(args.out, rows)
    print(f"[bench] wrote {args.out} ({len(rows)} rows)")
    return 0


def write(path: Path, rows: list[dict]) -> None:
    floats = ("s_per_frame", "forward_s_per_frame", "overhead_ratio", "sampler_s", "forward_s", "sampler_spread",
              "forward_spread")
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k) for k in COLUMNS} | {k: f"{row[k]:.6g}" for k in floats})
