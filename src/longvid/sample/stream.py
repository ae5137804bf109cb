"""The sampling machinery every sampler shares: the request, the checkpoint's model, the streamed sample folder,
the real-video reader and the runner (docs/contracts.md, "Samples").

* ``SampleFolder``: ``<out>/videos/NNNNN.npy`` (uint8 T×H×W×3), each written chunk by chunk through
  ``StreamedVideo`` (``numpy.lib.format.open_memmap``: the file is created with its final shape, re-opened per
  chunk and unmapped after the write, so resident memory does not grow with the length) under a temporary name and
  moved into place with ``os.replace`` when complete; ``mp4/NNNNN.mp4`` for the first K videos (for people),
  encoded from the same chunks as they are written (``longvid.io.VideoWriter``);
  ``samples.json`` written last, so its presence means the folder is complete. The manifest's ``count`` and
  ``frames`` are read back from the files written, beside what was requested (``count_requested``,
  ``frames_requested``).
* ``NpyFrames`` / ``RealVideos``: whole real videos read window by window with plain file reads (no lasting map).
* ``run_sampler``: load the checkpoint, run one sampler of the registry (``longvid.sample.registry``), write the
  manifest, with the wall time the sampler took (``generation_seconds``, on ``device``, ``batch_size`` videos at a
  time). A sampler is ``fn(model, run_cfg, request, folder, device) -> dict`` (extra manifest keys).
Video *i* draws all its randomness from ``video_generator(seed, i)``, so it never depends on the batch size.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from longvid.fsutil import atomic_write_text
from longvid.sample.latents import CANDIDATES


@dataclass(frozen=True)
class SampleRequest:
    """What the caller asked for (the `longvid sample` options that shape the videos)."""

    count: int  # videos; swap / sum write whole groups: ceil(count / group size) groups
    seed: int = 0  # base seed: video i uses a generator seeded from (seed, i)
    batch_size: int = 16  # videos generated together (never changes the videos)
    frames: int | None = None  # generated length; None = the trained clip length
    latent: str = "sample"  # latent mode, a key of longvid.sample.latents.LATENTS
    videos: str | None = None  # real videos resources/videos/<ds>/<res> (samplers that encode)
    segments: str | None = None  # clip index CSV when the run samples segments (short samplers)
    split: str | None = None  # real clip / video split (default: the run's data.split; long samplers: all)
    candidates: int = CANDIDATES  # VDrej candidates per window (Alg. 8; the text's 20)
    chunk: int | None = None  # VDrej candidates per G / D_V call (memory only; None = all of a batch at once)

    def __post_init__(self):
        from longvid.sample.latents import LATENTS

        if self.count < 1 or self.batch_size < 1 or (self.frames is not None and self.frames < 1):
            raise SystemExit("--count, --batch-size and --frames must be >= 1")
        if self.latent not in LATENTS:
            raise SystemExit(f"--latent {self.latent!r}: choose one of {sorted(LATENTS)}")
        if self.candidates < 1 or (self.chunk is not None and self.chunk < 1):
            raise SystemExit(f"--candidates ({self.candidates}) and --chunk ({self.chunk}) must be >= 1")

    def batches(self, count: int | None = None):
        """Consecutive index lists of at most batch_size (of `count`, default the request's count)."""
        n = self.count if count is None else count
        for start in range(0, n, self.batch_size):
            yield list(range(start, min(start + self.batch_size, n)))


class StreamedVideo:
    """A uint8 (T, H, W, 3) .npy written chunk by chunk through open_memmap, moved into place on `close()`; with
    `mp4` (a `longvid.io.VideoWriter`) every chunk is also encoded into that video as it comes; `on_write(n)` is
    told of every n frames written (progress)."""

    def __init__(self, path: Path, shape: tuple[int, int, int, int], mp4=None, on_write=None):
        from numpy.lib.format import open_memmap

        self.path, self.shape, self.mp4, self.on_write = Path(path), shape, mp4, on_write
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(f".{self.path.stem}.tmp{os.getpid()}.npy")
        del_me = open_memmap(self.tmp, mode="w+", dtype=np.uint8, shape=shape)  # header + full-size file
        del del_me
        self.written = 0

    def write(self, frames: np.ndarray) -> None:
        """Append uint8 frames (n, H, W, 3)."""
        from numpy.lib.format import open_memmap

        if self.written + len(frames) > self.shape[0]:
            raise ValueError(f"{self.path}: writing past {self.shape[0]} frames")
        mm = open_memmap(self.tmp, mode="r+")
        mm[self.written : self.written + len(frames)] = frames
        mm.flush()
        del mm  # unmap: written pages leave this process's resident set
        if self.mp4 is not None:
            self.mp4.write(frames)
        self.written += len(frames)
        if self.on_write is not None:
            self.on_write(len(frames))

    def close(self) -> Path:
        if self.written != self.shape[0]:
            if self.mp4 is not None:
                self.mp4.abort()
            raise RuntimeError(f"{self.path}: {self.written} of {self.shape[0]} frames written")
        if self.mp4 is not None:
            self.mp4.close()
        os.replace(self.tmp, self.path)
        return self.path


class NpyFrames:
    """Frames of a uint8 (T, H, W, 3) .npy read window by window with plain file reads (no lasting mapping)."""

    def __init__(self, path: str | Path):
        from numpy.lib import format as npy

        self.path = Path(path)
        with open(self.path, "rb") as fh:
            version = npy.read_magic(fh)
            read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
            shape, fortran, dtype = read(fh)
            self.offset = fh.tell()
        if dtype != np.uint8 or fortran or len(shape) != 4 or shape[-1] != 3:
            raise ValueError(f"{self.path}: expected a C-order uint8 (T, H, W, 3) array, got {dtype} {shape}")
        self.shape = shape

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, window: slice) -> np.ndarray:
        start, stop, _ = window.indices(self.shape[0])
        frame = int(np.prod(self.shape[1:]))
        with open(self.path, "rb") as fh:
            fh.seek(self.offset + start * frame)
            data = np.fromfile(fh, dtype=np.uint8, count=(stop - start) * frame)
        return data.reshape((stop - start,) + tuple(self.shape[1:]))


class SampleFolder:
    """The sample folder of docs/contracts.md, one video at a time (never all videos in memory). The first `mp4`
    videos are also encoded to ``mp4/NNNNN.mp4`` while they are written (`longvid.io.VideoWriter`: H.264 where
    PyAV's FFmpeg has libx264, MPEG-4 part 2 otherwise); `progress(n)` is told of every n frames written."""

    def __init__(self, out: str | Path, mp4: int = 8, fps: float = 25.0, progress=None):
        self.out, self.mp4, self.fps, self.progress = Path(out), mp4, fps, progress
        (self.out / "videos").mkdir(parents=True, exist_ok=True)
        self.indices: set[int] = set()
        self.codecs: set[str] = set()

    def path(self, index: int) -> Path:
        return self.out / "videos" / f"{index:05d}.npy"

    def stream(self, index: int, frames: int, resolution: int) -> StreamedVideo:
        """An open (frames, res, res, 3) video to write chunk by chunk; `close()` it when complete."""
        from longvid.io import VideoWriter

        self.indices.add(index)
        mp4 = None
        if index < self.mp4:
            mp4 = VideoWriter(self.out / "mp4" / f"{index:05d}.mp4", resolution, resolution, fps=self.fps)
            self.codecs.add(mp4.codec)
        return StreamedVideo(self.path(index), (frames, resolution, resolution, 3), mp4, self.progress)

    def add(self, index: int, video) -> None:
        """A whole video (T, C, H, W) in [-1, 1]."""
        from longvid.data.transforms import to_uint8

        frames = to_uint8(video.detach().float().cpu())  # (T, H, W, C) uint8
        sink = self.stream(index, frames.shape[0], frames.shape[1])
        sink.write(frames)
        sink.close()

    def finish(self, meta: dict) -> Path:
        """samples.json (written last); count, frames and resolution are those of the files written (a warning when
        they differ from the request), `mp4_codec` the codec of the mp4 copies (null without any)."""
        shapes = {i: NpyFrames(self.path(i)).shape for i in sorted(self.indices)}
        lengths = sorted({s[0] for s in shapes.values()})
        if len(lengths) > 1:
            raise RuntimeError(f"{self.out}: videos of different lengths {lengths}; a sampler writes one length")
        frames = lengths[0] if lengths else 0
        asked = meta.get("frames_requested")
        if asked is not None and asked != frames:
            print(f"[sample] warning: {asked} frames requested, {frames} written ({self.out})", file=sys.stderr)
        if self.codecs - {"libx264"}:
            print(f"[sample] note: this PyAV build has no libx264; the mp4 copies are {sorted(self.codecs)} "
                  "(MPEG-4 part 2), playable by ffmpeg / VLC but not by every browser", file=sys.stderr)
        meta = {"count": len(shapes), "frames": frames, "length": frames,
                "resolution": int(next(iter(shapes.values()))[1]) if shapes else 0,
                "mp4_codec": ",".join(sorted(self.codecs)) or None} | meta
        return atomic_write_text(self.out / "samples.json", json.dumps(meta, indent=2, sort_keys=True) + "\n")


class RealVideos:
    """Whole real videos of a video folder with at least `min_frames` frames (contracts.md), read per window;
    `groups` keeps only those manifest groups (the run's `data.groups`, e.g. LEncGAN's Taichi subject A)."""

    def __init__(self, video_dir: str | Path, min_frames: int, split: str | None = None,
                 groups: list[str] | None = None):
        from longvid.data.store import read_manifest

        rows = [r for r in read_manifest(video_dir) if not groups or r["group"] in groups]
        self.dir = Path(video_dir)
        self.rows = [r for r in rows if r["n_frames"] >= min_frames and (not split or r["split"] == split)]
        if not self.rows:
            longest = max((r["n_frames"] for r in rows), default=0)
            raise ValueError(f"{self.dir / 'videos.csv'}: no {split or 'any-split'} video of group(s) "
                             f"{groups or 'any'} has {min_frames} frames (longest: {longest}); sample a shorter "
                             "--frames or use another --split")

    def __call__(self, i: int) -> tuple[str, NpyFrames]:
        row = self.rows[i % len(self.rows)]
        return row["video_id"], NpyFrames(self.dir / row["path"])


def window_batch(arrays: list, start: int, clip: int, device):
    """Real frames [start, start + clip) of every video -> (B, clip, C, H, W) in [-1, 1]."""
    import torch

    from longvid.data.transforms import to_model

    return torch.stack([to_model(np.asarray(a[start : start + clip])) for a in arrays]).to(device)


def stream_windows(model, request: SampleRequest, folder: SampleFolder, videos: RealVideos, plan, clip: int,
                   make_clip, device) -> list[str]:
    """The long-video loop: per batch of videos, per (start, keep) of `plan`, real frames [start, start + clip)
    -> `make_clip(window, generators, previous)` (B, T, C, H, W) -> its first `keep` frames appended to each video.
    Returns the real video ids read."""
    import torch

    from longvid.data.transforms import to_uint8
    from longvid.models.latent import video_generator

    length, res, used = sum(keep for _, keep in plan), model.cfg.resolution, []
    for indices in request.batches():
        sources = [videos(i) for i in indices]
        gens = [video_generator(request.seed, i) for i in indices]
        sinks = [folder.stream(i, length, res) for i in indices]
        previous = None
        with torch.no_grad():
            for start, keep in plan:
                window = window_batch([a for _, a in sources], start, clip, device)  # (B, clip, C, H, W)
                previous = make_clip(window, gens, previous)  # (B, T, C, H, W)
                for sink, f in zip(sinks, to_uint8(previous[:, :keep])):  # (keep, H, W, 3) each
                    sink.write(f)
        for sink in sinks:
            sink.close()
        used += [vid for vid, _ in sources]
    return used


def load_model(checkpoint: Path, device):
    """The checkpoint's model in eval mode (rebuilt from its ``model_args`` by the family registry's model builder,
    no recipe involved), its run config and its epoch."""
    from longvid.train.checkpoint import load_checkpoint
    from longvid.train.rebuild import rebuild_model

    if not Path(checkpoint).is_file():
        raise SystemExit(f"{checkpoint}: no such checkpoint; train the run first (longvid train)")
    try:
        ckpt = load_checkpoint(checkpoint, map_location="cpu")
        model = rebuild_model(ckpt, str(checkpoint))
    except ValueError as err:
        raise SystemExit(str(err)) from None
    return model.to(device), ckpt["config"], int(ckpt["epoch"])


def pick_device(name: str):
    import torch

    return torch.device("cuda" if (name == "auto" and torch.cuda.is_available()) or name == "cuda" else "cpu")


def vdrej_keys(request: SampleRequest) -> dict:
    """Manifest keys of the VDrej options: `candidates` (shapes the videos) and `chunk` (memory), when used."""
    from longvid.sample.latents import USES_CANDIDATES

    return {"candidates": request.candidates, "chunk": request.chunk} if request.latent in USES_CANDIDATES else {}


def run_sampler(name: str, sampler, request: SampleRequest, checkpoint: Path, out: Path, mp4: int = 8,
                device: str = "auto", check=None, progress=None, fps: float = 25.0) -> Path:
    """Load `checkpoint`, run `sampler` (a SAMPLERS entry named `name`) into `out`, write samples.json.
    `check(run_cfg)` may refuse the checkpoint (SystemExit) before anything is written; `progress(n)` is told of
    every n frames written (SampleFolder)."""
    dev = pick_device(device)
    model, run_cfg, epoch = load_model(checkpoint, dev)
    if check is not None:
        check(run_cfg)
    folder = SampleFolder(out, mp4=mp4, fps=fps, progress=progress)
    start = time.perf_counter()
    extra = sampler(model, run_cfg, request, folder, dev)  # the videos are on disk when it returns
    seconds = time.perf_counter() - start  # generation + writing, not the model load (Table 5.11's time column)
    meta = {"sampler": name, "run_type": run_cfg.get("run_type", "full"), "checkpoint": str(checkpoint),
            "seed": request.seed, "experiment": run_cfg.get("experiment"), "family": run_cfg.get("family"),
            "epoch": epoch, "latent": request.latent, "count_requested": request.count,
            "frames_requested": request.frames, "generation_seconds": round(seconds, 3), "device": str(dev),
            "batch_size": request.batch_size} | vdrej_keys(request)
    path = folder.finish(meta | extra)
    meta = json.loads(path.read_text())
    print(f"[sample] wrote {meta['count']} videos of {meta['frames']} frames to {path.parent}")
    return path
