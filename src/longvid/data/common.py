"""Helpers shared by the dataset modules: seeded hold-out splits, frame folders, archive-member videos.

Splits (Table 4.4, thesis line 1606): the thesis trains and evaluates on whole datasets (Sec. 3.4.1) yet lists
train/test counts (UvA 1,173/67, Weizmann 83/10, KTH 569/30, UCF101 12,567/753) that match neither an official
split (UCF101 split 1 has 3,783 test videos, KTH's official test set 9 persons) nor a rule stated anywhere.
Our reading: a seeded random hold-out of ``round(N * n_test / n_total)`` videos, which reproduces every printed
count exactly on the full datasets. ``split=None`` in :class:`~longvid.data.clips.ClipDataset` still uses all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from longvid.data.store import RejectedVideo

FRAME_SUFFIXES = (".jpg", ".jpeg", ".png")


def holdout(ids: Sequence[str], fraction: Fraction | float, seed: int) -> dict[str, str]:
    """Map every id to "train"/"test"; ``round(len(ids) * fraction)`` seeded-random ids go to "test".

    At least one test video whenever there are two or more videos (tiny sets, e.g. the smoke world).
    """
    ordered = sorted(ids)
    n_test = int(round(len(ordered) * float(fraction)))
    if len(ordered) >= 2 and fraction > 0:
        n_test = max(1, n_test)
    rng = np.random.default_rng(seed)
    test = set(rng.permutation(len(ordered))[:n_test].tolist())
    return {vid: ("test" if i in test else "train") for i, vid in enumerate(ordered)}


def frame_number(name: str) -> int:
    """The last run of digits in a file name's stem (``sky_frames_00000046.jpg`` → 46)."""
    digits = re.findall(r"\d+", Path(name).stem)
    if not digits:
        raise RejectedVideo(f"frame file {name} carries no frame number")
    return int(digits[-1])


def ordered_frames(names: Sequence[str], folder: str) -> list[str]:
    """Frame files sorted by number; a missing number (a gap) rejects the folder."""
    names = [n for n in names if n.lower().endswith(FRAME_SUFFIXES)]
    if not names:
        raise RejectedVideo(f"frame folder {folder} holds no frames")
    numbered = sorted((frame_number(n), n) for n in names)
    numbers = [k for k, _ in numbered]
    if len(set(numbers)) != len(numbers):
        raise RejectedVideo(f"frame folder {folder} has duplicate frame numbers")
    missing = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
    if missing:
        shown = ", ".join(map(str, missing[:5])) + (" ..." if len(missing) > 5 else "")
        raise RejectedVideo(f"frame folder {folder} has a gap: frame(s) {shown} missing")
    return [n for _, n in numbered]


def decode_image(data: bytes, name: str) -> np.ndarray:
    """A JPEG/PNG as uint8 ``H×W×3``; an undecodable image rejects its video."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            return np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError) as err:
        raise RejectedVideo(f"frame {name} cannot be decoded ({err})") from err


def folder_frames(folder: Path) -> Iterator[np.ndarray]:
    """Frames of an extracted frame folder, in frame-number order (gaps rejected before any decoding)."""
    names = ordered_frames([p.name for p in folder.iterdir() if p.is_file()], str(folder))
    for name in names:
        yield decode_image((folder / name).read_bytes(), str(folder / name))


def archive_folder_frames(archive: Path, members: Sequence[str], folder: str) -> Iterator[np.ndarray]:
    """Frames of a frame folder stored inside a zip/tar archive (``members`` = that folder's files)."""
    from longvid.data.archive import read_member

    by_name = {m.rsplit("/", 1)[-1]: m for m in members}
    for name in ordered_frames(list(by_name), f"{archive}:{folder}"):
        yield decode_image(read_member(archive, by_name[name]), f"{archive}:{by_name[name]}")


def archive_video_frames(archive: Path, member: str) -> Iterator[np.ndarray]:
    """Frames of a video file stored inside a zip/tar archive (decoded from a temporary copy)."""
    from longvid.data.archive import member_file
    from longvid.io import VideoReadError, iter_frames

    with member_file(archive, member) as path:
        try:
            yield from iter_frames(path)
        except VideoReadError as err:
            raise RejectedVideo(str(err).replace(str(path), f"{archive}:{member}")) from err


def find_archives(downloads: Path, names: Sequence[str], dataset: str, manual: str) -> list[Path]:
    """The expected archives in ``downloads``; a missing one is an error that says where to put it."""
    missing = [n for n in names if not (downloads / n).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{dataset}: missing {', '.join(missing)} in {downloads}. Run `longvid download --dataset {dataset}` "
            f"or {manual}")
    return [downloads / n for n in names]


DOWNLOAD_RECORD = "manifest.json"  # by `longvid download` (the rule's output): source (remote|smoke), files placed


def expected_files(downloads: Path, default: Sequence[str]) -> list[str]:
    """Files the downloads folder must hold: those its download record lists, else the dataset's full set."""
    import json

    record = downloads / DOWNLOAD_RECORD
    if record.is_file():
        return list(json.loads(record.read_text())["files"])
    return list(default)
