"""``ClipDataset``: torch clips read from the memory-mapped video store, never decoding (docs/contracts.md).

One item per stored video for ``sampling="step"`` / ``"uniform"`` (an epoch shows each video once, as G³AN's and
EncGAN3's loaders do), one item per row of the clip index for ``sampling="segments"`` (the row's fixed window) and
``"segment_step"`` (a step-sampled clip of the row's video, anywhere in it: as many items per epoch as the index
has rows, each video weighted by its number of windows — Table 4.8's step-4 run against the step-1 run). An item is
``{"video": (T, C, H, W) float in [-1, 1], "label": int, "video_id": str, "frames": (T,) long}``. Random choices
come from ``np.random.default_rng([seed, epoch, index])``, so a clip depends only on (seed, epoch, index) — not
on workers, batch size or order. Videos too short for the requested clip are excluded and listed in ``excluded``
(with a warning), never sampled with repeats. ``groups`` keeps only videos of those manifest groups (e.g. the
Taichi subset subject ``A`` that LEncGAN trains on, Sec. 4.5.2). ``max_items`` keeps a seeded subset of that many
items (a size knob of the smoke runs: a shorter epoch through the same loop).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from longvid.data.config import INDEXED, SAMPLINGS
from longvid.data.sampling import span, step_indices, uniform_indices
from longvid.data.segments import read_segments
from longvid.data.store import read_manifest

OPEN_MAPS = 256  # memory maps kept open per process


class ClipDataset(Dataset):
    """Clips of ``length`` frames from ``video_dir`` (a ``resources/videos/<dataset>/<res>/`` folder)."""

    def __init__(self, video_dir, length: int = 16, sampling: str = "step", steps: tuple[int, int] = (1, 3),
                 split: str | None = None, segments=None, label: str = "action", seed: int = 0,
                 groups: list[str] | None = None, max_items: int | None = None):
        if sampling not in SAMPLINGS:
            raise ValueError(f"sampling must be one of {SAMPLINGS}, got {sampling!r}")
        if label not in ("action", "actor"):
            raise ValueError(f"label must be 'action' or 'actor', got {label!r}")
        self.video_dir, self.length, self.sampling = Path(video_dir), length, sampling
        self.steps, self.split, self.label, self.seed = tuple(steps), split, label, seed
        self.epoch = 0
        manifest = read_manifest(self.video_dir)
        self.classes = sorted({row[label] for row in manifest})  # over all splits: same indices in train and test
        self._class_index = {name: i for i, name in enumerate(self.classes)}
        videos = {row["video_id"]: row for row in manifest
                  if (split is None or row["split"] == split) and (not groups or row["group"] in groups)}
        if not videos:
            raise ValueError(f"{self.video_dir / 'videos.csv'}: no video of split {split or 'any'} and group(s) "
                             f"{groups or 'any'}; check data.split / data.groups (groups present: "
                             f"{sorted({row['group'] for row in manifest})})")
        need = span(length, self.steps[0]) if sampling in ("step", "segment_step") else length
        self.excluded = sorted(v for v, row in videos.items() if row["n_frames"] < need)
        if self.excluded:
            warnings.warn(f"{self.video_dir}: {len(self.excluded)} video(s) shorter than {need} frames excluded: "
                          f"{', '.join(self.excluded[:5])}", stacklevel=2)
        self.videos = {v: row for v, row in videos.items() if v not in self.excluded}
        self.items = self._items(segments)
        if max_items is not None and len(self.items) > max_items:  # a seeded subset, the same every epoch
            keep = np.random.default_rng([seed, len(self.items)]).choice(len(self.items), max_items, replace=False)
            self.items = [self.items[i] for i in sorted(keep)]
        self._arrays: dict[str, np.ndarray] = {}

    def _items(self, segments) -> list[tuple[str, int]]:
        if self.sampling not in INDEXED:
            return [(v, -1) for v in sorted(self.videos)]
        if segments is None:
            raise ValueError(f"sampling={self.sampling!r} needs segments=<clip index csv>")
        items = []
        for row in read_segments(segments):
            if row["video_id"] not in self.videos:
                continue  # other split, or excluded
            if row["length"] != self.length:
                raise ValueError(f"{segments}: segments of {row['length']} frames, dataset asks for {self.length}")
            if row["start"] + row["length"] > self.videos[row["video_id"]]["n_frames"]:
                raise ValueError(f"{segments}: segment {row['video_id']}@{row['start']} runs past the video end")
            items.append((row["video_id"], row["start"]))
        return items

    def set_epoch(self, epoch: int) -> None:
        """Select the random draws of ``epoch`` (call before iterating each epoch)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.items)

    def frame_indices(self, index: int) -> np.ndarray:
        """The frame indices item ``index`` reads in the current epoch."""
        video_id, start = self.items[index]
        n_frames = self.videos[video_id]["n_frames"]
        if self.sampling == "segments":
            return start + np.arange(self.length)
        rng = np.random.default_rng([self.seed, self.epoch, index])
        if self.sampling in ("step", "segment_step"):
            return step_indices(n_frames, self.length, self.steps, rng)
        return uniform_indices(n_frames, self.length, rng)

    def array(self, video_id: str) -> np.ndarray:
        """The memory-mapped uint8 ``T×H×W×3`` array of a video (the last ``OPEN_MAPS`` stay open per process)."""
        if video_id in self._arrays:
            self._arrays[video_id] = self._arrays.pop(video_id)  # most recently used last
        else:
            if len(self._arrays) >= OPEN_MAPS:  # each map holds a file descriptor: bound them (UCF101: 13k videos)
                self._arrays.pop(next(iter(self._arrays)))
            self._arrays[video_id] = np.load(self.video_dir / self.videos[video_id]["path"], mmap_mode="r")
        return self._arrays[video_id]

    def __getitem__(self, index: int) -> dict:
        video_id, _ = self.items[index]
        frames = self.frame_indices(index)
        clip = torch.from_numpy(np.ascontiguousarray(self.array(video_id)[frames]))  # (T, H, W, C) uint8
        video = clip.permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0)  # (T, C, H, W) in [-1, 1]
        return {"video": video, "label": self._class_index[self.videos[video_id][self.label]],
                "video_id": video_id, "frames": torch.from_numpy(frames.astype(np.int64))}

    def __getstate__(self):  # DataLoader workers reopen their own memory maps
        state = self.__dict__.copy()
        state["_arrays"] = {}
        return state


def build_dataset(run_cfg: dict, videos: str | None, segments: str | None = None, split=None,
                  seed=None) -> ClipDataset:
    """The ClipDataset of ``run_cfg['data']`` over ``videos`` (contracts.md); ``split`` / ``seed`` override the run's."""
    if videos is None:
        raise ValueError("longvid train: --videos resources/videos/<dataset>/<res> is required")
    data = run_cfg.get("data", {})
    return ClipDataset(videos, length=int(data.get("length", 16)), sampling=data.get("sampling", "step"),
                       steps=tuple(data.get("steps", (1, 3))), split=split if split is not None else data.get("split"),
                       segments=segments, label=data.get("label", "action"),
                       seed=int(run_cfg.get("seed", 0) if seed is None else seed), groups=data.get("groups"),
                       max_items=data.get("max_items"))
