"""Structure, not semantics: the table declaration (ledger/datapackage.json) compiled to checks.

Two compilers read the one declaration:
- `schema_findings` compiles it to `pyarrow.compute` masks over whole columns: what `validate` runs. A
  message is built only for a cell that fails.
- `pandera_schema` builds the pandera model of a table, for the library's `ledger.load()` and for
  analysts; `pandera_findings` translates its failure cases into the same findings (a test holds the
  two compilers to the same findings on the whole fixture corpus).
Each failure maps to a stable code and to the physical CSV line the loader recorded (never an index).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from .findings import Finding
from .layout import CLAIMS, METRICS, PAPERS, SPEC, Field, ForeignKey, TableSpec
from .registry import RULES, Rule
from .rules import (  # noqa: F401  (part of this module's interface)
    DUPLICATE_KEY, ID_FORMAT, NUMBER_FORMAT, REQUIRED, UNKNOWN_METRIC, UNKNOWN_PAPER, URL_FORMAT, VALUE_FORMAT, VOCABULARY)
from .suggest import LIST_UP_TO, Suggestions

if TYPE_CHECKING:
    import pandas as pd

    from .reader import Table


# The patterns of the declaration, for code that needs one (the benchmark's Table Schema, the Dask path).
SLUG = CLAIMS.field("claim_id").pattern
ARXIV = PAPERS.field("paper_id").pattern
METRIC_ID = METRICS.field("metric").pattern
UNIQUE_KEYS = {s.name: s.unique for s in SPEC.values() if s.unique}

# What Python's str.strip() strips (every character whose isspace() is true): a cell of only these is
# blank. Written out so that RE2 (pyarrow) and Python agree; a test checks it against str.isspace.
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# The same set spelled out, for pyarrow's utf8_trim (a trim and a compare are cheaper than a regex per cell).
_WHITESPACE_CHARS = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


def _anchored(pattern: str) -> str:
    # An empty cell passes: REQUIRED reports it once instead of twice. In RE2 `$` is the end of the text
    # only ("3\n" is not "3"), like Python's \Z.
    return f"^(?:{pattern})?$"


def fk_expected(fk: ForeignKey) -> str:
    return f"a {fk.key} of {SPEC[fk.table].relpath}"


# The tables whose keys are a vocabulary, so that a near key is likely what was meant ("did you mean").
# Not papers: a near arXiv id is a different paper, and the Dask path sees only a partition's papers.
SUGGEST_FROM = frozenset({"metrics"})


class _Hints:
    """The "did you mean" of one table's failing cells: a Suggestions per column, made at its first failure."""

    def __init__(self, known):
        self.known, self._by_column = known, {}

    def _words(self, f: Field, fk: ForeignKey | None):
        if fk is not None:
            return self.known[fk.table] if fk.table in SUGGEST_FROM and fk.table in self.known else None
        return f.enum

    def message(self, f: Field, fk: ForeignKey | None, found: str) -> str:
        """'FOUND' is not allowed: expected ...[; did you mean ...?]"""
        message = f"{found!r} is not allowed: expected {fk_expected(fk) if fk else f.expected}"
        if f.name not in self._by_column:
            words = self._words(f, fk)
            self._by_column[f.name] = None if words is None else Suggestions(words)
        hints = self._by_column[f.name]
        # an enum is already listed in full by `expected`: only the close words add anything
        hint = "" if hints is None else hints.hint(found, list_up_to=0 if fk is None else LIST_UP_TO)
        return f"{message}; {hint}" if hint else message


def known_keys(tables: dict[str, "Table"]) -> dict[str, list[str]]:
    """The key values of every table a foreign key refers to, when that table is present with its key
    column (a header-only table knows no keys: every reference to it is unknown)."""
    known = {}
    for name in {fk.table for s in SPEC.values() for fk in s.foreign_keys}:
        t = tables.get(name)
        if t is not None and t.present and t.spec.unique in t.header:
            known[name] = t.frame[t.spec.unique]
    return known


def _finding(r: Rule, table: "Table", row: int, column: str, claim_id: str, message: str, expected: str, found: str) -> Finding:
    return r.finding(table.file, table.lines[row], column, message, expected, found, claim_id)


UNIT_COLUMNS = frozenset({"unit", "alternative_unit"})  # claims' unit cells: a dimensioned unit may be a second spelling


def _cell_failure(f: Field, found: str, hints: _Hints) -> tuple[Rule, str, str]:
    if f.name in UNIT_COLUMNS and f.enum is not None:
        from .units import spelling_failure  # pint is imported only here, for a unit cell that failed

        failure = spelling_failure(found)
        if failure is not None:
            code, message, expected = failure
            return RULES[code], message, expected
    message = hints.message(f, None, found) if f.enum is not None else f"{found!r} is not allowed: expected {f.expected}"
    return RULES[f.rule], message, f.expected


def schema_findings(tables: dict[str, "Table"]) -> list[Finding]:
    """Every table of a ledger checked against its declaration."""
    known = known_keys(tables)
    return [f for table in tables.values() for f in validate_table(table, known)]


def validate_table(table: "Table", known) -> list[Finding]:
    """One table checked against its declaration, column by column (pyarrow.compute masks). `known`
    maps a referenced table's name to its key values (see known_keys)."""
    if not len(table):
        return []
    import pyarrow as pa
    import pyarrow.compute as pc

    spec, out = table.spec, []
    ids = pa.array(table.frame["claim_id"], pa.string()) if spec.key == "claim_id" else None
    fks = {fk.column: fk for fk in spec.foreign_keys if fk.table in known}
    hints = _Hints(known)
    for f in spec.fields:
        col = pa.array(table.frame[f.name], pa.string())

        def report(passes, make):
            # only the failing cells become Python strings: a million-row column is never materialised
            rows = np.flatnonzero(~np.asarray(passes.to_numpy(zero_copy_only=False), dtype=bool))
            if len(rows):
                at = pa.array(rows)
                cells, claim_ids = col.take(at).to_pylist(), ids.take(at).to_pylist() if ids is not None else None
                out.extend(make(int(r), cells[i], claim_ids[i] if claim_ids else "") for i, r in enumerate(rows))

        if f.required:
            report(pc.not_equal(pc.utf8_trim(col, _WHITESPACE_CHARS), ""),
                   lambda r, v, c: _finding(REQUIRED, table, r, f.name, c, f"{f.name} is empty or blank", "required", v))
        if f.pattern is not None:
            report(pc.match_substring_regex(col, _anchored(f.pattern)),
                   lambda r, v, c: _finding(*_with(_cell_failure(f, v, hints), table, r, f.name, c, v)))
        if f.enum is not None:
            report(pc.is_in(col, value_set=pa.array([*f.enum, ""], pa.string())),
                   lambda r, v, c: _finding(*_with(_cell_failure(f, v, hints), table, r, f.name, c, v)))
        if f.name in fks:
            fk = fks[f.name]
            keys = pa.array(known[fk.table], pa.string())
            report(pc.or_(pc.is_in(col, value_set=keys), pc.equal(col, "")),
                   lambda r, v, c: _finding(RULES[fk.rule], table, r, f.name, c,
                                            hints.message(f, fk, v), fk_expected(fk), v))
    if spec.unique:
        out += duplicate_findings(table, spec.unique)
    return out


def _with(failure: tuple[Rule, str, str], table, row, column, claim_id, found):
    r, message, expected = failure
    return r, table, row, column, claim_id, message, expected, found


def duplicate_findings(table: "Table", column: str) -> list[Finding]:
    """Later rows that repeat a non-empty key; the first occurrence is the original."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = pa.array(table.frame[column], pa.string())
    codes = pc.dictionary_encode(col)  # cheaper than count_distinct, and it says which rows share a key
    codes = codes.combine_chunks() if isinstance(codes, pa.ChunkedArray) else codes
    if len(codes.dictionary) == len(col):
        return []  # the common case
    _, first = np.unique(codes.indices.to_numpy(), return_index=True)
    first_row = first[codes.indices.to_numpy()]  # the first row holding each row's key
    # a later row repeats its key; empty keys are REQUIRED's finding
    dup = (first_row != np.arange(len(col))) & pc.not_equal(col, "").to_numpy(zero_copy_only=False)
    if not dup.any():
        return []
    rows = np.flatnonzero(dup)
    values, first_row = col.take(pa.array(rows)).to_pylist(), first_row[rows]
    claim_ids = pa.array(table.frame["claim_id"], pa.string()).take(pa.array(rows)).to_pylist() if table.spec.key == "claim_id" else None
    return [_finding(DUPLICATE_KEY, table, int(r), column, claim_ids[i] if claim_ids else "",
                     f"{column} {values[i]!r} is already used on line {table.lines[int(first_row[i])]}", "unique", values[i])
            for i, r in enumerate(rows.tolist())]


# The pandera models: the same declaration, for the library API.


def pandera_schema(spec: TableSpec, known: dict[str, "pd.Series"] | None = None):
    """The pandera DataFrameSchema of one table, built from its declaration. Every column is text
    (nothing is coerced); `known` holds the keys of the tables its foreign keys refer to."""
    import pandera.pandas as pa

    known = known or {}
    fks = {fk.column: fk for fk in spec.foreign_keys if fk.table in known}
    columns = {}
    for f in spec.fields:
        checks = []
        if f.required:
            checks.append(pa.Check(lambda s: s.str.strip() != "", error=f"{f.name}: required", name="required"))
        if f.pattern is not None:
            checks.append(pa.Check.str_matches(rf"^(?:{f.pattern})?\Z", error=f"{f.name}: {f.rule}"))
        if f.enum is not None:
            allowed = {*f.enum, ""}
            checks.append(pa.Check(lambda s, allowed=allowed: s.isin(allowed), error=f"{f.name}: {f.rule}"))
        if f.name in fks:
            fk, keys = fks[f.name], set(known[fks[f.name].table])
            checks.append(pa.Check(lambda s, keys=keys: s.isin(keys) | (s == ""), error=f"{f.name}: {fk.rule}"))
        columns[f.name] = pa.Column(str, checks, unique=spec.unique == f.name, nullable=False)
    return pa.DataFrameSchema(columns, strict=False, name=spec.name)


def pandera_findings(table: "Table", known: dict[str, "pd.Series"]) -> list[Finding]:
    """Validate one table with its pandera model (lazily) and translate every failure case into a finding."""
    if not len(table):
        return []
    import pandas as pd
    import pandera.pandas as pa

    spec = table.spec
    try:
        pandera_schema(spec, known).validate(table.frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    ids = table.frame["claim_id"].to_numpy() if spec.key == "claim_id" else None
    fks = {fk.column: fk for fk in spec.foreign_keys}
    hints = _Hints(known)
    out: list[Finding] = []
    by_column = defaultdict(list)
    for case in cases.itertuples(index=False):
        if case.index is None or pd.isna(case.index):
            continue  # schema-level failures (dtype) cannot happen: every column is read as text
        by_column[(case.column, case.check)].append((int(case.index), "" if pd.isna(case.failure_case) else str(case.failure_case)))
    for (column, check), cells in by_column.items():
        if check == "field_uniqueness":
            continue  # duplicates are reported the same way by both compilers
        code = str(check).split(": ", 1)[-1]
        f = spec.field(column)
        for row, found in cells:
            claim_id = str(ids[row]) if ids is not None else ""
            if code == "required":
                out.append(_finding(REQUIRED, table, row, column, claim_id, f"{column} is empty or blank", "required", found))
            elif column in fks and code == fks[column].rule:
                fk = fks[column]
                out.append(_finding(RULES[code], table, row, column, claim_id,
                                    hints.message(f, fk, found), fk_expected(fk), found))
            else:
                out.append(_finding(*_with(_cell_failure(f, found, hints), table, row, column, claim_id, found)))
    if spec.unique:
        out += duplicate_findings(table, spec.unique)
    return out
