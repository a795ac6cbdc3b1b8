"""Exports of a validated ledger for people and programs outside it.

- `json`: the claims with their paper, typed number, rounding interval and review fields;
- `csv`: the same rows for spreadsheets, with formula prefixes neutralised (a cell that starts with
  = + - @, TAB or CR gets a leading apostrophe, unless it is a plain number: `ledger.text.is_plain_number`),
  so that opening the file in Excel or LibreOffice never runs anything from the data; a cell holding a
  comma, quote, LF or CR is quoted, so a line break inside a cell never starts a record;
- `parquet`: the typed table, for analysts (pandas, polars, DuckDB).
Every file is written atomically.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pandas as pd

from .atomic import write_atomic
from .fmt import CONFLICT_MARKERS, render_record
from .text import FORMULA_START_PATTERN, PLAIN_NUMBER_PATTERN, is_formula_like

FORMATS = ("json", "csv", "parquet")


def table(ledger) -> pd.DataFrame:
    """One row per claim: its columns, the paper's title, year and url, and the typed value with its interval."""
    claims = ledger.claims.copy()
    papers = ledger["papers"][["paper_id", "title", "year", "url"]].rename(columns={"title": "paper_title", "year": "paper_year", "url": "paper_url"})
    out = claims.merge(papers, on="paper_id", how="left")
    v = ledger.values
    out["value_number"], out["value_low"], out["value_high"] = v["num"].to_numpy(), v["lo"].to_numpy(), v["hi"].to_numpy()
    return out


def neutralise(cell: str) -> str:
    """A spreadsheet-safe cell: formula-like text gets a leading apostrophe; plain numbers stay numbers."""
    if is_formula_like(cell):
        return "'" + cell
    return cell


def _column_text(col: pd.Series) -> pd.Series:
    """A column as spreadsheet-safe, quoted CSV cells, vectorised (a Python call per cell is twice as slow).

    Missing numbers (a malformed value, exported with --force) are empty cells; formula-like text gets
    the apostrophe of `neutralise`; quoting is fmt's (`quote_cell`): a comma, a double quote, LF or a lone
    CR (which pandas and the csv module leave bare, so a reader splits the record there), or a leading
    merge-conflict marker."""
    text = col.astype("str").where(col.notna(), "").astype("str")
    risky = text.str.contains(FORMULA_START_PATTERN, regex=True) & ~text.str.fullmatch(PLAIN_NUMBER_PATTERN)
    text = text.where(~risky, "'" + text)
    quote = text.str.contains('[,"\r\n]', regex=True) | text.str.startswith(CONFLICT_MARKERS)
    return text.where(~quote, '"' + text.str.replace('"', '""', regex=False) + '"')


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as CSV: a header, one LF-terminated record per row, every cell as `_column_text` makes it."""
    header = render_record(map(str, frame.columns))
    if not len(frame):
        return header
    columns = [_column_text(frame[c]) for c in frame.columns]
    records = columns[0]
    for col in columns[1:]:
        records = records + "," + col
    return header + "\n".join(records.tolist()) + "\n"


def _json_value(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def render(frame: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "json":
        records = [{k: _json_value(v) for k, v in row.items()} for row in frame.to_dict("records")]
        return (json.dumps({"claims": records}, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if fmt == "csv":
        return csv_text(frame).encode("utf-8")
    if fmt == "parquet":
        out = io.BytesIO()
        frame.to_parquet(out, index=False)
        return out.getvalue()
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def export(ledger, fmt: str, out: Path) -> Path:
    write_atomic(Path(out), render(table(ledger), fmt))
    return Path(out)
