"""The live metrics log (``epoch, step, name, value`` rows) and the progress line of the training loop.

The log that grows during training lives beside the checkpoints (``<checkpoints>/metrics.csv``), not at the
declared output: Snakemake deletes the declared outputs of a failed attempt (exit 75 after a stop signal), which
would lose the history before the resume point. On resume the live log is cut back to the resume step (rows of
the lost iterations go; a half-written last row from a killed process goes too), so a resumed run's log equals an
uninterrupted run's. The declared ``--metrics`` file is written once, atomically and with its header, when
training ends (:meth:`MetricsLog.publish`): a metrics file without its header is never left at that path.
"""

from __future__ import annotations

import csv
import math
import shutil
import time
from pathlib import Path

from longvid.fsutil import atomic_path

METRIC_COLUMNS = ("epoch", "step", "name", "value")


def _complete(row: dict) -> bool:
    """A whole row: every column present and numbers that parse (a killed append leaves a partial last row)."""
    if any(row.get(c) in (None, "") for c in METRIC_COLUMNS):
        return False
    try:
        int(row["epoch"]), int(row["step"]), float(row["value"])
    except ValueError:
        return False
    return True


class MetricsLog:
    """Appends ``epoch, step, name, value`` rows to the live log (rank 0 only; ``path`` None = no log)."""

    def __init__(self, path: Path | None, resume_step: int | None):
        self.path = Path(path) if path else None
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rows = []
        if resume_step is not None and self.path.exists():  # drop rows written after the resume point
            with open(self.path, newline="") as f:
                rows = [r for r in csv.DictReader(f) if _complete(r) and int(r["step"]) <= resume_step]
        with atomic_path(self.path) as tmp, open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=METRIC_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)

    def write(self, epoch: int, step: int, values: dict) -> None:
        if self.path is None or not values:
            return
        with open(self.path, "a", newline="") as f:
            writer = csv.writer(f)
            for name, value in values.items():
                writer.writerow([epoch, step, name, f"{float(value):.8g}"])

    def publish(self, dest: Path | None) -> None:
        """Copy the live log to the declared output ``dest`` in one atomic step (header included)."""
        if self.path is None or dest is None:
            return
        with atomic_path(dest) as tmp:
            shutil.copyfile(self.path, tmp)


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
