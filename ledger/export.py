"""Exports of a validated ledger for people and programs outside it.

- `json`: the claims with their paper, typed number, rounding interval and review fields;
- `csv`: the same rows for spreadsheets, with formula prefixes neutralised (a cell that starts with
  = + - @, TAB or CR gets a leading apostrophe, unless it is a plain number), so that opening the file
  in Excel or LibreOffice never runs anything from the data;
- `parquet`: the typed table, for analysts (pandas, polars, DuckDB).
Every file is written atomically.
"""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import pandas as pd

from .atomic import write_atomic
from .numbers import CANONICAL_VALUE_PATTERN

FORMATS = ("json", "csv", "parquet")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(CANONICAL_VALUE_PATTERN)


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
    if cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def _json_value(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def render(frame: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "json":
        records = [{k: _json_value(v) for k, v in row.items()} for row in frame.to_dict("records")]
        return (json.dumps({"claims": records}, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if fmt == "csv":
        text = frame.astype("str").map(neutralise)
        out = io.StringIO()
        text.to_csv(out, index=False, lineterminator="\n")
        return out.getvalue().encode("utf-8")
    if fmt == "parquet":
        out = io.BytesIO()
        frame.to_parquet(out, index=False)
        return out.getvalue()
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def export(ledger, fmt: str, out: Path) -> Path:
    write_atomic(Path(out), render(table(ledger), fmt))
    return Path(out)
