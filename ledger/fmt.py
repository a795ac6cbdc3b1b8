"""`ledger fmt`: rewrite a ledger table in its canonical form, never changing a value.

The canonical form of a table:

- the header is the spec's columns in the spec's order (`layout.SPECS`);
- records are ordered by the spec's key, compared as plain strings (code-point order, what
  `sorted()` and `LC_ALL=C sort` give; not locale order), stable for ties so a second run
  changes nothing. The keys: claims by `claim_id`, papers by `paper_id`, metrics by `metric`,
  entities by `entity`, benchmarks by `benchmark`, relations by `relation_id`, waivers by
  `claim_id` (ties keep their order), coverage skips by `paper_id` (ties keep their order);
- minimal RFC 4180 quoting: a cell is quoted only when it holds a comma, a double quote, LF or CR
  (Python's QUOTE_MINIMAL, except that Python leaves a lone CR unquoted when the line terminator is
  LF, which would split the cell on reading; here it is quoted);
- LF record terminators, UTF-8 without BOM, a final newline.

White space is not trimmed. A cell is written exactly as it was read: a leading or trailing space
may be a scraping artefact the quote must keep, and `fmt` is a formatter, not a curator. Stray
white space is for a validate finding to point at, where a person decides.

`fmt` refuses a file that does not load cleanly: any error-severity finding of `load.read_table`
(an unknown column would be dropped, a ragged record skipped, a bad quote truncates the file), so
nothing can be lost by formatting. What it does fix are the load warnings it exists for: a BOM,
CR or CRLF record terminators, blank records. It writes atomically: a temporary file in the same
folder, flushed and fsynced, then `os.replace`; an interrupted run leaves the old file whole.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .findings import Finding, Severity
from .layout import SPECS, TableSpec
from .atomic import write_atomic
from .reader import BLANK_ROW, BOM, FILE_MISSING, LINE_ENDINGS, UnreadableFile, Table, read_table
from .report import text_line

FIXABLE = {BOM.code, LINE_ENDINGS.code, BLANK_ROW.code}  # load warnings the canonical form removes
_SPECS_BY_FILENAME = {Path(spec.relpath).name: spec for spec in SPECS}


@dataclass(frozen=True)
class FormatResult:
    """What `fmt` did, or would do, to one file."""

    path: Path
    changed: bool  # the file differs from its canonical form: it was rewritten (or, with check, would be)
    written: bool = False  # bytes were written to disk
    findings: tuple[Finding, ...] = ()  # the error findings that stopped it; empty when it was formatted
    fixed: tuple[Finding, ...] = ()  # the load warnings the canonical form removes (BOM, CR, blank records)

    @property
    def refused(self) -> bool:
        return bool(self.findings)


# Canonical bytes


CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")  # unquoted at a line start, these read as merge conflicts


def quote_cell(cell: str) -> str:
    """Minimal RFC 4180 quoting: quote only a cell holding a comma, a double quote, LF or CR (or one
    that starts like a merge-conflict marker)."""
    if any(c in cell for c in ',"\n\r') or cell.startswith(CONFLICT_MARKERS):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def render_record(cells: Iterable[str]) -> str:
    return ",".join(quote_cell(c) for c in cells) + "\n"


def canonical_text(table: Table) -> str:
    """The table as canonical CSV text: spec column order, records sorted by the key (stable)."""
    spec = table.spec
    columns = spec.written_columns(table.header, table.frame)
    frame = table.frame[list(columns)]
    records = [[str(c) for c in row] for row in frame.itertuples(index=False, name=None)]
    k = columns.index(spec.key)
    records.sort(key=lambda r: r[k])  # list.sort is stable: ties keep their order
    return render_record(columns) + "".join(render_record(r) for r in records)


# Writing


# The job


def spec_for(path: Path) -> TableSpec:
    """The table a file holds, from its name (`claims.csv`, `metrics.csv`, ...). Raises ValueError otherwise."""
    try:
        return _SPECS_BY_FILENAME[Path(path).name]
    except KeyError:
        known = ", ".join(sorted(_SPECS_BY_FILENAME))
        raise ValueError(f"{path}: not a ledger table (expected one of {known})") from None


def format_table(path: Path, spec: TableSpec, *, check: bool = False) -> FormatResult:
    """Rewrite one table in canonical form (or, with check, only say whether it would change).

    A file with an error-severity load finding is left untouched and its findings are returned.
    A missing file is reported as L001 (fmt never creates a file).
    """
    path = Path(path)
    if not path.exists():  # a FIFO, a device or a folder exists: the reader refuses it with its own L001
        missing = FILE_MISSING.finding(str(path), None, "", f"{spec.name} file not found")
        return FormatResult(path, changed=False, findings=(missing,))
    try:
        table, findings = read_table(path, spec, str(path))
    except UnreadableFile as e:
        return FormatResult(path, changed=False, findings=(e.finding,))
    errors = tuple(f for f in findings if f.severity is Severity.ERROR)
    if errors:
        return FormatResult(path, changed=False, findings=errors)
    fixed = tuple(f for f in findings if f.code in FIXABLE)

    new = canonical_text(table).encode("utf-8")
    if new == path.read_bytes():
        return FormatResult(path, changed=False)
    if check:
        return FormatResult(path, changed=True, fixed=fixed)
    write_atomic(path, new)
    return FormatResult(path, changed=True, written=True, fixed=fixed)


def default_paths(root: Path | str = ".") -> list[Path]:
    """Every table of the ledger in `root` that exists, in layout order. Whatever sits at a table's path
    is listed, a FIFO or a folder too, so that it is refused with a finding rather than skipped in silence."""
    root = Path(root)
    return [root / spec.relpath for spec in SPECS if os.path.lexists(root / spec.relpath)]


def _expand(path: Path) -> list[Path]:
    """A ledger folder stands for its tables; anything else (a table named as a folder too) for itself."""
    if not path.is_dir() or path.name in _SPECS_BY_FILENAME:
        return [path]
    tables = default_paths(path)
    if not tables:
        raise ValueError(f"{path}: a folder with no ledger tables (claims.csv, papers.csv, vocab/...)")
    return tables


def format_paths(paths: Iterable[Path | str] | None = None, check: bool = False) -> list[FormatResult]:
    """Format each file (default: every existing table of the ledger in the current folder); a folder
    given stands for every table of the ledger in it.

    Each file's table is known by its name (`spec_for`); a path that names no table raises
    ValueError before anything is written. The same file given twice is formatted once.
    """
    paths = default_paths() if paths is None else [t for p in paths for t in _expand(Path(p))]
    specs = [spec_for(p) for p in paths]  # fail on a bad name before touching any file
    seen: set[Path] = set()
    results = []
    for path, spec in zip(paths, specs):
        real = path.resolve()
        if real in seen:
            continue
        seen.add(real)
        results.append(format_table(path, spec, check=check))
    return results


# Reporting, for the CLI


def render_results(results: list[FormatResult], check: bool = False) -> str:
    """One line per file that changed or was refused (with its findings), then a summary line."""
    out = []
    for r in results:
        if r.refused:
            out.append(f"{r.path}: not formatted: it does not load cleanly")
            out += ["  " + text_line(f) for f in r.findings]
        elif r.changed:
            fixed = sorted({f.check for f in r.fixed})
            why = f" ({', '.join(fixed)})" if fixed else ""
            out.append(f"{'would reformat' if check else 'reformatted'} {r.path}{why}")
    changed = sum(r.changed for r in results)
    refused = sum(r.refused for r in results)
    unchanged = len(results) - changed - refused
    verb = "would be reformatted" if check else "reformatted"
    summary = f"{changed} file{'s' if changed != 1 else ''} {verb}, {unchanged} already canonical"
    if refused:
        summary += f", {refused} not formatted (load errors)"
    out.append(summary)
    return "\n".join(out) + "\n"


def exit_code(results: list[FormatResult], check: bool = False) -> int:
    """0 done (or nothing to do); 1 a file was refused, or, with check, a file would be rewritten."""
    if any(r.refused for r in results):
        return 1
    if check and any(r.changed for r in results):
        return 1
    return 0


__all__ = ["FormatResult", "canonical_text", "default_paths", "exit_code", "format_paths", "format_table",
           "quote_cell", "render_results", "spec_for", "write_atomic"]
