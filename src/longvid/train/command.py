"""`longvid train`: train one run from its resolved config; rerunning the same command resumes it.

Exit codes: 0 = finished (``final.pt`` and ``--metrics`` written); 75 (EX_TEMPFAIL) = stopped by SIGTERM /
SIGUSR1 after writing ``checkpoints/interrupt.pt`` (Snakemake's ``retries:`` reruns it); 1 = an error, e.g.
another trainer holds the run's checkpoint folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("train", help="train one run from its resolved config (resumes from its checkpoints)",
                       description=__doc__.splitlines()[0])
    p.add_argument("--config", required=True, type=Path, help="resolved run config results/runs/<exp>/config.yaml")
    p.add_argument("--out", required=True, type=Path, help="final checkpoint to write (results/runs/<exp>/final.pt)")
    p.add_argument("--metrics", type=Path, default=None,
                   help="metrics CSV (epoch, step, name, value) written when training ends; the live log is "
                        "<checkpoints>/metrics.csv")
    p.add_argument("--videos", default=None, help="video folder resources/videos/<dataset>/<res>")
    p.add_argument("--segments", default=None, help="clip index CSV (data.sampling: segments)")
    p.add_argument("--latents", default=None,
                   help="latent-sequence file of the training videos (family r3: resources/latents/...npz)")
    p.add_argument("--r2", default=None, help="checkpoint of the frozen R2 that encoded --latents (family r3)")
    p.add_argument("--checkpoints", type=Path, default=None,
                   help="periodic checkpoints, live metrics log and run lock (default: <out dir>/checkpoints)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (default: auto = cuda when available)")
    p.set_defaults(func=_cmd_train)


def _cmd_train(args: argparse.Namespace) -> int:
    import yaml

    from longvid.train.distributed import shutdown
    from longvid.train.lock import RunLocked
    from longvid.train.loop import fit

    if not args.config.is_file():
        raise SystemExit(f"{args.config}: no such run config; create it with `longvid resolve`")
    with open(args.config) as f:
        run_cfg = yaml.safe_load(f)
    if not isinstance(run_cfg, dict) or "train" not in run_cfg:
        raise SystemExit(f"{args.config}: not a resolved run config "
                         "(needs experiment, family, seed, data, model, train)")
    try:
        code = fit(run_cfg, args.out, metrics=args.metrics, ckpt_dir=args.checkpoints, videos=args.videos,
                   segments=args.segments, device=args.device, source=str(args.config),
                   inputs={"latents": args.latents, "r2": args.r2})
    except RunLocked as err:
        raise SystemExit(f"longvid train: {err}") from None
    shutdown()
    return code
