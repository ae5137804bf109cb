"""`longvid generate`: long videos from a checkpoint for people (issue 17), through the workflow's own samplers.

``METHODS`` maps a ``--method`` to a sampler of ``longvid.sample.registry.SAMPLERS`` and the checkpoint families
it accepts; the command is ``stream.run_sampler`` with every video also encoded to MP4 as it is written, so the
workflow's sample folders and these files come from one code path:

* ``r2``  -> ``recall`` (Alg. 7, with ``--latent vdrej`` Alg. 8): R2 / improved R2 recall over windows of the real
  videos of ``--videos`` (a video store ``resources/videos/<ds>/<res>``; video i reads real video i mod N);
* ``ar2`` -> ``ar2`` (Alg. 10): AR2 from noise alone;
* ``r3-robust`` / ``r3-faster`` -> ``r3_robust`` / ``r3_faster`` (Alg. 11, Table 5.11): R3 from real initial clips
  of ``--videos`` as the samplers read them (video i: the first 16 frames of training video i mod N), so there is no
  separate ``--init-clip`` option.

Out: ``<out>/videos/NNNNN.npy`` (uint8 T×H×W×3) and ``<out>/mp4/NNNNN.mp4`` (H.264 where PyAV's FFmpeg has libx264,
else MPEG-4 part 2 with a note) per video, both written block by block as the sampler yields frames (memory flat
in the length), and ``samples.json``. A one-line progress bar with frames/s goes to stderr. Video i depends only on
(``--seed``, i): the same whatever ``--count``, ``--batch-size`` or ``--chunk``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Method:
    """One `--method`: its sampler (a SAMPLERS key), the checkpoint families it accepts and whether it reads
    real videos (`--videos`)."""

    sampler: str
    families: tuple[str, ...]
    videos: bool  # True: --videos required; False: refused
    about: str


METHODS = {
    "r2": Method("recall", ("recall",), True, "R2 / improved R2 (Alg. 7; Alg. 8 with --latent vdrej), over --videos"),
    "ar2": Method("ar2", ("ar2",), False, "AR2 (Alg. 10) from noise alone"),
    "r3-robust": Method("r3_robust", ("r3",), True, "R3 GPT_robust (Alg. 11; --latent vdrej) from initial clips"),
    "r3-faster": Method("r3_faster", ("r3",), True, "R3 GPT_faster (Table 5.11): all latents, then the clips"),
}


def register(sub) -> None:
    from longvid.sample.latents import LATENTS

    p = sub.add_parser("generate", help="generate long videos (MP4 + .npy) from a checkpoint",
                       description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="methods:\n" + "\n".join(f"  {name:6s} -> sampler {m.sampler}: {m.about}"
                                                       for name, m in METHODS.items()))
    p.add_argument("--checkpoint", required=True, type=Path, help="final.pt or checkpoints/epoch_XXXXX.pt")
    p.add_argument("--method", required=True, choices=list(METHODS), help="generation method (listed below)")
    p.add_argument("--frames", required=True, type=int, help="frames per video (any length >= 1)")
    p.add_argument("--count", type=int, default=1, help="videos to generate")
    p.add_argument("--out", required=True, type=Path, help="output folder (videos/, mp4/, samples.json)")
    p.add_argument("--latent", default="sample", choices=sorted(LATENTS),
                   help="latent mode (Table 5.8): sampled codes, posterior means or vdrej (Alg. 8)")
    p.add_argument("--candidates", type=int, default=None, help="--latent vdrej: candidates per clip (default 20)")
    p.add_argument("--chunk", type=int, default=None,
                   help="--latent vdrej: candidates per G / D_V call, for memory (never changes the videos)")
    p.add_argument("--videos", default=None, help="r2: real videos resources/videos/<ds>/<res> to recall over")
    p.add_argument("--batch-size", type=int, default=16, help="videos generated together (never changes them)")
    p.add_argument("--seed", type=int, default=0, help="base seed; video i is seeded from (seed, i)")
    p.add_argument("--fps", type=float, default=25.0, help="frame rate written into the MP4 files")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.set_defaults(func=run)


def check_family(method: str, run_cfg: dict, checkpoint) -> None:
    """Refuse a checkpoint whose family the method cannot generate with, naming both and the methods that can."""
    family, m = run_cfg.get("family"), METHODS[method]
    if family not in m.families:
        fits = [name for name, other in METHODS.items() if family in other.families]
        hint = f"; use --method {' or '.join(fits)}" if fits else "; no --method generates with it"
        raise SystemExit(f"{checkpoint}: a checkpoint of family {family!r}; --method {method} needs family "
                         f"{' or '.join(m.families)}{hint}")


def request_of(args: argparse.Namespace):
    """The SampleRequest of `longvid generate` arguments, the method's real-video option checked first."""
    from longvid.sample import commands

    m = METHODS[args.method]
    if m.videos and args.videos is None:
        raise SystemExit(f"--method {args.method} reads real videos ({m.about}): pass --videos "
                         "resources/videos/<dataset>/<res>")
    if not m.videos and args.videos is not None:
        raise SystemExit(f"--method {args.method} reads no real video: drop --videos")
    if m.videos and not (Path(args.videos) / "videos.csv").is_file():
        raise SystemExit(f"--videos {args.videos}: no videos.csv there; pass a video store "
                         "resources/videos/<dataset>/<res> (longvid preprocess writes one)")
    return commands.request_of(argparse.Namespace(**vars(args), segments=None, split=None))


def run(args: argparse.Namespace) -> int:
    from longvid.sample.progress import FrameProgress
    from longvid.sample.registry import SAMPLERS
    from longvid.sample.stream import run_sampler

    request = request_of(args)
    name = METHODS[args.method].sampler
    run_sampler(name, SAMPLERS[name], request, args.checkpoint, args.out, mp4=request.count, device=args.device,
                check=lambda run_cfg: check_family(args.method, run_cfg, args.checkpoint), fps=args.fps,
                progress=FrameProgress(request.count * request.frames))
    return 0
