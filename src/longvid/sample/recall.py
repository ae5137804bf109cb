"""REncGAN / R2 long-video sampler (Alg. 7) for any length, streamed to disk window by window.

Alg. 7: the real input video is cut into 16-frame windows starting every r = 8 frames; each window is encoded
(content from its reference frame x_r), a code is sampled, G generates a clip (rebuilt around its reference frame,
Eq. 4.2–4.3, when the run used R_Enc) and the first r frames of every clip are appended, the whole clip for the
last window. For L frames with L − 16 a multiple of r this is exactly Alg. 7 (m = L // r, m − 1 windows).

Any other length (our reading, `window_plan`): L <= 16 uses one window cut to L frames; otherwise
m = ceil((L − 16) / r) + 1 windows, all but the last contribute r frames and the last contributes the remaining
L − (m − 1) r frames (between 16 − r + 1 and 16) from its start, i.e. its tail beyond L is dropped. The real video
must have (m − 1) r + 16 frames ("requires a real input video of the target length", PROTOCOL §2.4): video i reads
eligible real video i mod N (manifest order, split filter), from frame 0.

Streaming: only one window of real frames and one generated clip per video are in memory; each kept chunk is
written into `videos/NNNNN.npy` through `numpy.lib.format.open_memmap` (the file is created with its final shape,
then re-opened per chunk and unmapped after the write, so resident memory does not grow with L) under a temporary
name and moved into place with `os.replace` when the video is complete. Video i draws its codes from its own
generator seeded from (seed, i) (`longvid.sample.writer.video_generator`), so it does not depend on batch size.
`--latent mean` uses the posterior means instead of samples (the "mean" mode of Chapter 5).
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

import numpy as np

from longvid.fsutil import atomic_write_text


def window_plan(length: int, clip: int = 16, shift: int = 8) -> list[tuple[int, int]]:
    """(start frame of the real window, frames of its generated clip kept) for an L-frame video (Alg. 7)."""
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    if length <= clip:
        return [(0, length)]
    m = math.ceil((length - clip) / shift) + 1
    return [(k * shift, shift) for k in range(m - 1)] + [((m - 1) * shift, length - (m - 1) * shift)]


def frames_needed(plan: list[tuple[int, int]], clip: int) -> int:
    """Real frames the plan reads: last window start + clip."""
    return plan[-1][0] + clip


class StreamedVideo:
    """A uint8 (T, H, W, 3) .npy written chunk by chunk through open_memmap, moved into place on `close()`."""

    def __init__(self, path: Path, shape: tuple[int, int, int, int]):
        from numpy.lib.format import open_memmap

        self.path, self.shape = Path(path), shape
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
        self.written += len(frames)

    def close(self) -> Path:
        if self.written != self.shape[0]:
            raise RuntimeError(f"{self.path}: {self.written} of {self.shape[0]} frames written")
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


def codes(model, window, ref: int | None, gens: list, latent: str):
    """(z_c, z_m) from Enc(window): posterior means, or samples with per-video generators (Alg. 7 line 12)."""
    import torch

    from longvid.models.latent import standard_normal

    mu_c, lv_c, mu_m, lv_m = model.encode(window, ref)  # (B, dim) each
    if latent == "mean":
        return mu_c, mu_m
    eps_c = torch.cat([standard_normal((1, mu_c.shape[1]), g, mu_c.device) for g in gens])
    eps_m = torch.cat([standard_normal((1, mu_m.shape[1]), g, mu_m.device) for g in gens])
    return mu_c + torch.exp(0.5 * lv_c) * eps_c, mu_m + torch.exp(0.5 * lv_m) * eps_m


def sample_recall(model, run_cfg: dict, videos: RealVideos, indices: list[int], length: int, out: Path,
                  seed: int, latent: str, device) -> list[str]:
    """Alg. 7 for the videos `indices` in lockstep; writes videos/NNNNN.npy; returns the real video ids used."""
    import torch

    from longvid.data.transforms import to_uint8
    from longvid.recipes.recall import RecallConfig, generate_clip, reference_index
    from longvid.sample.writer import video_generator

    rcfg = getattr(model, "recall_cfg", None) or RecallConfig.from_run(run_cfg)
    ref, res = reference_index(model, rcfg), model.cfg.resolution
    plan = window_plan(length, rcfg.clip, rcfg.shift)
    sources = [videos(i) for i in indices]
    gens = [video_generator(seed, i) for i in indices]
    sinks = [StreamedVideo(out / "videos" / f"{i:05d}.npy", (length, res, res, 3)) for i in indices]
    with torch.no_grad():
        for start, keep in plan:
            window = window_batch([a for _, a in sources], start, rcfg.clip, device)  # (B, clip, C, H, W)
            clip = generate_clip(model, *codes(model, window, ref, gens, latent), ref, rcfg.r_enc)
            frames = to_uint8(clip[:, :keep])  # (B, keep, H, W, 3)
            for sink, f in zip(sinks, frames):
                sink.write(f)
    for sink in sinks:
        sink.close()
    return [vid for vid, _ in sources]


def finish(out: Path, meta: dict, mp4: int, count: int, fps: float = 25.0) -> Path:
    """mp4 copies of the first `mp4` videos (read back memory-mapped) and samples.json (written last)."""
    from longvid.io import write_video

    for i in range(min(mp4, count)):
        write_video(out / "mp4" / f"{i:05d}.mp4", np.load(out / "videos" / f"{i:05d}.npy", mmap_mode="r"), fps=fps)
    return atomic_write_text(out / "samples.json", json.dumps(meta, indent=2, sort_keys=True) + "\n")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of `longvid sample` that the long-video samplers use, plus --latent."""
    p.add_argument("--checkpoint", required=True, type=Path, help="final.pt or checkpoints/epoch_XXXXX.pt")
    p.add_argument("--count", required=True, type=int, help="long videos to generate")
    p.add_argument("--frames", required=True, type=int, help="frames per generated video (any length >= 1)")
    p.add_argument("--out", required=True, type=Path, help="sample folder results/samples/<exp>/<sampler>/<epoch>")
    p.add_argument("--videos", required=True, help="real videos resources/videos/<ds>/<res> (the encoder's input)")
    p.add_argument("--split", default=None, help="real video split filter (train / test; default: all)")
    p.add_argument("--latent", default="sample", choices=("sample", "mean"), help="sampled codes or posterior means")
    p.add_argument("--batch-size", type=int, default=8, help="videos generated in lockstep (does not change them)")
    p.add_argument("--seed", type=int, default=0, help="base seed; video i is seeded from (seed, i)")
    p.add_argument("--mp4", type=int, default=4, help="also write the first K videos as mp4")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")


def run_sampler(args: argparse.Namespace, name: str, sample_fn, min_frames_fn) -> int:
    """Shared body of the recall / lencgan commands: load, plan, sample in batches, write samples.json."""
    import torch

    from longvid.sample.commands import load_model

    if args.frames is None:
        raise SystemExit(f"--sampler {name} generates long videos: pass --frames <length> (any length >= 1)")
    if args.count < 1 or args.batch_size < 1 or args.frames < 1:
        raise SystemExit("--count, --batch-size and --frames must be >= 1")
    if args.videos is None:
        raise SystemExit(f"--sampler {name} encodes a real video: pass --videos resources/videos/<ds>/<res>")
    dev = torch.device("cuda" if (args.device == "auto" and torch.cuda.is_available()) or args.device == "cuda"
                       else "cpu")
    model, run_cfg, epoch = load_model(args.checkpoint, dev)
    videos = RealVideos(args.videos, min_frames_fn(model, run_cfg, args.frames), args.split,
                        run_cfg.get("data", {}).get("groups"))
    used = []
    for b in range(0, args.count, args.batch_size):
        indices = list(range(b, min(b + args.batch_size, args.count)))
        used += sample_fn(model, run_cfg, videos, indices, args.frames, args.out, args.seed,
                          getattr(args, "latent", "sample"), dev)
    meta = {"count": args.count, "length": args.frames, "resolution": model.cfg.resolution, "sampler": name,
            "run_type": run_cfg.get("run_type", "full"), "checkpoint": str(args.checkpoint), "seed": args.seed,
            "experiment": run_cfg.get("experiment"), "epoch": epoch, "latent": getattr(args, "latent", "sample"),
            "real_videos": used}
    print(f"[sample] wrote {args.count} videos of {args.frames} frames to {finish(args.out, meta, args.mp4, args.count)}")
    return 0


def recall_min_frames(model, run_cfg: dict, length: int) -> int:
    from longvid.recipes.recall import RecallConfig

    if getattr(model, "recall_cfg", None) is None and getattr(model.cfg, "content_index", 0) == 0:
        raise SystemExit(f"--sampler recall needs a recall-family checkpoint (family recall, or a model whose content "
                         f"encoder reads x_r); this one is family {run_cfg.get('family')!r}")
    rcfg = getattr(model, "recall_cfg", None) or RecallConfig.from_run(run_cfg)
    return frames_needed(window_plan(length, rcfg.clip, rcfg.shift), rcfg.clip)


def run(args: argparse.Namespace) -> int:
    """`longvid sample --sampler recall ...` / `python -m longvid.sample.recall ...`."""
    return run_sampler(args, "recall", sample_recall, recall_min_frames)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    raise SystemExit(run(parser.parse_args()))
