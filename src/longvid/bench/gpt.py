"""R3's GPT (Sec. 5.4.4): training seconds per iteration and peak memory against sequence length, and decoding
seconds per token with and without the KV cache (issue 16, "Benchmarks").

Sequence length: a `frames`-frame training video gives tokens = 1 + (frames − 16) // 8 latent tokens (recall
windows of 16 frames every r = 8 frames, `sample.encode_latents.window_starts`, `GPTConfig.max_tokens`): 24 frames
→ 2 tokens, 1000 → 124 (Sec. 5.4.4's cap). A 16-frame video is one token with nothing to predict (the dataset
leaves it out), so training rows start at 24 frames.

Rows (`results/bench/gpt.csv`):
* `train` — one iteration of the real recipe (`recipes.gpt.GPTRecipe.step`: Eq. 5.3's Smooth L1, backward, AdamW;
  bf16 autocast on CUDA as in training) on `--batch` pad0 items of `tokens` random latents (`data.latentset`),
  the R3 model of `GPTRecipe.build_model` (GPT + the frozen, untrained R2: training holds both). Each setting runs
  in a fresh spawned process (`bench.recall.isolated`): peak memory is its own — `torch.cuda.max_memory_allocated`
  on CUDA, the peak resident set size on CPU (interpreter, torch and the R2 included: a constant of every row).
* `decode` — seconds to get the prediction after the k-th token (`--positions`, 1-based; the Sky cap is 124):
  `kv_cache = yes`: `GPT.step` of token k on a fresh `new_cache` prefilled (untimed) with tokens 1..k−1, as
  `models.r3_generate` decodes (fp32, cache of all positions); `kv_cache = no`: the full forward of tokens 1..k, what
  each step costs without a cache. With the cache a step attends over the preallocated positions under a mask, so
  its cost should not depend on k; without it the cost grows with k.
Seconds are medians of `--repeats` timed iterations (`--decode-repeats` rounds over every decoding setting, in
alternating order) after a warm-up, on `vdrej_cost.clock` (wall on CUDA, the process's CPU time on CPU: robust to
the other jobs of a shared machine, though not to their use of memory bandwidth); spread = (max − min) / median.

Widths: `smoke` = the smoke config's R2 size_overrides (`vdrej_cost.SMOKE_WIDTHS`) and GPT (2 blocks, 4 heads;
token 2 (16 + 256) = 544); `full` = the thesis' GPT (48 blocks, 24 heads, token 1536, 1.36 B parameters). Full
width does not train on a 24 GB CPU machine (weights + gradients + AdamW states ~22 GB), so it is measured at
`--full-layers` blocks (default 1, 2 and 4; `layers_measured`: two counts proved too few for a shared CPU's noise)
and, for every setting, a least-squares line through the measured block counts gives an estimate at 48 blocks:
extra rows with `extrapolated_to = 48` and status `extrapolated`. Every value of such a row is an estimate, never
a measurement; on a GPU pass `--full-layers 48` to measure the full GPT (no extrapolated rows then).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import statistics
from pathlib import Path

from longvid.fsutil import atomic_path

COLUMNS = ("machine", "device", "date", "clock", "threads", "widths", "task", "layers_measured", "extrapolated_to",
           "n_head", "token", "gpt_params", "batch_size", "frames", "tokens", "position", "kv_cache", "repeats",
           "s_per_iter", "s_per_token", "spread", "peak_mem_mb", "status", "load_avg")
PRESET = "improved_r2_128"  # the R2 the r3 experiments extend (config.yaml: r3_{dataset}_128)
SMOKE_GPT = {"n_layer": 2, "n_head": 4}  # the `gpt.*` size_overrides of tests/smoke/config.yaml (a test pins them)
FULL_LAYERS = 48  # the thesis' GPT (Sec. 5.4.4): the block count the full-width rows extrapolate to
TRAIN_FRAMES = (24, 64, 128, 256, 512, 1000)  # 2, 7, 15, 31, 63, 124 tokens
FLOATS = ("s_per_iter", "s_per_token", "spread", "peak_mem_mb")
ESTIMATED = ("s_per_iter", "s_per_token", "peak_mem_mb")  # the values an extrapolated row carries


def tokens_of(frames: int, clip: int = 16, shift: int = 8) -> int:
    """Latent tokens of a `frames`-frame video: its recall windows (`GPTConfig.max_tokens` of max_frames = frames)."""
    from longvid.models.sections import GPTConfig

    return GPTConfig(max_frames=frames, clip=clip, shift=shift).max_tokens


def run_config(widths: str, n_layer: int) -> dict:
    """The r3 run config of the bench: `PRESET` at `widths` (smoke or full), a GPT of `n_layer` blocks."""
    from longvid.bench.vdrej_cost import SMOKE_WIDTHS

    model = {"preset": PRESET} | (SMOKE_WIDTHS if widths == "smoke" else {})
    gpt = (SMOKE_GPT if widths == "smoke" else {}) | {"n_layer": n_layer}
    return {"family": "r3", "model": model, "gpt": gpt}


def gpt_shape(widths: str, n_layer: int):
    """(GPTConfig, latent size) of `run_config(widths, n_layer)`, checked as a training run's."""
    from longvid import families
    from longvid.models.sections import GPTConfig

    args = families.model_args(run_config(widths, n_layer), source=f"bench gpt ({widths})")
    return GPTConfig(**args["gpt"]), 2 * (args["model"]["dim_zc"] + args["model"]["dim_zm"])


def training_batch(gcfg, latent: int, tokens: int, batch: int, device) -> dict:
    """`batch` pad0 items of `tokens` random latents each, laid out by the training dataset and moved to `device`."""
    import numpy as np
    import torch

    from longvid.data.latentseq import LatentSequences
    from longvid.data.latentset import LatentSequenceDataset

    rng = np.random.default_rng(tokens)
    seqs = [rng.standard_normal((tokens, latent), dtype=np.float32) for _ in range(batch)]
    meta = {"r2_checkpoint_sha256": "", "shift": gcfg.shift, "clip": gcfg.clip, "max_frames": gcfg.max_frames}
    data = LatentSequences(seqs, np.zeros(batch, np.int64), [f"v{i}" for i in range(batch)], meta)
    dataset = LatentSequenceDataset(data, gcfg)
    items = torch.utils.data.default_collate([dataset[i] for i in range(batch)])
    return {k: v.to(device) if torch.is_tensor(v) else v for k, v in items.items()}


def train_trial(widths: str, n_layer: int, frames: int, batch: int, repeats: int, device: str,
                threads: int) -> dict:
    """One training setting in this process -> {s_per_iter, spread, peak_mem_mb, status}."""
    import torch

    from longvid.bench.recall import _peak
    from longvid.bench.vdrej_cost import spread, timed
    from longvid.recipes.gpt import GPTRecipe
    from longvid.train.config import TrainConfig
    from longvid.train.distributed import Context

    torch.set_num_threads(threads)
    dev = torch.device(device)
    try:
        torch.manual_seed(0)
        with dev:  # parameters made on the device: 1.36 B initialised by one CPU thread would take most of a trial
            model = GPTRecipe.build_model(run_config(widths, n_layer)).to(dev)
        ctx = Context(device=dev, amp_dtype=torch.bfloat16 if dev.type == "cuda" else None)
        recipe = GPTRecipe(model, TrainConfig(batch_size=batch, lr=5e-5, betas=(0.9, 0.95)), ctx)  # Sec. 5.4.4
        items = training_batch(model.gcfg, model.gpt.latent, tokens_of(frames), batch, dev)
        recipe.step(items)  # warm-up: the first call of a shape is slower, AdamW allocates its states
        seconds = [timed(lambda: recipe.step(items), dev) for _ in range(repeats)]
        res = {"s_per_iter": statistics.median(seconds), "spread": spread(seconds), "status": "ok"}
    except torch.OutOfMemoryError:
        res = {"status": "oom"}
    except Exception as err:  # noqa: BLE001 - recorded in the table, the other settings still run
        res = {"status": f"error: {type(err).__name__}: {str(err).splitlines()[0][:160]}"}
    return res | {"peak_mem_mb": round(_peak(torch, dev), 1)}


def decode_trial(widths: str, n_layer: int, positions: list[int], batch: int, repeats: int, device: str,
                 threads: int) -> list[dict]:
    """Seconds per token at each position, with and without the KV cache -> [{position, kv_cache, s_per_token,
    spread, status}]."""
    import torch

    from longvid.bench.vdrej_cost import spread, timed
    from longvid.models.gpt import GPT

    torch.set_num_threads(threads)
    dev = torch.device(device)
    gcfg, latent = gpt_shape(widths, n_layer)
    torch.manual_seed(0)
    with dev:
        gpt = GPT(gcfg, latent).to(dev).eval()
    z = torch.randn(batch, max(positions), latent, generator=torch.Generator().manual_seed(0)).to(dev)

    def once(k: int, cached: bool) -> float:
        if not cached:
            return timed(lambda: gpt(z[:, :k])[:, -1], dev)
        cache = gpt.new_cache(batch)
        if k > 1:
            gpt.prefill(z[:, : k - 1], cache)  # untimed: the tokens before k are already cached
        return timed(lambda: gpt.step(z[:, k - 1], cache), dev)

    settings = [(k, cached) for k in positions for cached in (True, False)]
    seconds: dict[tuple, list[float]] = {s: [] for s in settings}
    with torch.no_grad():
        for i in range(repeats + 1):  # round 0: warm-up; rounds alternate the order (load drifts reach all alike)
            for s in settings if i % 2 else settings[::-1]:
                t = once(*s)
                seconds[s] += [t] if i else []
    return [{"position": k, "kv_cache": "yes" if cached else "no", "status": "ok",
             "s_per_token": statistics.median(seconds[k, cached]), "spread": spread(seconds[k, cached])}
            for k, cached in settings]


def extrapolate(rows: list[dict], target: int) -> list[dict]:
    """Rows at `target` blocks from the measured full-width rows: per setting, a least-squares line in the block
    count through every measured count (two or more distinct), evaluated at `target`."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["widths"] == "full" and r["status"] == "ok" and not r.get("extrapolated_to"):
            groups.setdefault((r["task"], r.get("frames"), r.get("position"), r.get("kv_cache")), []).append(r)
    out = []
    for group in groups.values():
        layers = [int(r["layers_measured"]) for r in group]
        if len(set(layers)) < 2 or target in layers:
            continue
        est = {k: _line(layers, [r[k] for r in group], target) for k in ESTIMATED
               if all(r.get(k) is not None for r in group)}
        first = group[0]
        out.append(first | est | {"layers_measured": "+".join(map(str, sorted(set(layers)))),
                                  "extrapolated_to": target, "spread": None, "status": "extrapolated",
                                  "gpt_params": params(first["widths"], target)})
    return out


def _line(x: list[int], y: list[float], at: int) -> float:
    """Least-squares line through (x, y), evaluated at `at`."""
    mx, my = statistics.fmean(x), statistics.fmean(y)
    slope = sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)
    return my + slope * (at - mx)


def params(widths: str, n_layer: int) -> int:
    """Parameters of the GPT at `widths` with `n_layer` blocks (counted on the meta device)."""
    from longvid.models.gpt import count_gpt

    return count_gpt(*gpt_shape(widths, n_layer))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=Path, help="CSV to write (results/bench/gpt.csv)")
    p.add_argument("--widths", nargs="+", default=["smoke", "full"], choices=("smoke", "full"),
                   help="GPT widths to time")
    p.add_argument("--full-layers", nargs="+", type=int, default=[1, 2, 4],
                   help=f"blocks of the full-width GPT actually built (48 = the thesis' GPT; fewer: the rows are "
                        f"extrapolated to {FULL_LAYERS})")
    p.add_argument("--frames", nargs="+", type=int, default=list(TRAIN_FRAMES),
                   help="training sequence lengths in frames (tokens = 1 + (frames - 16) // 8; >= 24)")
    p.add_argument("--positions", nargs="+", type=int, default=[1, 32, 124],
                   help="decoded token positions (1-based, <= 124)")
    p.add_argument("--batch", type=int, default=1, help="sequences per training iteration and per decoding step")
    p.add_argument("--repeats", type=int, default=5, help="timed training iterations (medians), after a warm-up")
    p.add_argument("--decode-repeats", type=int, default=20,
                   help="timed rounds over every decoding setting (medians), after a warm-up round")
    p.add_argument("--quick", action="store_true",
                   help="smoke widths only, 24 / 256 / 1000 frames, 2 training and 5 decoding repeats (CI)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")


def check(args: argparse.Namespace) -> None:
    """Apply `--quick` and refuse settings no trial can run, before any process starts."""
    if args.quick:
        args.widths, args.frames = ["smoke"], [24, 256, 1000]
        args.repeats, args.decode_repeats = min(args.repeats, 2), min(args.decode_repeats, 5)
    longest = tokens_of(1000)
    if min(args.frames) < 24 or tokens_of(max(args.frames)) > longest:
        raise SystemExit(f"--frames {args.frames}: training needs 24 to 1000 frames (2 to {longest} tokens: one "
                         "token has no next token to predict, the GPT has 124 positions)")
    if not all(1 <= k <= longest for k in args.positions):
        raise SystemExit(f"--positions {args.positions}: decoded positions are 1 to {longest} (the GPT's positions)")
    if min(args.full_layers) < 1 or min(args.batch, args.repeats, args.decode_repeats) < 1:
        raise SystemExit("--full-layers, --batch, --repeats and --decode-repeats must be >= 1")


def run(args: argparse.Namespace) -> int:
    import torch

    from longvid.bench.host import device_label, resolve_device
    from longvid.bench.recall import isolated
    from longvid.bench.vdrej_cost import clock

    check(args)
    device = resolve_device(args.device)
    base = {"machine": platform.node(), "device": device_label(device), "clock": clock(torch.device(device)),
            "threads": args.threads, "batch_size": args.batch, "repeats": args.repeats}
    rows: list[dict] = []
    for widths in args.widths:
        for n_layer in [SMOKE_GPT["n_layer"]] if widths == "smoke" else args.full_layers:
            gcfg, latent = gpt_shape(widths, n_layer)
            model = base | {"widths": widths, "layers_measured": n_layer, "n_head": gcfg.n_head, "token": latent,
                            "gpt_params": params(widths, n_layer)}
            for res in isolated(decode_trial, widths, n_layer, args.positions, args.batch, args.decode_repeats,
                                device, args.threads):  # first: the headline, kept by a run cut short
                rows.append(model | _when() | res | {"task": "decode", "repeats": args.decode_repeats})
                print(f"[bench] gpt decode {widths} {n_layer} blocks: {res}", flush=True)
            write(args.out, rows)
            for frames in args.frames:
                res = isolated(train_trial, widths, n_layer, frames, args.batch, args.repeats, device, args.threads)
                rows.append(model | _when() | res | {"task": "train", "frames": frames, "tokens": tokens_of(frames)})
                write(args.out, rows)  # after every row: a run cut short keeps the settings it finished
                print(f"[bench] gpt train {widths} {n_layer} blocks, {frames} frames: {res}", flush=True)
    rows += extrapolate(rows, FULL_LAYERS)
    write(args.out, rows)
    print(f"[bench] wrote {args.out} ({len(rows)} rows)")
    return 0


def _when() -> dict:
    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "load_avg": round(os.getloadavg()[0], 2)}


def write(path: Path, rows: list[dict]) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            fmt = {k: ("" if row.get(k) is None else f"{row[k]:.6g}") for k in FLOATS}
            writer.writerow({k: row.get(k) for k in COLUMNS} | fmt)
