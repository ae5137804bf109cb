"""``fit``: the generic training loop shared by every model family (Sec. 3.3.2, 3.4.2; Alg. 1).

The loop owns what every family needs and nothing a family decides: data order, mixed precision, DDP,
checkpoint/resume, stop signals, the periodic evaluation hooks and progress logging. A *recipe*
(``longvid.recipes.RECIPES[family]``) owns the model, its optimisers, losses and step order.

Choices (the thesis is silent on all of them; see docs/training.md):
* Every epoch is one pass over the clip set in a permutation drawn from ``(seed, epoch)``; the permutation is
  padded to a multiple of the world size (as ``DistributedSampler``) and dealt to ranks round-robin; the
  incomplete last batch is kept (Sec. 5.3.5: "does not drop videos").
* Randomness: the model is built under ``seed`` (identical on every rank); training draws from the global
  torch / numpy / python generators seeded with ``seed + rank``. Checkpoints hold every rank's generator states
  and the position in the data order, so a resumed run continues exactly like an uninterrupted one.
* At the end of an epoch the due evaluation hooks run *before* the periodic checkpoint, so a run killed during a
  hook resumes before that epoch and evaluates it again (its rows are never lost).
* SIGTERM / SIGUSR1 (SLURM's warning before the time limit, sent to every process of the job): the current
  iteration finishes, ``checkpoints/interrupt.pt`` is written and the process exits with code 75 (EX_TEMPFAIL)
  so that Snakemake (``retries:``) reruns the job, which resumes from the newest readable checkpoint.
  ``final.pt`` (and the declared metrics file) are written only when training ends (docs/reliability.md).
"""

from __future__ import annotations

import math
import sys
from contextlib import nullcontext
from pathlib import Path

from longvid.train.checkpoint import (atomic_save, is_checkpoint_file, load_checkpoint, periodic_name,
                                      remove_leftovers, resume_point)
from longvid.train.config import TrainConfig, hook_schedule, keeps
from longvid.train.distributed import Context, any_rank, broadcast, gather_rng, setup_context
from longvid.train.lock import RunLock
from longvid.train.progress import MetricsLog, Progress
from longvid.train.rebuild import model_args
from longvid.train.rng import seed_all, set_rng_state
from longvid.train.signals import EXIT_INTERRUPTED, StopFlag, ignore_stop_signals, stop_signals_blocked

LIVE_METRICS = "metrics.csv"  # the live log in the checkpoint folder (progress.py)


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


# --------------------------------------------------------------------------------------------- helpers
def _channels_last(model) -> None:
    """Channels-last weights: 4-D (conv2d) -> channels_last, 5-D (conv3d) -> channels_last_3d."""
    import torch

    for t in list(model.parameters()) + list(model.buffers()):
        if t.dim() == 4:
            t.data = t.data.contiguous(memory_format=torch.channels_last)
        elif t.dim() == 5:
            t.data = t.data.contiguous(memory_format=torch.channels_last_3d)


class _Run:
    """What every checkpoint of one ``fit`` call shares: the run config, the model's arguments, the model."""

    def __init__(self, run_cfg, model, recipe, ctx, family):
        self.run_cfg, self.model, self.recipe, self.ctx = run_cfg, model, recipe, ctx
        self.model_args = model_args(family, model)

    def state(self, epoch: int, batch: int, step: int) -> dict:
        """The checkpoint dict (checkpoint.py); collective: every rank calls it."""
        rngs = gather_rng(self.ctx)
        return {"config": self.run_cfg, "model_args": self.model_args, "epoch": epoch, "batch": batch, "step": step,
                "world_size": self.ctx.world, "model": self.model.state_dict(),
                "optimizers": self.recipe.state_dict(), "rng": rngs}

    def save(self, path: Path, epoch: int, batch: int, step: int) -> None:
        state = self.state(epoch, batch, step)
        if self.ctx.is_main:
            atomic_save(state, path)


def _resume(run, ckpt_dir: Path, seed: int, source: str, log) -> tuple[int, int, int, bool]:
    """Load the newest readable checkpoint into the model, optimisers and generators -> (epoch, batch, step, resumed)."""
    ctx = run.ctx
    resume = resume_point(ckpt_dir, warn=log if ctx.is_main else (lambda *a: None))
    if resume is None:
        return 0, 0, 0, False
    ckpt = load_checkpoint(resume, map_location=ctx.device)
    run.model.load_state_dict(ckpt["model"])
    run.recipe.load_state_dict(ckpt["optimizers"])
    epoch, batch, step = int(ckpt["epoch"]), int(ckpt.get("batch", 0)), int(ckpt["step"])
    if ckpt.get("world_size", 1) == ctx.world:
        set_rng_state(ckpt["rng"][ctx.rank], ctx.device)
    else:  # a different world size cannot continue the same random streams
        log(f"[train] {resume}: saved with world size {ckpt.get('world_size')}, now {ctx.world}; reseeding")
        seed_all(seed + ctx.rank + 7919 * step)
    run_cfg = run.run_cfg
    changed = sorted(k for k in set(run_cfg) | set(ckpt["config"]) if run_cfg.get(k) != ckpt["config"].get(k))
    if changed:
        log(f"[train] warning: {source} differs from {resume}'s config in {changed}; continuing with {source}")
    log(f"[train] resumed from {resume} (epoch {epoch}, step {step})")
    return epoch, batch, step, True


def _end_epoch(tcfg, run, epoch, step, total, ckpt_dir, out, metrics_log, log, runtime) -> None:
    """Evaluation hooks, then the periodic and kept checkpoints, after ``epoch`` epochs."""
    from longvid.train.hooks import run_hooks

    due = [name for name, every in hook_schedule(tcfg) if every and epoch % every == 0]
    if due and step < total:
        run_hooks(due, run.model, run.run_cfg, epoch, step, run.ctx, metrics_log, log, runtime)
    if tcfg.ckpt_every and epoch % tcfg.ckpt_every == 0:
        run.save(ckpt_dir / periodic_name(epoch), epoch, 0, step)
        if run.ctx.is_main:
            (ckpt_dir / "interrupt.pt").unlink(missing_ok=True)
    if keeps(tcfg, epoch):
        run.save(out.parent / "keep" / periodic_name(epoch), epoch, 0, step)


def _loader(dataset, batches, tcfg, ctx, seed, epoch):
    """This epoch's batches; workers ignore the job's stop signals (signals.py)."""
    import torch
    from torch.utils.data import DataLoader

    loader = DataLoader(dataset, batch_sampler=batches, num_workers=tcfg.num_workers,
                        pin_memory=ctx.device.type == "cuda", worker_init_fn=ignore_stop_signals,
                        generator=torch.Generator().manual_seed(seed * 7_919 + epoch))
    with stop_signals_blocked():  # workers are forked here
        return iter(loader)


def _clean_start(ckpt_dir: Path, out: Path, metrics, log) -> None:
    """Remove temporaries that killed writes left (the lock is held, so no live writer owns them)."""
    remove_leftovers(ckpt_dir, lambda name: is_checkpoint_file(name) or name == LIVE_METRICS, log)
    remove_leftovers(out.parent / "keep", is_checkpoint_file, log)
    outputs = {out.name} | ({Path(metrics).name} if metrics and Path(metrics).parent == out.parent else set())
    remove_leftovers(out.parent, lambda name: name in outputs, log)
    if metrics and Path(metrics).parent != out.parent:
        remove_leftovers(Path(metrics).parent, lambda name: name == Path(metrics).name, log)


def _check_inputs(recipe_cls, inputs: dict, family, source: str) -> dict:
    """The named input files (beyond videos / segments) the recipe needs, all given, none extra (R3: latents, r2)."""
    needed = tuple(getattr(recipe_cls, "inputs", ()))
    given = {k: v for k, v in (inputs or {}).items() if v is not None}
    missing, extra = [k for k in needed if k not in given], sorted(set(given) - set(needed))
    if missing:
        raise ValueError(f"{source}: family {family} trains from {', '.join(needed)}; give "
                         + " ".join(f"--{k.replace('_', '-')} FILE" for k in missing))
    if extra:
        raise ValueError(f"{source}: family {family} takes no {', '.join('--' + k for k in extra)}")
    return given


def _recipe_for(run_cfg: dict, recipe_cls, tcfg: TrainConfig, source: str):
    from longvid.recipes import RECIPES
    from longvid.train.hooks import EVAL_HOOKS

    unknown_hooks = [h for h, _ in hook_schedule(tcfg) if h not in EVAL_HOOKS]
    if unknown_hooks:
        raise ValueError(f"{source}: train.eval_hooks {unknown_hooks} unknown; choose from {sorted(EVAL_HOOKS)}")
    if recipe_cls is not None:
        return recipe_cls
    family = run_cfg.get("family")
    if family not in RECIPES:
        raise ValueError(f"{source}: family={family!r} has no recipe; choose one of {sorted(RECIPES)}")
    return RECIPES[family]


# -------------------------------------------------------------------------------------------- the loop
def fit(run_cfg: dict, out: str | Path, metrics: str | Path | None = None, ckpt_dir: str | Path | None = None,
        videos: str | None = None, segments: str | None = None, dataset=None, recipe_cls=None,
        device: str = "auto", log=None, source: str = "config", inputs: dict | None = None) -> int:
    """Train ``run_cfg`` to ``out`` (final checkpoint); returns 0, or EXIT_INTERRUPTED after a stop signal.

    ``metrics`` is the declared metrics file, written at the end from the live log ``<ckpt_dir>/metrics.csv``;
    ``ckpt_dir`` defaults to ``<out dir>/checkpoints``. ``inputs`` names the other files a recipe trains from
    (its ``inputs``: R3's ``latents`` and ``r2``); such a recipe builds its model and data in ``prepare``. Raises
    ``lock.RunLocked`` when another trainer holds ``ckpt_dir``.
    """
    tcfg = TrainConfig.from_dict(run_cfg.get("train"), source)
    recipe_cls = _recipe_for(run_cfg, recipe_cls, tcfg, source)
    inputs = _check_inputs(recipe_cls, inputs, run_cfg.get("family"), source)
    out = Path(out)
    ckpt_dir = Path(ckpt_dir) if ckpt_dir else out.parent / "checkpoints"
    ctx = setup_context(device, tcfg.amp)
    log = (log or _print) if ctx.is_main else (lambda *a, **k: None)
    with RunLock(ckpt_dir, log) if ctx.is_main else nullcontext():
        if ctx.is_main:
            _clean_start(ckpt_dir, out, metrics, log)
        return _train(run_cfg, tcfg, recipe_cls, ctx, out, metrics, ckpt_dir, videos, segments, dataset, log,
                      source, inputs)


def _train(run_cfg, tcfg, recipe_cls, ctx: Context, out: Path, metrics, ckpt_dir: Path, videos, segments, dataset,
           log, source, inputs) -> int:
    import torch

    seed = int(run_cfg.get("seed", 0))
    if dataset is None and not inputs:
        from longvid.data.clips import build_dataset

        dataset = build_dataset(run_cfg, videos, segments)
    seed_all(seed)  # identical initial weights on every rank
    if inputs:
        model, own = recipe_cls.prepare(run_cfg, inputs, log)
        dataset = own if dataset is None else dataset
    else:
        model = recipe_cls.build_model(run_cfg)
    model = model.to(ctx.device)
    if tcfg.channels_last and ctx.device.type == "cuda":
        _channels_last(model)
    broadcast(model, ctx, buffers_only=False)
    run = _Run(run_cfg, model, recipe_cls(model, tcfg, ctx), ctx, run_cfg.get("family"))
    seed_all(seed + ctx.rank)
    epoch, batch0, step, resumed = _resume(run, ckpt_dir, seed, source, log)
    metrics_log = MetricsLog(ckpt_dir / LIVE_METRICS if ctx.is_main else None, step if resumed else None)

    n_iter = iters_per_epoch(len(dataset), tcfg.batch_size, ctx.world)
    total = min(tcfg.epochs * n_iter, tcfg.max_iters or sys.maxsize)
    runtime = {"videos": videos, "segments": segments, "eval_batch": tcfg.eval_batch}
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
                                    getattr(run.recipe, "min_batch", 1))[batch0:]
            done = batch0
            for b, batch in enumerate(_loader(dataset, batches, tcfg, ctx, seed, epoch), start=batch0):
                batch = {k: v.to(ctx.device, non_blocking=True) if torch.is_tensor(v) else v for k, v in batch.items()}
                broadcast(model, ctx, buffers_only=True)
                progress.add(run.recipe.step(batch))
                step, done = step + 1, b + 1
                if step % tcfg.log_every == 0 or step == total:
                    metrics_log.write(epoch, step, progress.flush(epoch, step))
                if step >= total:
                    break
                if any_rank(flag.set, ctx):
                    run.save(ckpt_dir / "interrupt.pt", epoch, done, step)
                    log(f"[train] interrupted: wrote {ckpt_dir / 'interrupt.pt'} (epoch {epoch}, step {step}); "
                        f"exit {EXIT_INTERRUPTED}, rerun the same command to resume")
                    return EXIT_INTERRUPTED
            if done < batch0 + len(batches):
                break  # max_iters reached inside the epoch
            epoch, batch0 = epoch + 1, 0
            _end_epoch(tcfg, run, epoch, step, total, ckpt_dir, out, metrics_log, log, runtime)
    from longvid.train.hooks import run_hooks

    run_hooks([h for h, _ in hook_schedule(tcfg)], model, run_cfg, epoch, step, ctx, metrics_log, log, runtime)
    state = run.state(epoch, 0, step)
    if ctx.is_main:
        metrics_log.publish(Path(metrics) if metrics else None)  # before final.pt: final.pt marks the run done
        atomic_save(state, out)
        log(f"[train] wrote {out} (epoch {epoch}, step {step})")
    return 0


def _print(*args) -> None:
    print(*args, flush=True)  # progress must reach the log file while the job runs
