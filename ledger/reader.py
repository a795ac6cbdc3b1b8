"""Read a ledger table as text, record where each record starts, and report what cannot be read.

Every cell stays a string: nothing guesses `NA`, `None` or `nan` into a missing value, and
`2401.10020` stays text. A problem becomes a finding, never an exception; only a required table that
cannot be read at all raises `UnreadableFile`.

Inputs are regular files of at most MAX_FILE_BYTES inside their ledger folder (`read_bytes`). Two parse
paths give the same result: `parse_fast` (pyarrow) where the bytes are unambiguous, else `parse`, Python's
csv module in strict mode record by record; `tests/test_reader_differential.py` holds them to it.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import difflib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .findings import Finding
from .layout import TableSpec
from .rules import (  # noqa: F401  (part of this module's interface)
    BLANK_ROW, BOM, CONFLICT_MARKER, CSV_SYNTAX, EMPTY_FILE, ENCODING, FIELD_COUNT, FILE_MISSING, HEADER_DUPLICATE,
    HEADER_MISSING, HEADER_UNKNOWN, LINE_ENDINGS, NUL)


_CONFLICT = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?: |$)", re.MULTILINE)
_MAX_REPEATS = 20  # per file and code: past this, one summary finding says how many more
# The ASCII characters str.isspace() counts as white space (the file separators too): a text that starts
# with these and then an ASCII character that is not one is not blank.
_LEADING_SPACE = re.compile(rb"[\t\n\x0b\x0c\r\x1c-\x1f ]*")


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
    return r.finding(file, line, column, message, expected, found)


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


def _byte_findings(data: bytes, file: str) -> tuple[bytes | None, list[Finding]]:
    """What the bytes alone say, before any decoding: the body after a UTF-8 byte-order mark, or None
    when the file is UTF-16 or holds NUL bytes; and the findings."""
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
    return data, findings


def decode(data: bytes, file: str) -> tuple[str | None, list[Finding]]:
    """Bytes to text, or the findings that say why not."""
    data, findings = _byte_findings(data, file)
    if data is None:
        return None, findings
    try:
        return data.decode("utf-8"), findings
    except UnicodeDecodeError as e:
        line = _line_of(data, e.start)
        found = data[e.start:e.start + 4].hex(" ")
        return None, findings + [_finding(ENCODING, file, line, f"invalid UTF-8 at byte {e.start}", expected="UTF-8", found=found)]


def _split_lines(text: str, terminator: str) -> Iterator[str]:
    """The physical lines of text, each with its terminator, for csv.reader (which joins quoted lines)."""
    pos, n = 0, len(text)
    while pos < n:
        end = text.find(terminator, pos)
        end = n if end == -1 else end + 1
        yield text[pos:end]
        pos = end


def _summaries(file: str, ragged: int, blank: int) -> list[Finding]:
    return [_finding(r, file, None, f"{n - _MAX_REPEATS} more records like this are not listed")
            for r, n in ((FIELD_COUNT, ragged), (BLANK_ROW, blank)) if n > _MAX_REPEATS]


def parse(*args, **kwargs):
    """_parse under the ledger's own csv field limit."""
    with _csv_field_limit():
        return _parse(*args, **kwargs)


def _parse(text: str, spec: TableSpec | None = None, file: str = "") -> tuple[list[str], list[list[str]], list[int], list[Finding]]:
    """Text to header, records and their start lines, record by record with Python's csv module in strict
    mode. Stops at the first unparseable record.

    Lines are counted by LF, as editors and GitHub count them; a CR inside a quoted cell is content. A
    CR-only file (classic Mac) has CR as its record terminator, and a CR inside a quoted cell of it is
    content too (it is not turned into LF, so `fmt` keeps it).
    """
    findings: list[Finding] = []
    cr_only = "\r" in text and "\n" not in text
    if cr_only:
        findings.append(_finding(LINE_ENDINGS, file, 1, "CR-only line endings", expected="LF", found="CR"))
    # Line starts for the marker scan: CR is the line break of a CR-only file.
    marker_lines = {_line_of(text, m.start()) for m in _CONFLICT.finditer(text)} if not cr_only else \
        {text.count("\r", 0, m.start()) + 1 for m in _CONFLICT.finditer(text.replace("\r", "\n"))}

    reader = csv.reader(_split_lines(text, "\r" if cr_only else "\n"), strict=True)
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
                findings.append(_ragged(file, line, len(record), len(header)))
            continue
        rows.append(record)
        lines.append(line)
    # A marker counts where a record starts (or past a parse failure); inside a quoted cell it is text.
    markers = sorted(n for n in marker_lines if n in starts or (failed_at is not None and n >= failed_at))
    if markers:
        return [], [], [], [_finding(CONFLICT_MARKER, file, n, "merge-conflict marker left in the file") for n in markers]
    if "\r" in text and not cr_only:
        findings += _line_ending_findings(text, header or [], rows, file)
    return header or [], rows, lines, findings + _summaries(file, ragged, blank)


def _ragged(file: str, line: int, got: int, want: int) -> Finding:
    return _finding(FIELD_COUNT, file, line, f"record has {got} fields, header has {want}", expected=str(want), found=str(got))


def _line_ending_findings(text: str, header: list[str], rows: list[list[str]], file: str) -> list[Finding]:
    """CR used as a line ending (not a CR kept inside a quoted cell, which is content)."""
    in_cells = sum(cell.count("\r") for cell in header) + sum(cell.count("\r") for row in rows for cell in row)
    if text.count("\r") == in_cells:
        return []
    ends = re.search(r"\r\n?", text)
    found = "CRLF" if "\r\n" in text else "CR"
    return [_finding(LINE_ENDINGS, file, _line_of(text, ends.start()) if ends else None, f"{found} line endings", expected="LF", found=found)]


def check_header(header: list[str], spec: TableSpec, file: str) -> list[Finding]:
    """L007-L009 for a header. Each family is capped like the record findings, so a header of a million
    columns costs one pass over it, not a million findings (nor a million fuzzy matches)."""
    findings = []
    seen: set[str] = set()
    duplicates = unknown = 0
    for name in header:
        if name in seen:
            duplicates += 1
            if duplicates <= _MAX_REPEATS:
                findings.append(_finding(HEADER_DUPLICATE, file, 1, f"column {name!r} appears twice", column=name, found=name))
        seen.add(name)
    missing = [c for c in spec.columns if c not in seen and c not in spec.optional_columns]
    near_to = [c for c in spec.columns if c not in seen]
    known = set(spec.columns)
    for name in dict.fromkeys(header):
        if name not in known:
            unknown += 1
            if unknown > _MAX_REPEATS:
                continue
            near = difflib.get_close_matches(name.strip().lower(), near_to, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            findings.append(_finding(HEADER_UNKNOWN, file, 1, f"unknown column {name!r}{hint}", column=name,
                                     expected=near[0] if near else "", found=name))
    for r, n, what in ((HEADER_DUPLICATE, duplicates, "repeated"), (HEADER_UNKNOWN, unknown, "unknown")):
        if n > _MAX_REPEATS:
            findings.append(_finding(r, file, 1, f"{n - _MAX_REPEATS} more {what} columns are not listed"))
    for name in missing:
        findings.append(_finding(HEADER_MISSING, file, 1, f"missing column {name!r}", column=name, expected=name))
    return findings


# The largest cell a ledger may hold (the csv module's default limit, 128 KiB): a larger one is L005 on both
# paths. Set for each parse, not read from the process: another library (frictionless does) may raise the
# process-wide limit, and what the ledger accepts must not depend on what else was imported.
_FIELD_LIMIT = 131072


@contextlib.contextmanager
def _csv_field_limit():
    old = csv.field_size_limit(_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(old)
_QUOTE, _COMMA, _LF = ord('"'), ord(","), ord("\n")
_WIDE = 4096  # columns; a wider header goes to the careful path, which never builds a frame that wide


_MARKER_START = tuple(map(ord, "<=>|"))
_CONFLICT_BYTES = re.compile(_CONFLICT.pattern.encode(), re.MULTILINE)


def _has_conflict_marker(data: bytes, buf, newlines) -> bool:
    """A line that starts like a merge-conflict marker: only the first byte of each line is looked at in bulk
    (a regex over the whole file costs more than the parse), the regex confirms the few candidates."""
    import numpy as np

    starts = np.concatenate(([0], newlines[newlines < len(buf) - 1] + 1))
    first = buf[starts]
    candidates = starts[np.isin(first, _MARKER_START)] if len(starts) else starts
    return any(_CONFLICT_BYTES.match(data, int(i)) for i in candidates)


def _separator(codes):
    return (codes == _COMMA) | (codes == _LF) | (codes == _QUOTE)


def _parse_record(text: str) -> list[str]:
    with _csv_field_limit():
        return next(csv.reader(_split_lines(text, "\n"), strict=True), [])


def parse_fast(text: str | None, file: str = "", data: bytes | None = None, columns: tuple[str, ...] | None = None):
    """Parse with pyarrow's CSV reader when the bytes are ones it reads exactly as Python's csv module in
    strict mode does; otherwise return None, and `parse` reads the file record by record.

    Returns (header, frame, lines, findings): the records with as many fields as the header, their start
    lines, and the L006 / L010 findings for the records set aside (ragged or blank), with the caps `parse`
    applies. `data` is the text as UTF-8; the loader passes only the bytes (text None), undecoded:
    pyarrow validates the UTF-8 of every cell it reads and the records read here are decoded strictly, so
    invalid UTF-8 anywhere sends the file to the careful path, which reports it (decoding a whole 150 MB
    file to a str costs more than the pyarrow parse).

    The bytes qualify when there is no CR, no conflict marker and every quote is structural: quotes pair
    up; an opening quote starts a field (after a comma, a LF, the start of the file, or doubling the quote
    before it); a closing quote ends one (before a comma, a LF, the end, or a doubling quote). Then the
    quote parity of a position says whether it is inside a quoted cell, so record boundaries, start lines
    and record lengths come from numpy over the bytes, and any disagreement with pyarrow's own count sends
    the file to the careful path. A stray quote in a bare cell, text after a closing quote (`""x`), an
    unterminated quote, a record longer than the csv module's field limit: the careful path.

    With `columns`, the frame holds exactly those columns, in that order (one absent from the header is
    all empty cells), built in Arrow before the one conversion to pandas.
    """
    try:
        return _parse_fast(text, file, data, columns)
    except UnicodeDecodeError:
        return None  # the careful path decodes the whole file and says where


def _parse_fast(text, file, data, columns):
    data = text.encode("utf-8") if data is None else data
    if not data or b"\r" in data:
        return None
    import numpy as np

    buf = np.frombuffer(data, dtype=np.uint8)
    size = len(buf)
    newlines = np.flatnonzero(buf == _LF)
    if _has_conflict_marker(data, buf, newlines):
        return None
    quotes = np.flatnonzero(buf == _QUOTE)
    if len(quotes) % 2:
        return None  # a quote left open to the end of the file
    if len(quotes):
        opens, closes = quotes[0::2], quotes[1::2]
        before = buf[opens[opens > 0] - 1]
        after = buf[closes[closes < size - 1] + 1]
        if not (_separator(before).all() and _separator(after).all()):
            return None
    if len(quotes) and len(newlines):
        quoted = np.searchsorted(quotes, newlines) % 2 == 1  # an odd number of quotes before it: inside a cell
        ends = newlines[~quoted]
    else:
        quoted, ends = None, newlines
    # Records are [starts[i], stops[i]); a final LF ends the last record, it does not start an empty one.
    stops = np.append(ends, size) if not len(ends) or ends[-1] != size - 1 else ends
    starts = np.concatenate(([0], stops[:-1] + 1))
    if int((stops - starts).max()) > _FIELD_LIMIT:
        return None  # a cell may be over the csv module's limit: the careful path says which
    header_text = data[:int(stops[0])].decode("utf-8")
    header = _parse_record(header_text)
    if not any(header) or len(set(header)) != len(header) or len(header) > _WIDE:
        return None  # a leading blank record, repeated or very many columns: the careful path
    if quoted is not None and quoted.any():  # quoted line breaks: a record's line is 1 + the LFs before it
        lines_of = np.searchsorted(newlines, starts) + 1
    else:
        lines_of = np.arange(1, len(starts) + 1)
    n_records = len(starts) - 1  # after the header

    set_aside: dict[int, None] = {}  # record numbers (1 = the first after the header) pyarrow skipped

    def invalid(row):
        if row.number is None:
            raise ValueError("row number unknown")
        set_aside[row.number] = None
        return "skip"

    import pyarrow as pa
    import pyarrow.csv as pacsv

    body = data[int(starts[1]):] if n_records else b""
    if body.startswith(codecs.BOM_UTF8):
        return None  # pyarrow drops a byte-order mark at the start of its input: here it is a cell's first character
    if body:
        try:
            table = pacsv.read_csv(
                pa.py_buffer(body),
                # one thread: pyarrow knows the number of a skipped row only when it reads in order
                # 16 MiB blocks: a 150 MB file is ten chunks, not 146, and every later column operation pays per chunk
                read_options=pacsv.ReadOptions(column_names=header, use_threads=False, block_size=1 << 24),
                parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=invalid),
                convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in header}, null_values=[],
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False))
        except (pa.ArrowException, ValueError):
            return None
    else:
        table = pa.table({c: pa.array([], pa.string()) for c in header})
    if any(n > n_records for n in set_aside):
        return None
    keep = np.ones(n_records + 1, dtype=bool)
    keep[0] = False  # the header
    keep[list(set_aside)] = False
    kept = np.flatnonzero(keep)
    if table.num_rows != len(kept) or table.num_columns != len(header):
        return None  # pyarrow and the byte scan disagree on the records: trust neither

    events: list[tuple[int, Finding]] = []
    ragged = blank = 0
    for number in set_aside:  # a few records: read each exactly as the careful path would
        record = _parse_record(data[int(starts[number]):int(stops[number])].decode("utf-8"))
        line = int(lines_of[number])
        if not any(record):
            blank += 1
            events.append((line, _finding(BLANK_ROW, file, line, "empty record ignored")))
        else:
            ragged += 1
            events.append((line, _ragged(file, line, len(record), len(header))))
    # A blank record of n fields is at most n - 1 commas and n quoted empty cells: only records that short
    # can be blank, and there are few of them to look at one by one.
    short = np.flatnonzero((stops - starts)[kept] <= 3 * len(header) - 1)
    empty_rows = np.zeros(len(kept), dtype=bool)
    for i in short:
        empty_rows[i] = not any(_parse_record(data[int(starts[kept[i]]):int(stops[kept[i]])].decode("utf-8")))
    if empty_rows.any():
        for i in np.flatnonzero(empty_rows):
            line = int(lines_of[kept[i]])
            blank += 1
            events.append((line, _finding(BLANK_ROW, file, line, "empty record ignored")))
        # zero-copy slices around the few blank rows (a filter copies every column)
        bounds = [-1, *np.flatnonzero(empty_rows).tolist(), len(empty_rows)]
        table = pa.concat_tables([table.slice(a + 1, b - a - 1) for a, b in zip(bounds, bounds[1:])])
        kept = kept[~empty_rows]
    findings, count = [], {}
    for _, f in sorted(events, key=lambda e: e[0]):
        count[f.code] = count.get(f.code, 0) + 1
        if count[f.code] <= _MAX_REPEATS:
            findings.append(f)
    if columns is not None:
        empty = pa.repeat(pa.scalar("", pa.string()), table.num_rows)
        table = pa.table({c: table.column(c) if c in table.column_names else empty for c in columns})
    frame = table.to_pandas()
    return header, frame, lines_of[kept].tolist(), findings + _summaries(file, ragged, blank)


# Inputs are regular files of at most this size: a bigger "table" is a mistake (or /dev/zero behind a
# symlink), and reading it whole would only end in a MemoryError.
MAX_FILE_BYTES = 4 << 30  # 4 GiB


class _Refused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _ledger_root(path: Path, spec: TableSpec) -> Path:
    """The ledger folder a table path belongs to: `root/vocab/metrics.csv` -> `root`, else its own folder
    (as `Layout.find` puts the side tables next to the claims file)."""
    path = Path(os.path.abspath(path))
    rel = Path(spec.relpath).parts
    if len(path.parts) > len(rel) and path.parts[-len(rel):] == rel:
        return path.parents[len(rel) - 1]
    return path.parent


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def _check_regular(st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise _Refused(f"is {_kind(st.st_mode)}, not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise _Refused(f"is {st.st_size} bytes, over the {MAX_FILE_BYTES >> 30} GiB limit")


def read_bytes(path: Path, spec: TableSpec) -> bytes:
    """The bytes of a table file, only if it is a regular file of bounded size inside its ledger folder.

    Raises FileNotFoundError, OSError, or _Refused with the reason. The file is stat-ed before it is opened
    and opened non-blocking, so a FIFO put in its place never blocks the run; a symlink that resolves
    outside the ledger folder (`claims.csv -> /etc/passwd`) is refused without being read.
    """
    path = Path(path)
    st = os.stat(path)  # follows symlinks: FileNotFoundError for a dangling one
    _check_regular(st)
    real, root = Path(os.path.realpath(path)), Path(os.path.realpath(_ledger_root(path, spec)))
    if not real.is_relative_to(root):
        raise _Refused("resolves outside the ledger folder (a symlink?); it is not read")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with open(fd, "rb") as fh:  # builtin open of the descriptor: it closes it
        _check_regular(os.fstat(fh.fileno()))  # what was opened, in case the path changed since the stat
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(f"is over the {MAX_FILE_BYTES >> 30} GiB limit")
    return data


def read_table(path: Path, spec: TableSpec, file: str | None = None) -> tuple[Table, list[Finding]]:
    """Load one table. Rows that cannot be trusted are reported and left out, never guessed at.

    A required table (claims, papers) that cannot be read raises UnreadableFile; an optional one that is
    missing is an empty table, and one that exists but cannot be read (a FIFO, a folder, no permission, a
    symlink out of the ledger) is an empty table and an L001 finding, so the run goes on.
    """
    file = file or str(path)
    try:
        data = read_bytes(path, spec)
    except FileNotFoundError:
        if spec.optional:
            return Table.empty(spec, file), []
        raise UnreadableFile(_finding(FILE_MISSING, file, None, f"{spec.name} file not found"))
    except (OSError, _Refused) as e:
        why = e.message if isinstance(e, _Refused) else f"cannot be read: {e.strerror or e}"
        finding = _finding(FILE_MISSING, file, None, f"{spec.name} file {why}")
        if spec.optional:
            return Table.empty(spec, file), [finding]
        raise UnreadableFile(finding)

    body, findings = _byte_findings(data, file)
    if body is None:
        return Table.empty(spec, file, present=True), findings
    # The fast path reads the bytes without decoding them to one str (see parse_fast); it needs a file
    # that plainly holds more than white space, else the careful path decides.
    lead = _LEADING_SPACE.match(body).end()
    fast = parse_fast(None, file, body, spec.columns) if lead < len(body) and body[lead] < 0x80 else None
    if fast is not None:
        header, frame, lines, parse_findings = fast
        rows = None
    else:
        text, findings = decode(data, file)
        if text is None:
            return Table.empty(spec, file, present=True), findings
        if not text or text.isspace():  # not text.strip(): that copies the whole file
            return Table.empty(spec, file, present=True), findings + [_finding(EMPTY_FILE, file, 1, "file is empty; expected a header: " + ",".join(spec.columns))]
        header, rows, lines, parse_findings = parse(text, spec, file)
        frame = None
    findings += parse_findings
    if not header:
        return Table.empty(spec, file, present=True), findings
    header_findings = check_header(header, spec, file)
    findings += header_findings
    if any(f.code == HEADER_DUPLICATE.code for f in header_findings):
        return Table.empty(spec, file, present=True), findings  # columns cannot be told apart

    # Only the spec's columns are built (an unknown column is reported above and not loaded), so a header
    # of a million columns never becomes a frame of a million columns.
    where = {name: i for i, name in enumerate(header)}
    if frame is None:
        frame = pd.DataFrame({c: pd.Series([r[where[c]] for r in rows] if c in where else [""] * len(rows), dtype="str")
                              for c in spec.columns})
    return Table(spec, file, frame, lines, True, header), findings
