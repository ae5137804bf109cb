"""Parameter tables (Table 5.3): parameter counts in millions (or billions) and float32 storage of one model variant,
Eq. (5.4): storage = params x 4 bytes / 1024^3 GB, from `results/tables/params.csv` (`longvid params`).

Config entry: `variant` (a key of `longvid.models.VARIANTS`) and `rows` (`{thesis, parts, unit}`: the thesis row,
the model parts, `params.csv`'s `part` values, whose counts it sums, and the unit printed, M (default) or B: the
GPT rows of R3 print "1.36B", so their column is "Parameter Count [B]", as the thesis-values keys).

The counts agree with the thesis by construction, not as an independent check: the widths the thesis does not
state were chosen so that the counts match (docs/architecture.md, "Readings that close the thesis's gaps").
"""

from __future__ import annotations

from pathlib import Path

from longvid.report.tables import TableResult

COUNTS = "results/tables/params.csv"
UNITS = {"M": 1e6, "B": 1e9}
FITTED_NOTE = ("the counts match by construction, not as an independent confirmation: sizes the thesis does not state"
               " (latent sizes, the encoder's e_fc, the widths of the extra 128x128 blocks of G, D_V and D_I) were"
               " chosen to give these counts (docs/architecture.md, readings 2-6)")


def inputs(table: str, spec: dict, cfg: dict) -> list[str]:
    return [COUNTS]


def build(spec: dict, inputs: list[Path]) -> TableResult:
    import pandas as pd

    counts = pd.read_csv(inputs[0])
    variant = spec["variant"]
    model = counts[counts["variant"] == variant].set_index("part")["params"]
    if model.empty:
        raise ValueError(f"{inputs[0]}: no rows of variant {variant!r} (tables.{spec['table']}.variant);"
                         f" variants there: {sorted(set(counts['variant']))}")
    result = TableResult(spec["table"], spec["run_type"])
    for row in spec["rows"]:
        missing = sorted(set(row["parts"]) - set(model.index))
        if missing:
            raise ValueError(f"{inputs[0]}: variant {variant} has no part {missing} (tables.{spec['table']}.rows)")
        n = float(model.loc[row["parts"]].sum())
        unit = row.get("unit", "M")
        result.add(row["thesis"], f"Parameter Count [{unit}]", round(n / UNITS[unit], 2),
                   f"{variant}: {'+'.join(row['parts'])}")
        result.add(row["thesis"], "Storage Memory (GB)", round(n * 4 / 1024**3, 3), "Eq. (5.4)")
    result.notes += [
        f"full-size {variant} built from config.yaml sizes (counting needs no training, so this table is the same"
        " in a smoke run); the GPT is R3's at the thesis' size (48 blocks, 24 heads, token 1536, learned positions"
        " for 124 tokens); storage is the parameters alone, Eq. (5.4): the thesis' 5.84-6.03 GB for R3 is its .pth"
        " files, with their indexing overhead",
        FITTED_NOTE,
    ]
    return result
