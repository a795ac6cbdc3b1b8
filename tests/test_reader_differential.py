"""Differential test of the reader against Python's csv module in strict mode, on CSV-ish text made to
break parsers: quotes, doubled and stray quotes, `""x`, unterminated quotes, commas, CR, LF, CRLF, blank
lines, ragged records.

The contract, checked on both parse paths (the pyarrow fast path and the careful record-by-record one):
- what `csv.reader(..., strict=True)` rejects, the loader reports as L005 (the fast path declines it and
  the careful path gives L005);
- what it accepts, the loader reads cell for cell alike: the same header, the same records kept, at the
  same lines, and the same records set aside as ragged (L006) or blank (L010).

The reference splits lines as the loader documents: on LF, or on CR in a CR-only file. It is checked too
against the documented way to read a CSV file, `open(newline="")`, which also splits on a lone CR: that
one may accept more (a lone CR in an LF file ends a record there, and the loader refuses it with L005,
so nothing is silently split), but never less, and never other records.
"""

from __future__ import annotations

import csv
import io
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.layout import CLAIMS
from ledger.reader import parse, parse_fast

TOKENS = ["a", "b", "x", " ", ",", ",", '"', '"', '""', '""x', "\n", "\n", "\r", "\r\n", "\u00e9", "\ufeff", "NA", "\n\n", ",,"]
RAW = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)

CELL_TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\n\r') + ["\u00e9", "\ufeff"]), max_size=5)


@st.composite
def tables(draw) -> str:
    """Mostly well-formed tables, then a few damaging edits: the inputs where a fast path is tempted."""
    width = draw(st.integers(1, 4))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])))
    writer.writerow([f"c{i}" for i in range(width)])
    for _ in range(draw(st.integers(0, 6))):
        n = draw(st.sampled_from([width, width, width, 0, width - 1, width + 1]))
        writer.writerow([draw(CELL_TEXT) for _ in range(max(n, 0))])
    text = out.getvalue()
    for _ in range(draw(st.integers(0, 2))):  # damage: insert a token, or cut the file short
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(['"', '""x', "\n", "\r", ",", '"x"y', "\n\n"])) + text[at:]
        else:
            text = text[:at]
    return text


def _lines(text: str) -> list[str]:
    sep = "\r" if "\r" in text and "\n" not in text else "\n"
    return re.findall(f"[^{sep}]*{sep}|[^{sep}]+", text)


def reference(text: str, lines: list[str] | None = None):
    """(header, rows, row lines, blank lines, ragged lines) as the stdlib reads the text, or None if it rejects it."""
    reader = csv.reader(_lines(text) if lines is None else lines, strict=True)
    header, rows, at, blank, ragged, start = None, [], [], [], [], 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(record):
                blank.append(line)
            elif header is None:
                header = record
            elif len(record) != len(header):
                ragged.append(line)
            else:
                rows.append(record)
                at.append(line)
    except csv.Error:
        return None
    return header or [], rows, at, blank, ragged


def _found(findings, code):
    return [f.line for f in findings if f.code == code]


def _check(text: str) -> None:
    expected = reference(text)
    header, rows, lines, findings = parse(text, CLAIMS, "x.csv")
    fast = parse_fast(text, "x.csv")
    if expected is None:
        assert _found(findings, "L005"), "the strict csv module rejects this, the careful path does not"
        assert fast is None, "the strict csv module rejects this, the fast path read it"
    else:
        assert not _found(findings, "L005")
        want_header, want_rows, want_lines, blank, ragged = expected
        assert (header, rows, lines) == (want_header, want_rows, want_lines)
        assert (_found(findings, "L010"), _found(findings, "L006")) == (blank, ragged)
        if fast is not None:
            f_header, frame, f_lines, f_findings = fast
            assert (f_header, frame.values.tolist(), f_lines) == (want_header, want_rows, want_lines)
            assert f_findings == findings

    # Against open(newline=""): the loader is never less strict, and reads the same non-blank records.
    universal = reference(text, io.StringIO(text, newline=""))
    if universal is None:
        assert _found(findings, "L005") and fast is None
    elif not _found(findings, "L005"):
        assert (header, rows) == universal[:2]


SETTINGS = settings(max_examples=500, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(RAW)
def test_reader_agrees_with_strict_csv_on_arbitrary_text(text):
    _check(text)


@SETTINGS
@given(tables())
def test_reader_agrees_with_strict_csv_on_damaged_tables(text):
    _check(text)


def test_the_probe_inputs():
    """The inputs the first probe found: a file cut inside a quoted last cell, a `""x` cell."""
    for text in ['a,b\n1,"cut sho', 'a,b\n""x,1\n', 'a,b\n1,"x"y\n', 'a,b\n1,2\n3\n4,5\n\n,\n']:
        _check(text)
    assert parse_fast('a,b\n1,"cut sho') is None and parse_fast('a,b\n""x,1\n') is None
    header, frame, lines, findings = parse_fast('a,b\n1,2\n3\n4,"5\n6"\n\n,\n7,8\n')
    assert frame.values.tolist() == [["1", "2"], ["4", "5\n6"], ["7", "8"]] and lines == [2, 4, 8]
    assert [(f.code, f.line) for f in findings] == [("L006", 3), ("L010", 6), ("L010", 7)]
