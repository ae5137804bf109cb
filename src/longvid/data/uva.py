"""UvA-NEMO smile database [86], in the preprocessed 128×128 version of G³AN [5] (Sec. 3.4.1; Table 3.1: 1,240 videos,
128×128, 100-400 frames, 1 action "smile").

The database is licence-gated (https://www.uva-nemo.org/: sign the end-user licence agreement; the G³AN authors
share their face-cropped 128×128 frames on request), so there is no download URL. Put the archive you receive
(zip or tar, any name) in ``resources/downloads/uva/`` and rerun: from there the code path is the same as for the
other datasets. Layout accepted: G³AN's ``.../<video_id>/<frame>.jpg`` frame folders (their loader reads
``sorted(glob(video + '/*.jpg'))``), or the original ``<video_id>.mp4`` files. A frame folder and a video file with
one id: the folder is kept (G³AN's crops are what the thesis trained on), the video recorded in ``rejected.csv``;
two folders (or two videos) with one id are an error naming both. Video ids keep UvA-NEMO's naming
``<subject>_<deliberate|spontaneous>_smile_<take>``: actor = subject (the IS classes of Table 3.3 are actors),
action = ``smile``, group = deliberate / spontaneous. Split: seeded hold-out of 67/1,240 (Table 4.4).
"""

from __future__ import annotations

import re
from collections import defaultdict
from fractions import Fraction
from pathlib import Path, PurePosixPath

from longvid.data.archive import list_members
from longvid.data.common import (FRAME_SUFFIXES, archive_folder_frames, archive_video_frames, expected_files,
                                 holdout)
from longvid.data.store import VideoSource

URLS = ()  # licence-gated: nothing to fetch automatically
HOMEPAGE = "https://www.uva-nemo.org/"
TEST_FRACTION = Fraction(67, 1240)  # Table 4.4
STEPS = (2, 3)  # Sec. 3.4.5 ("a sampling step of 2 or 3") = G3AN's UvA loader
MANUAL = (f"UvA-NEMO is licence-gated: request it at {HOMEPAGE} (G3AN's preprocessed 128x128 frames from the "
          "G3AN authors), then put the zip/tar archive in the downloads folder (resources/downloads/uva/) and rerun")
NAME = re.compile(r"^(\d+)_(deliberate|spontaneous|posed)_smile_(\d+)$")


def parse_name(video_id: str) -> tuple[str, str]:
    """``001_spontaneous_smile_2`` → (actor "001", group "spontaneous"); other names: actor = text before "_"."""
    match = NAME.match(video_id)
    if match:
        return match.group(1), match.group(2)
    return video_id.split("_")[0], ""


def _archives(downloads: Path) -> list[Path]:
    names = expected_files(downloads, [])
    if names:
        return [downloads / n for n in names]
    found = sorted(p for p in downloads.glob("*") if p.is_file() and re.search(r"\.(zip|tar|tgz|tar\.gz)$", p.name))
    if not found:
        raise FileNotFoundError(f"uva: no archive in {downloads}. {MANUAL}")
    return found


def sources(downloads: Path, seed: int = 0, **_) -> tuple[list, list]:
    """VideoSources of every frame folder / mp4 in the archives; (sources, rejected)."""
    folders: dict[str, list[tuple]] = defaultdict(list)  # video id -> frame folders of that name
    videos: dict[str, list[tuple]] = defaultdict(list)  # video id -> video files of that name
    for archive in _archives(downloads):
        frames: dict[str, list[str]] = defaultdict(list)
        for member in list_members(archive):
            path = PurePosixPath(member)
            if path.suffix.lower() in FRAME_SUFFIXES:
                frames[str(path.parent)].append(member)
            elif path.suffix.lower() in (".mp4", ".avi"):
                videos[path.stem].append((archive, "video", member))
        for folder, members in frames.items():
            folders[PurePosixPath(folder).name].append((archive, "folder", folder, members))
    if not folders and not videos:
        raise FileNotFoundError(f"uva: the archives in {downloads} hold no frame folders or videos. {MANUAL}")
    found, rejected = resolve_duplicates(folders, videos)
    splits = holdout(list(found), TEST_FRACTION, seed)
    out = []
    for vid, entry in sorted(found.items()):
        actor, group = parse_name(vid)
        out.append(VideoSource(vid, f"{entry[0]}:{entry[2]}", _loader(entry), splits[vid], "smile", actor, group))
    return out, rejected


def resolve_duplicates(folders: dict, videos: dict) -> tuple[dict, list]:
    """One entry per video id: a frame folder wins over a video file of the same name (recorded in rejected);
    two folders or two video files of one name are an error naming both (no reason to prefer either)."""
    for kind, entries in (("frame folders", folders), ("video files", videos)):
        for vid, same in entries.items():
            if len(same) > 1:
                names = " and ".join(f"{e[0]}:{e[2]}" for e in same)
                raise ValueError(f"uva: two {kind} for video id {vid}: {names}; remove one of them from the "
                                 f"downloads folder and rerun")
    found = {vid: entries[0] for vid, entries in videos.items()}
    rejected = []
    for vid, (entry,) in folders.items():
        if vid in found:
            video = found[vid]
            rejected.append((f"{video[0]}:{video[2]}",
                             f"duplicate video id {vid}: kept the frame folder {entry[0]}:{entry[2]} (G3AN's "
                             f"128x128 face crops, the frames the thesis trained on, Sec. 3.4.1) over this video file"))
        found[vid] = entry
    return found, rejected


def _loader(entry: tuple):
    if entry[1] == "video":
        return lambda: archive_video_frames(entry[0], entry[2])
    return lambda: archive_folder_frames(entry[0], entry[3], entry[2])
