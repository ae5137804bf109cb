"""`python -m longvid <command> ...`: one subcommand per workflow rule kind.

Each area of the package owns its subcommands in a module that exposes ``register(subparsers)``; that function
adds its parsers and sets ``func`` (called with the parsed namespace, returns an exit code). Heavy imports
(torch, av) happen inside the command functions so that ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

COMMAND_MODULES = (
    "longvid.data.commands",
    "longvid.models.commands",
    "longvid.train.command",
    "longvid.sample.commands",
    "longvid.sample.encode_latents",
    "longvid.sample.generate",
    "longvid.metrics.commands",
    "longvid.report.commands",
    "longvid.config",
    "longvid.bench",
    "longvid.learning",
)


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # parent package not present
        return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="longvid", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        if not _exists(name):  # area not built yet
            continue
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
