"""CLI of the data layer: ``download``, ``preprocess``, ``segment``, ``data-stats`` (rules download_dataset,
preprocess_videos, segment_videos, compute_data_stats). Heavy imports happen inside the command functions.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

DATASET_CHOICES = ("uva", "weizmann", "kth", "ucf101", "taichi", "sky")
ARCHIVE = re.compile(r"\.(zip|tar|tgz|tar\.gz|tar\.bz2|rar)$")  # files a person may place by hand


def _taichi_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Taichi subset (Table 4.1; ignored for other datasets)")
    group.add_argument("--taichi-subjects", type=int, default=4,
                       help="subjects A, B, ... of the Taichi subset (default 4, Table 4.1); 0 = the whole Tai-Chi-HD")
    group.add_argument("--taichi-min-frames", type=int, default=100, help="shortest clip of the subset (100)")
    group.add_argument("--taichi-max-frames", type=int, default=500, help="longest clip of the subset (500)")


def _taichi_options(args) -> dict:
    return {"subjects": args.taichi_subjects, "min_frames": args.taichi_min_frames,
            "max_frames": args.taichi_max_frames}


def register(sub) -> None:
    p = sub.add_parser("download", help="fetch a dataset's native archives (or write its smoke world)")
    p.add_argument("--dataset", required=True, choices=DATASET_CHOICES, help="dataset key")
    p.add_argument("--source", choices=("remote", "smoke"), default="remote",
                   help="remote = the public source (resumable, checksum-pinned); smoke = write the tiny smoke world")
    p.add_argument("--out", type=Path, required=True, help="downloads folder, e.g. resources/downloads/<dataset>")
    p.add_argument("--seed", type=int, default=0, help="seed of the smoke world and the Taichi subset draw")
    p.add_argument("--lock", type=Path, default=None, help="checksum lock file (default: the package's)")
    _taichi_args(p)
    p.set_defaults(func=cmd_download)

    p = sub.add_parser("preprocess", help="parse, resize and centre-crop a dataset into the uint8 video store")
    p.add_argument("--dataset", required=True, choices=DATASET_CHOICES, help="dataset key")
    p.add_argument("--downloads", type=Path, required=True, help="downloads folder written by `longvid download`")
    p.add_argument("--resolution", type=int, required=True, help="output side in pixels (64 or 128)")
    p.add_argument("--out", type=Path, required=True, help="video store, e.g. resources/videos/<dataset>/<res>")
    p.add_argument("--seed", type=int, default=0, help="seed of the train/test hold-out and the Taichi subset")
    p.add_argument("--min-frames", type=int, default=None,
                   help="shorter videos are rejected (default: 24 for sky, else 16 = one clip)")
    p.add_argument("--workers", type=int, default=1, help="videos converted in parallel threads (default 1)")
    p.add_argument("--split-rule", choices=("thesis", "official"), default="thesis",
                   help="UCF101 only: thesis = Table 4.4 hold-out, official = split 1")
    _taichi_args(p)
    p.set_defaults(func=cmd_preprocess)

    p = sub.add_parser("segment", help="write the fixed-window clip index of a video store")
    p.add_argument("--videos", type=Path, required=True, help="video store folder (holds videos.csv)")
    p.add_argument("--length", type=int, required=True, help="window length in frames (16 or 24)")
    p.add_argument("--stride", type=int, default=None,
                   help="window stride in frames (default: the thesis reading, 8 for 16f and 24 for 24f)")
    p.add_argument("--groups", default="", help="comma-separated groups to keep, e.g. 'A' (Taichi subject A only)")
    p.add_argument("--out", type=Path, required=True, help="clip index CSV, e.g. resources/segments/<d>/<r>/16f.csv")
    p.set_defaults(func=cmd_segment)

    p = sub.add_parser("data-stats", help="dataset statistics behind Tables 3.1, 4.1, 4.4, 5.4 (JSON)")
    p.add_argument("--dataset", required=True, choices=DATASET_CHOICES, help="dataset key")
    p.add_argument("--videos", type=Path, required=True, help="video store folder")
    p.add_argument("--segments", type=Path, nargs="*", default=[], help="clip index CSVs to count")
    p.add_argument("--taichi-metadata", type=Path, default=None,
                   help="taichi only: taichi-metadata.csv, adds the full Tai-Chi-HD row of Table 4.4 (no videos needed)")
    p.add_argument("--out", type=Path, required=True, help="output JSON")
    p.set_defaults(func=cmd_data_stats)


def cmd_download(args) -> int:
    from longvid.data import dataset_module
    from longvid.data.common import DOWNLOAD_RECORD
    from longvid.data.download import LOCK_FILE, DownloadError, download
    from longvid.io import atomic_write_bytes

    if args.source == "smoke":
        from longvid.data.smoke import write_smoke_world

        files = write_smoke_world(args.dataset, args.out, args.seed)
        print(f"{args.dataset}: smoke world written to {args.out} ({len(files)} files)")
        return 0
    module = dataset_module(args.dataset)
    try:
        if hasattr(module, "download_remote"):
            files = module.download_remote(args.out, seed=args.seed, **_taichi_options(args))
        elif module.URLS:
            files = [download(url, args.out / name, sha, args.lock or LOCK_FILE).name for url, name, sha in module.URLS]
        else:
            files = [p.name for p in sorted(args.out.glob("*")) if p.is_file() and ARCHIVE.search(p.name)]
            if not files:
                raise DownloadError(f"{args.dataset}: cannot be fetched automatically. {module.MANUAL}")
    except DownloadError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    record = {"source": "remote", "files": files}
    atomic_write_bytes(args.out / DOWNLOAD_RECORD, json.dumps(record, indent=2).encode())
    print(f"{args.dataset}: {len(files)} files in {args.out}")
    return 0


def cmd_preprocess(args) -> int:
    from longvid.data import dataset_module
    from longvid.data.store import preprocess

    module = dataset_module(args.dataset)
    min_frames = args.min_frames or getattr(module, "MIN_FRAMES", 16)
    try:
        sources, rejected = module.sources(args.downloads, seed=args.seed, rule=args.split_rule,
                                           **_taichi_options(args))
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    stored, bad = preprocess(sources, args.out, args.resolution, min_frames, rejected, workers=args.workers)
    print(f"{args.dataset}: {stored} videos stored in {args.out}, {bad} rejected (see rejected.csv)")
    return 0 if stored else 1


def cmd_segment(args) -> int:
    from longvid.data.segments import write_segments

    from longvid.data.segments import DEFAULT_STRIDES

    stride = args.stride or DEFAULT_STRIDES.get(args.length)
    if stride is None:
        print(f"error: no default stride for {args.length}-frame segments; pass --stride", file=sys.stderr)
        return 2
    groups = tuple(g for g in args.groups.split(",") if g) or None
    n = write_segments(args.videos, args.out, args.length, stride, groups)
    print(f"{n} segments of {args.length} frames (stride {stride}) written to {args.out}")
    return 0


def cmd_data_stats(args) -> int:
    from longvid.data.stats import dataset_stats
    from longvid.io import atomic_write_bytes

    stats = dataset_stats(args.dataset, args.videos, args.segments)
    if args.taichi_metadata is not None:
        from longvid.data.taichi import metadata_stats

        stats["full_dataset"] = metadata_stats(args.taichi_metadata)
    atomic_write_bytes(args.out, (json.dumps(stats, indent=2) + "\n").encode())
    print(f"{args.dataset}: statistics written to {args.out}")
    return 0
