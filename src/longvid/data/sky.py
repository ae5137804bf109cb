"""Sky-Timelapse [71] (Sec. 4.6.1, 5.3.5, 5.4.4; Table 4.4: 2,618 videos, "pre-divided" into train and test).

Source: the MD-GAN project (https://github.com/weixiong-ur/mdgan) distributes ``sky_timelapse.zip`` through a
Google Drive link that scripts cannot fetch: download it by hand into ``resources/downloads/sky/``. Layout:
``sky_timelapse/sky_{train,test}/<video>/<clip>/<clip>_frames_NNNNNNNN.jpg`` — every innermost folder is one
continuous frame sequence (a stored video, id ``<clip>``); split = the ``sky_train`` / ``sky_test`` folder;
group = the parent ``<video>`` (the source recording). Videos shorter than 24 frames are excluded (Sec. 4.6.1:
R2 needs two overlapping 16-frame clips); a folder whose frame numbers have a gap is rejected (a silent jump in
time would corrupt every clip that spans it). Both land in rejected.csv. Labels: none.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path, PurePosixPath

from longvid.data.archive import list_members
from longvid.data.common import FRAME_SUFFIXES, archive_folder_frames, expected_files, find_archives
from longvid.data.store import VideoSource

PROJECT = "https://github.com/weixiong-ur/mdgan"
ARCHIVE = "sky_timelapse.zip"
URLS = ()  # Google Drive only: manual download
MIN_FRAMES = 24  # Sec. 4.6.1
STEPS = (1, 1)  # long videos are cut into fixed segments; step sampling is not used for Sky
MANUAL = f"download {ARCHIVE} from the Google Drive link on {PROJECT} into the downloads folder"
SPLIT = re.compile(r"(?:^|/)sky_(train|test)/")


def sources(downloads: Path, seed: int = 0, **_) -> tuple[list, list]:
    """VideoSources of every clip folder; folders under 24 frames are rejected here, gaps when decoded."""
    archives = find_archives(downloads, expected_files(downloads, [ARCHIVE]), "sky", MANUAL)
    out, rejected = [], []
    for archive in archives:
        folders: dict[str, list[str]] = defaultdict(list)
        for member in list_members(archive):
            if PurePosixPath(member).suffix.lower() in FRAME_SUFFIXES:
                folders[str(PurePosixPath(member).parent)].append(member)
        for folder, members in sorted(folders.items()):
            match = SPLIT.search(folder + "/")
            if not match:
                rejected.append((f"{archive}:{folder}", "not under sky_train/ or sky_test/"))
                continue
            if len(members) < MIN_FRAMES:
                rejected.append((f"{archive}:{folder}", f"shorter than {MIN_FRAMES} frames ({len(members)})"))
                continue
            path = PurePosixPath(folder)
            out.append(VideoSource(path.name, f"{archive}:{folder}", _loader(archive, members, folder),
                                   match.group(1), "", "", path.parent.name))
    return out, rejected


def _loader(archive: Path, members: list[str], folder: str):
    return lambda: archive_folder_frames(archive, members, folder)
