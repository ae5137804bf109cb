"""Checkpoints: the format, atomic writes, a verified load, and the choice of the resume point.

A checkpoint is one ``torch.save`` dict: ``config`` (the resolved run config), ``model_args`` (what the model is
built from, ``train.rebuild``), ``epoch``, ``batch`` (batches of ``epoch`` already done), ``step``,
``world_size``, ``model`` (state dict), ``optimizers`` (the recipe's optimiser states) and ``rng`` (every rank's
generator states), so a resumed run continues exactly like an uninterrupted one.

Files (``<checkpoints>`` = ``results/runs/<exp>/checkpoints``): ``epoch_XXXXX.pt`` every ``train.ckpt_every``
epochs, ``interrupt.pt`` after a stop signal (removed by the next periodic checkpoint). Every write goes through a
hidden temporary beside the target and one ``os.replace`` (``longvid.fsutil``); a process killed mid-write leaves
that temporary behind, and :func:`remove_leftovers` deletes it at the next start. Resume (:func:`resume_point`)
reads every candidate, newest first, skips an unreadable one with a warning naming it and takes the newest
readable one.
"""

from __future__ import annotations

import re
from pathlib import Path

from longvid.fsutil import atomic_path

REQUIRED = ("config", "epoch", "step", "model")
INTERRUPT = "interrupt.pt"
PERIODIC = re.compile(r"epoch_(\d{5,})\.pt")
LEFTOVER = re.compile(r"\.(.+)\.\d+\.[0-9a-f]{8}\.tmp")  # fsutil's temporary: .<name>.<pid>.<random>.tmp


def periodic_name(epoch: int) -> str:
    return f"epoch_{epoch:05d}.pt"


def atomic_save(obj, path: Path) -> None:
    """torch.save to a temporary file in the same folder, then os.replace."""
    import torch

    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def load_checkpoint(path: Path, map_location="cpu", mmap: bool = False) -> dict:
    """Load a checkpoint written by ``longvid train``; a truncated or foreign file raises ValueError naming it."""
    import torch

    try:
        ckpt = torch.load(path, map_location=map_location, mmap=mmap, weights_only=False)
    except Exception as err:  # noqa: BLE001 - re-raised with the file name
        raise ValueError(f"{path}: not a readable checkpoint ({type(err).__name__}: {err})") from err
    if not isinstance(ckpt, dict):
        raise ValueError(f"{path}: not a longvid checkpoint (a {type(ckpt).__name__}, not a dict)")
    missing = set(REQUIRED) - set(ckpt)
    if missing:
        raise ValueError(f"{path}: checkpoint lacks {sorted(missing)}; was it written by longvid train?")
    return ckpt


def _step_or_warn(path: Path, warn) -> int | None:
    """The checkpoint's step when it reads back (memory-mapped: cheap), else None after a warning naming it."""
    try:
        return int(load_checkpoint(path, mmap=True)["step"])
    except ValueError as err:
        warn(f"[train] warning: skipping corrupt checkpoint {path}: {err}")
        return None


def resume_point(ckpt_dir: Path, warn=print) -> Path | None:
    """The newest readable checkpoint of ``ckpt_dir`` (``interrupt.pt`` when it is ahead of every periodic one).

    Corrupt candidates are skipped with a warning; None when there is none; ValueError when every one is corrupt
    (deleting them restarts the run from scratch: the user decides that, not a retry).
    """
    ckpt_dir = Path(ckpt_dir)
    periodic = sorted((p for p in ckpt_dir.glob("epoch_*.pt") if PERIODIC.fullmatch(p.name)),
                      key=lambda p: int(PERIODIC.fullmatch(p.name).group(1)), reverse=True)
    interrupt = ckpt_dir / INTERRUPT
    candidates = ([interrupt] if interrupt.exists() else []) + periodic
    int_step = _step_or_warn(interrupt, warn) if interrupt.exists() else None
    best, best_step = None, None
    for path in periodic:
        best_step = _step_or_warn(path, warn)
        if best_step is not None:
            best = path
            break
    if int_step is not None and (best is None or int_step > best_step):
        return interrupt
    if best is None and candidates:
        raise ValueError(f"{ckpt_dir}: no readable checkpoint among {[p.name for p in candidates]}; delete them "
                         "to restart the run from scratch")
    return best


def remove_leftovers(folder: Path, owned, warn=print) -> list[Path]:
    """Delete the temporaries a killed atomic write left in ``folder`` for targets ``owned(name)`` accepts."""
    removed = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for path in sorted(folder.glob(".*.tmp")):
        match = LEFTOVER.fullmatch(path.name)
        if match and owned(match.group(1)):
            path.unlink(missing_ok=True)
            removed.append(path)
            warn(f"[train] removed {path}: left by a write that was killed")
    return removed


def is_checkpoint_file(name: str) -> bool:
    """Names the trainer writes in its checkpoint folder (and keep/)."""
    return name == INTERRUPT or PERIODIC.fullmatch(name) is not None
