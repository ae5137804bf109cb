"""`longvid train`: the generic training loop shared by every model family (Sec. 3.3.2, 3.4.2; Alg. 1).

The loop owns what every family needs and nothing a family decides: data order, optimiser-independent
bookkeeping, mixed precision, DDP, checkpoint/resume, signals, the periodic evaluation hook and progress logging.
A *recipe* (``longvid.recipes.RECIPES[family]``) owns the model, its optimisers, losses and step order.

Choices (the thesis is silent on all of them; see docs/training.md):
* ``batch_size`` is per process; under ``torchrun`` the global batch is ``batch_size * world_size``. Every
  epoch is one pass over the clip set in a permutation drawn from ``(seed, epoch)``; the permutation is padded to
  a multiple of the world size (as ``DistributedSampler``) and dealt to ranks round-robin; the incomplete last
  batch is kept (Sec. 5.3.5: "does not drop videos").
* Gradients are averaged across ranks by an explicit all-reduce before each optimiser step (the recipe calls
  ``ctx.sync_grads``), because a GAN recipe calls its sub-networks in several passes with separate optimisers;
  buffers (BatchNorm statistics, spectral-norm vectors) are broadcast from rank 0 before every iteration.
  BatchNorm batch statistics stay per rank (as DDP without SyncBatchNorm).
* Randomness: the model is built under ``seed`` (identical on every rank); training draws from the global
  torch / numpy / python generators seeded with ``seed + rank``. Checkpoints hold every rank's generator states
  and the position in the data order, so a resumed run continues exactly like an uninterrupted one.
* SIGTERM / SIGUSR1 (SLURM's warning before the time limit): the current iteration finishes, a resume
  checkpoint ``checkpoints/interrupt.pt`` is written and the process exits with code 75 (EX_TEMPFAIL) so that
  Snakemake (``retries:``) reruns the job, which resumes from the newest checkpoint. ``final.pt`` is written
  only when training ends.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import math
import os
import re
import signal
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from longvid.fsutil import atomic_path

EXIT_INTERRUPTED = 75  # EX_TEMPFAIL: stopped by a signal after writing a resume checkpoint
LOSS_VARIANTS = ("frames", "diffmaps_enc", "diffmaps")  # Eq. 3.1+3.4 / Eq. 3.9+3.4 / Eq. 3.9+3.10 (Table 3.6)
ENCODER_MODES = ("auto", "train_test", "train_only", "none")  # Table 3.5 rows; auto = follow model.use_encoder
METRIC_COLUMNS = ("epoch", "step", "name", "value")


@dataclass(frozen=True)
class TrainConfig:
    """The ``train:`` block of a resolved run config (defaults = Sec. 3.4.2 for EncGAN3 on UvA)."""

    batch_size: int = 10  # clips per process per iteration (Sec. 3.4.2: 10 for EncGAN3, 25 for G3AN)
    epochs: int = 3000  # passes over the clip set (Sec. 3.4.2: EncGAN3 good after 3,000)
    max_iters: int | None = None  # stop after this many iterations in total (smoke runs); None = epochs only
    lr: float = 2e-4  # Adam learning rate of D, Enc and G (Sec. 3.4.2; Table 3.6 also 4e-5)
    betas: tuple[float, float] = (0.5, 0.999)  # Adam (beta1, beta2) (Sec. 3.4.2)
    loss: str = "frames"  # one of LOSS_VARIANTS (Table 3.6)
    encoder_mode: str = "auto"  # one of ENCODER_MODES; auto = train_test with an encoder, none (G3AN) without
    recon_weight: float = 1.0  # weight of the L1 reconstruction terms (printed weight 1)
    kl_weight: float = 1.0  # weight of each KL term of Eq. 3.1 (printed weight 1)
    adv_weight: float = 1.0  # weight of each adversarial term (printed weight 1)
    kl_reduction: str = "mean"  # "mean" over batch and latent dims (matches the MAE), or "batchmean" (sum dims)
    ckpt_every: int = 10  # epochs between periodic checkpoints checkpoints/epoch_XXXXX.pt (0 = none)
    keep_epochs: tuple[int, ...] = ()  # epochs whose checkpoint is kept as <out dir>/keep/epoch_XXXXX.pt (Fig. 3.12)
    eval_every: int = 100  # epochs between evaluation hooks (thesis curves: 100; FVD: 10; 0 = only at the end)
    eval_hooks: tuple[str, ...] = ("recon_l1",)  # names in recipes.hooks.EVAL_HOOKS; "name@N" = every N epochs
    eval_batch: int = 8  # clips in the fixed held-out batch of the recon_l1 hook
    eval_count: int = 64  # generated clips per call of the metric hooks vfid / fvd_16f / vis (longvid.metrics)
    log_every: int = 50  # iterations between progress lines / loss rows in metrics.csv
    amp: bool = True  # bf16 autocast on CUDA (ignored on CPU)
    channels_last: bool = False  # channels-last memory format on CUDA (ignored on CPU)
    num_workers: int = 2  # DataLoader worker processes per rank

    @classmethod
    def from_dict(cls, raw: dict | None, source: str = "config") -> "TrainConfig":
        """Build from the ``train:`` mapping (longvid.runconfig: unknown keys, types, ranges); errors name ``source``."""
        from longvid.runconfig import load_section

        ranges = {"batch_size": ">= 1", "epochs": ">= 1", "max_iters": ">= 1", "lr": "> 0", "recon_weight": ">= 0",
                  "kl_weight": ">= 0", "adv_weight": ">= 0", "ckpt_every": ">= 0", "eval_every": ">= 0",
                  "eval_batch": ">= 1", "eval_count": ">= 2", "log_every": ">= 1", "num_workers": ">= 0"}
        return load_section(cls, raw, section="train", source=source, ranges=ranges)

    def validate(self, source: str = "config") -> None:
        if self.loss not in LOSS_VARIANTS:
            raise ValueError(f"{source}: train.loss={self.loss!r}; choose one of {LOSS_VARIANTS}")
        if self.encoder_mode not in ENCODER_MODES:
            raise ValueError(f"{source}: train.encoder_mode={self.encoder_mode!r}; choose one of {ENCODER_MODES}")
        if self.kl_reduction not in ("mean", "batchmean"):
            raise ValueError(f"{source}: train.kl_reduction must be 'mean' or 'batchmean'")
        if self.batch_size < 1 or self.epochs < 1 or (self.max_iters is not None and self.max_iters < 1):
            raise ValueError(f"{source}: train.batch_size, epochs and max_iters must be >= 1")
        if len(self.betas) != 2:
            raise ValueError(f"{source}: train.betas must be two numbers, e.g. [0.5, 0.999]")


@dataclass
class Context:
    """What a recipe may use from the loop: device, precision, rank, gradient averaging."""

    device: object  # torch.device
    rank: int = 0  # this process's rank
    world: int = 1  # number of processes
    amp_dtype: object = None  # torch.bfloat16 when autocast is on, else None

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def autocast(self):
        """Context manager: bf16 autocast on CUDA when enabled, else a no-op."""
        import torch

        if self.amp_dtype is None:
            return nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def mean_over_ranks(self, values: dict) -> dict:
        """Average a dict of floats over ranks (identical keys on every rank); identity for one process."""
        if self.world == 1 or not values:
            return values
        import torch
        import torch.distributed as dist

        keys = sorted(values)
        t = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return {k: v / self.world for k, v in zip(keys, t.tolist())}

    def sync_grads(self, params) -> None:
        """Average the gradients of ``params`` over ranks (one flattened all-reduce); no-op for one process."""
        if self.world == 1:
            return
        import torch
        import torch.distributed as dist

        grads = [p.grad for p in params if p.grad is not None]
        if not grads:
            return
        flat = torch.cat([g.reshape(-1) for g in grads])  # (sum of sizes,)
        dist.all_reduce(flat)
        flat /= self.world
        offset = 0
        for g in grads:
            g.copy_(flat[offset : offset + g.numel()].view_as(g))
            offset += g.numel()


# ----------------------------------------------------------------------------------------------- data order
def epoch_batches(n: int, batch_size: int, seed: int, epoch: int, rank: int = 0, world: int = 1,
                  min_batch: int = 1) -> list[list[int]]:
    """This rank's batches of dataset indices for ``epoch``: a (seed, epoch) permutation, padded, dealt by rank.

    A last batch smaller than ``min_batch`` (a recipe whose BatchNorm needs 2 clips) is topped up with the
    rank's first clips of the epoch, so no clip is dropped (Sec. 5.3.5) and no batch is too small.
    """
    import torch

    if n == 0:
        raise ValueError("the training clip set is empty; check --videos / --segments and data.split")
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    order = torch.randperm(n, generator=g).tolist()
    per_rank = math.ceil(n / world)
    order += order[: per_rank * world - n]  # pad so every rank gets the same count
    mine = order[rank::world]
    batches = [mine[i : i + batch_size] for i in range(0, len(mine), batch_size)]
    short = min(min_batch, batch_size, len(mine)) - len(batches[-1])
    if short > 0:
        batches[-1] = batches[-1] + mine[:short]
    return batches


def iters_per_epoch(n: int, batch_size: int, world: int = 1) -> int:
    return math.ceil(math.ceil(n / world) / batch_size)


# ------------------------------------------------------------------------------------------- checkpoints
def atomic_save(obj, path: Path) -> None:
    """torch.save to a temporary file in the same folder, then os.replace."""
    import torch

    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def rng_state(device) -> dict:
    import random

    import numpy as np
    import torch

    state = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def set_rng_state(state: dict, device) -> None:
    import random

    import numpy as np
    import torch

    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def seed_all(seed: int) -> None:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def newest_checkpoint(ckpt_dir: Path) -> Path | None:
    """The resume point: the interrupt checkpoint if it is newer than every ``epoch_XXXXX.pt``, else the last."""
    import torch

    ckpt_dir = Path(ckpt_dir)
    periodic = sorted(p for p in ckpt_dir.glob("epoch_*.pt") if re.fullmatch(r"epoch_\d{5,}\.pt", p.name))
    best = max(periodic, key=lambda p: int(p.stem.split("_")[1]), default=None)
    interrupt = ckpt_dir / "interrupt.pt"
    if interrupt.exists():
        meta = torch.load(interrupt, map_location="cpu", mmap=True, weights_only=False)
        if best is None or meta["step"] > torch.load(best, map_location="cpu", mmap=True, weights_only=False)["step"]:
            return interrupt
    return best


def load_checkpoint(path: Path, map_location="cpu") -> dict:
    """Load a checkpoint written by this module; a clear error names the file when it is not one."""
    import torch

    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=False)
    except Exception as err:  # noqa: BLE001 - re-raised with the file name and the fix
        raise ValueError(f"{path}: not a readable checkpoint ({err}); delete it to restart from the previous one")
    missing = {"config", "epoch", "step", "model"} - set(ckpt)
    if missing:
        raise ValueError(f"{path}: checkpoint lacks {sorted(missing)}; was it written by longvid train?")
    return ckpt


# ------------------------------------------------------------------------------------------------- metrics
class MetricsLog:
    """Appends ``epoch, step, name, value`` rows to metrics.csv (rank 0 only)."""

    def __init__(self, path: Path | None, resume_step: int | None):
        self.path = Path(path) if path else None
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rows = []
        if resume_step is not None and self.path.exists():  # drop rows written after the resume point
            with open(self.path, newline="") as f:
                rows = [r for r in csv.DictReader(f) if int(r["step"]) <= resume_step]
        with atomic_path(self.path) as tmp, open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=METRIC_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)

    def write(self, epoch: int, step: int, values: dict) -> None:
        if self.path is None or not values:
            return
        with open(self.path, "a", newline="") as f:
            writer = csv.writer(f)
            for name, value in values.items():
                writer.writerow([epoch, step, name, f"{float(value):.8g}"])


class Progress:
    """Iterations/s over the last log window, ETA over the remaining iterations, mean losses of the window."""

    def __init__(self, total: int, start_step: int, log=print, reduce=lambda d: d):
        self.total, self.log, self.reduce = total, log, reduce
        self.t0, self.s0 = time.perf_counter(), start_step
        self.sums: dict[str, float] = {}
        self.count = 0

    def add(self, losses: dict) -> None:
        for k, v in losses.items():
            self.sums[k] = self.sums.get(k, 0.0) + float(v)
        self.count += 1

    def flush(self, epoch: int, step: int) -> dict:
        now = time.perf_counter()
        rate = (step - self.s0) / max(now - self.t0, 1e-9)
        eta = (self.total - step) / rate if rate > 0 else float("inf")
        means = self.reduce({k: v / max(self.count, 1) for k, v in self.sums.items()})  # mean over ranks too
        eta_s = time.strftime("%H:%M:%S", time.gmtime(eta)) if math.isfinite(eta) else "?"
        days = f"{int(eta // 86400)}d " if math.isfinite(eta) and eta >= 86400 else ""
        text = " ".join(f"{k} {v:.4f}" for k, v in means.items())
        self.log(f"[train] epoch {epoch} step {step}/{self.total} ({100 * step / self.total:.1f}%) "
                 f"{rate:.3f} it/s ETA {days}{eta_s} | {text}")
        self.t0, self.s0, self.sums, self.count = now, step, {}, 0
        return {f"train_{k}": v for k, v in means.items()} | {"train_it_per_s": rate}


class StopFlag:
    """Records SIGTERM / SIGUSR1 while training; restores the previous handlers on exit."""

    SIGNALS = ("SIGTERM", "SIGUSR1")

    def __enter__(self):
        self.set, self.old = False, {}
        for name in self.SIGNALS:
            sig = getattr(signal, name, None)
            if sig is not None:
                self.old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        self.set = True
        print(f"[train] received signal {signum}: checkpointing after this iteration", file=sys.stderr, flush=True)

    def __exit__(self, *exc):
        for sig, handler in self.old.items():
            signal.signal(sig, handler)
        return False


# -------------------------------------------------------------------------------------------- the loop
def setup_context(device: str = "auto", amp: bool = True) -> Context:
    """Join the process group when started by torchrun (gloo on CPU, nccl on CUDA); pick the device."""
    import torch
    import torch.distributed as dist

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() if device == "auto" else device.startswith("cuda")
    dev = torch.device(f"cuda:{local}" if use_cuda else "cpu")
    if use_cuda:
        torch.cuda.set_device(dev)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if use_cuda else "gloo")
    amp_dtype = torch.bfloat16 if (amp and dev.type == "cuda") else None
    return Context(device=dev, rank=rank, world=world, amp_dtype=amp_dtype)


def build_dataset(run_cfg: dict, videos: str | None, segments: str | None = None, split=None, seed=None):
    """The ClipDataset of ``run_cfg['data']`` over ``videos`` (contracts.md)."""
    from longvid.data.clips import ClipDataset

    if videos is None:
        raise ValueError("longvid train: --videos resources/videos/<dataset>/<res> is required")
    data = run_cfg.get("data", {})
    return ClipDataset(videos, length=int(data.get("length", 16)), sampling=data.get("sampling", "step"),
                       steps=tuple(data.get("steps", (1, 3))), split=split if split is not None else data.get("split"),
                       segments=segments, label=data.get("label", "action"),
                       seed=int(run_cfg.get("seed", 0) if seed is None else seed), groups=data.get("groups"),
                       max_items=data.get("max_items"))


def _channels_last(model) -> None:
    """Channels-last weights: 4-D (conv2d) -> channels_last, 5-D (conv3d) -> channels_last_3d."""
    import torch

    for t in list(model.parameters()) + list(model.buffers()):
        if t.dim() == 4:
            t.data = t.data.contiguous(memory_format=torch.channels_last)
        elif t.dim() == 5:
            t.data = t.data.contiguous(memory_format=torch.channels_last_3d)


def _broadcast(model, ctx: Context, buffers_only: bool) -> None:
    if ctx.world == 1:
        return
    import torch.distributed as dist

    tensors = list(model.buffers()) + ([] if buffers_only else list(model.parameters()))
    for t in tensors:
        if t.is_floating_point() or not buffers_only:
            dist.broadcast(t.data, src=0)


def _gather_rng(ctx: Context) -> list:
    state = rng_state(ctx.device)
    if ctx.world == 1:
        return [state]
    import torch.distributed as dist

    out = [None] * ctx.world
    dist.all_gather_object(out, state)
    return out


def _checkpoint(run_cfg, model, recipe, ctx, epoch, batch, step) -> dict:
    rngs = _gather_rng(ctx)  # collective: every rank calls it
    return {"config": run_cfg, "epoch": epoch, "batch": batch, "step": step, "world_size": ctx.world,
            "model": model.state_dict(), "optimizers": recipe.state_dict(), "rng": rngs}


def _stop_requested(flag: StopFlag, ctx: Context) -> bool:
    if ctx.world == 1:
        return flag.set
    import torch
    import torch.distributed as dist

    t = torch.tensor([1.0 if flag.set else 0.0], device=ctx.device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)  # all ranks stop at the same iteration
    return bool(t.item() > 0)


def _run_hooks(names, model, run_cfg, epoch, step, ctx, metrics, log, extra) -> None:
    from longvid.recipes.hooks import EVAL_HOOKS

    if not ctx.is_main:
        return
    was_training, saved = model.training, rng_state(ctx.device)
    model.eval()
    for name in names:
        values = EVAL_HOOKS[name](model, run_cfg | {"runtime": extra}, epoch, ctx.device)
        metrics.write(epoch, step, values)
        log(f"[eval] epoch {epoch} step {step} " + " ".join(f"{k} {v:.5f}" for k, v in values.items()))
    model.train(was_training)
    set_rng_state(saved, ctx.device)  # hooks never shift the training random stream


def _save_interrupt(run_cfg, model, recipe, ctx, epoch, batch, step, ckpt_dir, log) -> None:
    """Write checkpoints/interrupt.pt; ``batch`` batches of ``epoch`` are done (the data order resumes there)."""
    state = _checkpoint(run_cfg, model, recipe, ctx, epoch, batch, step)
    if ctx.is_main:
        atomic_save(state, Path(ckpt_dir) / "interrupt.pt")
        log(f"[train] interrupted: wrote {Path(ckpt_dir) / 'interrupt.pt'} (epoch {epoch}, step {step}); "
            f"exit {EXIT_INTERRUPTED}, rerun the same command to resume")


def _end_epoch(tcfg, run_cfg, model, recipe, ctx, epoch, step, total, ckpt_dir, out, metrics_log, log, extra):
    """Periodic checkpoint, kept checkpoint and evaluation hooks after ``epoch`` epochs."""
    if tcfg.ckpt_every and epoch % tcfg.ckpt_every == 0:
        state = _checkpoint(run_cfg, model, recipe, ctx, epoch, 0, step)
        if ctx.is_main:
            atomic_save(state, ckpt_dir / f"epoch_{epoch:05d}.pt")
            (ckpt_dir / "interrupt.pt").unlink(missing_ok=True)
    if epoch in tcfg.keep_epochs:
        state = _checkpoint(run_cfg, model, recipe, ctx, epoch, 0, step)
        if ctx.is_main:
            atomic_save(state, out.parent / "keep" / f"epoch_{epoch:05d}.pt")
    due = [name for name, every in hook_schedule(tcfg) if every and epoch % every == 0]
    if due and step < total:
        _run_hooks(due, model, run_cfg, epoch, step, ctx, metrics_log, log, extra)


def hook_schedule(tcfg: TrainConfig) -> list[tuple[str, int]]:
    """(hook name, every N epochs) from ``eval_hooks`` entries ``name`` (every ``eval_every``) or ``name@N``."""
    out = []
    for entry in tcfg.eval_hooks:
        name, _, every = str(entry).partition("@")
        if every and not every.isdigit():
            raise ValueError(f"train.eval_hooks entry {entry!r}: write name or name@EPOCHS, e.g. fvd_16f@10")
        out.append((name, int(every) if every else tcfg.eval_every))
    return out


def fit(run_cfg: dict, out: str | Path, metrics: str | Path | None = None, ckpt_dir: str | Path | None = None,
        videos: str | None = None, segments: str | None = None, dataset=None, recipe_cls=None,
        device: str = "auto", log=None, source: str = "config") -> int:
    """Train ``run_cfg`` to ``out`` (final checkpoint); returns 0, or EXIT_INTERRUPTED after a signal."""
    import torch
    from torch.utils.data import DataLoader

    from longvid.recipes import RECIPES
    from longvid.recipes.hooks import EVAL_HOOKS

    tcfg = TrainConfig.from_dict(run_cfg.get("train"), source)
    unknown_hooks = [h for h, _ in hook_schedule(tcfg) if h not in EVAL_HOOKS]
    if unknown_hooks:
        raise ValueError(f"{source}: train.eval_hooks {unknown_hooks} unknown; choose from {sorted(EVAL_HOOKS)}")
    if recipe_cls is None:
        family = run_cfg.get("family")
        if family not in RECIPES:
            raise ValueError(f"{source}: family={family!r} has no recipe; choose one of {sorted(RECIPES)}")
        recipe_cls = RECIPES[family]
    out = Path(out)
    ckpt_dir = Path(ckpt_dir) if ckpt_dir else out.parent / "checkpoints"
    ctx = setup_context(device, tcfg.amp)
    log = (log or _print) if ctx.is_main else (lambda *a, **k: None)
    seed = int(run_cfg.get("seed", 0))
    if dataset is None:
        dataset = build_dataset(run_cfg, videos, segments)

    seed_all(seed)  # identical initial weights on every rank
    model = recipe_cls.build_model(run_cfg).to(ctx.device)
    if tcfg.channels_last and ctx.device.type == "cuda":
        _channels_last(model)
    _broadcast(model, ctx, buffers_only=False)
    recipe = recipe_cls(model, tcfg, ctx)
    seed_all(seed + ctx.rank)

    epoch, batch0, step = 0, 0, 0
    resume = newest_checkpoint(ckpt_dir)
    if resume is not None:
        ckpt = load_checkpoint(resume, map_location=ctx.device)
        model.load_state_dict(ckpt["model"])
        recipe.load_state_dict(ckpt["optimizers"])
        epoch, batch0, step = int(ckpt["epoch"]), int(ckpt.get("batch", 0)), int(ckpt["step"])
        if ckpt.get("world_size", 1) == ctx.world:
            set_rng_state(ckpt["rng"][ctx.rank], ctx.device)
        else:  # a different world size cannot continue the same random streams
            log(f"[train] {resume}: saved with world size {ckpt.get('world_size')}, now {ctx.world}; reseeding")
            seed_all(seed + ctx.rank + 7919 * step)
        changed = sorted(k for k in set(run_cfg) | set(ckpt["config"]) if run_cfg.get(k) != ckpt["config"].get(k))
        if changed:
            log(f"[train] warning: {source} differs from {resume}'s config in {changed}; continuing with {source}")
        log(f"[train] resumed from {resume} (epoch {epoch}, step {step})")
        del ckpt
    metrics_log = MetricsLog(metrics if ctx.is_main else None, step if resume is not None else None)

    n_iter = iters_per_epoch(len(dataset), tcfg.batch_size, ctx.world)
    total = min(tcfg.epochs * n_iter, tcfg.max_iters or sys.maxsize)
    extra = {"videos": videos, "segments": segments, "eval_batch": tcfg.eval_batch}
    progress = Progress(total, step, log, ctx.mean_over_ranks)
    log(f"[train] {run_cfg.get('experiment', '?')}: {len(dataset)} clips, {n_iter} it/epoch x {tcfg.epochs} epochs, "
        f"{total} iterations, batch {tcfg.batch_size} x {ctx.world} rank(s) on {ctx.device}"
        f"{' (bf16 autocast)' if ctx.amp_dtype else ''}")
    model.train()
    with StopFlag() as flag:
        while epoch < tcfg.epochs and step < total:
            if hasattr(dataset, "set_epoch"):
                dataset.set_epoch(epoch)
            batches = epoch_batches(len(dataset), tcfg.batch_size, seed, epoch, ctx.rank, ctx.world,
                                    getattr(recipe, "min_batch", 1))[batch0:]
            loader = DataLoader(dataset, batch_sampler=batches, num_workers=tcfg.num_workers,
                                pin_memory=ctx.device.type == "cuda",
                                generator=torch.Generator().manual_seed(seed * 7_919 + epoch))
            done = batch0
            for b, batch in enumerate(loader, start=batch0):
                batch = {k: v.to(ctx.device, non_blocking=True) if torch.is_tensor(v) else v for k, v in batch.items()}
                _broadcast(model, ctx, buffers_only=True)
                progress.add(recipe.step(batch))
                step, done = step + 1, b + 1
                if step % tcfg.log_every == 0 or step == total:
                    metrics_log.write(epoch, step, progress.flush(epoch, step))
                if step >= total:
                    break
                if _stop_requested(flag, ctx):
                    _save_interrupt(run_cfg, model, recipe, ctx, epoch, done, step, ckpt_dir, log)
                    return EXIT_INTERRUPTED
            if done < batch0 + len(batches):
                break  # max_iters reached inside the epoch
            epoch, batch0 = epoch + 1, 0
            _end_epoch(tcfg, run_cfg, model, recipe, ctx, epoch, step, total, ckpt_dir, out, metrics_log, log, extra)
    _run_hooks([h for h, _ in hook_schedule(tcfg)], model, run_cfg, epoch, step, ctx, metrics_log, log, extra)
    state = _checkpoint(run_cfg, model, recipe, ctx, epoch, 0, step)
    if ctx.is_main:
        atomic_save(state, out)
        log(f"[train] wrote {out} (epoch {epoch}, step {step})")
    return 0


# --------------------------------------------------------------------------------------------------- CLI
def register(sub) -> None:
    p = sub.add_parser("train", help="train one run from its resolved config (resumes from its checkpoints)",
                       description=__doc__.splitlines()[0])
    p.add_argument("--config", required=True, type=Path, help="resolved run config results/runs/<exp>/config.yaml")
    p.add_argument("--out", required=True, type=Path, help="final checkpoint to write (results/runs/<exp>/final.pt)")
    p.add_argument("--metrics", type=Path, default=None, help="metrics CSV (epoch, step, name, value) to append to")
    p.add_argument("--videos", default=None, help="video folder resources/videos/<dataset>/<res>")
    p.add_argument("--segments", default=None, help="clip index CSV (data.sampling: segments)")
    p.add_argument("--checkpoints", type=Path, default=None,
                   help="periodic checkpoints (default: <out dir>/checkpoints)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (default: auto = cuda when available)")
    p.set_defaults(func=_cmd_train)


def _cmd_train(args: argparse.Namespace) -> int:
    import yaml

    if not args.config.is_file():
        raise SystemExit(f"{args.config}: no such run config; create it with `longvid resolve`")
    with open(args.config) as f:
        run_cfg = yaml.safe_load(f)
    if not isinstance(run_cfg, dict) or "train" not in run_cfg:
        raise SystemExit(f"{args.config}: not a resolved run config "
                         "(needs experiment, family, seed, data, model, train)")
    code = fit(run_cfg, args.out, metrics=args.metrics, ckpt_dir=args.checkpoints, videos=args.videos,
               segments=args.segments, device=args.device, source=str(args.config))
    _shutdown()
    return code


def _print(*args) -> None:
    print(*args, flush=True)  # progress must reach the log file while the job runs


def _shutdown() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
