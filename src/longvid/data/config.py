"""`DataConfig`: the `data:` block of a run config, i.e. which clips `ClipDataset` draws (docs/contracts.md).

Torch-free, so the workflow checks it for every experiment when it is parsed. The sampling of Sec. 3.4.1: `step`
(a random temporal step in `steps`), `uniform` (evenly spread frames) or `segments` (the fixed windows of the
clip index, the recall models' 24-frame pairs).
"""

from __future__ import annotations

from dataclasses import dataclass

SAMPLINGS = ("step", "uniform", "segments")
LABELS = ("action", "actor")
SPLITS = ("train", "test")


@dataclass(frozen=True)
class DataConfig:
    dataset: str  # a key of longvid.data.DATASETS (and of the workflow's `datasets:`)
    resolution: int = 64  # frame size H = W of the stored videos
    length: int = 16  # frames per training item (16 clips; 24 = two overlapping recall clips; 96 LEncGAN)
    sampling: str = "step"  # one of SAMPLINGS (Fig. 3.12: uniform vs step)
    steps: tuple[int, int] = (1, 3)  # range (lo, hi) of the random temporal step (Sec. 3.4.1)
    label: str = "action"  # class labels of the IS classifier: action | actor
    split: str | None = None  # train | test | None = every video
    groups: tuple[str, ...] | None = None  # manifest groups to keep (Taichi subject A, Sec. 4.5.2); None/[] = all
    max_items: int | None = None  # a seeded subset of at most this many items per epoch (smoke sizes)

    def __post_init__(self):
        from longvid.data import DATASETS

        if self.dataset not in DATASETS:
            raise ValueError(f"data.dataset must be one of {', '.join(DATASETS)}")
        if self.sampling not in SAMPLINGS:
            raise ValueError(f"data.sampling must be one of {', '.join(SAMPLINGS)}")
        if self.label not in LABELS:
            raise ValueError(f"data.label must be one of {', '.join(LABELS)}")
        if self.split is not None and self.split not in SPLITS:
            raise ValueError("data.split must be train, test or null")
        if self.length < 2:
            raise ValueError("data.length must be >= 2 frames")
        if not 1 <= self.steps[0] <= self.steps[1]:
            raise ValueError("data.steps must be [lo, hi] with 1 <= lo <= hi")
        if self.max_items is not None and self.max_items < 1:
            raise ValueError("data.max_items must be >= 1 or null")
