"""UCF101 [89] (Sec. 3.4.1; Table 3.1: 13,320 videos, 320×240, 101 classes, "2,525 subjects" = 101 × 25 groups).

Source: ``UCF101.rar`` (extracts to ``UCF-101/<Class>/v_<Class>_gGG_cCC.avi``) and the official split archive
``UCF101TrainTestSplits-RecognitionTask.zip`` (``ucfTrainTestlist/classInd.txt``, ``trainlist0{1,2,3}.txt``,
``testlist0{1,2,3}.txt``). RAR cannot be read by the standard library: the archive is extracted once with an
installed extractor (:func:`longvid.data.archive.extract_rar`), or by hand into ``<downloads>/UCF-101``; the smoke
world writes that extracted folder directly (free tools cannot write RAR) plus the real split zip.
Labels: action = class, actor = ``<Class>_gGG`` (the 25 groups of a class share actors and settings; the thesis's
2,525 "subjects" are these), group = ``gGG``. Every video named by the split lists must exist (missing member
otherwise). Split: ``rule="thesis"`` = seeded hold-out of 753/13,320 (Table 4.4), ``rule="official"`` = split 1.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path, PurePosixPath

from longvid.data.archive import extract_rar, list_members, read_member
from longvid.data.common import holdout
from longvid.data.store import VideoSource

BASE_URL = "https://www.crcv.ucf.edu/data/UCF101/"
RAR, SPLITS = "UCF101.rar", "UCF101TrainTestSplits-RecognitionTask.zip"
URLS = ((BASE_URL + RAR, RAR, None), (BASE_URL + SPLITS, SPLITS, None))
EXTRACTED = "UCF-101"
TEST_FRACTION = Fraction(753, 13320)  # Table 4.4
STEPS = (1, 6)  # 26-2,060 frames, mostly 125-250
MANUAL = f"download {BASE_URL}{RAR} and {BASE_URL}{SPLITS} into the downloads folder"
NAME = re.compile(r"^v_([A-Za-z]+)_g(\d+)_c(\d+)$")


def parse_name(filename: str) -> tuple[str, str, str]:
    """``v_ApplyEyeMakeup_g08_c01.avi`` → ("ApplyEyeMakeup", "ApplyEyeMakeup_g08", "g08")."""
    match = NAME.match(PurePosixPath(filename).stem)
    if not match:
        raise ValueError(f"{filename}: not a UCF101 file name v_<Class>_gGG_cCC.avi")
    cls, group = match.group(1), f"g{int(match.group(2)):02d}"
    return cls, f"{cls}_{group}", group


def read_splits(archive: Path, split: int = 1) -> tuple[list[str], set[str], set[str]]:
    """(class names in index order, train member paths, test member paths) of official split ``split``."""
    members = {PurePosixPath(m).name: m for m in list_members(archive)}

    def lines(name: str) -> list[str]:
        if name not in members:
            raise FileNotFoundError(f"{archive}: missing member ucfTrainTestlist/{name}")
        return [ln.strip() for ln in read_member(archive, members[name]).decode().splitlines() if ln.strip()]

    classes = [ln.split()[1] for ln in sorted(lines("classInd.txt"), key=lambda ln: int(ln.split()[0]))]
    train = {ln.split()[0] for ln in lines(f"trainlist0{split}.txt")}
    test = {ln.split()[0] for ln in lines(f"testlist0{split}.txt")}
    return classes, train, test


def extracted_root(downloads: Path) -> Path:
    """``<downloads>/UCF-101`` (by hand or smoke world), else the ``UCF-101/`` inside ``UCF101.rar`` extracted once
    into ``<downloads>/UCF101_extracted/``."""
    root = downloads / EXTRACTED
    if root.is_dir():
        return root
    if (downloads / RAR).is_file():
        staging = downloads / "UCF101_extracted"
        if not staging.is_dir():
            extract_rar(downloads / RAR, staging, by_hand=f"{downloads} (giving {root})")
        return staging / EXTRACTED if (staging / EXTRACTED).is_dir() else staging
    raise FileNotFoundError(f"ucf101: neither {root} nor {downloads / RAR} exists; run `longvid download "
                            f"--dataset ucf101` or {MANUAL}")


def sources(downloads: Path, seed: int = 0, rule: str = "thesis", **_) -> tuple[list, list]:
    """VideoSources of every avi under UCF-101/, checked against the official lists; (sources, rejected)."""
    if not (downloads / SPLITS).is_file():
        raise FileNotFoundError(f"ucf101: missing {downloads / SPLITS}; {MANUAL}")
    classes, train, test = read_splits(downloads / SPLITS)
    root = extracted_root(downloads)
    found, rejected = {}, []
    for path in sorted(root.glob("*/*.avi")):
        rel = f"{path.parent.name}/{path.name}"
        try:
            cls, actor, group = parse_name(path.name)
        except ValueError as err:
            rejected.append((str(path), str(err)))
            continue
        if cls not in classes:
            rejected.append((str(path), f"class {cls} is not in classInd.txt"))
            continue
        found[rel] = (path, cls, actor, group)
    for rel in sorted((train | test) - set(found)):
        rejected.append((f"{root}/{rel}", "missing member: listed in the official split files but absent"))
    if rule == "official":
        splits = {rel: ("test" if rel in test else "train") for rel in found}
    elif rule == "thesis":
        splits = holdout(list(found), TEST_FRACTION, seed)
    else:
        raise ValueError(f"unknown UCF101 split rule {rule!r}; use 'thesis' or 'official'")
    out = [VideoSource(path.stem, str(path), _loader(path), splits[rel], cls, actor, group)
           for rel, (path, cls, actor, group) in found.items()]
    return out, rejected


def _loader(path: Path):
    from longvid.io import iter_frames

    return lambda: iter_frames(path)
