"""CLI of the report stage: `longvid build-table`, `longvid build-figure`, `longvid plan`."""

from __future__ import annotations

import json
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("build-table", help="rebuild one thesis table (csv, md, tex) next to the thesis numbers")
    p.add_argument("--spec", required=True, help="the table's config entry + table + run_type, as JSON (longvid.report.kinds.table_spec)")
    p.add_argument("--inputs", nargs="*", default=[], type=Path, help="metric JSONs / stats / bench files")
    p.add_argument("--out", required=True, type=Path, help="output stem, e.g. results/tables/table_3_2")
    p.set_defaults(func=_cmd_table)
    p = sub.add_parser("build-figure", help="rebuild one thesis figure (png, pdf)")
    p.add_argument("--spec", required=True, help="figure spec as JSON (written by workflow/rules/common.smk)")
    p.add_argument("--inputs", nargs="*", default=[], type=Path, help="metrics.csv logs or sample folders")
    p.add_argument("--out", required=True, type=Path, help="output stem, e.g. results/figures/figure_3_2")
    p.set_defaults(func=_cmd_figure)
    p = sub.add_parser("plan", help="print the GPU-hours each experiment asks for (epochs x measured s/iteration)")
    p.add_argument("--spec", required=True, help="runs as JSON (written by workflow/rules/common.smk)")
    p.add_argument("--bench", required=True, type=Path, help="results/bench/train.csv")
    p.add_argument("--out", required=True, type=Path, help="results/plan.csv")
    p.set_defaults(func=_cmd_plan)


def _cmd_table(args) -> int:
    from longvid.report.kinds import build_table
    from longvid.report.tables import write_table

    spec = json.loads(args.spec)
    result = build_table(spec, args.inputs)
    write_table(result, args.out)
    print(f"wrote {args.out}.{{csv,md,tex}} ({len(result.rows)} cells, {spec['run_type']} run)")
    return 0


def _cmd_figure(args) -> int:
    from longvid.report.figures import build_figure

    build_figure(args.spec, [str(p) for p in args.inputs], str(args.out))
    print(f"wrote {args.out}.{{png,pdf}}")
    return 0


def _cmd_plan(args) -> int:
    from longvid.report.plan import plan

    table = plan(json.loads(args.spec), args.bench, args.out)
    print(table.to_string(index=False))
    print(f"total: {table['device_hours'].sum():.1f} device-hours on {', '.join(sorted(set(table['device'])))}")
    return 0
