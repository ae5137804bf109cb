"""Thesis tables rebuilt from this pipeline's outputs, with the thesis value and the difference beside each number.

Every table is written three ways (`.csv` tidy, `.md` and `.tex` pivoted) under one stem. The header of the
Markdown and LaTeX versions states the run type (a smoke run is labelled in every line that matters), the
notes of the table's kind (`longvid.report.kinds`: for metric tables the detector, its weights hash, the real
reference set and the sample counts read from the metric files). Values the thesis quotes from
other papers are listed as `cited` rows and are never produced here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from longvid.fsutil import atomic_write_text
from longvid.report.thesis import load_thesis_values, table_titles

COLUMNS = ["table", "row", "column", "reproduced", "thesis", "difference", "source", "run_type", "producer"]


@dataclass
class TableResult:
    """A built table: tidy rows plus the notes that go in its header."""

    table: str  # e.g. table_3_2
    run_type: str  # full | smoke
    rows: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: str, column: str, reproduced: float | None, producer: str = "") -> None:
        thesis = thesis_lookup(self.table, row, column)
        diff = reproduced - thesis if reproduced is not None and thesis is not None else None
        self.rows.append(
            dict(table=self.table, row=row, column=column, reproduced=reproduced, thesis=thesis,
                 difference=diff, source="thesis", run_type=self.run_type, producer=producer)
        )

    def add_cited(self) -> None:
        """Append the cells the thesis quotes from other papers (never produced here)."""
        values = load_thesis_values()
        cited = values[(values["table"] == thesis_id(self.table)) & (values["source"] == "cited")]
        for rec in cited.itertuples():
            self.rows.append(
                dict(table=self.table, row=rec.row, column=rec.column, reproduced=None, thesis=float(rec.value),
                     difference=None, source="cited", run_type=self.run_type, producer="cited in the thesis")
            )

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=COLUMNS)


def thesis_id(table: str) -> str:
    """`table_3_2` -> `3_2` (the key of thesis_values.csv)."""
    return table.removeprefix("table_")


def thesis_lookup(table: str, row: str, column: str) -> float | None:
    values = load_thesis_values()
    hit = values[(values["table"] == thesis_id(table)) & (values["row"] == row) & (values["column"] == column)]
    return float(hit["value"].iloc[0]) if len(hit) else None


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


def pivot(result: TableResult) -> pd.DataFrame:
    """Rows x columns, each cell 'reproduced / thesis (difference)'; cited cells say so."""
    cells = {}
    for r in result.rows:
        if r["source"] == "cited":
            text = f"{_fmt(r['thesis'])} (cited)"
        else:
            text = f"{_fmt(r['reproduced'])} / {_fmt(r['thesis'])}"
            if r["difference"] is not None:
                text += f" ({'+' if r['difference'] >= 0 else '-'}{_fmt(abs(r['difference']))})"
        cells.setdefault(r["row"], {})[r["column"]] = text
    order_cols = list(dict.fromkeys(r["column"] for r in result.rows))
    frame = pd.DataFrame.from_dict(cells, orient="index").reindex(columns=order_cols).fillna("")
    frame.index.name = "row"
    return frame


def header_lines(result: TableResult) -> list[str]:
    title = table_titles().get(thesis_id(result.table), result.table)
    label = "SMOKE RUN (tiny data and models: numbers are not comparable to the thesis)" if result.run_type == "smoke" else "full run"
    lines = [f"Table {thesis_id(result.table).replace('_', '.')}: {title}", f"run type: {label}",
             "cells: reproduced / thesis (reproduced - thesis)"]
    return lines + result.notes


def write_table(result: TableResult, stem: str | Path) -> None:
    """Write `<stem>.csv`, `<stem>.md`, `<stem>.tex` atomically."""
    stem = Path(stem)
    atomic_write_text(stem.with_suffix(".csv"), result.frame().to_csv(index=False))
    table = pivot(result)
    md = "\n".join(f"> {line}" for line in header_lines(result)) + "\n\n" + table.to_markdown() + "\n"
    atomic_write_text(stem.with_suffix(".md"), md)
    tex = "\n".join(f"% {line}" for line in header_lines(result)) + "\n" + table.to_latex(escape=True) + "\n"
    atomic_write_text(stem.with_suffix(".tex"), tex)
