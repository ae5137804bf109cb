"""`longvid sample`: write videos of a checkpoint into results/samples/<exp>/<sampler>/<epoch>/ (Alg. 2, 5, 7-10)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    from longvid.sample.latents import CANDIDATES, LATENTS
    from longvid.sample.registry import SAMPLERS

    p = sub.add_parser("sample", help="generate videos from a checkpoint into a sample folder",
                       description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="samplers:\n" + "\n".join(f"  {name:8s} {(fn.__doc__ or '').splitlines()[0]}"
                                                        for name, fn in SAMPLERS.items()))
    p.add_argument("--checkpoint", required=True, type=Path, help="final.pt or checkpoints/epoch_XXXXX.pt")
    p.add_argument("--sampler", "--mode", dest="sampler", required=True, choices=sorted(SAMPLERS),
                   help="a sampler of longvid.sample.registry.SAMPLERS (listed below)")
    p.add_argument("--count", required=True, type=int,
                   help="videos to generate (swap / sum: whole groups of 4 / 3, so up to 3 / 2 more)")
    p.add_argument("--out", required=True, type=Path, help="sample folder results/samples/<exp>/<sampler>/<epoch>")
    p.add_argument("--videos", default=None, help="real videos resources/videos/<ds>/<res> (samplers that encode)")
    p.add_argument("--segments", default=None, help="clip index CSV when the run samples segments")
    p.add_argument("--split", default=None,
                   help="real split (short samplers: default the run config's data.split; long: all videos)")
    p.add_argument("--frames", type=int, default=None,
                   help="forced: generated length (default 90); recall / lencgan / ar2: frames per long video")
    p.add_argument("--latent", default="sample", choices=sorted(LATENTS),
                   help="latent mode of samplers that encode (recall, ar2, latent, ...): sampled codes, posterior "
                        "means or vdrej, the D_V-best of --candidates clips (Table 5.8, Alg. 8; "
                        "longvid.sample.latents)")
    p.add_argument("--candidates", type=int, default=None,
                   help=f"--latent vdrej: candidate clips per window (default {CANDIDATES}, the text's; "
                        "Alg. 8 prints 10)")
    p.add_argument("--chunk", type=int, default=None,
                   help="--latent vdrej: candidates per G / D_V call, for memory (default: all of a batch; "
                        "does not change the videos)")
    p.add_argument("--batch-size", type=int, default=16, help="videos generated together (does not change them)")
    p.add_argument("--seed", type=int, default=0, help="base seed; video i is seeded from (seed, i)")
    p.add_argument("--mp4", type=int, default=8, help="also write the first K videos as mp4")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.set_defaults(func=run)


def request_of(args: argparse.Namespace):
    """The SampleRequest of parsed `longvid sample` arguments."""
    from longvid.sample.latents import USES_CANDIDATES
    from longvid.sample.stream import SampleRequest

    vdrej = {k: v for k, v in (("candidates", args.candidates), ("chunk", args.chunk)) if v is not None}
    if vdrej and args.latent not in USES_CANDIDATES:
        raise SystemExit(f"--{' / --'.join(vdrej)} set the VDrej candidates (Alg. 8); --latent {args.latent} draws "
                         "one code per clip: pass --latent vdrej or drop them")
    return SampleRequest(count=args.count, seed=args.seed, batch_size=args.batch_size, frames=args.frames,
                         latent=args.latent, videos=args.videos, segments=args.segments, split=args.split, **vdrej)


def run(args: argparse.Namespace) -> int:
    from longvid.sample.registry import SAMPLERS
    from longvid.sample.stream import run_sampler

    run_sampler(args.sampler, SAMPLERS[args.sampler], request_of(args), args.checkpoint, args.out, mp4=args.mp4,
                device=args.device)
    return 0
