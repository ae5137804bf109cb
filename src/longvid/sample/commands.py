"""`longvid sample`: generate videos from a checkpoint into results/samples/<exp>/<sampler>/<epoch>/ (Alg. 2)."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

SAMPLER_CHOICES = ("noise", "latent", "swap", "sum", "forced")  # = longvid.sample.encgan3.GROUP_SIZE keys
LONG_SAMPLERS = ("recall", "lencgan")  # long videos: Alg. 7 (REncGAN) and Alg. 5 (LEncGAN), longvid.sample.<name>


def register(sub) -> None:
    p = sub.add_parser("sample", help="generate videos from a checkpoint into a sample folder",
                       description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", required=True, type=Path, help="final.pt or checkpoints/epoch_XXXXX.pt")
    p.add_argument("--sampler", "--mode", dest="sampler", required=True, choices=SAMPLER_CHOICES + LONG_SAMPLERS,
                   help="noise / latent (Alg. 2), swap / sum (Fig. 3.10-3.11; recall checkpoints: Fig. 4.10), "
                        "forced (Fig. 3.13, not for recall checkpoints), recall (Alg. 7), lencgan (Alg. 5)")
    p.add_argument("--count", required=True, type=int,
                   help="videos to generate (swap / sum: whole groups of 4 / 3, so up to 3 / 2 more)")
    p.add_argument("--out", required=True, type=Path, help="sample folder results/samples/<exp>/<sampler>/<epoch>")
    p.add_argument("--videos", default=None, help="real videos resources/videos/<ds>/<res> (latent, swap, sum)")
    p.add_argument("--segments", default=None, help="clip index CSV when the run samples segments")
    p.add_argument("--split", default=None, help="real clip split (default: the run config's data.split)")
    p.add_argument("--frames", type=int, default=None,
                   help="forced: generated length (default 90); recall / lencgan: frames per long video")
    p.add_argument("--latent", default="sample", choices=("sample", "mean"),
                   help="recall / lencgan: sampled codes or posterior means (Table 5.8)")
    p.add_argument("--batch-size", type=int, default=16, help="videos per generator call (does not change them)")
    p.add_argument("--seed", type=int, default=0, help="base seed; video i is seeded from (seed, i)")
    p.add_argument("--mp4", type=int, default=8, help="also write the first K videos as mp4")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.set_defaults(func=run)


def load_model(checkpoint: Path, device):
    """The checkpoint's model (rebuilt from its ``model_args``) in eval mode, its run config and its epoch."""
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


def run(args: argparse.Namespace) -> int:
    if args.sampler in LONG_SAMPLERS:
        if args.frames is None or args.videos is None:
            raise SystemExit(f"--sampler {args.sampler} needs --frames (long-video length) and --videos (real videos)")
        return importlib.import_module(f"longvid.sample.{args.sampler}").run(args)
    import torch

    from longvid.sample.encgan3 import GROUP_SIZE, RealClips, SampleSpec, sample_videos
    from longvid.sample.writer import SampleWriter

    if args.count < 1 or args.batch_size < 1:
        raise SystemExit("--count and --batch-size must be >= 1")
    dev = torch.device("cuda" if (args.device == "auto" and torch.cuda.is_available()) or args.device == "cuda"
                       else "cpu")
    model, run_cfg, epoch = load_model(args.checkpoint, dev)
    clips = None
    if args.sampler in ("latent", "swap", "sum") and model.encoder is not None:
        from longvid.data.clips import build_dataset

        if args.videos is None:
            raise SystemExit(f"--sampler {args.sampler} encodes real clips: pass --videos resources/videos/<ds>/<res>")
        clips = RealClips(build_dataset(run_cfg, args.videos, args.segments, split=args.split, seed=args.seed))
    spec = SampleSpec(count=args.count, seed=args.seed, batch_size=args.batch_size, frames=args.frames)
    writer, sources = SampleWriter(args.out, mp4=args.mp4), []
    for index, video in sample_videos(model, args.sampler, spec, clips, dev, sources):
        writer.add(index, video)
    meta = {"sampler": args.sampler, "run_type": run_cfg.get("run_type", "full"), "checkpoint": str(args.checkpoint),
            "seed": args.seed, "experiment": run_cfg.get("experiment"), "family": run_cfg.get("family"), "epoch": epoch,
            "group_size": GROUP_SIZE[args.sampler], "real_clips": sources,
            "codes": "encoder" if clips is not None else "noise"}
    print(f"[sample] wrote {writer.count} videos to {writer.finish(meta).parent}")
    return 0
