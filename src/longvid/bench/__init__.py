"""`longvid bench <name>`: benchmarks (not timed tests) whose numbers land in `results/bench/<name>.csv`.

Each benchmark is a module `longvid.bench.<name>` with `add_arguments(parser)` and `run(args) -> int`.
"""

from __future__ import annotations

import importlib
import importlib.util

BENCHMARKS = ("data", "train", "train_step", "metrics", "recall", "chapter5_memory", "vdrej_cost", "generate",
              "gpt_ddp_step", "gpt")


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # parent package not present
        return False


def register(sub) -> None:
    parser = sub.add_parser("bench", help="run a benchmark and write results/bench/<name>.csv")
    sub_benches = parser.add_subparsers(dest="bench", required=True, metavar="NAME")
    for name in BENCHMARKS:
        module = f"longvid.bench.{name}"
        if not _exists(module):  # benchmark not written yet
            continue
        mod = importlib.import_module(module)
        p = sub_benches.add_parser(name, help=(mod.__doc__ or name).splitlines()[0])
        mod.add_arguments(p)
        p.set_defaults(func=mod.run)
