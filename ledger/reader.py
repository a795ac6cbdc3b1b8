"""Read a ledger table as text, record where each record starts, and report what cannot be read.

Every cell stays a string: nothing guesses `NA`, `None` or `nan` into a missing value, and
`2401.10020` stays text. A problem becomes a finding, never an exception; only a file that cannot be
opened at all raises `UnreadableFile`.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .findings import Finding
from .layout import TableSpec
from .registry import rule

FILE_MISSING = rule("L001", "file-missing", "error", "A required ledger file does not exist or cannot be opened.", "load")
ENCODING = rule("L002", "encoding-invalid", "error", "The file is not valid UTF-8 (UTF-16 and other encodings included).", "load")
BOM = rule("L003", "utf8-bom", "warning", "The file starts with a UTF-8 byte-order mark; `ledger fmt` removes it.", "load")
NUL = rule("L004", "nul-byte", "error", "A line holds a NUL byte, which no text tool shows.", "load")
CSV_SYNTAX = rule("L005", "csv-syntax", "error", "The CSV cannot be parsed from this record on (e.g. an unterminated quote).", "load")
FIELD_COUNT = rule("L006", "field-count", "error", "A record has more or fewer fields than the header; the record is not loaded.", "load")
HEADER_MISSING = rule("L007", "header-missing-column", "error", "The header lacks a column the table requires.", "load")
HEADER_UNKNOWN = rule("L008", "header-unknown-column", "error", "The header has a column the table does not define.", "load")
HEADER_DUPLICATE = rule("L009", "header-duplicate-column", "error", "A column name appears twice in the header.", "load")
BLANK_ROW = rule("L010", "blank-row", "warning", "An empty record (blank line or only separators) is ignored.", "load")
CONFLICT_MARKER = rule("L011", "conflict-marker", "error", "A git merge-conflict marker is left in the file; resolve the conflict.", "load")
EMPTY_FILE = rule("L012", "empty-file", "error", "The file is empty: not even a header.", "load")
LINE_ENDINGS = rule("L013", "line-endings", "warning", "The file uses CR or CRLF line endings; the canonical form is LF.", "load")

_LF_LINES = re.compile(r"[^\n]*\n|[^\n]+")  # lines split on LF only, ends kept
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?: |$)", re.MULTILINE)
_MAX_REPEATS = 20  # per file and code: past this, one summary finding says how many more


class UnreadableFile(Exception):
    """The file cannot be opened at all (missing, a directory, no permission)."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding


@dataclass
class Table:
    """One loaded table: string cells in canonical column order, and each row's physical line."""

    spec: TableSpec
    file: str
    frame: pd.DataFrame
    lines: list[int]
    present: bool = True
    header: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.frame)

    @classmethod
    def empty(cls, spec: TableSpec, file: str, present: bool = False) -> "Table":
        frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in spec.columns})
        return cls(spec, file, frame, [], present)


def _finding(r, file, line, message, column="", expected="", found="") -> Finding:
    return Finding(r.code, r.name, r.severity, file, line, column, "", message, expected, found)


def _line_of(data: bytes | str, offset: int) -> int:
    return data.count(b"\n" if isinstance(data, bytes) else "\n", 0, offset) + 1


def _looks_utf16(data: bytes) -> bool:
    """A UTF-16 byte-order mark, or ASCII text with every other byte NUL (UTF-16 without a mark)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    head = data[:64]
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return (even.count(0) == 0 and odd.count(0) == len(odd)) or (odd.count(0) == 0 and even.count(0) == len(even))


def decode(data: bytes, file: str) -> tuple[str | None, list[Finding]]:
    """Bytes to text, or the findings that say why not."""
    if _looks_utf16(data):
        return None, [_finding(ENCODING, file, 1, "file is UTF-16; save it as UTF-8", expected="UTF-8", found="UTF-16")]
    findings = []
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
        findings.append(_finding(BOM, file, 1, "file starts with a UTF-8 byte-order mark", expected="no BOM", found="BOM"))
    if b"\x00" in data:
        lines = sorted({_line_of(data, m.start()) for m in re.finditer(b"\x00", data)})
        findings += [_finding(NUL, file, n, "line holds a NUL byte") for n in lines[:_MAX_REPEATS]]
        return None, findings
    try:
        return data.decode("utf-8"), findings
    except UnicodeDecodeError as e:
        line = _line_of(data, e.start)
        found = data[e.start:e.start + 4].hex(" ")
        return None, findings + [_finding(ENCODING, file, line, f"invalid UTF-8 at byte {e.start}", expected="UTF-8", found=found)]


def parse(text: str, spec: TableSpec, file: str) -> tuple[list[str], list[list[str]], list[int], list[Finding]]:
    """Text to header, records and their start lines. Stops at the first unparseable record.

    Lines are counted by LF, as editors and GitHub count them; a CR inside a quoted cell is content.
    """
    findings: list[Finding] = []
    if "\r" in text and "\n" not in text:  # CR-only (classic Mac) line endings: CR is the line break
        findings.append(_finding(LINE_ENDINGS, file, 1, "CR-only line endings", expected="LF", found="CR"))
        text = text.replace("\r", "\n")
    marker_lines = {_line_of(text, m.start()) for m in _CONFLICT.finditer(text)}

    reader = csv.reader((m.group() for m in _LF_LINES.finditer(text)), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    starts: set[int] = set()
    ragged = blank = 0
    start, failed_at = 1, None
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            failed_at = start
            findings.append(_finding(CSV_SYNTAX, file, start, f"CSV syntax: {e}; nothing after this line is loaded"))
            break
        line, start = start, reader.line_num + 1
        starts.add(line)
        if not any(record):
            blank += 1
            if blank <= _MAX_REPEATS:
                findings.append(_finding(BLANK_ROW, file, line, "empty record ignored"))
            continue
        if header is None:
            header = record
            continue
        if len(record) != len(header):
            ragged += 1
            if ragged <= _MAX_REPEATS:
                findings.append(_finding(FIELD_COUNT, file, line, f"record has {len(record)} fields, header has {len(header)}",
                                         expected=str(len(header)), found=str(len(record))))
            continue
        rows.append(record)
        lines.append(line)
    # A marker counts where a record starts (or past a parse failure); inside a quoted cell it is text.
    markers = sorted(n for n in marker_lines if n in starts or (failed_at is not None and n >= failed_at))
    if markers:
        return [], [], [], [_finding(CONFLICT_MARKER, file, n, "merge-conflict marker left in the file") for n in markers]
    if "\r" in text:
        findings += _line_ending_findings(text, header or [], rows, file)
    for r, n in ((FIELD_COUNT, ragged), (BLANK_ROW, blank)):
        if n > _MAX_REPEATS:
            findings.append(_finding(r, file, None, f"{n - _MAX_REPEATS} more records like this are not listed"))
    return header or [], rows, lines, findings


def _line_ending_findings(text: str, header: list[str], rows: list[list[str]], file: str) -> list[Finding]:
    """CR used as a line ending (not a CR kept inside a quoted cell, which is content)."""
    in_cells = sum(cell.count("\r") for cell in header) + sum(cell.count("\r") for row in rows for cell in row)
    if text.count("\r") == in_cells:
        return []
    ends = re.search(r"\r\n?", text)
    found = "CRLF" if "\r\n" in text else "CR"
    return [_finding(LINE_ENDINGS, file, _line_of(text, ends.start()) if ends else None, f"{found} line endings", expected="LF", found=found)]


def check_header(header: list[str], spec: TableSpec, file: str) -> list[Finding]:
    findings = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            findings.append(_finding(HEADER_DUPLICATE, file, 1, f"column {name!r} appears twice", column=name, found=name))
        seen.add(name)
    missing = [c for c in spec.columns if c not in seen]
    for name in dict.fromkeys(header):
        if name not in spec.columns:
            near = difflib.get_close_matches(name.strip().lower(), missing, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            findings.append(_finding(HEADER_UNKNOWN, file, 1, f"unknown column {name!r}{hint}", column=name,
                                     expected=near[0] if near else "", found=name))
    for name in missing:
        findings.append(_finding(HEADER_MISSING, file, 1, f"missing column {name!r}", column=name, expected=name))
    return findings


# Python's csv module refuses cells over its field limit (L005); the fast path must refuse what it refuses.
_FIELD_LIMIT = csv.field_size_limit()
# A quote with a non-separator on both sides: a stray quote in a bare cell, or text after a closing quote.
# Valid CSV never has one (inside quotes a quote is doubled), and Python's csv and pyarrow read them differently.
_ODD_QUOTE = re.compile(r'[^,\n"]"[^,\n"]')


def parse_fast(text: str) -> tuple[list[str], pd.DataFrame, list[int]] | None:
    """Parse with pyarrow's multithreaded CSV reader when the file is plain: every record one LF line, no
    blank records, no CR, no conflict markers, no odd quotes, no cell over the field limit. Anything else
    returns None, and `parse` reads the file record by record and says exactly what is wrong."""
    if "\r" in text or _CONFLICT.search(text) or _ODD_QUOTE.search(text):
        return None
    first_end = text.find("\n")
    header_line = text[:first_end] if first_end != -1 else text
    if '"' in header_line or not header_line:
        return None  # quoted or empty header: the careful path
    header = header_line.split(",")
    if len(set(header)) != len(header):
        return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        table = pacsv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in header}, null_values=[],
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except Exception:  # ragged rows, bad quoting: the careful path reports them record by record
        return None
    n = table.num_rows
    if text.count("\n") + (not text.endswith("\n")) != n + 1:
        return None  # a record spans lines (or a blank line was read as a record): line numbers need the careful path
    import pyarrow.compute as pc

    if n and any(pc.max(pc.utf8_length(col)).as_py() > _FIELD_LIMIT or pc.any(pc.match_substring(col, "\n")).as_py()
                 for col in table.columns):
        return None  # an oversized cell, or a quote left open to the end of the file
    frame = table.to_pandas()
    if n and (frame == "").all(axis=1).any():
        return None  # a record of separators only: the careful path reports it as blank
    return header, frame, list(range(2, n + 2))


def read_table(path: Path, spec: TableSpec, file: str | None = None) -> tuple[Table, list[Finding]]:
    """Load one table. Rows that cannot be trusted are reported and left out, never guessed at."""
    file = file or str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        if spec.optional:
            return Table.empty(spec, file), []
        raise UnreadableFile(_finding(FILE_MISSING, file, None, f"{spec.name} file not found"))
    except OSError as e:
        raise UnreadableFile(_finding(FILE_MISSING, file, None, f"cannot read {spec.name} file: {e.strerror or e}"))

    text, findings = decode(data, file)
    if text is None:
        return Table.empty(spec, file, present=True), findings
    if not text.strip():
        return Table.empty(spec, file, present=True), findings + [_finding(EMPTY_FILE, file, 1, "file is empty; expected a header: " + ",".join(spec.columns))]
    fast = parse_fast(text)
    if fast is not None:
        header, frame, lines = fast
    else:
        header, rows, lines, parse_findings = parse(text, spec, file)
        findings += parse_findings
        frame = None
    if not header:
        return Table.empty(spec, file, present=True), findings
    header_findings = check_header(header, spec, file)
    findings += header_findings
    if any(f.code == HEADER_DUPLICATE.code for f in header_findings):
        return Table.empty(spec, file, present=True), findings  # columns cannot be told apart

    if frame is None:
        frame = pd.DataFrame(rows, columns=header, dtype="str") if rows else pd.DataFrame({c: pd.Series([], dtype="str") for c in header})
    for c in spec.columns:
        if c not in frame.columns:
            frame[c] = pd.Series([""] * len(frame), dtype="str")
    frame = frame[list(spec.columns)].reset_index(drop=True)
    return Table(spec, file, frame, lines, True, header), findings
