"""The sample folder of docs/contracts.md, written one video at a time (never all videos in memory).

``<out>/videos/NNNNN.npy`` (uint8 T×H×W×3), ``<out>/mp4/NNNNN.mp4`` for the first ``mp4`` videos (for people),
and ``<out>/samples.json`` written last, so its presence means the folder is complete.
"""

from __future__ import annotations

import json
from pathlib import Path

from longvid.fsutil import atomic_write_text


def video_seed(seed: int, index: int) -> int:
    """The seed of video ``index``: a hash of (seed, index), so video i never depends on batch size or order."""
    import numpy as np

    return int(np.random.SeedSequence([int(seed), int(index)]).generate_state(1, dtype=np.uint64)[0] >> 1)


def video_generator(seed: int, index: int):
    """A CPU ``torch.Generator`` for video ``index`` (draws on CPU, so samples do not depend on the device)."""
    import torch

    return torch.Generator().manual_seed(video_seed(seed, index))


class SampleWriter:
    """Streams videos (T, C, H, W) in [-1, 1] to ``out``; ``finish(meta)`` writes samples.json."""

    def __init__(self, out: str | Path, mp4: int = 8, fps: float = 25.0):
        self.out, self.mp4, self.fps = Path(out), mp4, fps
        (self.out / "videos").mkdir(parents=True, exist_ok=True)
        self.count, self.shape = 0, None

    def add(self, index: int, video) -> None:
        from longvid.data.transforms import to_uint8
        from longvid.io import save_npy, write_video

        frames = to_uint8(video.detach().float().cpu())  # (T, H, W, C) uint8
        save_npy(self.out / "videos" / f"{index:05d}.npy", frames)
        if index < self.mp4:
            (self.out / "mp4").mkdir(exist_ok=True)
            write_video(self.out / "mp4" / f"{index:05d}.mp4", frames, fps=self.fps)
        self.count, self.shape = self.count + 1, frames.shape

    def finish(self, meta: dict) -> Path:
        meta = {"count": self.count, "length": int(self.shape[0]) if self.shape else 0,
                "resolution": int(self.shape[1]) if self.shape else 0} | meta
        return atomic_write_text(self.out / "samples.json", json.dumps(meta, indent=2, sort_keys=True) + "\n")
