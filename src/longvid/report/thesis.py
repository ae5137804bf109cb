"""Every number printed in the thesis tables 3.1-3.7, 4.1-4.8 and 5.1-5.13, as package data.

The data live in ``thesis_values.csv`` beside this module, one row per printed number, columns
``table,row,column,value,source,note``:

* ``table`` -- ``"3_2"`` for Table 3.2;
* ``row`` / ``column`` -- the table's labels, whitespace-normalised; method x dataset tables use
  the method as row and ``"<dataset> <metric>"`` as column (``"UvA FID"``, ``"Taichi FVD-128f"``);
  a cell printing two numbers (``91.77(119.22)``, ``(100-400)``, ``13.5h / 12.5h``) is split into one
  row per number (``:min``/``:max``, ``(Taichi)``/``(Sky)``, ``(Sky, A40)``/``(Sky, H100)`` suffixes);
  a unit printed in the cell goes into the column in brackets (``"Time [min]"``);
* ``value`` -- the number exactly as printed (precision kept, thousands separators dropped);
* ``source`` -- ``thesis`` (the author's result) or ``cited`` (quoted from another paper);
* ``note`` -- provenance, the printed form of split cells, and printing errors of the thesis
  (``shared/thesis/PROTOCOL.md`` §8).

``thesis_tables.yaml`` holds each table's caption (``table_titles()``, the one source of table titles) and its
line range in the thesis text extraction.
The conventions are documented in ``docs/thesis_values.md``.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported lazily: no work at import time
    import pandas as pd

_PACKAGE = "longvid.report"
_CSV = "thesis_values.csv"
_YAML = "thesis_tables.yaml"
COLUMNS = ("table", "row", "column", "value", "source", "note")  # the CSV header
SOURCES = ("thesis", "cited")  # allowed values of the `source` column


def _table_sort_key(table: str) -> tuple[int, int]:
    chapter, number = table.split("_")
    return int(chapter), int(number)


@lru_cache(maxsize=1)
def _frame() -> "pd.DataFrame":
    import pandas as pd

    ref = resources.files(_PACKAGE).joinpath(_CSV)
    with ref.open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    if tuple(df.columns) != COLUMNS:
        raise ValueError(f"{_CSV} in {_PACKAGE}: header {tuple(df.columns)} != {COLUMNS}; fix the CSV header")
    return df


def load_thesis_values() -> "pd.DataFrame":
    """All printed thesis numbers: columns table,row,column,value (str as printed),source,note, plus `number` (float)."""
    df = _frame().copy()
    df["number"] = df["value"].astype(float)
    return df


@lru_cache(maxsize=1)
def _index() -> dict[tuple[str, str, str], float]:
    df = _frame()
    return {(t, r, c): float(v) for t, r, c, v in zip(df["table"], df["row"], df["column"], df["value"])}


def _normalise_table(table: str) -> str:
    """Accept '3_2', '3.2', 'table_3_2' and 'Table 3.2'."""
    t = str(table).strip().lower().replace("table", "").strip(" _").replace(".", "_")
    return t


def thesis_value(table: str, row: str, column: str) -> float:
    """The number printed in `table` at (`row`, `column`); KeyError naming the nearest keys if absent."""
    t = _normalise_table(table)
    index = _index()
    key = (t, row, column)
    if key in index:
        return index[key]
    titles = table_titles()
    if t not in titles:
        raise KeyError(f"no thesis table {table!r}; tables are {', '.join(tables())}")
    keys = [(r, c) for (tt, r, c) in index if tt == t]
    rows = sorted({r for r, _ in keys})
    cols = sorted({c for r, c in keys if r == row}) or sorted({c for _, c in keys})
    near = difflib.get_close_matches(f"{row} | {column}", [f"{r} | {c}" for r, c in keys], n=5, cutoff=0.3)
    raise KeyError(
        f"no value for row={row!r}, column={column!r} in Table {t.replace('_', '.')} "
        f"({titles[t]}); nearest keys: {near}; rows: {rows}; columns"
        f"{' of that row' if row in rows else ''}: {cols}"
    )


def tables() -> list[str]:
    """Table ids present in the data, in thesis order ('3_1', ..., '5_13')."""
    return sorted(set(_frame()["table"]), key=_table_sort_key)


@lru_cache(maxsize=1)
def _meta() -> dict:
    import yaml

    ref = resources.files(_PACKAGE).joinpath(_YAML)
    with ref.open("r", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def table_titles() -> dict[str, str]:
    """Table id ('3_2') -> the thesis caption, shortened, in thesis order (from thesis_tables.yaml)."""
    return {t: spec["title"] for t, spec in _meta()["tables"].items()}


def table_lines() -> dict[str, tuple[int, int]]:
    """Table id -> (first, last) 1-based line range of the table body in the thesis text extraction."""
    return {t: tuple(spec["lines"]) for t, spec in _meta()["tables"].items()}
