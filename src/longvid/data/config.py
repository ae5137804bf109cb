"""`DataConfig`: the `data:` block of a run config, i.e. which clips `ClipDataset` draws (docs/contracts.md).

Torch-free, so the workflow checks it for every experiment when it is parsed. The sampling of Sec. 3.4.1: `step`
(a random temporal step in `steps`), `uniform` (evenly spread frames), `segments` (the fixed windows of the
clip index, the recall models' 24-frame pairs) or `segment_step` (one item per row of the clip index, drawn by
step sampling from that row's video: Table 4.8's step-4 run sees as many items per epoch as the step-1 run).

The clip index a run reads is `segment_file(...)`: `resources/segments/<dataset>/<res>/<length>f.csv` at the
default stride of its length (`DEFAULT_STRIDES`: the thesis' counts, docs/data.md), `<length>f_s<stride>.csv` at
any other `data.segment_stride` (Chapter 4's 24-frame windows at stride 8 = pairs of adjacent Table 4.4 segments).
"""

from __future__ import annotations

from dataclasses import dataclass

SAMPLINGS = ("step", "uniform", "segments", "segment_step")
INDEXED = ("segments", "segment_step")  # samplings whose items are the rows of a clip index
DEFAULT_STRIDES = {16: 8, 24: 24}  # segment length -> stride of the thesis's counts (Table 4.1 row D; Table 5.4)
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
    segment_stride: int | None = None  # stride of the clip index (INDEXED samplings); None = DEFAULT_STRIDES[length]

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
        if self.segment_stride is not None and self.sampling not in INDEXED:
            raise ValueError(f"data.segment_stride only applies to data.sampling {' or '.join(INDEXED)}; "
                             "set it to null")
        if self.segment_stride is not None and self.segment_stride < 1:
            raise ValueError("data.segment_stride must be >= 1 or null")
        if self.sampling in INDEXED and self.segment_stride is None and self.length not in DEFAULT_STRIDES:
            raise ValueError(f"data.segment_stride: {self.length}-frame segments have no default stride "
                             f"({', '.join(f'{k}f: {v}' for k, v in DEFAULT_STRIDES.items())}); set it")


def segment_file(dataset: str, resolution: int, length: int, stride: int | None = None) -> str:
    """The clip index of `length`-frame windows at `stride` (None = the default of that length)."""
    stem = f"resources/segments/{dataset}/{resolution}/{length}f"
    if stride is None or stride == DEFAULT_STRIDES.get(length):
        return f"{stem}.csv"
    return f"{stem}_s{stride}.csv"


def index_of(data: dict) -> str | None:
    """The clip index a run's resolved `data:` block reads, or None when its sampling uses no index."""
    if data.get("sampling") not in INDEXED:
        return None
    return segment_file(data["dataset"], data["resolution"], data["length"], data.get("segment_stride"))
