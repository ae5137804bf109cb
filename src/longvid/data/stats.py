"""The numbers behind the data tables: Table 3.1 (videos, frame range, subjects, classes), Table 4.1 (Taichi subset
per subject: videos, length range, 16-frame segments), Table 4.4 (videos train/test; 16-frame segments
train/test) and Table 5.4 (24-frame segments train/test), computed from the video store and clip indices.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from longvid.data.segments import read_segments
from longvid.data.store import read_csv, read_manifest


def _range(values: list[int]) -> list[int]:
    return [min(values), max(values)] if values else [0, 0]


def video_stats(video_dir: str | Path) -> dict:
    """Counts over the stored videos of one dataset/resolution."""
    rows = read_manifest(video_dir)
    lengths = [r["n_frames"] for r in rows]
    return {
        "videos": len(rows),
        "videos_train": sum(r["split"] == "train" for r in rows),
        "videos_test": sum(r["split"] == "test" for r in rows),
        "frames_total": sum(lengths),
        "frame_range": _range(lengths),
        "subjects": len({r["actor"] for r in rows if r["actor"]}),
        "classes": len({r["action"] for r in rows if r["action"]}),
        "rejected": len(read_csv(Path(video_dir) / "rejected.csv")),
    }


def segment_stats(path: str | Path) -> dict:
    """Segment counts (total / train / test) of one clip index."""
    rows = read_segments(path)
    lengths = {r["length"] for r in rows}
    strides = {r["stride"] for r in rows}
    return {
        "file": str(path),
        "length": lengths.pop() if len(lengths) == 1 else sorted(lengths),
        "stride": strides.pop() if len(strides) == 1 else sorted(strides),
        "segments": len(rows),
        "segments_train": sum(r["split"] == "train" for r in rows),
        "segments_test": sum(r["split"] == "test" for r in rows),
    }


def subject_rows(video_dir: str | Path, segments: str | Path | None) -> list[dict]:
    """Table 4.1 rows: per subset subject (``group``), videos, length range and segments of ``segments``."""
    rows = [r for r in read_manifest(video_dir) if r["group"]]
    per_video = defaultdict(int)
    if segments is not None:
        for seg in read_segments(segments):
            per_video[seg["video_id"]] += 1
    table = []
    for group in sorted({r["group"] for r in rows}):
        own = [r for r in rows if r["group"] == group]
        table.append({"subject": group, "actor": ",".join(sorted({r["actor"] for r in own})), "videos": len(own),
                      "length_range": _range([r["n_frames"] for r in own]),
                      "segments": sum(per_video[r["video_id"]] for r in own)})
    return table


def dataset_stats(dataset: str, video_dir: str | Path, segments: list[str | Path]) -> dict:
    """Everything :mod:`longvid.report` needs for the data tables of one dataset."""
    out = {"dataset": dataset, "video_dir": str(video_dir), **video_stats(video_dir),
           "segments": [segment_stats(p) for p in segments]}
    if dataset == "taichi":
        sixteen = next((p for p in segments if segment_stats(p)["length"] == 16), None)
        out["subjects_table"] = subject_rows(video_dir, sixteen)
    return out
