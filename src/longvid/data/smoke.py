"""The smoke world: a tiny version of each of the six datasets in that dataset's **native format**.

``longvid download --source smoke`` writes, into the downloads folder, the archives and metadata files the real
download would place there — same archive types, member paths, file names, label conventions and index files —
with content from :mod:`longvid.data.smoke_render`, deterministic from ``seed``. The dataset modules then read
them through exactly the code that reads the real data. One exception, stated in docs/data.md: UCF101 is
published as RAR, which free tools cannot write, so the smoke world writes the folder ``UCF-101/`` that
extracting ``UCF101.rar`` produces (plus the real split zip); the extraction step itself is tested separately.

Contents (actors × actions, frames): Weizmann 3 × 3 (+ lena's second walk take) 28-40 f at 180×144;
KTH 3 persons × 3 actions × 2 scenarios, 40 f at 160×120 (+ ``00sequences.txt``); UCF101 3 classes × 2 groups ×
2 clips, 32-40 f at 160×120 (native 320×240, halved to keep CI fast); UvA 3 subjects × 2 smile types, 40 jpg
frames at 128×128; Tai-Chi 4 YouTube sources (96×128, 420-700 f) cut by a metadata CSV into 11 clips of 80-380 f,
plus one clip whose source video is unavailable; Sky 6 clip folders (96×128) of 12-160 frames — two shorter than
24 frames and one with a missing frame, to exercise both filters.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from longvid.data import smoke_render as render
from longvid.data.common import DOWNLOAD_RECORD
from longvid.io import atomic_write_bytes, write_video


def _zip(path: Path, members: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    atomic_write_bytes(path, buf.getvalue())


def _video_bytes(frames: np.ndarray, suffix: str, fps: float = 25.0) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_video(Path(tmp) / f"v{suffix}", frames, fps=fps)
        return path.read_bytes()


def _jpg(frame: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(frame).save(buf, format="JPEG", quality=92)
    return buf.getvalue()


def _record(out: Path, files: list[str]) -> list[str]:
    atomic_write_bytes(out / DOWNLOAD_RECORD, json.dumps({"source": "smoke", "files": files}, indent=2).encode())
    return files


def weizmann(out: Path, rng: np.random.Generator) -> list[str]:
    actors, actions = ("daria", "denis", "lena"), ("bend", "walk", "wave1")
    files = []
    for action in actions:
        members = {}
        for k, actor in enumerate(actors):
            takes = ("1", "2") if (actor == "lena" and action == "walk") else ("",)
            for take in takes:
                frames = render.render_person(144, 180, int(rng.integers(28, 41)), action, k, 0, rng.uniform(0, 16))
                members[f"{actor}_{action}{take}.avi"] = _video_bytes(frames, ".avi")
        _zip(out / f"{action}.zip", members)
        files.append(f"{action}.zip")
    return files


def kth(out: Path, rng: np.random.Generator) -> list[str]:
    persons, actions, scenarios = ("person01", "person02", "person03"), ("boxing", "handwaving", "walking"), (1, 2)
    files, index = [], []
    for action in actions:
        members = {}
        for k, person in enumerate(persons):
            for d in scenarios:
                frames = render.render_person(120, 160, 40, action, k, d, rng.uniform(0, 16))
                members[f"{person}_{action}_d{d}_uncomp.avi"] = _video_bytes(frames, ".avi")
                index.append(f"{person}_{action}_d{d}\t\tframes\t1-20, 21-40\n")
        _zip(out / f"{action}.zip", members)
        files.append(f"{action}.zip")
    atomic_write_bytes(out / "00sequences.txt", "".join(index).encode())
    return files + ["00sequences.txt"]


def ucf101(out: Path, rng: np.random.Generator) -> list[str]:
    classes = ("BoxingPunchingBag", "JumpingJack", "WalkingWithDog")
    lists = {f"{kind}0{s}.txt": [] for kind in ("trainlist", "testlist") for s in (1, 2, 3)}
    for c, cls in enumerate(classes):
        for g, group in enumerate((1, 8)):
            for clip in (1, 2):
                name = f"v_{cls}_g{group:02d}_c{clip:02d}.avi"
                look = (2 * c + g) % len(render.ACTOR_LOOKS)  # the clips of a group share its actor and scene
                frames = render.render_person(120, 160, int(rng.integers(32, 41)), cls, look, g, rng.uniform(0, 16))
                write_video(out / "UCF-101" / cls / name, frames)
                for s in (1, 2, 3):  # official rule: groups 1-7 / 8-14 / 15-21 are the test groups of split 1/2/3
                    test = (s - 1) * 7 < group <= s * 7
                    lists[f"{'testlist' if test else 'trainlist'}0{s}.txt"].append(
                        f"{cls}/{name}" if test else f"{cls}/{name} {c + 1}")
    members = {"ucfTrainTestlist/classInd.txt": "".join(f"{i + 1} {c}\n" for i, c in enumerate(classes)).encode()}
    members.update({f"ucfTrainTestlist/{k}": "".join(v + "\n" for v in lines).encode() for k, lines in lists.items()})
    _zip(out / "UCF101TrainTestSplits-RecognitionTask.zip", members)
    return ["UCF101TrainTestSplits-RecognitionTask.zip"]


def uva(out: Path, rng: np.random.Generator) -> list[str]:
    members = {}
    for k, subject in enumerate(("001", "002", "003")):
        for kind in ("deliberate", "spontaneous"):
            vid = f"{subject}_{kind}_smile_1"
            for i, frame in enumerate(render.render_face(128, 40, k, kind == "spontaneous")):
                members[f"crop_faces/data/{vid}/{i + 1:04d}.jpg"] = _jpg(frame)
    _zip(out / "uva_nemo_g3an_128.zip", members)
    return ["uva_nemo_g3an_128.zip"]


TAICHI_SOURCES = (  # YouTube-like id, frames, [(start, end, partition)]
    ("smkTaiChi0A", 700, [(10, 310, "train"), (320, 470, "train"), (480, 690, "train")]),
    ("smkTaiChi0B", 560, [(0, 160, "train"), (170, 550, "train")]),
    ("smkTaiChi0C", 520, [(5, 205, "train"), (210, 330, "train"), (335, 415, "train"), (420, 515, "test")]),
    ("smkTaiChi0D", 420, [(0, 180, "train"), (190, 410, "train")]),
)


def taichi(out: Path, rng: np.random.Generator) -> list[str]:
    rows = ["video_id,start,end,bbox,fps,width,height,partition\n"]
    for k, (vid, n_frames, clips) in enumerate(TAICHI_SOURCES):
        frames = render.render_person(96, 128, n_frames, "taichi", k, k, rng.uniform(0, 100))
        write_video(out / "youtube" / f"{vid}.mp4", frames, fps=29.97)
        for start, end, partition in clips:  # box around the figure, in 256×192 reference pixels (2× the file)
            rows.append(f"{vid},{start},{end},48-8-208-168,29.97,256,192,{partition}\n")
    rows.append("smkTaiChi0E,0,300,48-8-208-168,29.97,256,192,train\n")  # source no longer on YouTube
    atomic_write_bytes(out / "taichi-metadata.csv", "".join(rows).encode())
    return ["taichi-metadata.csv"] + [f"youtube/{v}.mp4" for v, _, _ in TAICHI_SOURCES]


SKY_CLIPS = (  # split, video, clip, frames, missing frame (gap) or None; three long enough for Alg. 7 at 136 f
    ("train", "07U1fSrk9oI", 1, 160, None), ("train", "07U1fSrk9oI", 2, 12, None),
    ("train", "0BYq4N7bE1Q", 1, 144, None), ("train", "0BYq4N7bE1Q", 2, 36, 17),
    ("test", "1hD4qZlXm3s", 1, 140, None), ("test", "1hD4qZlXm3s", 2, 20, None),
)


def sky(out: Path, rng: np.random.Generator) -> list[str]:
    members = {}
    for split, video, clip, n_frames, gap in SKY_CLIPS:
        frames = render.render_sky(96, 128, n_frames, int(rng.integers(1 << 30)))
        folder = f"sky_timelapse/sky_{split}/{video}/{video}_{clip}"
        for i, frame in enumerate(frames, start=1):
            if i != gap:
                members[f"{folder}/{video}_{clip}_frames_{i:08d}.jpg"] = _jpg(frame)
    _zip(out / "sky_timelapse.zip", members)
    return ["sky_timelapse.zip"]


WRITERS = {"uva": uva, "weizmann": weizmann, "kth": kth, "ucf101": ucf101, "taichi": taichi, "sky": sky}


def write_smoke_world(dataset: str, out: str | os.PathLike, seed: int = 0) -> list[str]:
    """Write the smoke version of ``dataset`` into ``out``; return the files placed (also in manifest.json)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, sorted(WRITERS).index(dataset)])
    return _record(out, WRITERS[dataset](out, rng))
