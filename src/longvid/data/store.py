"""The preprocessed video store ``resources/videos/<dataset>/<res>/`` (docs/contracts.md).

One ``<video_id>.npy`` per video (uint8 ``T×res×res×3``, memory-mappable), ``videos.csv``
(``video_id, path, n_frames, split, action, actor, group, sha256``) and ``rejected.csv`` (``source, reason``).
``sha256`` is the hash of the stored ``.npy`` file's bytes (header + pixels): caches derived from the store (the
real-feature cache of the metrics) key on it, so re-preprocessing with the same shapes but other pixels is seen.
:func:`preprocess` streams each source's frames through :mod:`longvid.data.transforms`, writes each array
atomically, and never lets one bad input (corrupt or truncated video, missing archive member, frame folder with a
gap, video shorter than a clip) stop the others: it is reported on stderr with its file name and recorded in
``rejected.csv``. A rerun skips videos whose array is already stored (it only hashes them again), so rerunning
``preprocess`` on a store made before the ``sha256`` column existed adds the column without decoding anything.
Two sources with one video id: the first is stored, the other recorded in ``rejected.csv`` with the kept file
(dataset modules that can tell which one is right decide before, see ``uva.py`` / ``kth.py``).
"""

from __future__ import annotations

import csv
import hashlib
import io as _io
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from longvid.io import atomic_write_bytes, save_npy

MANIFEST_COLUMNS = ("video_id", "path", "n_frames", "split", "action", "actor", "group", "sha256")
REJECTED_COLUMNS = ("source", "reason")
FLUSH_EVERY = 25  # videos between manifest rewrites, so an interrupted run keeps its bookkeeping


class RejectedVideo(RuntimeError):
    """A source that cannot become a stored video; ``str(err)`` is the reason written to rejected.csv."""


@dataclass(frozen=True)
class VideoSource:
    video_id: str  # file stem of the stored array; unique within the dataset
    origin: str  # what a person can find: archive path + member, or file/folder path
    frames: Callable[[], Iterable[np.ndarray]] = field(repr=False, compare=False)  # yields uint8 H×W×3 frames
    split: str = "train"  # train / test
    action: str = ""  # action class name ("" where the dataset has none)
    actor: str = ""  # subject / actor name ("" where none)
    group: str = ""  # dataset-specific grouping (KTH scenario, UCF101 group, Taichi subset subject, ...)
    edge: int = 0  # pixels cropped from each edge before scaling (Weizmann: 20)


def write_csv(path: str | os.PathLike, columns: Iterable[str], rows: Iterable[dict]) -> Path:
    """Write ``rows`` as a CSV with header ``columns`` atomically."""
    buf = _io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return atomic_write_bytes(path, buf.getvalue().encode())


def read_csv(path: str | os.PathLike) -> list[dict]:
    """Rows of a CSV as dicts of strings (empty list when the file is absent)."""
    path = Path(path)
    if not path.is_file():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def read_manifest(video_dir: str | os.PathLike) -> list[dict]:
    """Rows of ``<video_dir>/videos.csv`` with ``n_frames`` as int; a missing manifest is an error."""
    path = Path(video_dir) / "videos.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no manifest; run `longvid preprocess` for this dataset first")
    rows = read_csv(path)
    for row in rows:
        row["n_frames"] = int(row["n_frames"])
        for key in ("split", "action", "actor", "group"):
            row[key] = row.get(key) or ""
    return rows


def _row(src: VideoSource, n_frames: int, sha256: str) -> dict:
    return {"video_id": src.video_id, "path": f"{src.video_id}.npy", "n_frames": n_frames, "split": src.split,
            "action": src.action, "actor": src.actor, "group": src.group, "sha256": sha256}


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _convert(src: VideoSource, size: int) -> np.ndarray:
    from longvid.data.transforms import preprocess_frame

    frames = [preprocess_frame(frame, size, src.edge) for frame in src.frames()]
    if not frames:
        raise RejectedVideo("no frames")
    return np.stack(frames)  # (T, size, size, 3) uint8


def preprocess(sources: Iterable[VideoSource], out_dir: str | os.PathLike, size: int, min_frames: int = 16,
               rejected: Iterable[tuple[str, str]] = (), log: Callable[[str], None] | None = None,
               workers: int = 1) -> tuple[int, int]:
    """Store every source at ``size×size``; return (stored, rejected) counts. ``rejected`` seeds rejected.csv.

    ``workers > 1`` converts videos in that many threads (PyAV's decoding and PIL's resize release the GIL); results
    and files are the same. Threads, not forked processes: a fork taken while another thread (an FFmpeg decoder
    thread of an earlier read, a torch thread) holds a lock leaves the child waiting on it forever, which hung the
    workers of ``tests/data/test_store.py`` on a loaded machine.
    """
    global _JOB
    log = log or (lambda msg: print(msg, file=sys.stderr))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict] = {}
    bad = [{"source": s, "reason": r} for s, r in rejected]
    for s, r in rejected:
        log(f"rejected {s}: {r}")
    todo = list(_unique(sources, bad, log))
    _JOB = (todo, out_dir, size, min_frames)
    if workers > 1 and len(todo) > 1:
        from multiprocessing.pool import ThreadPool

        pool = ThreadPool(workers)
        results = pool.imap_unordered(_store_one, range(len(todo)), chunksize=1)
    else:
        pool, results = None, map(_store_one, range(len(todo)))
    try:
        for n, (i, n_frames, sha256, reason) in enumerate(results):
            if reason is None:
                rows[todo[i].video_id] = _row(todo[i], n_frames, sha256)
            else:
                bad.append({"source": todo[i].origin, "reason": reason})
                log(f"rejected {todo[i].origin}: {reason}")
            if n % FLUSH_EVERY == FLUSH_EVERY - 1:
                _flush(out_dir, rows, bad)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        _JOB = None
    _flush(out_dir, rows, bad)
    return len(rows), len(bad)


_JOB: tuple | None = None  # (sources, out_dir, size, min_frames) of the running preprocess, read by the workers


def _store_one(i: int) -> tuple[int, int, str, str | None]:
    """Convert, store and hash source ``i`` of the running job: (i, n_frames, sha256, None) or (i, 0, "", reason)."""
    sources, out_dir, size, min_frames = _JOB
    src = sources[i]
    target = out_dir / f"{src.video_id}.npy"
    try:
        video = np.load(target, mmap_mode="r") if target.is_file() else _convert(src, size)  # stored earlier: skip
        if len(video) < min_frames:
            raise RejectedVideo(f"shorter than a clip: {len(video)} < {min_frames} frames")
        if not target.is_file():
            save_npy(target, video)
        return i, len(video), file_sha256(target), None
    except Exception as err:  # one bad video never stops the others
        return i, 0, "", " ".join(str(err).split()) or type(err).__name__


def _unique(sources: Iterable[VideoSource], bad: list, log) -> Iterator[VideoSource]:
    kept: dict[str, str] = {}
    for src in sources:
        if src.video_id in kept:
            reason = f"duplicate video id {src.video_id}: kept {kept[src.video_id]} (the first in source order)"
            bad.append({"source": src.origin, "reason": reason})
            log(f"rejected {src.origin}: {reason}")
            continue
        kept[src.video_id] = src.origin
        yield src


def _flush(out_dir: Path, rows: dict, bad: list) -> None:
    write_csv(out_dir / "videos.csv", MANIFEST_COLUMNS, [rows[k] for k in sorted(rows)])
    write_csv(out_dir / "rejected.csv", REJECTED_COLUMNS, bad)
