"""CLI of the models area: `longvid params --out results/tables/params.csv` (parameter counts, Table 5.3)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("params", help="write parameter counts of every registered model variant (CSV)",
                       description="One row per (variant, part) with columns variant,resolution,g_mode,part,params; "
                                   "part is encoder, generator, image_discriminator, video_discriminator, total "
                                   "(their sum) or gpt (R3's GPT, on improved_r2_128 only).")
    p.add_argument("--out", type=Path, required=True, help="output CSV path, e.g. results/tables/params.csv")
    p.add_argument("--variant", action="append", default=None,
                   help="restrict to this variant (repeatable); default: every registered variant")
    p.set_defaults(func=run_params)


def run_params(args: argparse.Namespace) -> int:
    import csv

    import torch

    from longvid.fsutil import atomic_path

    from .config import VARIANTS
    from .counts import count_rows

    torch.set_num_threads(1)
    names = args.variant or list(VARIANTS)
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise SystemExit(f"longvid params: unknown variant(s) {unknown}; choose from {sorted(VARIANTS)}")
    rows = count_rows({n: VARIANTS[n] for n in names})
    out = Path(args.out)
    with atomic_path(out) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["variant", "resolution", "g_mode", "part", "params"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows for {len(names)} variants to {out}")
    return 0
