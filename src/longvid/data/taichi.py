"""Tai-Chi-HD [101] and the Taichi subset A-D (Sec. 4.5.1, 4.6.1; Tables 4.1, 4.4, 5.4).

Source: the public metadata ``taichi-metadata.csv`` of the First-Order-Motion-Model preprocessing repository
(``video_id,start,end,bbox,fps,width,height,partition``: a YouTube id, a frame range ``[start, end)`` at the
listed ``fps``, a crop box ``left-top-right-bottom`` in pixels of a ``width×height`` frame, train/test). The
YouTube videos themselves are fetched with ``yt-dlp``/``youtube-dl`` when one is installed and the host is
reachable; otherwise the command fails listing the URLs and the manual step (save each as
``<downloads>/youtube/<video_id>.mp4``). A clip = the source frames ``i`` with ``i·fps_ref ∈ [start·fps, end·fps)``
(the repository's rule, robust to a re-encoded frame rate), cropped to the box scaled to the decoded size, then
resized (shorter side) and centre-cropped like every dataset — directly to 64/128, not via the 256×256 files.

Subset A-D (Table 4.1: 31 videos, 140-560 frames, four subjects; text: "randomly sample videos ... with lengths
between 100 and 500 frames"). The thesis's random draw cannot be recovered; our rule, deterministic from a seed:
a *subject* is a YouTube id (one performer, Table 4.1's "Subject ID"); keep train-partition clips with
``min_frames <= end - start <= max_frames`` (defaults 100, 500: the text; Table 4.1's 560 exceeds it and we follow
the stated rule); subjects with at least 2 such clips (Table 4.1's smallest subject has 2) are shuffled with the
seed and the first ``subjects`` (4) taken, lettered A, B, ... in that order, with all their qualifying clips.
Split inside the subset (Table 4.4: 626 train / 300 test 16-frame segments ≈ 2:1): per subject the latest
``ceil(n/3)`` clips (by start frame) are test — a later part of the same performance, never seen in training.
Without a subset the metadata ``partition`` is the split. Labels: action ``taichi``, actor = YouTube id,
group = subset letter.
"""

from __future__ import annotations

import csv
import math
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from longvid.data.download import DownloadError, download
from longvid.data.store import VideoSource

METADATA_URL = "https://raw.githubusercontent.com/AliaksandrSiarohin/video-preprocessing/master/taichi-metadata.csv"
METADATA = "taichi-metadata.csv"
YOUTUBE = "https://www.youtube.com/watch?v={}"
URLS = ((METADATA_URL, METADATA, None),)
STEPS = (1, 1)  # Table 4.8: step 1 (every frame) is the default
SUBSET = {"subjects": 4, "min_frames": 100, "max_frames": 500}  # Sec. 4.5.1 / Table 4.1


@dataclass(frozen=True)
class Clip:
    video_id: str  # YouTube id = subject
    start: int  # first frame (at fps)
    end: int  # one past the last frame
    bbox: tuple[int, int, int, int]  # left, top, right, bottom in a width×height frame
    fps: float  # frame rate the frame numbers refer to
    width: int  # reference frame width of bbox
    height: int  # reference frame height of bbox
    partition: str  # train / test

    @property
    def name(self) -> str:
        return f"{self.video_id}_{self.start:06d}_{self.end:06d}"


def read_metadata(path: str | Path) -> list[Clip]:
    """Rows of ``taichi-metadata.csv`` (``partition`` defaults to train in the older file without that column)."""
    clips = []
    with open(path, newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            try:
                box = tuple(int(v) for v in row["bbox"].split("-"))
                if len(box) != 4:
                    raise ValueError(f"bbox {row['bbox']!r} is not left-top-right-bottom")
                clips.append(Clip(row["video_id"], int(row["start"]), int(row["end"]), box, float(row["fps"]),
                                  int(row["width"]), int(row["height"]), row.get("partition") or "train"))
            except (KeyError, ValueError) as err:
                raise ValueError(f"{path}:{i}: malformed Tai-Chi-HD metadata row ({err})") from err
    return clips


def select_subset(clips: list[Clip], subjects: int = 4, min_frames: int = 100, max_frames: int = 500,
                  seed: int = 0) -> list[tuple[Clip, str, str]]:
    """(clip, subject letter, split) of the seeded subset rule in the module docstring."""
    by_subject = defaultdict(list)
    for clip in clips:
        if clip.partition == "train" and min_frames <= clip.end - clip.start <= max_frames:
            by_subject[clip.video_id].append(clip)
    candidates = sorted(s for s, c in by_subject.items() if len(c) >= 2)
    if len(candidates) < subjects:
        raise ValueError(f"only {len(candidates)} subjects have >= 2 clips of {min_frames}-{max_frames} frames; "
                         f"{subjects} requested")
    order = np.random.default_rng(seed).permutation(len(candidates))[:subjects]
    chosen = []
    for k, idx in enumerate(order):
        own = sorted(by_subject[candidates[idx]], key=lambda c: c.start)
        n_test = math.ceil(len(own) / 3)
        for j, clip in enumerate(own):
            chosen.append((clip, chr(ord("A") + k), "test" if j >= len(own) - n_test else "train"))
    return chosen


def selection(downloads: Path, subjects: int = 0, min_frames: int = 100, max_frames: int = 500, seed: int = 0):
    """The clips to use: the subset when ``subjects > 0``, else every clip with its partition."""
    clips = read_metadata(downloads / METADATA)
    if subjects > 0:
        return select_subset(clips, subjects, min_frames, max_frames, seed)
    return [(c, "", c.partition) for c in clips]


def clip_frames(source: Path, clip: Clip):
    """Yield the cropped frames of ``clip`` from its downloaded YouTube video (stops after the range)."""
    from longvid.io import iter_frames, probe

    fps = probe(source)["fps"] or clip.fps
    left, top, right, bottom = clip.bbox
    for i, frame in enumerate(iter_frames(source)):
        if i * clip.fps >= clip.end * fps:
            return
        if i * clip.fps >= clip.start * fps:
            sy, sx = frame.shape[0] / clip.height, frame.shape[1] / clip.width
            yield frame[int(top * sy):int(bottom * sy), int(left * sx):int(right * sx)]


def sources(downloads: Path, seed: int = 0, subjects: int = 0, min_frames: int = 100, max_frames: int = 500,
            **_) -> tuple[list, list]:
    """VideoSources of the selected clips; clips whose YouTube video is absent are rejected."""
    if not (downloads / METADATA).is_file():
        raise FileNotFoundError(f"taichi: missing {downloads / METADATA}; run `longvid download --dataset taichi`")
    out, rejected = [], []
    for clip, letter, split in selection(downloads, subjects, min_frames, max_frames, seed):
        video = downloads / "youtube" / f"{clip.video_id}.mp4"
        origin = f"{video}[{clip.start}:{clip.end}]"
        if not video.is_file():
            rejected.append((origin, f"missing member: source video not downloaded ({YOUTUBE.format(clip.video_id)})"))
            continue
        out.append(VideoSource(clip.name, origin, _loader(video, clip), split, "taichi", clip.video_id, letter))
    return out, rejected


def _loader(video: Path, clip: Clip):
    return lambda: clip_frames(video, clip)


def download_remote(out: Path, subjects: int = 0, min_frames: int = 100, max_frames: int = 500, seed: int = 0,
                    **_) -> list[str]:
    """Fetch the metadata, then the YouTube videos the selection needs; return the files placed."""
    download(METADATA_URL, out / METADATA)
    ids = sorted({c.video_id for c, _, _ in selection(out, subjects, min_frames, max_frames, seed)})
    tool = shutil.which("yt-dlp") or shutil.which("youtube-dl")
    missing = []
    for vid in ids:
        target = out / "youtube" / f"{vid}.mp4"
        if target.is_file():
            continue
        if tool:
            target.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([tool, "-f", "best[ext=mp4]/best", "-o", str(target), YOUTUBE.format(vid)],
                           capture_output=True)
        if not target.is_file():
            missing.append(vid)
    if missing:
        listing = out / "youtube_missing.txt"
        listing.write_text("".join(f"{YOUTUBE.format(v)}\t{out / 'youtube' / (v + '.mp4')}\n" for v in missing))
        if tool and len(missing) < len(ids):  # some videos are gone from YouTube (the thesis had 2,718 of 2,882)
            print(f"taichi: {len(missing)} of {len(ids)} YouTube videos unavailable; listed in {listing}; their "
                  "clips go to rejected.csv")
        else:
            how = "yt-dlp could not fetch any" if tool else "no yt-dlp/youtube-dl is installed"
            raise DownloadError(f"taichi: {len(missing)} of {len(ids)} YouTube videos are missing ({how}); e.g. "
                                f"{YOUTUBE.format(missing[0])}. Fetch each URL in {listing} by hand (yt-dlp on a "
                                f"machine with access) and save it at the path beside it, then rerun")
    return [METADATA] + [f"youtube/{v}.mp4" for v in ids if v not in missing]


def metadata_stats(path: str | Path, windows: tuple[tuple[int, int], ...] = ((16, 8), (24, 24))) -> dict:
    """Table 4.4's full Tai-Chi-HD row from the metadata alone: clips per partition and fixed-window counts."""
    from longvid.data.sampling import window_starts

    clips = read_metadata(path)
    out = {"videos": len(clips), "subjects": len({c.video_id for c in clips})}
    for part in ("train", "test"):
        out[f"videos_{part}"] = sum(c.partition == part for c in clips)
    for length, stride in windows:
        counts = {p: sum(len(window_starts(c.end - c.start, length, stride)) for c in clips if c.partition == p)
                  for p in ("train", "test")}
        out[f"segments_{length}f"] = {"stride": stride, "train": counts["train"], "test": counts["test"],
                                      "total": counts["train"] + counts["test"]}
    return out
