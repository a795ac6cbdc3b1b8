"""`ledger diff`: what a change does to the ledger, claim by claim, for a reviewer.

Two ledgers (folders, or git revisions of one) are compared table by table, keyed: claims by
`claim_id`, papers by `paper_id`, the vocabularies and relations by their key, waivers by
(code, claim_id), coverage skips by (paper_id, number, context). A row is added, removed, or changed
field by field (old -> new). Cells are compared as the strings they are: `52.30` -> `52.3` is a
change, because the printed precision is part of the value. Row order is not compared. A claim removed under
one id and added under another with the same content (RENAME_MATCH) is one rename, not an addition and a
removal. The claims' changes are then held against the claim lifecycle (ledger/lifecycle.py, rules L8xx):
what `ledger diff --check` fails on, with the error findings the change adds (LedgerDiff.check_errors).

Both sides are also validated, and the findings that appear or disappear are listed. The head is validated
whole; the base only for the papers whose rows changed, plus the whole-ledger checks, the rest taken from
the head (see validate_pair); the result is the same as validating both whole. Findings are
matched by (file, code, claim_id, column, message), never by line, since lines move; a "line N"
inside a message is ignored for matching for the same reason.

Engine: a keyed comparison of two string tables is a dict lookup per key plus a cell comparison;
daff (the Data Protocols tabular diff) solves the harder problem of aligning unkeyed or ordered
tables and renders its own highlighter table, from which field-level old/new would have to be
parsed back (its arrow grows to `--->` when a value holds `->`, a NULL-looking value becomes
`_NULL`). So the comparison is done here on the loaded frames, and daff is not used.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .findings import Finding, Severity, sort_findings
from .layout import SPEC, SPECS, Layout, TableSpec
from .model import Ledger
from .reader import Table, UnreadableFile, read_table
from .registry import Rule

# The columns that name a row, per table. Claims and papers use their spec key; the side tables
# whose spec key is not unique (several waivers per claim, several skips per paper) use the
# columns that together name one row.
DIFF_KEYS: dict[str, tuple[str, ...]] = {spec.name: (spec.key,) for spec in SPECS} | {
    "waivers": ("code", "claim_id"),
    "skips": ("paper_id", "number", "context"),
}
KEY_SEPARATOR = " / "
# A row removed under one key and added under another, equal in these columns, is a rename: what the claim says
# and where it says it (the review columns reading, status, notes may change with it). Only an unambiguous match
# is a rename: one removed and one added row with these cells; two candidates on either side stay added/removed.
RENAME_MATCH: dict[str, tuple[str, ...]] = {
    "claims": ("paper_id", "subject", "metric", "value", "unit", "baseline", "context", "qualifier", "quote"),
}
# Cells of the head row shown beside a changed or renamed row: a claim's field is judged against its quote, and
# its status says whether the lifecycle (ledger/lifecycle.py) holds it.
BESIDE: dict[str, tuple[str, ...]] = {"claims": ("status", "quote")}
GITHUB_COMMENT_LIMIT = 65_536  # characters in an issue or PR comment body


class DiffError(Exception):
    """A revision or folder cannot be compared (not a git repository, unknown revision, ...)."""


# The result


@dataclass(frozen=True)
class FieldChange:
    column: str
    old: str
    new: str


@dataclass(frozen=True)
class RowChange:
    key: str
    fields: tuple[FieldChange, ...]
    beside: tuple[tuple[str, str], ...] = ()  # cells of the head row shown beside the change (BESIDE)

    def to_dict(self) -> dict:
        return {"key": self.key, "fields": [vars(f) for f in self.fields], "beside": dict(self.beside)}


@dataclass(frozen=True)
class Rename:
    """A row removed under one key and added under another with the same content (RENAME_MATCH): one rename."""

    old: str
    new: str
    fields: tuple[FieldChange, ...]  # what else changed (columns outside RENAME_MATCH)
    beside: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict:
        return {"old": self.old, "new": self.new, "fields": [vars(f) for f in self.fields], "beside": dict(self.beside)}


@dataclass(frozen=True)
class TableDiff:
    """The keyed difference of one table. Rows are dicts of column -> cell, in canonical column order."""

    table: str
    added: tuple[dict, ...] = ()
    removed: tuple[dict, ...] = ()
    changed: tuple[RowChange, ...] = ()
    renamed: tuple[Rename, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.renamed)

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "removed": len(self.removed), "changed": len(self.changed),
                "renamed": len(self.renamed)}

    def to_dict(self) -> dict:
        return {"added": list(self.added), "removed": list(self.removed),
                "changed": [c.to_dict() for c in self.changed], "renamed": [r.to_dict() for r in self.renamed]}

    @classmethod
    def from_dict(cls, table: str, d: dict) -> "TableDiff":
        def fields(c: dict) -> tuple[FieldChange, ...]:
            return tuple(FieldChange(**f) for f in c["fields"])

        changed = tuple(RowChange(c["key"], fields(c), tuple(c.get("beside", {}).items())) for c in d["changed"])
        renamed = tuple(Rename(r["old"], r["new"], fields(r), tuple(r.get("beside", {}).items()))
                        for r in d.get("renamed", ()))
        return cls(table, tuple(d["added"]), tuple(d["removed"]), changed, renamed)


@dataclass(frozen=True)
class LedgerDiff:
    """Everything a change does to a ledger. Round-trips through JSON: `from_dict(to_dict())`."""

    base: str  # what was compared: a folder or a revision
    head: str
    tables: dict[str, TableDiff] = field(default_factory=dict)  # every table of layout.SPECS
    findings_appeared: tuple[Finding, ...] = ()  # in head, not in base (located in head)
    findings_disappeared: tuple[Finding, ...] = ()  # in base, not in head (located in base)
    lifecycle: tuple[Finding, ...] = ()  # what the change does to reviewed claims (ledger/lifecycle.py): errors

    @property
    def check_errors(self) -> tuple[Finding, ...]:
        """What fails `ledger diff --check`: the lifecycle errors and the error findings the change adds (the
        base's own errors are not the change's)."""
        return self.lifecycle + tuple(f for f in self.findings_appeared if f.severity is Severity.ERROR)

    @property
    def claims(self) -> TableDiff:
        return self.tables["claims"]

    @property
    def papers(self) -> TableDiff:
        return self.tables["papers"]

    @property
    def empty(self) -> bool:
        tables_empty = all(t.empty for t in self.tables.values())
        return tables_empty and not self.findings_appeared and not self.findings_disappeared

    def summary(self) -> dict:
        return {"tables": {name: t.counts() for name, t in self.tables.items()},
                "findings": {"appeared": len(self.findings_appeared), "disappeared": len(self.findings_disappeared),
                             "appeared_errors": sum(f.severity is Severity.ERROR for f in self.findings_appeared),
                             "lifecycle": len(self.lifecycle)}}

    def to_dict(self) -> dict:
        return {"base": self.base, "head": self.head, "summary": self.summary(),
                "tables": {name: t.to_dict() for name, t in self.tables.items()},
                "findings": {"appeared": [f.to_dict() for f in self.findings_appeared],
                             "disappeared": [f.to_dict() for f in self.findings_disappeared],
                             "lifecycle": [f.to_dict() for f in self.lifecycle]}}

    @classmethod
    def from_dict(cls, d: dict) -> "LedgerDiff":
        return cls(d["base"], d["head"], {name: TableDiff.from_dict(name, t) for name, t in d["tables"].items()},
                   tuple(_finding_from_dict(f) for f in d["findings"]["appeared"]),
                   tuple(_finding_from_dict(f) for f in d["findings"]["disappeared"]),
                   tuple(_finding_from_dict(f) for f in d["findings"].get("lifecycle", ())))


def _finding_from_dict(d: dict) -> Finding:
    return Finding(**{**d, "severity": Severity(d["severity"])})


# Comparing


def diff_table(spec: TableSpec, old: Table | None, new: Table | None) -> TableDiff:
    """Keyed comparison of two loaded tables; row order does not matter.

    A key that appears more than once on a side (an invalid ledger, which validate reports) is
    still compared without loss: rows equal on both sides cancel out, the rest pair up in order as
    changes, and what is left over is added or removed.

    Done as a join on the key: the cells of the rows whose key is on both sides are compared column by
    column (vectorised), and Python rows are made only for what is added, removed or changed. The few
    keys repeated on a side go through `_diff_rows`, the row-by-row definition above.
    """
    key_cols = DIFF_KEYS[spec.name]
    a, b = _frame(spec, old), _frame(spec, new)
    ka, kb = _keys(a, key_cols), _keys(b, key_cols)
    repeated = pd.concat([ka[ka.duplicated(keep=False)], kb[kb.duplicated(keep=False)]]).unique()
    ra, rb = _isin(ka, repeated), _isin(kb, repeated)
    ia, ib = np.flatnonzero(~ra), np.flatnonzero(~rb)  # rows whose key is unique on its side
    ka_u, kb_u = ka.take(ia), kb.take(ib)
    pos = pd.Index(kb_u.to_numpy()).get_indexer(ka_u.to_numpy())  # for each unique old key: its new row, or -1
    both = pos >= 0
    old_rows, new_rows = ia[both], ib[pos[both]]
    differs = np.zeros(len(old_rows), dtype=bool)
    for c in spec.columns:  # every column, the key's too: "a / b","c" and "a","b / c" join to the same key
        differs |= _ne(a[c], old_rows, b[c], new_rows)
    old_rows, new_rows = old_rows[differs], new_rows[differs]

    changed = [(key, _row_change(spec, key, o, n))
               for key, o, n in zip(ka.take(old_rows).tolist(), _records(a, old_rows), _records(b, new_rows))]
    removed_at = ia[~both]
    added_at = ib[~_isin(kb_u, ka_u)]
    removed = list(zip(ka.take(removed_at).tolist(), _records(a, removed_at)))
    added = list(zip(kb.take(added_at).tolist(), _records(b, added_at)))
    added, removed, renamed = _renames(spec, added, removed)  # keys unique on both sides: a key repeated is no rename
    if len(repeated):
        at_a, at_b = np.flatnonzero(ra), np.flatnonzero(rb)
        rep = _diff_rows(spec, _group(ka.take(at_a).tolist(), _records(a, at_a)),
                         _group(kb.take(at_b).tolist(), _records(b, at_b)))
        added, removed, changed = added + rep[0], removed + rep[1], changed + rep[2]
    # sorted by key, stably: a repeated key keeps the order _diff_rows gave its rows
    added, removed, changed, renamed = ([item for _, item in sorted(x, key=lambda kv: kv[0])]
                                        for x in (added, removed, changed, renamed))
    return TableDiff(spec.name, tuple(added), tuple(removed), tuple(changed), tuple(renamed))


def _field_changes(spec: TableSpec, o: dict, n: dict, skip: tuple[str, ...] = ()) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(c, o[c], n[c]) for c in spec.columns if o[c] != n[c] and c not in skip)


def _beside(spec: TableSpec, head_row: dict) -> tuple[tuple[str, str], ...]:
    return tuple((c, head_row[c]) for c in BESIDE.get(spec.name, ()))


def _row_change(spec: TableSpec, key: str, o: dict, n: dict) -> RowChange:
    return RowChange(key, _field_changes(spec, o, n), _beside(spec, n))


def _renames(spec: TableSpec, added: list, removed: list) -> tuple[list, list, list]:
    """(added, removed, renamed) as (key, item) pairs: each added row whose RENAME_MATCH cells are those of exactly
    one removed row, and of no other added row, is that row renamed. Works on the added and removed rows only."""
    match = RENAME_MATCH.get(spec.name)
    if not match or not added or not removed:
        return added, removed, []

    def content(row: dict) -> tuple:
        return tuple(row[c] for c in match)

    gone, new = Counter(content(r) for _, r in removed), Counter(content(r) for _, r in added)
    unique = {c for c, n in gone.items() if n == 1 and new.get(c) == 1}
    if not unique:
        return added, removed, []
    old_of = {content(r): (k, r) for k, r in removed if content(r) in unique}
    renamed = []
    for k, r in added:
        c = content(r)
        if c in unique:
            old_key, o = old_of[c]
            also = _field_changes(spec, o, r, skip=DIFF_KEYS[spec.name])
            renamed.append((old_key, Rename(old_key, k, also, _beside(spec, r))))
    return ([(k, r) for k, r in added if content(r) not in unique],
            [(k, r) for k, r in removed if content(r) not in unique], renamed)


def _diff_rows(spec: TableSpec, old_rows: dict[str, list[dict]], new_rows: dict[str, list[dict]]):
    """The comparison by definition, key by key: (added, removed, changed) as (key, item) pairs."""
    added, removed, changed = [], [], []
    for key in sorted(old_rows.keys() | new_rows.keys()):
        before = list(old_rows.get(key, ()))
        after = []
        for row in new_rows.get(key, ()):
            if row in before:
                before.remove(row)
            else:
                after.append(row)
        for o, n in zip(before, after):
            changed.append((key, _row_change(spec, key, o, n)))
        removed += [(key, r) for r in before[len(after):]]
        added += [(key, r) for r in after[len(before):]]
    return added, removed, changed


def _frame(spec: TableSpec, table: Table | None) -> pd.DataFrame:
    if table is None:
        return Table.empty(spec, spec.relpath).frame
    return table.frame


def _keys(frame: pd.DataFrame, key_cols: tuple[str, ...]) -> pd.Series:
    keys = frame[key_cols[0]].astype("str").reset_index(drop=True)
    if len(key_cols) > 1:
        keys = keys.str.cat([frame[c].astype("str").reset_index(drop=True) for c in key_cols[1:]], sep=KEY_SEPARATOR)
    return keys


def _isin(keys: pd.Series, values) -> np.ndarray:
    """keys.isin(values) as a numpy bool array, hashed in Arrow: pandas' isin on Arrow strings builds a Python
    list of the values and was most of a million-claim diff."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(values) or not len(keys):
        return np.zeros(len(keys), dtype=bool)
    found = pc.is_in(pa.array(keys, pa.string()), value_set=pa.array(values, pa.string()))
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _ne(x: pd.Series, at_x: np.ndarray, y: pd.Series, at_y: np.ndarray) -> np.ndarray:
    """x[at_x] != y[at_y], cell by cell, as a numpy bool array."""
    xs, ys = x.take(at_x).reset_index(drop=True), y.take(at_y).reset_index(drop=True)
    return (xs != ys).to_numpy(dtype=bool)


def _records(frame: pd.DataFrame, at: np.ndarray) -> list[dict]:
    """The rows at these positions as dicts of column -> cell (str), in the frame's column order."""
    if not len(at):
        return []
    return [{c: str(v) for c, v in row.items()} for row in frame.take(at).to_dict("records")]


def _group(keys: list[str], rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for k, r in zip(keys, rows):
        out.setdefault(k, []).append(r)
    return out


_POSITION = re.compile(r"\b(lines?|characters?|chars?) \d+(?:(?:, | and |-|–)\d+)*")


def finding_identity(f: Finding) -> tuple:
    """What makes two findings the same across revisions: not where they are (the line, or a "line N"
    or "character N" inside the message), which moves when rows or text around them move."""
    return (f.file, f.code, f.claim_id, f.column, _POSITION.sub(r"\1 #", f.message))


def diff_findings(old: list[Finding], new: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(appeared, disappeared), compared as multisets of finding_identity."""
    def minus(a: list[Finding], b: list[Finding]) -> list[Finding]:
        left = Counter(finding_identity(f) for f in b)
        out = []
        for f in a:
            k = finding_identity(f)
            if left[k]:
                left[k] -= 1
            else:
                out.append(f)
        return sort_findings(out)

    return minus(new, old), minus(old, new)


Source = Path | str | Layout | Mapping


def _layout(src: Source) -> Layout:
    if isinstance(src, Layout):
        return src
    if isinstance(src, Mapping):
        paths = {k: Path(v) for k, v in src.items()}
        unknown = set(paths) - {s.name for s in SPECS}
        if unknown:
            raise DiffError(f"unknown ledger tables: {', '.join(sorted(unknown))}")
        base = Layout.find(claims=paths.get("claims"), papers=paths.get("papers"))
        return Layout({**base.paths, **paths})
    p = Path(src)
    if p.is_dir():
        return Layout.find(root=p)
    if p.is_file():
        return Layout.find(claims=p)
    raise DiffError(f"{src}: no such ledger folder or claims file")


def _relpaths(layout: Layout) -> dict[str, str]:
    """Finding.file as the engine printed it -> the table's path inside a ledger (`vocab/metrics.csv`)."""
    out = {}
    for spec in SPECS:
        out[str(layout.paths[spec.name])] = out[layout.display(spec.name)] = spec.relpath
    return out


# The engine, as the diff uses it


def _run_engine(ledger: Ledger, rules: list[Rule] | None, *, schema: bool = True, waive: bool = True,
                before: list[Finding] = ()) -> list[Finding]:
    """`before`, then the schema findings (schema=True) and the hits of `rules` (None: every check) on a loaded
    ledger, then the waivers applied (waive=True). With rules=None and the load findings as `before`, this is
    `engine.validate`'s list. The one place the diff reaches inside the engine: adapt it when the engine changes."""
    from .engine import run_checks, run_rules, schema_findings
    from .waivers import apply_waivers

    out = list(before)
    if schema:
        out += schema_findings(ledger)
    if rules is None:
        out += run_checks(ledger)
    else:
        out += [f for f, _, _ in run_rules(rules, ledger)]
    if waive:
        out = apply_waivers(out, ledger)[0]
    return sort_findings(out)


def _load(layout: Layout) -> tuple[Ledger, list[Finding]]:
    from .engine import load

    return load(layout)


def _split_rules() -> tuple[list[Rule], list[Rule]]:
    """(per paper, whole ledger): the "paper"-scope checks that can run on some papers alone, and the rest. The
    hygiene checks are paper-scope but list at most MAX_REPEATS cells per column over the whole ledger (then
    count the rest), so which cells they list depends on every paper: they run on the whole ledger here."""
    from .catalogue import checks

    capped = "ledger.validators.hygiene"
    per_paper = [r for r in checks() if r.scope == "paper" and r.func.__module__ != capped]
    return per_paper, [r for r in checks() if r not in per_paper]


# Both sides' findings, the base validated only where it changed
#
# validate(base) is put together from pieces, each equal to its part of the full run:
# - the load findings (base is loaded anyway), the schema findings and the whole-ledger checks, on the whole base;
# - the per-paper checks on the sub-ledger of the "touched" papers (claims, papers and skips rows of those papers,
#   every other table whole): a paper-scope check's hits on a row depend only on that row's paper and the
#   unpartitioned tables (registry.SCOPES), and its hits on an unpartitioned table only on those tables;
# - the per-paper checks' hits on the rows of every other paper, taken from the head: their rows are the same on
#   both sides, in the same order (positional within the paper, so order-sensitive checks agree too), and the
#   unpartitioned tables are equal, so the hits are the same, only the lines move: each is moved to its row's
#   line in the base.
# Waivers: a paper is also "touched" when one of its claims is named by a waiver, so that no finding taken from
# the head can be waived or can use a waiver; the waivers then apply to the base's own pieces as in the engine.
# Whenever that argument does not hold (an unpartitioned table or a header differs, a check fails, a per-paper
# check gives a row-less hit on a paper's table), the base is validated whole.

PARTITIONED = ("claims", "papers", "skips")  # the tables split by paper_id, as in ledger/distributed.py


@dataclass
class _Paired:
    """Where the head's rows of untouched papers sit in the base, per partitioned table."""

    touched: set[str]
    head_lines: dict[str, np.ndarray]  # physical line of each head row (increasing)
    head_papers: dict[str, np.ndarray]  # paper_id of each head row
    base_line_of: dict[str, np.ndarray]  # for each head row: the line of the equal base row (-1: none)
    files: dict[str, tuple[str, str]]  # table -> (base file, head file), as findings name them


def _same_table(a: Table, b: Table) -> bool:
    return (a.present == b.present and list(a.header) == list(b.header) and list(a.lines) == list(b.lines)
            and a.frame.equals(b.frame))


def _pair(base: Ledger, head: Ledger) -> _Paired | None:
    """The papers whose rows differ (in content or order) in claims, papers or skips, and the head-row -> base-line
    map of the others; None when a table the papers share differs, and the base must be validated whole."""
    for spec in SPECS:
        a, b = base.tables[spec.name], head.tables[spec.name]
        if spec.name in PARTITIONED:
            if a.present != b.present or list(a.header) != list(b.header):
                return None
        elif not _same_table(a, b):
            return None
    touched: set[str] = set()
    paired = _Paired(touched, {}, {}, {}, {})
    for name in PARTITIONED:
        a, b = base.tables[name], head.tables[name]
        pa, pb = a.frame["paper_id"].astype("str"), b.frame["paper_id"].astype("str")
        codes, papers = pd.factorize(pd.concat([pa, pb], ignore_index=True))
        ca, cb = codes[:len(pa)], codes[len(pa):]
        na, nb = np.bincount(ca, minlength=len(papers)), np.bincount(cb, minlength=len(papers))
        oa, ob = np.argsort(ca, kind="stable"), np.argsort(cb, kind="stable")  # rows grouped by paper, file order kept
        sa, sb = np.cumsum(na) - na, np.cumsum(nb) - nb  # where each paper's group starts
        at = np.flatnonzero((na == nb)[ca[oa]])  # sorted base positions of papers with as many rows on both sides
        g = ca[oa][at]
        rows_a, rows_b = oa[at], ob[sb[g] + (at - sa[g])]  # the i-th row of a paper in base and in head
        differs = np.zeros(len(at), dtype=bool)
        for c in a.spec.columns:
            differs |= _ne(a.frame[c], rows_a, b.frame[c], rows_b)
        bad = np.union1d(np.flatnonzero(na != nb), g[differs])
        touched.update(str(p) for p in papers[bad])
        line_of = np.full(len(pb), -1, dtype=np.int64)
        line_of[rows_b] = np.asarray(a.lines, dtype=np.int64)[rows_a]
        paired.head_lines[name] = np.asarray(b.lines, dtype=np.int64)
        paired.head_papers[name] = pb.to_numpy(dtype=object)
        paired.base_line_of[name] = line_of
        paired.files[name] = (a.file, b.file)
    # papers of waived claims: a finding of theirs can be waived, which the head's list no longer shows
    claims = base.tables["claims"].frame
    waived = set(base.tables["waivers"].frame["claim_id"].astype("str"))
    touched.update(claims["paper_id"][claims["claim_id"].isin(waived)].astype("str"))
    return paired


def _sub_ledger(ledger: Ledger, papers: set[str]) -> Ledger:
    """The rows of these papers in claims, papers and skips (in file order, with their lines); other tables whole."""
    tables = dict(ledger.tables)
    for name in PARTITIONED:
        t = tables[name]
        at = np.flatnonzero(t.frame["paper_id"].isin(papers).to_numpy())
        tables[name] = Table(t.spec, t.file, t.frame.take(at).reset_index(drop=True),
                             np.asarray(t.lines, dtype=np.int64)[at].tolist(), t.present, list(t.header))
    return Ledger(ledger.layout, tables)


def _rowless_or_failed(findings: list[Finding], per_paper_codes: set[str], files: set[str]) -> bool:
    """A check failed (L000), or a per-paper check gave a hit on a paper's table that names no row: the
    pieces cannot be told apart by row, so the base is validated whole."""
    from .engine import CHECK_ERROR

    return any(f.code == CHECK_ERROR.code or (f.code in per_paper_codes and f.line is None and f.file in files)
               for f in findings)


def _from_head(head_findings: list[Finding], paired: _Paired, per_paper_codes: set[str]) -> list[Finding] | None:
    """The head's per-paper hits on rows of untouched papers, moved to the base's file and lines (None: a hit
    whose row cannot be placed, which the argument above rules out; the caller then validates the base whole)."""
    by_file = {head_file: name for name, (_, head_file) in paired.files.items()}
    out = []
    for f in head_findings:
        name = by_file.get(f.file)
        if name is None or f.code not in per_paper_codes:
            continue
        lines = paired.head_lines[name]
        row = int(np.searchsorted(lines, f.line))
        if row >= len(lines) or lines[row] != f.line:
            return None
        if paired.head_papers[name][row] in paired.touched:
            continue  # the base's own hits on this paper were computed on its sub-ledger
        line = int(paired.base_line_of[name][row])
        if line < 0:
            return None
        out.append(replace(f, file=paired.files[name][0], line=line))
    return out


@dataclass
class _Side:
    tables: dict[str, Table]
    findings: list[Finding]
    ledger: Ledger | None = None
    load_findings: list[Finding] = field(default_factory=list)
    layout: Layout | None = None
    partial: bool = False  # findings put together from the changed papers and the head (validate_pair)


def _open(src: Source, findings: bool) -> _Side:
    """Every table of one ledger, loaded as validate loads it (findings=True) or table by table."""
    layout = _layout(src)
    if findings:
        try:
            ledger, found = _load(layout)
            return _Side(dict(ledger.tables), [], ledger, found, layout)
        except UnreadableFile as e:  # a required file is missing on this side: its tables are empty
            side = _Side({}, [e.finding], None, [], layout)
    else:
        side = _Side({}, [], None, [], layout)
    for spec in SPECS:
        try:
            side.tables[spec.name], _ = read_table(layout.paths[spec.name], spec)
        except UnreadableFile:
            side.tables[spec.name] = Table.empty(spec, spec.relpath)
    return side


def load_side(src: Source, findings: bool = True) -> _Side:
    """Every table of one ledger, and (when asked) its whole validation, files named by their place in the ledger."""
    side = _open(src, findings)
    if side.ledger is not None:
        side.findings = _run_engine(side.ledger, None, before=side.load_findings)
    side.findings = _relabel(side.layout, side.findings)
    side.ledger = None
    return side


def _relabel(layout: Layout, found: list[Finding]) -> list[Finding]:
    """Finding.file by its place in the ledger (`claims.csv`), so that both sides name them alike."""
    rel = _relpaths(layout)
    return [replace(f, file=rel.get(f.file, f.file)) for f in found]


def diff_ledgers(old: Source, new: Source, *, findings: bool = True,
                 base_label: str | None = None, head_label: str | None = None, incremental: bool = True) -> LedgerDiff:
    """Compare two ledgers. Each side is a ledger folder, a claims file (side tables next to it), a
    Layout, or a mapping {table name: path}. With findings=False, validation is skipped.

    The head is validated whole; the base only where it differs (see above). incremental=False validates
    both sides whole (the definition, for tests): the result is the same."""
    if not (findings and incremental):
        a, b = load_side(old, findings), load_side(new, findings)
        tables, lifecycle = _compare(a, b)
    else:
        a, b, tables, lifecycle = validate_pair(old, new)
    appeared, disappeared = diff_findings(a.findings, b.findings) if findings else ([], [])
    return LedgerDiff(base_label or _label(old), head_label or _label(new), tables, tuple(appeared), tuple(disappeared),
                      tuple(lifecycle))


def _compare(a: _Side, b: _Side) -> tuple[dict[str, TableDiff], list[Finding]]:
    """Every table's diff, and the lifecycle errors of the claims' (which need the tables for lines)."""
    from .lifecycle import lifecycle_findings

    tables = {spec.name: diff_table(spec, a.tables.get(spec.name), b.tables.get(spec.name)) for spec in SPECS}
    return tables, lifecycle_findings(a.tables.get("claims"), b.tables.get("claims"), tables["claims"])


def validate_pair(old: Source, new: Source) -> tuple[_Side, _Side, dict[str, TableDiff], list[Finding]]:
    """Both sides' validation findings (each equal to validating it whole), the table diffs and the lifecycle
    errors, validating the base only for the papers that changed and releasing its tables before the head is
    validated."""
    a, b = _open(old, True), _open(new, True)
    tables, lifecycle = _compare(a, b)
    per_paper, whole = _split_rules()
    codes = {r.code for r in per_paper}
    paired = _pair(a.ledger, b.ledger) if a.ledger is not None and b.ledger is not None else None
    base_part: list[Finding] = []
    if paired is not None:
        sub = _run_engine(_sub_ledger(a.ledger, paired.touched), per_paper, schema=False, waive=False)
        if _rowless_or_failed(sub, codes, {base_file for base_file, _ in paired.files.values()}):
            paired = None
        else:
            base_part = _run_engine(a.ledger, whole, before=a.load_findings + sub)
    if paired is None and a.ledger is not None:
        a.findings = _run_engine(a.ledger, None, before=a.load_findings)
    a.tables, a.ledger = {}, None  # release the base before the head is validated (peak memory)
    if b.ledger is not None:
        b.findings = _run_engine(b.ledger, None, before=b.load_findings)
    if paired is not None:
        moved = None
        if not _rowless_or_failed(b.findings, codes, {head_file for _, head_file in paired.files.values()}):
            moved = _from_head(b.findings, paired, codes)
        if moved is None:  # the argument does not hold here: validate the base whole after all (read again)
            again = _open(old, True)
            a.findings = _run_engine(again.ledger, None, before=again.load_findings) if again.ledger else again.findings
        else:
            a.findings, a.partial = sort_findings(base_part + moved), True
    b.tables, b.ledger = {}, None
    a.findings, b.findings = _relabel(a.layout, a.findings), _relabel(b.layout, b.findings)
    return a, b, tables, lifecycle


def _label(src: Source) -> str:
    if isinstance(src, Layout):
        return str(src.paths["claims"].parent)
    if isinstance(src, Mapping):
        return str(src.get("claims", "ledger"))
    return str(src)


# Git revisions


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(["git", *args], cwd=repo, capture_output=True)
    except FileNotFoundError:
        raise DiffError("git is not installed") from None
    if check and proc.returncode != 0:
        raise DiffError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
    return proc


def _git_text(repo: Path, *args: str) -> str:
    return _git(repo, *args).stdout.decode().strip()


def default_branch(repo_dir: Path | str = ".") -> str:
    """origin/HEAD's branch, else main, else master (local, then origin/): the branch a PR merges into."""
    repo = Path(repo_dir)
    head = _git(repo, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD", check=False)
    if head.returncode == 0 and head.stdout.strip():
        return head.stdout.decode().strip()
    for ref in ("refs/heads/main", "refs/heads/master", "refs/remotes/origin/main", "refs/remotes/origin/master"):
        if _git(repo, "rev-parse", "--verify", "--quiet", ref, check=False).returncode == 0:
            return ref.split("/", 2)[2]
    raise DiffError("no default branch (origin/HEAD, main or master); name the base revision")


def default_base(repo_dir: Path | str = ".") -> str:
    """`git merge-base HEAD <default branch>`: where the current branch left the default branch."""
    return _git_text(Path(repo_dir), "merge-base", "HEAD", default_branch(repo_dir))


def export_revision(repo_dir: Path | str, rev: str, dest: Path) -> Path:
    """Write the ledger files of `repo_dir` (a ledger folder inside a git work tree) as they are at
    `rev` into `dest`; a file the revision does not have is left out. The blobs are read raw (no
    textconv, no filters), which is what `git show REV:path` prints for a plain blob."""
    repo = Path(repo_dir)
    if rev.startswith("-"):
        raise DiffError(f"unknown revision {rev!r}")  # never let a revision be read as an option
    commit = _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    if commit.returncode != 0:
        raise DiffError(f"unknown revision {rev!r}")
    sha = commit.stdout.decode().strip()
    dest.mkdir(parents=True, exist_ok=True)
    for spec in SPECS:
        blob = _git(repo, "cat-file", "blob", f"{sha}:./{spec.relpath}", check=False)
        if blob.returncode != 0:
            continue  # not in this revision
        (dest / spec.relpath).parent.mkdir(parents=True, exist_ok=True)
        (dest / spec.relpath).write_bytes(blob.stdout)
    return dest


def diff_revisions(repo_dir: Path | str = ".", base_rev: str | None = None, head_rev: str | None = None,
                   *, findings: bool = True) -> LedgerDiff:
    """Compare the ledger in `repo_dir` at two revisions. base_rev None: `default_base`; head_rev None:
    the working tree. Raises DiffError when either revision cannot be read."""
    repo = Path(repo_dir)
    if not repo.is_dir() or _git(repo, "rev-parse", "--is-inside-work-tree", check=False).returncode != 0:
        raise DiffError(f"{repo}: not inside a git work tree")
    if base_rev:
        base, base_label = base_rev, base_rev
    else:
        branch = default_branch(repo)
        base = _git_text(repo, "merge-base", "HEAD", branch)
        base_label = f"{base[:12]} (merge-base with {branch})"
    with tempfile.TemporaryDirectory(prefix="ledger-diff-") as tmp:
        old = export_revision(repo, base, Path(tmp) / "base")
        if head_rev is None:
            new, head_label = repo, "working tree"
        else:
            new, head_label = export_revision(repo, head_rev, Path(tmp) / "head"), head_rev
        return diff_ledgers(old, new, findings=findings, base_label=base_label, head_label=head_label)


def resolve_diff(base: str | None = None, head: str | None = None, cwd: Path | str = ".") -> LedgerDiff:
    """What `ledger diff [BASE [HEAD]]` compares: two folders when BASE is a folder (HEAD defaults to
    `cwd`), otherwise two revisions of the repository at `cwd` (see diff_revisions)."""
    if base is not None and Path(base).is_dir():
        return diff_ledgers(Path(base), Path(head) if head else Path(cwd))
    return diff_revisions(cwd, base, head)


# Rendering

_TOKENS = re.compile(r"\s+|[^\s]+")
SHORT = 60  # a value this long (on one line) is shown whole; a longer one as a word diff


# Characters a reader cannot see, or that reorder what a reader sees (bidi controls: "Trojan Source").
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                        "\u2060-\u2064\u2066-\u2069\ufeff]")
_ESCAPES = {"\\": "\\\\", "\r": "\\r", "\n": "\\n", "\t": "\\t"}


def visible(s: str) -> str:
    """Line breaks, tabs, controls and invisible or bidi characters as escapes (`\\n`, `\\u202e`), so that
    a change nobody could see in the rendered diff still shows, and nothing reorders the review."""
    s = "".join(_ESCAPES.get(c, c) for c in s)
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


def word_diff(old: str, new: str, context: int = 6) -> str:
    """A compact view of a long text's change: `…context [-old-]{+new+} context…` (git --word-diff
    style), keeping `context` tokens (words and the spaces between them) around each change."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    out = []
    for i, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            seg = a[i1:i2]
            first, last = i == 0, i == len(ops) - 1
            keep_head, keep_tail = (0 if first else context), (0 if last else context)
            if len(seg) > keep_head + keep_tail:
                seg = seg[:keep_head] + ["…"] + (seg[len(seg) - keep_tail:] if keep_tail else [])
            out += seg
        else:
            if i2 > i1:
                out.append("[-" + "".join(a[i1:i2]) + "-]")
            if j2 > j1:
                out.append("{+" + "".join(b[j1:j2]) + "+}")
    return visible("".join(out))


def show_change(old: str, new: str) -> str:
    """`"52.30" -> "52.3"` for a short value; a word diff for a long text (an abstract, a quote)."""
    if max(len(old), len(new)) <= SHORT and "\n" not in old + new:
        return f"{_quoted(old)} -> {_quoted(new)}"
    return word_diff(old, new)


def _quoted(s: str) -> str:
    return '"' + visible(s).replace('"', '\\"') + '"'


# What a removed row shows besides its key (JSON always has the whole row).
ROW_SUMMARY: dict[str, tuple[str, ...]] = {
    "claims": ("paper_id", "subject", "metric", "value", "unit", "baseline", "quote", "status"),
    "papers": ("title", "year"),
}
# Tables whose added rows show every column, empty ones too: a new claim is reviewed cell by cell.
ADDED_IN_FULL = ("claims",)


def _summary_columns(table: str, row: dict, verb: str = "removed", rows: tuple[dict, ...] = ()) -> tuple[str, ...]:
    """The columns a row is shown with. An added claim shows all of them but the optional columns that
    are empty in every row shown (a ledger that does not use them is not shown them)."""
    if verb == "added" and table in ADDED_IN_FULL:
        optional = SPEC[table].optional_columns
        return tuple(c for c in row if c not in DIFF_KEYS[table]
                     and (c not in optional or any(r.get(c) for r in (rows or (row,)))))
    return ROW_SUMMARY.get(table) or tuple(c for c in row if c not in DIFF_KEYS[table])


def _row_summary(table: str, row: dict) -> str:
    return " ".join(f"{c}={_quoted(row[c])}" for c in _summary_columns(table, row) if row.get(c))


def _beside_text(beside: tuple[tuple[str, str], ...]) -> str:
    return "".join(f" {c}={_quoted(v)}" for c, v in beside)


def _row_key(table: str, row: dict) -> str:
    return KEY_SEPARATOR.join(row[c] for c in DIFF_KEYS[table])


def _counts_line(d: LedgerDiff) -> str:
    parts = []
    for name, t in d.tables.items():
        if not t.empty:
            c = t.counts()
            renamed = f" >{c['renamed']}" if c["renamed"] else ""
            parts.append(f"{name} +{c['added']} -{c['removed']} ~{c['changed']}{renamed}")
    parts.append(f"findings +{len(d.findings_appeared)} -{len(d.findings_disappeared)}")
    if d.lifecycle:
        parts.append(f"lifecycle errors {len(d.lifecycle)}")
    return ", ".join(parts)


def render_text(d: LedgerDiff) -> str:
    """For a terminal: `+` added (a claim with every column, one per line), `-` removed, `>` renamed, `~` changed
    (field changes indented, the claim's status and quote beside its id), then the lifecycle errors (`!`) and
    the findings."""
    from .report import text_line

    out = [f"ledger diff {d.base} -> {d.head}"]
    if d.empty:
        return "\n".join(out + ["no changes"]) + "\n"
    out.append(_counts_line(d))
    for name, t in d.tables.items():
        for row in t.added:
            if name in ADDED_IN_FULL:
                out.append(f"+ {name} {_row_key(name, row)}")
                out += [f"    {c}: {_quoted(row[c])}" for c in _summary_columns(name, row, "added")]
            else:
                out.append(f"+ {name} {_row_key(name, row)}  {_row_summary(name, row)}".rstrip())
        out += [f"- {name} {_row_key(name, row)}  {_row_summary(name, row)}".rstrip() for row in t.removed]
        for r in t.renamed:
            out.append(f"> {name} {r.old} -> {r.new} {_beside_text(r.beside)}".rstrip())
            out += [f"    {f.column}: {show_change(f.old, f.new)}" for f in r.fields]
        for c in t.changed:
            out.append(f"~ {name} {c.key} {_beside_text(c.beside)}".rstrip())
            out += [f"    {f.column}: {show_change(f.old, f.new)}" for f in c.fields]
    out += [f"! lifecycle {text_line(f)}" for f in d.lifecycle]
    out += [f"+ finding {text_line(f)}" for f in d.findings_appeared]
    out += [f"- finding {text_line(f)}" for f in d.findings_disappeared]
    return "\n".join(out) + "\n"


def render_json(d: LedgerDiff) -> str:
    return json.dumps(d.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _code(s: str) -> str:
    """A Markdown code span that shows s literally, safe inside a table cell (no HTML, math or emphasis)."""
    s = visible(s).replace("|", "\\|")
    if not s:
        return "*(empty)*"
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", s)), default=0) + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{ticks}{pad}{s}{pad}{ticks}"


def _md_change(old: str, new: str) -> tuple[str, str]:
    if max(len(old), len(new)) <= SHORT and "\n" not in old + new:
        return _code(old), _code(new)
    return "*(word diff →)*", _code(word_diff(old, new))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>$~|#])")


def _md_text(s: str) -> str:
    """Plain text for a Markdown table cell: punctuation that would format (emphasis, math, HTML,
    links, the cell separator) is backslash-escaped, line breaks become spaces."""
    return _MD_SPECIAL.sub(r"\\\1", visible(s))


def _md_value(s: str) -> str:
    """A cell of a data row: shown literally as code, empty left blank."""
    return _code(s) if s else ""


DETAILS_AFTER = 10  # a section of more items than this is folded (<details>) in the job summary

Block = tuple[list[str], list[str], list[str]]


def _block(title: str, table_head: list[str], items: list[str]) -> Block:
    """(heading lines, item lines, closing lines) of one section; a long one folded under its title."""
    head = ["", f"### {title}", ""]
    if len(items) <= DETAILS_AFTER:
        return head + table_head, items, []
    return head + [f"<details><summary>{len(items)} rows</summary>", "", *table_head], items, ["", "</details>"]


def _md_beside(change) -> list[str]:
    return [_md_value(v) for _, v in change.beside]


def _markdown_blocks(d: LedgerDiff) -> list[Block]:
    """The sections: lifecycle errors, findings, then per table changed, renamed, added, removed rows.
    Each item line is one change or finding."""
    from .report import location

    blocks = []
    finding_head = ["| severity | location | code | claim | column | message |", "|---|---|---|---|---|---|"]

    def finding_row(f: Finding) -> str:
        return "| " + " | ".join(_md_text(x) for x in (f.severity.value, location(f), f"{f.code} {f.check}",
                                                         f.claim_id, f.column, f.message)) + " |"

    for title, found in (("Lifecycle errors (`ledger diff --check` fails)", d.lifecycle),
                         ("New findings", d.findings_appeared), ("Findings gone", d.findings_disappeared)):
        if found:
            blocks.append(_block(title, finding_head, [finding_row(f) for f in found]))
    for name, t in d.tables.items():
        key = "/".join(DIFF_KEYS[name])
        beside = BESIDE.get(name, ())
        beside_head = "".join(f" {c} (head) |" for c in beside)
        if t.changed:
            rows = []
            for c in t.changed:
                for i, f in enumerate(c.fields):
                    old, new = _md_change(f.old, f.new)
                    cells = _md_beside(c) if i == 0 else [""] * len(beside)  # once per row: its first field
                    rows.append(f"| {_code(c.key)} | {_md_text(f.column)} | {old} | {new} |"
                                + "".join(f" {x} |" for x in cells))
            blocks.append(_block(f"{name.capitalize()} changed", [
                f"| {key} | column | base | head |{beside_head}", "|---" * (4 + len(beside)) + "|"], rows))
        if t.renamed:
            rows = []
            for r in t.renamed:
                also = "; ".join(f"{_md_text(f.column)}: {' → '.join(_md_change(f.old, f.new))}" for f in r.fields)
                rows.append(f"| {_code(r.old)} | {_code(r.new)} | {also} |" + "".join(f" {x} |" for x in _md_beside(r)))
            blocks.append(_block(f"{name.capitalize()} renamed (same content, new {key})", [
                f"| base {key} | head {key} | also changed |{beside_head}", "|---" * (3 + len(beside)) + "|"], rows))
        for verb, rows in (("added", t.added), ("removed", t.removed)):
            if rows:
                cols = _summary_columns(name, rows[0], verb, rows)
                head = [f"| {key} | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
                items = [f"| {_code(_row_key(name, r))} | " + " | ".join(_md_value(r[c]) for c in cols) + " |"
                         for r in rows]
                blocks.append(_block(f"{name.capitalize()} {verb}", head, items))
    return blocks


def render_markdown(d: LedgerDiff, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """For a PR comment or the job summary. Cut to `limit` characters (GitHub's comment limit) when
    needed, saying how many changes were left out."""
    out = [f"**ledger diff** {_code(d.base)} → {_code(d.head)}: " + ("no changes" if d.empty else _counts_line(d))]
    blocks = _markdown_blocks(d)
    total = sum(len(items) for _, items, _ in blocks)

    def note(left_out: int) -> str:
        return (f"_… {left_out} more changes not shown: a comment is limited to {limit:,} characters. "
                "Run `ledger diff` for the full list._")

    def size_of(lines: list[str]) -> int:
        return sum(len(x) + 1 for x in lines)

    budget = limit - len(note(total)) - 2
    size = len(out[0]) + 1
    shown = 0
    for head, items, tail in blocks:
        closing = size_of(tail)  # a folded section is closed even when it is cut
        if size + size_of(head) + closing + (len(items[0]) + 1 if items else 0) > budget:
            break
        out += head
        size += size_of(head) + closing
        for item in items:
            if size + len(item) + 1 > budget:
                break
            out.append(item)
            size += len(item) + 1
            shown += 1
        else:
            out += tail
            continue
        out += tail
        break
    if shown < total:
        out += ["", note(total - shown)]
    return "\n".join(out) + "\n"


def render_github(d: LedgerDiff) -> str:
    """For a workflow step: the lifecycle errors as annotations (on the head's line; a removed claim, whose line is
    the base's, on the file), then the text. The validate step annotates the head's own findings already."""
    from .lifecycle import BASE_LOCATED
    from .report import GITHUB_ANNOTATION_LIMIT, github_command

    shown = d.lifecycle[:GITHUB_ANNOTATION_LIMIT]
    out = [github_command(replace(f, line=None) if f.code in BASE_LOCATED else f) for f in shown]
    if len(d.lifecycle) > len(shown):
        out.append(f"::notice title=ledger diff::{len(d.lifecycle) - len(shown)} more lifecycle errors are not "
                   "annotated; see the job summary or the text below")
    return "".join(line + "\n" for line in out) + render_text(d)


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown, "github": render_github}


__all__ = ["BESIDE", "DIFF_KEYS", "DiffError", "FieldChange", "GITHUB_COMMENT_LIMIT", "LedgerDiff", "RENAME_MATCH",
           "RENDERERS", "Rename", "RowChange", "TableDiff", "default_base", "default_branch", "diff_findings",
           "diff_ledgers", "diff_revisions", "diff_table", "export_revision", "finding_identity", "render_github",
           "render_json", "render_markdown", "render_text", "resolve_diff", "show_change", "word_diff"]
