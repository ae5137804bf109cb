"""KTH human actions [88] (Sec. 3.4.1; Table 3.1: 599 videos, 160×120, 25 persons, 6 actions, 4 scenarios).

Source: the KTH "Recognition of human actions" page publishes one zip per action (``boxing.zip``, ...) holding
``person01_boxing_d1_uncomp.avi`` and an index ``00sequences.txt`` that lists every recording
(``person01_boxing_d1<TAB>frames<TAB>1-95, 96-185, ...``; 600 lines, ``person13_handclapping_d3`` has no file,
hence 599). Labels: actor = ``personNN``, action, group = scenario ``d1``-``d4`` (outdoors, outdoors with scale
variation, outdoors with different clothes, indoors). The index, when present, names the videos the zips must
hold: a listed recording missing from every zip is reported as a missing member. Whole recordings are used (the
subsequence boundaries are not needed for generation). Split: seeded hold-out of 30/599 (Table 4.4).
Another file of a recording beside its official ``_uncomp.avi`` member (e.g. ``person01_boxing_d1.avi``) is recorded
in ``rejected.csv``, never stored (:func:`_official`).
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path, PurePosixPath

from longvid.data.archive import list_members
from longvid.data.common import archive_video_frames, expected_files, find_archives, holdout
from longvid.data.store import VideoSource

BASE_URL = "https://www.csc.kth.se/cvap/actions/"
ACTIONS = ("walking", "jogging", "running", "boxing", "handwaving", "handclapping")
INDEX = "00sequences.txt"
URLS = tuple((BASE_URL + f"{a}.zip", f"{a}.zip", None) for a in ACTIONS) + ((BASE_URL + INDEX, INDEX, None),)
TEST_FRACTION = Fraction(30, 599)  # Table 4.4
STEPS = (1, 6)  # long videos (200-1,025 frames)
MANUAL = f"download the six action zips and {INDEX} from {BASE_URL} into the downloads folder"
NAME = re.compile(r"^(person\d+)_([a-z]+)_(d\d)(?:_uncomp)?$")
KNOWN_MISSING = {"person13_handclapping_d3"}  # listed in the index, never published


def parse_name(filename: str) -> tuple[str, str, str]:
    """``person01_boxing_d1_uncomp.avi`` → ("person01", "boxing", "d1")."""
    match = NAME.match(PurePosixPath(filename).stem)
    if not match or match.group(2) not in ACTIONS:
        raise ValueError(f"{filename}: not a KTH file name personNN_<action>_dN_uncomp.avi")
    return match.group(1), match.group(2), match.group(3)


def parse_index(text: str) -> list[str]:
    """Recording names listed in ``00sequences.txt`` (``person01_boxing_d1``, ...)."""
    return [m.group(1) for m in re.finditer(r"^\s*(person\d+_[a-z]+_d\d)\s+frames", text, re.MULTILINE)]


def sources(downloads: Path, seed: int = 0, **_) -> tuple[list, list]:
    """VideoSources of every avi in the action zips, checked against the index; (sources, rejected)."""
    names = expected_files(downloads, [name for _, name, _ in URLS])
    archives = find_archives(downloads, names, "kth", MANUAL)
    candidates: dict[str, list[tuple]] = {}
    rejected = []
    for archive in (a for a in archives if a.suffix == ".zip"):
        for member in list_members(archive):
            if not member.lower().endswith(".avi"):
                continue
            try:
                actor, action, scenario = parse_name(member)
            except ValueError as err:
                rejected.append((f"{archive}:{member}", str(err)))
                continue
            candidates.setdefault(f"{actor}_{action}_{scenario}", []).append(
                (archive, member, actor, action, scenario))
    found = {vid: _official(vid, entries, rejected) for vid, entries in candidates.items()}
    index = downloads / INDEX
    if index.is_file():
        for name in parse_index(index.read_text()):
            if name not in found and name not in KNOWN_MISSING:
                rejected.append((f"{downloads}/{name.split('_')[1]}.zip:{name}_uncomp.avi",
                                 f"missing member: listed in {INDEX} but absent from the archive"))
    splits = holdout(list(found), TEST_FRACTION, seed)
    out = [VideoSource(vid, f"{a}:{m}", _loader(a, m), splits[vid], action, actor, scenario)
           for vid, (a, m, actor, action, scenario) in sorted(found.items())]
    return out, rejected


def _official(vid: str, entries: list[tuple], rejected: list) -> tuple:
    """The recording to store when several files carry one id: the ``_uncomp.avi`` member — the file the official
    zips publish for each recording ``00sequences.txt`` lists (DivX-compressed despite its name) — over any other
    copy (e.g. a re-encoded ``personNN_<action>_dN.avi``), which goes to rejected with the reason. Two official
    members for one id (e.g. in two zips) are an error naming both."""
    official = [e for e in entries if PurePosixPath(e[1]).stem.endswith("_uncomp")]
    if len(official) > 1 or (not official and len(entries) > 1):
        names = " and ".join(f"{e[0]}:{e[1]}" for e in (official or entries))
        raise ValueError(f"kth: two files for recording {vid}: {names}; remove one from the downloads and rerun")
    kept = official[0] if official else entries[0]
    for other in entries:
        if other is not kept:
            rejected.append((f"{other[0]}:{other[1]}",
                             f"duplicate video id {vid}: kept {kept[0]}:{kept[1]}, the official KTH file of this "
                             f"recording (the zips publish <recording>_uncomp.avi for each 00sequences.txt entry)"))
    return kept


def _loader(archive: Path, member: str):
    return lambda: archive_video_frames(archive, member)
