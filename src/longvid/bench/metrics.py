"""Metrics benchmark: I3D throughput on 16×224×224 clips, and first vs cached real-feature extraction.

Rows of ``results/bench/metrics.csv`` (``name, value, unit, device, detail``):
* ``i3d_clips_per_s`` / ``i3d_s_per_clip`` / ``i3d_cpu_s_per_clip`` — the FVD detector (resize 64→224 + I3D) on
  uint8 16-frame clips (wall clock, and process CPU seconds, which other jobs on a shared machine do not inflate);
* ``real_features_first_s`` / ``real_features_cached_s`` / ``real_features_speedup`` — ``real_features`` on a
  temporary store of ``--videos`` random 64×64 videos: the first call extracts, the second must hit the cache.
"""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path

from longvid.fsutil import atomic_path


def add_arguments(parser) -> None:
    parser.add_argument("--out", type=Path, default=Path("results/bench/metrics.csv"), help="output CSV")
    parser.add_argument("--clips", type=int, default=8, help="16-frame clips timed through I3D")
    parser.add_argument("--videos", type=int, default=8, help="real videos in the cache benchmark")
    parser.add_argument("--device", default="cpu", help="torch device")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")
    parser.add_argument("--weights", default="", help="converted I3D weights ('' = resources/weights default)")
    parser.add_argument("--quick", action="store_true", help="smoke sizes: 2 clips, 4 videos")


def _write_store(root: Path, n: int):
    import numpy as np

    folder = root / "bench" / "64"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    from longvid.data.store import file_sha256

    lines = ["video_id,path,n_frames,split,action,actor,group,sha256"]
    for i in range(n):
        np.save(folder / f"v{i}.npy", rng.integers(0, 256, size=(24, 64, 64, 3), dtype=np.uint8))
        lines.append(f"v{i},v{i}.npy,24,train,,,,{file_sha256(folder / f'v{i}.npy')}")
    (folder / "videos.csv").write_text("\n".join(lines) + "\n")
    return folder


def run(args) -> int:
    import numpy as np
    import torch

    from longvid.metrics.detectors import Detector, DetectorConfig
    from longvid.metrics.features import RealClipSpec, real_features

    if args.threads:
        torch.set_num_threads(args.threads)
    clips, videos = (2, 4) if args.quick else (args.clips, args.videos)
    det = Detector(DetectorConfig(name="i3d", weights=args.weights, device=args.device, batch_size=1))
    x = np.random.default_rng(0).integers(0, 256, size=(clips, 16, 64, 64, 3), dtype=np.uint8)
    det(x[:1])  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    det(x)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    device = f"{args.device} ({torch.get_num_threads()} threads)" if args.device == "cpu" else args.device
    rows = [("i3d_clips_per_s", clips / dt, "clips/s", device, f"{clips} clips 16x64x64 uint8 -> 224, batch 1"),
            ("i3d_s_per_clip", dt / clips, "s", device, "wall clock (shared machines: see cpu row)"),
            ("i3d_cpu_s_per_clip", cpu / clips, "cpu-s", device, "process CPU time, robust to other load")]
    with tempfile.TemporaryDirectory() as tmp:
        store = _write_store(Path(tmp), videos)
        out, spec = Path(tmp) / "16f.npz", RealClipSpec(length=16, count=videos)  # one clip per video
        t0 = time.perf_counter()
        real_features(store, spec, det, out)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        real_features(store, spec, det, out)
        cached = time.perf_counter() - t0
    rows += [("real_features_first_s", first, "s", device, f"{videos} real videos, one 16f clip each"),
             ("real_features_cached_s", cached, "s", device, "same set, cache hit"),
             ("real_features_speedup", first / cached, "x", device, "must be >= 10")]
    with atomic_path(args.out) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "value", "unit", "device", "detail"])
        writer.writerows([(n, f"{v:.6g}", u, d, t) for n, v, u, d, t in rows])
    for n, v, u, _, _ in rows:
        print(f"{n}: {v:.4g} {u}")
    return 0 if first / cached >= 10 else 1
