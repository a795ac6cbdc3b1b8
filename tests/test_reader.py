"""The reader's two paths agree: pyarrow's fast parse is used only where it gives exactly what the careful
record-by-record parse gives (same header, cells and line numbers)."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import TESTS
from ledger.layout import CLAIMS
from ledger.reader import parse, parse_fast

CSV_FILES = sorted(p for d in ("cases", "hostile", "diff_fixtures") for p in (TESTS / d).rglob("*.csv") if p.name != "expected.csv")


def _both(text: str):
    fast = parse_fast(text, "x.csv")
    header, rows, lines, findings = parse(text, CLAIMS, "x.csv")
    return fast, (header, rows, lines, findings)


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: str(p.relative_to(TESTS)))
def test_fast_path_agrees_with_careful_path_on_the_corpus(path):
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return
    fast, (header, rows, lines, findings) = _both(text)
    if fast is not None:
        f_header, frame, f_lines, f_findings = fast
        assert f_header == header and frame.values.tolist() == rows and f_lines == lines and f_findings == findings


def test_fast_path_is_taken_for_a_plain_file():
    text = "claim_id,quote\na,\"x, y\"\nb,NA\nc,\n"
    header, frame, lines, findings = parse_fast(text)
    assert frame.values.tolist() == [["a", "x, y"], ["b", "NA"], ["c", ""]] and lines == [2, 3, 4] and not findings


CELL = st.text(alphabet=st.sampled_from(list('ab ,"\n\r-=NA0.5') + ["\u00e9", "\u202e"]), max_size=6)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=6))
def test_fast_path_agrees_on_generated_tables(rows):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([["a", "b", "c"], *rows])
    fast, (header, careful_rows, lines, findings) = _both(out.getvalue())
    if fast is not None:
        f_header, frame, f_lines, f_findings = fast
        assert (f_header, frame.values.tolist(), f_lines, f_findings) == (header, careful_rows, lines, findings)


@pytest.mark.parametrize("bad", [",,\n", "x\n", "x,y,z,w\n", "\n"])
def test_fast_path_caps_set_aside_records_like_the_careful_path(bad):
    """25 ragged or blank records among good ones: 20 findings and one summary, on both paths alike."""
    body = "".join(f"r{i},\"q, {i}\",v\n" + (bad if i % 2 else "") for i in range(50))
    text = "a,b,c\n" + body
    fast, (header, rows, lines, findings) = _both(text)
    assert fast is not None, "a few bad records must not send the file to the careful path"
    f_header, frame, f_lines, f_findings = fast
    assert (f_header, frame.values.tolist(), f_lines, f_findings) == (header, rows, lines, findings)
    assert len(rows) == 50 and len(findings) == 21 and findings[-1].line is None and "5 more" in findings[-1].message


@pytest.mark.parametrize("text", ['a,b\n1,"x"y\n', 'a,b\n""x,1\n', 'a,b\n1,"open', 'a,b\nx"y,1\n', 'a,b\n1,2\r\n',
                                  'a,b\n<<<<<<< HEAD\n1,2\n', 'a,a\n1,2\n', '\na,b\n1,2\n', 'a,b\n1, "x"\n'])
def test_fast_path_declines_what_it_cannot_judge(text):
    assert parse_fast(text) is None


def test_a_cell_that_starts_with_u_feff_keeps_it_on_both_paths(tmp_path):
    """U+FEFF is a BOM only at the start of the file; as the first character of a record it is content
    (pyarrow, given the records after the header, dropped it)."""
    from ledger.reader import read_table

    text = ",".join(CLAIMS.columns) + "\n\ufeffa" + "," * (len(CLAIMS.columns) - 1) + "\n"
    assert parse(text)[1][0][0] == "\ufeffa"
    fast = parse_fast(text, "claims.csv", text.encode("utf-8"))
    assert fast is None or fast[1].iat[0, 0] == "\ufeffa"
    path = tmp_path / "claims.csv"
    path.write_text(text, encoding="utf-8")
    table, _ = read_table(path, CLAIMS)
    assert table.frame["claim_id"].iat[0] == "\ufeffa"


# The loader hands parse_fast the bytes undecoded; whatever it reads must be what decoding first would give.
_INVALID = [b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82"]


def _careful_read(data: bytes, spec):
    """(rows by column name, findings) as the loader gave them when it decoded the whole file before
    parsing; rows None when the table is left empty."""
    from ledger.reader import EMPTY_FILE, _finding, decode

    text, findings = decode(data, "x.csv")
    if text is None:
        return None, findings
    if not text or text.isspace():
        return None, findings + [_finding(EMPTY_FILE, "x.csv", 1, "file is empty; expected a header: " + ",".join(spec.columns))]
    header, rows, lines, parse_findings = parse(text, spec, "x.csv")
    return [dict(zip(header, r)) for r in rows], findings + parse_findings


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=6),
       st.sampled_from(_INVALID), st.integers(min_value=0), st.sampled_from(["", "\ufeff", "\u3000\n", " \n", "\u3000"]),
       st.sampled_from(["", "x\n", ",,\n", "a,b,c,d\n"]))
def test_undecoded_bytes_read_as_decoded_text(tmp_path_factory, rows, bad, at, lead, extra):
    """Invalid UTF-8 in any cell, the header, a ragged or blank record: the findings of decoding the whole
    file first (ENCODING at the right line, an empty table); valid bytes: the same findings and cells."""
    from ledger.reader import read_table

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([list(CLAIMS.columns[:3]), *rows])
    valid = (lead + out.getvalue() + extra).encode("utf-8")
    cut = at % (len(valid) + 1)
    for data in (valid, valid[:cut] + bad + valid[cut:]):
        path = tmp_path_factory.mktemp("t") / "claims.csv"
        path.write_bytes(data)
        table, findings = read_table(path, CLAIMS, "x.csv")
        rows_want, want = _careful_read(data, CLAIMS)
        assert findings[:len(want)] == want  # then the header's own findings
        if rows_want is None:
            assert len(table) == 0 and findings == want
        else:
            known = [c for c in CLAIMS.columns if c in (rows_want[0] if rows_want else {})]
            assert table.frame[known].to_dict("records") == [{c: w[c] for c in known} for w in rows_want]
