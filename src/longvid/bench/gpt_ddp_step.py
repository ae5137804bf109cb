"""One data-parallel training step of R3's GPT (Eq. 5.3) on every device `torchrun` starts a process for.

`torchrun --nproc_per_node=G -m longvid bench gpt_ddp_step --out CSV` (or one plain process): each rank builds R3
(untrained R2 and GPT, `longvid.bench.generate.run_config` at `--widths`), the GPT recipe with the training loop's
own `Context` (`longvid.train.distributed.setup_context`: NCCL on CUDA, gloo on CPU, bf16 autocast on CUDA, the
gradients averaged over the ranks after backward as in training) and steps it on random latent sequences of
`--tokens` positions in format pad0, `--batch` per rank: one warm-up step, then `--steps` timed ones (wall seconds,
synchronised; the slowest rank's median). Rank 0 writes one row: the device, the world size, seconds per step,
latent tokens per second over all ranks and the peak memory of rank 0 (`torch.cuda.max_memory_allocated`, or the
peak resident set size on CPU). Weights are untrained (time does not depend on them).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import platform
import statistics
import time
from pathlib import Path

from longvid.fsutil import atomic_path

COLUMNS = ("machine", "device", "date", "world_size", "widths", "preset", "gpt_params_m", "batch_per_rank", "tokens",
           "amp", "steps", "s_per_step", "tokens_per_s", "loss", "peak_mem_mb")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=Path, help="CSV to write (rank 0)")
    p.add_argument("--widths", default="full", choices=("smoke", "full"),
                   help="the smoke config's sizes or the preset's")
    p.add_argument("--preset", default="improved_r2_128", help="model preset of R3's R2 (its latent = the token)")
    p.add_argument("--batch", type=int, default=4, help="latent sequences per rank")
    p.add_argument("--tokens", type=int, default=124, help="positions per sequence (124: a 1000-frame video)")
    p.add_argument("--steps", type=int, default=3, help="timed steps after one warm-up")
    p.add_argument("--quick", action="store_true", help="smoke widths, 2 sequences of 16 tokens (CI)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")


def batch_of(batch: int, tokens: int, latent: int, device) -> dict:
    """Random pad0 sequences (B, L, latent), every position valid, every one but the last a target (Eq. 5.3)."""
    import torch

    from longvid.models.gpt import CONTINUOUS

    g = torch.Generator().manual_seed(0)
    target = torch.ones(batch, tokens, dtype=torch.bool)
    target[:, -1] = False
    return {"z": torch.randn(batch, tokens, latent, generator=g).to(device),
            "ids": torch.full((batch, tokens), CONTINUOUS, dtype=torch.long, device=device),
            "valid": torch.ones(batch, tokens, dtype=torch.bool, device=device), "target": target.to(device)}


def trial(args: argparse.Namespace) -> dict:
    """The steps of this rank -> {s_per_step (slowest rank's median), loss, peak_mem_mb, ...}."""
    import torch

    from longvid.bench.generate import run_config
    from longvid.bench.host import device_label
    from longvid.bench.recall import _peak
    from longvid.recipes.gpt import GPTRecipe
    from longvid.train.config import TrainConfig
    from longvid.train.distributed import setup_context

    ctx = setup_context(args.device)
    torch.manual_seed(0)  # the same weights on every rank
    run_cfg = run_config("r3-robust", args.widths, args.preset)
    model = GPTRecipe.build_model(run_cfg).to(ctx.device)
    recipe = GPTRecipe(model, TrainConfig(batch_size=args.batch), ctx)
    model.train()
    batch = batch_of(args.batch, args.tokens, model.gpt.latent, ctx.device)
    seconds, out = [], {}
    for i in range(args.steps + 1):
        t0 = time.perf_counter()
        out = recipe.step(batch)  # .item() of the loss: synchronised
        if ctx.device.type == "cuda":
            torch.cuda.synchronize(ctx.device)
        if i:
            seconds.append(time.perf_counter() - t0)
    s = torch.tensor([statistics.median(seconds)], device=ctx.device)
    if ctx.world > 1:
        import torch.distributed as dist

        dist.all_reduce(s, op=dist.ReduceOp.MAX)
    return {"device": device_label(str(ctx.device)), "world_size": ctx.world, "rank": ctx.rank,
            "amp": str(ctx.amp_dtype).replace("torch.", "") if ctx.amp_dtype else "float32",
            "gpt_params_m": sum(p.numel() for p in model.gpt.parameters()) / 1e6, "s_per_step": float(s),
            "tokens_per_s": ctx.world * args.batch * args.tokens / float(s), "loss": out["loss_gpt"],
            "peak_mem_mb": round(_peak(torch, ctx.device), 1)}


def run(args: argparse.Namespace) -> int:
    from longvid.train.distributed import shutdown

    if args.quick:
        args.widths, args.batch, args.tokens = "smoke", 2, 16
    if min(args.batch, args.steps) < 1 or args.tokens < 2:
        raise SystemExit("--batch and --steps must be >= 1, --tokens >= 2 (a target needs a next token)")
    try:
        res = trial(args)
    finally:
        shutdown()
    if res.pop("rank"):
        return 0
    row = res | {"machine": platform.node(), "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds"), "widths": args.widths, "preset": args.preset, "batch_per_rank": args.batch,
        "tokens": args.tokens, "steps": args.steps}
    with atomic_path(args.out) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerow({k: row.get(k) for k in COLUMNS} | {k: f"{row[k]:.6g}" for k in
                                                           ("gpt_params_m", "s_per_step", "tokens_per_s", "loss")})
    print(f"[bench] gpt_ddp_step on {row['world_size']} x {row['device']}: {row['s_per_step']:.4g} s per step, "
          f"{row['tokens_per_s']:.4g} tokens/s, loss {row['loss']:.4g}")
    return 0
