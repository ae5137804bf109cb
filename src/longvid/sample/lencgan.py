"""LEncGAN long-video sampler (Alg. 5): clip by clip with inherited LSTM states, streamed to disk.

Alg. 5: the real input video x_{0:m·16} is cut into consecutive non-overlapping 16-frame clips; clip j is encoded
starting from the state the previous clip left (zero for the first, Alg. 5 lines 3–4; what is inherited follows
the run's `lencgan.inherit` / `inherit_at`), a code is sampled from the final cell state's Gaussian, G generates
the clip and the clips are concatenated (no overlap). Any length L (our reading): m = ceil(L / 16) clips, the last
one cut to L − 16 (m − 1) frames; the real video must have 16 m frames (video i reads eligible real video
i mod N from frame 0). Streaming, seeding and the folder layout are those of `longvid.sample.recall`.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path


def clip_plan(length: int, clip: int = 16) -> list[tuple[int, int]]:
    """(start frame, frames kept) of each consecutive clip of an L-frame video (Alg. 5)."""
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    m = math.ceil(length / clip)
    return [(k * clip, min(clip, length - k * clip)) for k in range(m)]


def sample_lencgan(model, run_cfg: dict, videos, indices: list[int], length: int, out: Path, seed: int,
                   latent: str, device) -> list[str]:
    """Alg. 5 for the videos `indices` in lockstep; writes videos/NNNNN.npy; returns the real video ids used."""
    import torch

    from longvid.data.transforms import to_uint8
    from longvid.sample.recall import StreamedVideo, codes, window_batch
    from longvid.sample.writer import video_generator

    clip, res = model.lcfg.clip, model.cfg.resolution
    sources = [videos(i) for i in indices]
    gens = [video_generator(seed, i) for i in indices]
    sinks = [StreamedVideo(out / "videos" / f"{i:05d}.npy", (length, res, res, 3)) for i in indices]
    model.encoder.reset()  # prev_state <- (0, 0) (Alg. 5 line 3)
    with torch.no_grad():
        for start, keep in clip_plan(length, clip):
            real = window_batch([a for _, a in sources], start, clip, device)  # (B, clip, C, H, W)
            z_c, z_m = codes(model, real, None, gens, latent)  # None: the encoder's own content frame
            model.encoder.advance()  # prev_state <- this clip's state (Alg. 5 line 7)
            frames = to_uint8(model.generator(z_c, z_m)[:, :keep])  # (B, keep, H, W, 3)
            for sink, f in zip(sinks, frames):
                sink.write(f)
    model.encoder.reset()
    for sink in sinks:
        sink.close()
    return [vid for vid, _ in sources]


def lencgan_min_frames(model, run_cfg: dict, length: int) -> int:
    if not hasattr(model, "lcfg"):
        raise SystemExit(f"--sampler lencgan needs a checkpoint of family lencgan, got {run_cfg.get('family')!r}")
    plan = clip_plan(length, model.lcfg.clip)
    return plan[-1][0] + model.lcfg.clip


def add_arguments(p: argparse.ArgumentParser) -> None:
    from longvid.sample.recall import add_arguments as common

    common(p)


def run(args: argparse.Namespace) -> int:
    """`longvid sample --sampler lencgan ...` / `python -m longvid.sample.lencgan ...`."""
    from longvid.sample.recall import run_sampler

    if not hasattr(args, "latent"):
        args.latent = "sample"
    return run_sampler(args, "lencgan", sample_lencgan, lencgan_min_frames)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    raise SystemExit(run(parser.parse_args()))
