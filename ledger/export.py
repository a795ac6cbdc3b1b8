"""Exports of a validated ledger for people and programs outside it.

One table, one row per claim: the claim's columns, its paper's title, year and url, and the typed value
(`value_number` and its rounding interval `value_low`..`value_high`, float64), and for a dimensioned unit
(ms, GB, TFLOP/s) its `unit_dimension`, `base_unit` and the value in that base unit (`value_base`,
`value_base_low`, `value_base_high`: 3.2 ms is 0.0032 s), null for a typed unit. `value` stays the canonical
decimal string (`52.30` keeps its zero) and `paper_id` a string (`2403.01230` is not a number); an empty
cell is null; `paper_year` is an integer (null when it is not a declared year, possible only with --force).
`schema()` is the Table Schema of that table, made from the declaration of the tables.

Formats:

- `json`: a JSON array of records. `pd.read_json(path, dtype=False)` gives one row per claim with
  strings kept as strings (pandas' default `dtype=True` turns "52.30" into 52.3 and "2403.01230" into a
  float); `pd.read_json(path, dtype=pandas_dtypes(schema()))` gives the declared dtypes.
- `ndjson`: one record per line, for streaming tools; `pd.read_json(path, lines=True, dtype=False)`.
- `csv`: for spreadsheets. Formula prefixes are neutralised: a cell that starts with = + - @, TAB or CR
  gets a leading apostrophe, unless it is a plain number (`ledger.text.is_plain_number`), so opening the
  file in Excel or LibreOffice never runs anything from the data; this alters such cells, so the file is
  for people. A cell holding a comma, quote, LF or CR is quoted, so a line break inside a cell never
  starts a record. Read it typed with `pd.read_csv(path, dtype=pandas_dtypes(schema()),
  keep_default_na=False, na_values=[""])`: without the last two, pandas reads a cell "NA" or "None" as null.
- `parquet`: the typed columns (strings, int64 `paper_year`, float64 bounds), each field with its description.
- `datapackage`: a folder for programs and re-validation: the ledger's own tables byte for byte at their
  ledger paths (`claims.csv`, `papers.csv`, `vocab/...`), `claims_export.csv` (the export table,
  verbatim: no apostrophes, minimal RFC 4180 quoting, LF records) and `datapackage.json`: the
  declaration of the tables (`ledger.layout.descriptor_for`) plus the export's resource, every
  resource with its sha256 and size, so `frictionless validate DIR/datapackage.json` checks the
  structure and that no file was changed. The folder is written whole or not at all; an existing
  folder is replaced only on request and only when it holds an earlier export and nothing else.

Ledger metadata (`metadata()`: the tool and its version, the declaration's name, the number of claims
and papers, how many error findings the ledger had, which is 0 unless exported with --force) is
deterministic: no clock, no git. It travels where the format has a place for it that readers do not
trip over: the Parquet file's key-value metadata (key `claims-ledger`, and `PANDAS_ATTRS`, so that
`pd.read_parquet(path).attrs["claims-ledger"]` has it), the `ledger:export` property of the datapackage
descriptor. A JSON array, NDJSON and CSV have no such place (a wrapping object is what made
`pd.read_json` give one column; a metadata line would be a row), so they stay plain records, and
`descriptor=True` writes beside them `OUT.resource.json`: a Frictionless Data Resource naming the file,
its format, the Table Schema and the metadata (`frictionless validate OUT.resource.json` reads the file
with the declared types). Every file is written atomically.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from .atomic import OutputError, check_target, folder_target, write_atomic, write_folder_atomic
from .fmt import CONFLICT_MARKERS, render_record
from .layout import CLAIMS, PAPERS, SPECS, descriptor as declaration, descriptor_for
from .text import FORMULA_START_PATTERN, PLAIN_NUMBER_PATTERN, is_formula_like

FORMATS = ("json", "ndjson", "csv", "parquet", "datapackage")
SIDECAR_FORMATS = ("json", "ndjson", "csv")  # the formats with no place of their own for metadata
EXPORT_TABLE = "claims_export"
METADATA_KEY = "claims-ledger"  # the Parquet key-value metadata key
PAPER_COLUMNS = {"title": "paper_title", "year": "paper_year", "url": "paper_url"}
BOUNDS = {"value_number": "The value as a float64 (null when it is not a canonical decimal).",
          "value_low": "Low end of the value's rounding interval (`52.30` stands for 52.295..52.305; a whole count is exact).",
          "value_high": "High end of the value's rounding interval."}
# Dimensioned units (ms, GB, TFLOP/s, ...): the value in its dimension's base unit, so one column compares across
# prefixes (500 ms and 0.5 s are both 0.5). Null for a typed unit (percent, count, ...), which converts to nothing.
DIMENSION_COLUMNS = {"unit_dimension": "For a dimensioned unit, its dimension (`[time]`, `[memory]`, `[compute_rate]`, ...); null for a typed unit."}
BASE_BOUNDS = {"base_unit": "For a dimensioned unit, the base unit of its dimension (`s`, `B`, `FLOP/s`, ...), the unit of `value_base`; null otherwise.",
               "value_base": "For a dimensioned unit, the value in the base unit (`3.2` `ms` is 0.0032); null otherwise.",
               "value_base_low": "Low end of the rounding interval in the base unit.",
               "value_base_high": "High end of the rounding interval in the base unit."}


def schema() -> dict:
    """The Table Schema of the export table: the declared descriptions, with the types the export gives."""
    fields = [{"name": c, "type": "string", "description": CLAIMS.field(c).description} for c in CLAIMS.columns]
    for column, name in PAPER_COLUMNS.items():
        fields.append({"name": name, "type": "integer" if name == "paper_year" else "string",
                       "description": f"Of the paper (papers.csv `{column}`): {PAPERS.field(column).description}"})
    fields += [{"name": n, "type": "number", "description": d} for n, d in BOUNDS.items()]
    fields += [{"name": n, "type": "string" if n in ("unit_dimension", "base_unit") else "number", "description": d}
               for n, d in (DIMENSION_COLUMNS | BASE_BOUNDS).items()]
    return {"fields": fields, "primaryKey": ["claim_id"], "missingValues": [""]}


def pandas_dtypes(table_schema: dict) -> dict[str, str]:
    """The pandas dtype of each field of a Table Schema, for `read_csv`/`read_json(dtype=...)`."""
    dtypes = {"string": "str", "integer": "Int64", "number": "float64"}
    return {f["name"]: dtypes[f["type"]] for f in table_schema["fields"]}


def table(ledger) -> pd.DataFrame:
    """One row per claim, typed as `schema()` says: strings (null for an empty cell), an Int64 year, float64 bounds."""
    papers = ledger["papers"][["paper_id", *PAPER_COLUMNS]].rename(columns=PAPER_COLUMNS)
    # a duplicated paper id (an error, exported only with --force) must not duplicate its claims
    papers = papers.drop_duplicates("paper_id")
    out = ledger.claims.merge(papers, on="paper_id", how="left")
    year = out["paper_year"].where(out["paper_year"].str.fullmatch(PAPERS.field("year").pattern, na=False))
    out["paper_year"] = pd.to_numeric(year).astype("Int64")
    for c in out.columns.drop("paper_year"):
        out[c] = out[c].mask(out[c] == "")
    v = ledger.values
    out["value_number"], out["value_low"], out["value_high"] = v["num"].to_numpy(), v["lo"].to_numpy(), v["hi"].to_numpy()
    from .units import DIMENSIONS, conversions

    dim, factor = conversions(ledger.claims["unit"])
    dims = pd.Series(dim, dtype=object, index=out.index)
    dimensioned = dims.isin(list(DIMENSIONS)).to_numpy()
    factor = np.where(dimensioned, factor, np.nan)
    out["unit_dimension"] = ("[" + dims.astype("str") + "]").where(dimensioned).astype("str")
    out["base_unit"] = dims.map({n: d.base for n, d in DIMENSIONS.items()}).astype("str")
    out["value_base"], out["value_base_low"], out["value_base_high"] = (v[k].to_numpy() * factor for k in ("num", "lo", "hi"))
    return out


def _tool_version() -> str:
    try:
        return version("claims-ledger")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def metadata(ledger, error_findings: int = 0) -> dict:
    """What a reader of an export needs to know about the ledger it came from; deterministic (no clock, no git)."""
    return {"tool": "claims-ledger", "tool_version": _tool_version(), "declaration": declaration()["name"],
            "claims": len(ledger.claims), "papers": len(ledger["papers"]), "error_findings": error_findings}


def resource(fmt: str, meta: dict, path: str | None = None) -> dict:
    """The Frictionless Data Resource descriptor of an export (`path`: the file, relative to the descriptor)."""
    note = " Formula-like cells carry a leading apostrophe (spreadsheet safety)." if fmt == "csv" else ""
    return {"name": EXPORT_TABLE, **({"path": path} if path else {}), "profile": "tabular-data-resource",
            "format": fmt, "encoding": "utf-8", "description": "One row per claim, with its paper and its typed value." + note,
            "schema": schema(), "ledger:export": meta}


def neutralise(cell: str) -> str:
    """A spreadsheet-safe cell: formula-like text gets a leading apostrophe; plain numbers stay numbers."""
    if is_formula_like(cell):
        return "'" + cell
    return cell


def _column_text(col: pd.Series, spreadsheet: bool = True) -> pd.Series:
    """A column as quoted CSV cells, vectorised (a Python call per cell is twice as slow).

    Nulls are empty cells; for a spreadsheet, formula-like text gets the apostrophe of `neutralise`;
    quoting is fmt's (`quote_cell`): a comma, a double quote, LF or a lone CR (which pandas and the csv
    module leave bare, so a reader splits the record there), or a leading merge-conflict marker."""
    text = col.astype("str").where(col.notna(), "").astype("str")
    if spreadsheet:
        risky = text.str.contains(FORMULA_START_PATTERN, regex=True) & ~text.str.fullmatch(PLAIN_NUMBER_PATTERN)
        text = text.where(~risky, "'" + text)
    quote = text.str.contains('[,"\r\n]', regex=True) | text.str.startswith(CONFLICT_MARKERS)
    return text.where(~quote, '"' + text.str.replace('"', '""', regex=False) + '"')


def csv_text(frame: pd.DataFrame, spreadsheet: bool = True) -> str:
    """The frame as CSV: a header, one LF-terminated record per row, every cell as `_column_text` makes it."""
    header = render_record(map(str, frame.columns))
    if not len(frame):
        return header
    columns = [_column_text(frame[c], spreadsheet) for c in frame.columns]
    records = columns[0]
    for col in columns[1:]:
        records = records + "," + col
    return header + "\n".join(records.tolist()) + "\n"


def _json_value(x):
    if x is None or x is pd.NA or (isinstance(x, float) and not math.isfinite(x)):
        return None  # JSON has no NaN or infinity; the `value` text keeps what was printed
    return x


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _json_value(v) for k, v in row.items()} for row in frame.astype(object).to_dict("records")]


def _parquet(frame: pd.DataFrame, meta: dict | None) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64()}
    arrow_schema = pa.schema([pa.field(f["name"], types[f["type"]], metadata={"description": f["description"]})
                              for f in schema()["fields"]])
    arrow = pa.Table.from_pandas(frame[arrow_schema.names], schema=arrow_schema, preserve_index=False)
    if meta is not None:
        described = json.dumps(resource("parquet", meta), ensure_ascii=False)
        arrow = arrow.replace_schema_metadata({**arrow.schema.metadata, METADATA_KEY.encode(): described.encode(),
                                               b"PANDAS_ATTRS": json.dumps({METADATA_KEY: meta}).encode()})
    out = io.BytesIO()
    pq.write_table(arrow, out)
    return out.getvalue()


def render(frame: pd.DataFrame, fmt: str, meta: dict | None = None) -> bytes:
    """The bytes of a one-file export of `frame` (`table()`); `meta` goes into a Parquet file's metadata."""
    if fmt == "json":
        return (json.dumps(_records(frame), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if fmt == "ndjson":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records(frame)).encode("utf-8")
    if fmt == "csv":
        return csv_text(frame).encode("utf-8")
    if fmt == "parquet":
        return _parquet(frame, meta)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS[:-1])}")


def _with_hash(res: dict, data: bytes) -> dict:
    return {**res, "bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest()}


def datapackage_files(ledger, meta: dict) -> dict[str, bytes]:
    """The files of a datapackage export, by path in the folder: the ledger's tables as they are on
    disk, `claims_export.csv` verbatim, and `datapackage.json` describing them all."""
    files = {spec.relpath: ledger.layout.paths[spec.name].read_bytes()
             for spec in SPECS if ledger.layout.paths[spec.name].is_file()}
    files[f"{EXPORT_TABLE}.csv"] = csv_text(table(ledger), spreadsheet=False).encode("utf-8")
    headers = {spec.relpath: ledger.tables[spec.name].header for spec in SPECS if spec.relpath in files}
    package = descriptor_for(files, headers)
    export_res = resource("csv", meta, f"{EXPORT_TABLE}.csv")
    del export_res["ledger:export"]  # the package carries it
    if CLAIMS.relpath in files:  # every exported row is a claim of the ledger's own table
        export_res["schema"]["foreignKeys"] = [
            {"fields": ["claim_id"], "reference": {"resource": "claims", "fields": ["claim_id"]}}]
    resources = [*package["resources"], export_res]
    package["resources"] = [_with_hash(r, files[r["path"]]) for r in resources]
    package["ledger:export"] = meta
    files["datapackage.json"] = (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return files


def earlier_export(folder: Path) -> bool:
    """Whether `folder` holds a datapackage export and nothing else: its descriptor says it is one, every
    file (or symlink) in it is one the descriptor lists, and every folder holds one of those (so replacing
    it loses nothing a person put there)."""
    try:
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        listed = {"datapackage.json", *(r["path"] for r in package["resources"])} if "ledger:export" in package else set()
    except (OSError, ValueError, KeyError, TypeError):
        return False
    needed = {parent.as_posix() for path in listed for parent in PurePosixPath(path).parents} - {"."}
    for here, folders, names in os.walk(folder):  # does not follow symlinks: a linked folder is a name here
        rel = Path(here).relative_to(folder)
        for name in names + [f for f in folders if (Path(here) / f).is_symlink()]:
            if (rel / name).as_posix() not in listed:
                return False
        for f in folders:
            if not (Path(here) / f).is_symlink() and (rel / f).as_posix() not in needed:
                return False
    return True


def check_out(fmt: str, out: Path, *, descriptor: bool = False, replace: bool = False) -> None:
    """Raise OutputError now if the export could not be written, before the ledger is validated."""
    out = Path(out)
    if fmt != "datapackage":
        check_target(out)
        if descriptor:
            check_target(sidecar(out))
        return
    _, occupied = folder_target(out)
    if occupied and not replace:
        raise OutputError(out, "the folder exists and is not empty (--replace replaces an earlier export)")
    if occupied and not earlier_export(out):
        raise OutputError(out, "the folder holds files that are not an earlier export; it is left alone")


def sidecar(out: Path) -> Path:
    return Path(out).with_name(Path(out).name + ".resource.json")


def export(ledger, fmt: str, out: Path, *, error_findings: int = 0, descriptor: bool = False,
           replace: bool = False) -> Path:
    """Write the export; returns its path. `descriptor` (json, ndjson, csv) also writes `sidecar(out)`;
    `replace` (datapackage) lets an earlier export folder be replaced."""
    out = Path(out)
    if descriptor and fmt not in SIDECAR_FORMATS:
        raise ValueError(f"{fmt} carries its metadata inside; a descriptor file is for {', '.join(SIDECAR_FORMATS)}")
    check_out(fmt, out, descriptor=descriptor, replace=replace)
    meta = metadata(ledger, error_findings)
    if fmt == "datapackage":
        write_folder_atomic(out, datapackage_files(ledger, meta), replace=replace)
        return out
    write_atomic(out, render(table(ledger), fmt, meta))
    if descriptor:
        text = json.dumps(resource(fmt, meta, out.name), indent=2, ensure_ascii=False) + "\n"
        write_atomic(sidecar(out), text.encode("utf-8"))
    return out
