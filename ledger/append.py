"""Add rows to a ledger table without touching the rows it holds.

The table is read as `fmt` reads it, the new rows are added and the whole table is written back in
canonical form (ledger/fmt.py) through the atomic writer. Because the file must already be canonical,
every existing row comes back byte for byte; only the new ones are placed among them by the sort key.
A table that does not load cleanly, or is not canonical, is refused: `ledger fmt` first, so that an
append never hides a reformatting.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .atomic import write_atomic
from .findings import Severity
from .fmt import canonical_text
from .layout import TableSpec
from .reader import Table, UnreadableFile, read_table


class AppendRefused(Exception):
    """The table cannot take rows as it stands; the message says why, in one line."""


def check_appendable(path: Path, spec: TableSpec) -> Table | None:
    """The table at `path` if rows can be added to it (None: an optional table not there yet, to be created);
    AppendRefused otherwise."""
    path = Path(path)
    if not path.exists():
        if spec.optional:
            return None
        raise AppendRefused(f"{path}: {spec.name} file not found")
    try:
        table, findings = read_table(path, spec, str(path))
    except UnreadableFile as e:
        raise AppendRefused(f"{path}: {e.finding.message}") from None
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        raise AppendRefused(f"{path}:{errors[0].line or ''}: {errors[0].message}; fix it before adding rows")
    if canonical_text(table).encode("utf-8") != path.read_bytes():
        raise AppendRefused(f"{path} is not in canonical form; run `ledger fmt {path}` first")
    return table


def append_rows(path: Path, spec: TableSpec, rows: list[dict[str, str]]) -> int:
    """Add `rows` (dicts of the spec's columns; a missing column is empty) to the table at `path`,
    creating an optional table that does not exist. Returns how many rows were added."""
    path = Path(path)
    if not rows:
        return 0
    table = check_appendable(path, spec)
    frame = table.frame if table is not None else pd.DataFrame({c: pd.Series([], dtype="str") for c in spec.columns})
    unknown = {k for r in rows for k in r} - set(spec.columns)
    if unknown:
        raise ValueError(f"{spec.name}: unknown columns {sorted(unknown)}")
    new = pd.DataFrame([{c: str(r.get(c, "") or "") for c in spec.columns} for r in rows], dtype="str")
    merged = pd.concat([frame[list(spec.columns)].astype("str"), new], ignore_index=True)
    out = Table(spec, str(path), merged, list(range(len(merged))), header=table.header if table is not None else list(spec.columns))
    write_atomic(path, canonical_text(out).encode("utf-8"))
    return len(rows)
