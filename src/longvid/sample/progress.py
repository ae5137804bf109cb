"""A one-line progress bar on stderr for frames written: done / total, frames/s, elapsed and remaining time."""

from __future__ import annotations

import sys
import time


class FrameProgress:
    """Call with the number of frames just written; redraws at most every `every` seconds and once at the end."""

    def __init__(self, total: int, label: str = "generate", stream=None, every: float = 0.5, clock=time.monotonic):
        self.total, self.label, self.stream, self.every, self.clock = total, label, stream or sys.stderr, every, clock
        self.done, self.start, self.drawn = 0, clock(), float("-inf")

    def __call__(self, frames: int) -> None:
        self.done += frames
        now = self.clock()
        if now - self.drawn >= self.every or self.done >= self.total:
            self.drawn = now
            self.stream.write("\r" + self.line(now) + ("\n" if self.done >= self.total else ""))
            self.stream.flush()

    def line(self, now: float) -> str:
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        width = 24
        filled = int(width * min(self.done / self.total, 1.0)) if self.total else width
        eta = "--:--" if left == float("inf") else _clock(left)
        return (f"[{self.label}] |{'#' * filled}{'.' * (width - filled)}| {self.done}/{self.total} frames "
                f"{rate:.1f} frames/s {_clock(elapsed)} elapsed, {eta} left")


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
