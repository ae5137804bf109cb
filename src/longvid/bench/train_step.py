"""G3AN training step before vs after reusing the noise clip's forward (issue 17): one process, interleaved rounds.

``current``: the recipe's step (``longvid.recipes.encgan3``): x_tilde = G(z_tilde) once, with gradient, its
detached value for D's step. ``regenerating``: the schedule until issue 17, kept here as the timing baseline only:
x_tilde generated without gradient for D's step and again for G's step (``regenerating_g3an_step``). Both recipes
start from the same weights; after one warm-up step each, every round times one step of each (order alternating),
and the medians over ``--rounds`` are reported, with their ratio. Sizes: ``model.preset`` (default g3an_64: G 23.09 M,
D_V 8.35 M, D_I 2.76 M parameters), batch 2, 16x64x64 clips, ``--threads`` torch CPU threads (default 2).
Columns: machine, device, date, preset, resolution, frames, batch_size, threads, schedule, g_forwards,
median_sec (wall), median_cpu_sec (this process's CPU time, all threads: less sensitive to other jobs on a shared
machine), rounds, load_avg (1-minute load average at the end: CPU timings are only as good as it is low).
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

COLUMNS = ("machine", "device", "date", "preset", "resolution", "frames", "batch_size", "threads", "schedule",
           "g_forwards", "median_sec", "median_cpu_sec", "rounds", "load_avg")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=Path, help="CSV to write (results/bench/train_step.csv)")
    p.add_argument("--preset", default="g3an_64", help="a G3AN model preset (model.use_encoder false)")
    p.add_argument("--frames", type=int, default=16, help="clip length")
    p.add_argument("--batch-size", type=int, default=2, help="clips per step")
    p.add_argument("--rounds", type=int, default=5, help="timed rounds (one step of each schedule per round)")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    p.add_argument("--device", default="cpu", help="cpu or cuda")


def regenerating_g3an_step(recipe, x) -> dict:
    """The G3AN iteration that generated x_tilde twice (no gradient for D, again for G): the baseline."""
    import torch

    from longvid.recipes.losses import discriminator_loss, generator_adv_loss, random_frames

    m = recipe.model
    g, d_i, d_v = m.generator, m.image_discriminator, m.video_discriminator
    z = m.sample_latents(x.shape[0], frames=x.shape[1], device=x.device)
    with torch.no_grad(), recipe.ctx.autocast():
        fake = g(*z)
    with recipe.ctx.autocast():
        l_dv = discriminator_loss(d_v(x), [d_v(fake)])
        l_di = discriminator_loss(d_i(random_frames(x)), [d_i(random_frames(fake))])
    recipe.update_parts(("image_discriminator", "video_discriminator"), l_di + l_dv)
    with recipe.ctx.autocast():
        fake = g(*z)
        adv = generator_adv_loss([d_v(fake), d_i(random_frames(fake))])
    recipe.update_parts(("generator",), adv)
    return {"d_image": l_di.item(), "d_video": l_dv.item(), "g": adv.item(), "g_adv": adv.item()}


def compare(preset: str, frames: int, batch: int, rounds: int, device: str, model: dict | None = None) -> dict:
    """schedule -> {"median_sec", "median_cpu_sec", "g_forwards", "times"} for `rounds` interleaved steps of each
    schedule; `model`
    overrides preset fields (tests: tiny widths)."""
    import torch

    from longvid.recipes.encgan3 import EncGAN3Recipe
    from longvid.train.config import TrainConfig
    from longvid.train.distributed import Context

    dev = torch.device(device)
    run = {"model": {"preset": preset, "frames": frames} | (model or {})}
    recipes, counts = {}, {}
    for name in ("regenerating", "current"):
        torch.manual_seed(0)
        model = EncGAN3Recipe.build_model(run).to(dev).train()
        if model.encoder is not None:
            raise SystemExit(f"--preset {preset}: has an encoder; this benchmark times G3AN (use g3an_64 / g3an_128)")
        ctx = Context(device=dev, amp_dtype=torch.bfloat16 if dev.type == "cuda" else None)
        recipes[name] = EncGAN3Recipe(model, TrainConfig(batch_size=batch), ctx)
        counts[name] = []
        model.generator.register_forward_pre_hook(lambda mod, args, c=counts[name]: c.append(1))
    steps = {"regenerating": lambda r, x: regenerating_g3an_step(r, x), "current": lambda r, x: r.step({"video": x})}
    x = torch.rand(batch, frames, 3, recipes["current"].model.cfg.resolution, recipes["current"].model.cfg.resolution,
                   generator=torch.Generator().manual_seed(0)).to(dev) * 2 - 1  # (B, T, C, H, W)
    times, cpu = {name: [] for name in steps}, {name: [] for name in steps}
    for k in range(rounds + 1):  # round 0: warm-up
        order = list(steps) if k % 2 == 0 else list(steps)[::-1]
        for name in order:
            counts[name].clear()
            t0, c0 = time.perf_counter(), time.process_time()
            steps[name](recipes[name], x)
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
            if k:
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
    return {name: {"median_sec": statistics.median(t), "median_cpu_sec": statistics.median(cpu[name]),
                   "g_forwards": len(counts[name]), "times": t} for name, t in times.items()}


def run(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(args.threads)
    result = compare(args.preset, args.frames, args.batch_size, args.rounds, args.device)
    name = torch.cuda.get_device_name(0) if args.device == "cuda" else (platform.processor() or platform.machine())
    base = {"machine": platform.node(), "device": f"{args.device}:{name}",
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "preset": args.preset, "resolution": int(args.preset.rsplit("_", 1)[-1]), "frames": args.frames,
            "batch_size": args.batch_size, "threads": args.threads, "rounds": args.rounds,
            "load_avg": round(os.getloadavg()[0], 2)}
    with atomic_path(args.out) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for schedule, r in result.items():
            writer.writerow(base | {"schedule": schedule, "g_forwards": r["g_forwards"],
                                    "median_sec": f"{r['median_sec']:.4f}",
                                    "median_cpu_sec": f"{r['median_cpu_sec']:.4f}"})
            print(f"[bench] {schedule}: median {r['median_sec']:.3f} s/step ({r['median_cpu_sec']:.3f} CPU-s) over "
                  f"{args.rounds} rounds ({', '.join(f'{t:.3f}' for t in r['times'])}), {r['g_forwards']} G forwards")
    wall, cpu = (result["current"][k] / result["regenerating"][k] for k in ("median_sec", "median_cpu_sec"))
    print(f"[bench] current / regenerating = {wall:.3f} wall, {cpu:.3f} CPU; wrote {args.out}")
    return 0
