"""Weizmann human actions [87] (Sec. 3.4.1; Table 3.1: 93 videos, 180×144, 20-75 frames, 9 actors, 10 actions).

Source: the Weizmann "Actions as Space-Time Shapes" page publishes one zip per action
(``<action>.zip``) holding ``<actor>_<action>.avi``; actor ``lena`` has two takes of run, skip and walk
(``lena_run1.avi``, ``lena_run2.avi``), which is why the tables count 93 videos while the text says 90 (= 9×10).
Labels: actor = the name before the first ``_``; action = the rest, kept when it is a class name (``wave1``,
``wave2`` are classes), otherwise with its take digit stripped (``run1`` → ``run``). Preprocessing crops 20 px
from every edge before scaling (Sec. 3.4.1). Split: seeded hold-out of 10/93 (Table 4.4; see data/common.py).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path, PurePosixPath

from longvid.data.archive import list_members
from longvid.data.common import archive_video_frames, expected_files, find_archives, holdout
from longvid.data.store import VideoSource
from longvid.data.transforms import WEIZMANN_EDGE

BASE_URL = "https://www.wisdom.weizmann.ac.il/~vision/VideoAnalysis/Demos/SpaceTimeActions/DB/"
ACTIONS = ("bend", "jack", "jump", "pjump", "run", "side", "skip", "walk", "wave1", "wave2")
URLS = tuple((BASE_URL + f"{a}.zip", f"{a}.zip", None) for a in ACTIONS)  # (url, file, published sha256)
TEST_FRACTION = Fraction(10, 93)  # Table 4.4
STEPS = (1, 3)  # short videos (20-75 frames): 16 frames at step 3 need 46
MANUAL = f"download the per-action zips from {BASE_URL} into the downloads folder"


def parse_name(filename: str) -> tuple[str, str]:
    """``daria_bend.avi`` → ("daria", "bend"); ``lena_run1.avi`` → ("lena", "run"); ``ido_wave1.avi`` keeps wave1."""
    stem = PurePosixPath(filename).stem
    actor, sep, action = stem.partition("_")
    if not sep or not actor or not action:
        raise ValueError(f"{filename}: not a Weizmann file name <actor>_<action>.avi")
    if action not in ACTIONS:
        stripped = action.rstrip("0123456789")
        if stripped not in ACTIONS:
            raise ValueError(f"{filename}: unknown Weizmann action {action!r}")
        action = stripped
    return actor, action


def sources(downloads: Path, seed: int = 0, **_) -> tuple[list, list]:
    """VideoSources of every avi in the per-action zips; (sources, rejected) where rejected = (origin, reason)."""
    names = expected_files(downloads, [name for _, name, _ in URLS])
    archives = find_archives(downloads, names, "weizmann", MANUAL)
    found, rejected = [], []
    for archive in archives:
        for member in list_members(archive):
            if not member.lower().endswith(".avi"):
                continue
            try:
                actor, action = parse_name(member)
            except ValueError as err:
                rejected.append((f"{archive}:{member}", str(err)))
                continue
            found.append((PurePosixPath(member).stem, archive, member, actor, action))
    splits = holdout([f[0] for f in found], TEST_FRACTION, seed)
    out = [VideoSource(vid, f"{archive}:{member}", _loader(archive, member), splits[vid], action, actor, "",
                       WEIZMANN_EDGE) for vid, archive, member, actor, action in found]
    return out, rejected


def _loader(archive: Path, member: str):
    return lambda: archive_video_frames(archive, member)
