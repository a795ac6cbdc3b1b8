"""Exports: spreadsheets never see a formula, programs get typed values, a failing ledger is not exported."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from ledger.cli import main
from ledger.export import neutralise


@pytest.mark.parametrize("cell,safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+1", "'+1+1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("-2+3", "'-2+3"), ("\tx", "'\tx"), ("-23", "-23"), ("52.30", "52.30"), ("plain text", "plain text"), ("", ""),
    ("+1.5e3", "+1.5e3"), ("-2E-4", "-2E-4"), ("\r=1+1", "'\r=1+1"), ("-", "'-"), ("+1.5e", "'+1.5e"),
])
def test_neutralise(cell, safe):
    assert neutralise(cell) == safe


def _plant_formula(root):
    p = root / "claims.csv"
    p.write_text(p.read_text(encoding="utf-8").replace(",% read as relative", ",=1+2"), encoding="utf-8")


def test_csv_export_neutralises_formulas_and_keeps_numbers(ledger_dir):
    _plant_formula(ledger_dir)  # an L706 error since L706 became one: the export needs --force
    r = CliRunner().invoke(main, ["export", "--format", "csv", "--out", "out.csv", "--force"])
    assert r.exit_code == 0, r.output
    rows = {row["claim_id"]: row for row in csv.DictReader(open(ledger_dir / "out.csv", encoding="utf-8"))}
    assert rows["fastnet-latency-vs-slownet"]["notes"] == "'=1+2"
    assert rows["fastnet-latency-vs-slownet"]["value"] == "-23"
    assert rows["fastnet-accuracy"]["paper_title"] == "FastNet: a fixture paper"


def test_json_and_parquet_exports_are_typed(ledger_dir):
    assert CliRunner().invoke(main, ["export", "--out", "out.json"]).exit_code == 0
    claims = {c["claim_id"]: c for c in json.loads((ledger_dir / "out.json").read_text())["claims"]}
    acc = claims["fastnet-accuracy"]
    assert (acc["value"], acc["value_number"], acc["value_low"], acc["value_high"]) == ("77.58", 77.58, pytest.approx(77.575), pytest.approx(77.585))
    assert CliRunner().invoke(main, ["export", "--format", "parquet", "--out", "out.parquet"]).exit_code == 0
    frame = pd.read_parquet(ledger_dir / "out.parquet")
    assert len(frame) == 8 and frame["value"].tolist()[0] == "77.58" and frame["value_number"].dtype == "float64"


def test_a_ledger_with_errors_is_not_exported_unless_forced(ledger_dir):
    p = ledger_dir / "claims.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("77.58,percent", "77.5,percent"), encoding="utf-8")
    r = CliRunner().invoke(main, ["export", "--out", "out.json"])
    assert r.exit_code == 1 and not (ledger_dir / "out.json").exists()
    assert CliRunner().invoke(main, ["export", "--out", "out.json", "--force"]).exit_code == 0


def test_new_files_get_ordinary_permissions(ledger_dir):
    """Atomic writes go through a private temporary file; the result must not stay private (0600)."""
    import os
    import stat

    assert CliRunner().invoke(main, ["export", "--out", "out.json"]).exit_code == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE((ledger_dir / "out.json").stat().st_mode) == 0o666 & ~mask


@pytest.mark.parametrize("cell", ["+1.5e3", "-23", "2E-4", "-2+3", "=1", "@x", "\tx", "\rx", "-x", "+", "1.5e3", "a", "-.5"])
def test_export_and_l706_share_one_plain_number(cell):
    """A cell the CSV export leaves as is is exactly a cell L706 does not report."""
    from ledger.validators.hygiene import formula_injection
    from test_hostile import _ledger_with

    reported = bool(list(formula_injection(_ledger_with("notes", [cell]))))
    assert (neutralise(cell) != cell) is reported


def test_csv_export_quotes_a_lone_cr_so_a_record_stays_one(ledger_dir):
    from ledger.export import render

    frame = pd.DataFrame({"a": ["x\r=1+1", "y\nz", "w"], "b": ["1", "2", float("nan")]})
    text = render(frame, "csv").decode("utf-8")
    assert text == 'a,b\n"x\r=1+1",1\n"y\nz",2\nw,\n'
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["a", "b"], ["x\r=1+1", "1"], ["y\nz", "2"], ["w", ""]]


def test_l706_is_an_error_on_every_formula_prefix_only():
    from ledger.findings import Severity
    from ledger.registry import RULES
    from ledger.text import FORMULA_START
    from ledger.validators.hygiene import formula_injection
    from test_hostile import _ledger_with

    assert RULES["L706"].severity is Severity.ERROR
    for start in FORMULA_START:
        assert list(formula_injection(_ledger_with("notes", [start + "x"]))), repr(start)
    for start in "'#!$%&*/<>[\\]^_`|~a0 ":
        assert not list(formula_injection(_ledger_with("notes", [start + "x"]))), repr(start)


def test_formula_start_pattern_is_the_prefix_list():
    import re

    from ledger.text import FORMULA_START, FORMULA_START_PATTERN

    assert {chr(i) for i in range(0x3000) if re.match(FORMULA_START_PATTERN, chr(i))} == set(FORMULA_START)


CSV_CELLS = st.one_of(st.text(max_size=8), st.sampled_from(["=1+1", "-23", "+1.5e3", "\r", "\r\n", "a\rb", '"', ",", "<<<<<<< x",
                                                            "=======", "'", "-", "1e3", "\t", "@", ""]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(CSV_CELLS, CSV_CELLS), max_size=6), st.lists(st.one_of(st.none(), st.floats()), min_size=6, max_size=6))
def test_vectorised_csv_is_the_cell_by_cell_definition(cells, numbers):
    """csv_text (vectorised) writes what render_record(neutralise(cell)) writes, record by record."""
    from ledger.export import csv_text
    from ledger.fmt import render_record

    frame = pd.DataFrame({"a": [a for a, _ in cells], "b": [b for _, b in cells],
                          "n": pd.Series(numbers[:len(cells)], dtype="float64")})
    def cell(x):
        return "" if pd.isna(x) else str(x)
    expected = render_record(frame.columns) + "".join(render_record(neutralise(cell(x)) for x in row)
                                                      for row in frame.itertuples(index=False, name=None))
    assert csv_text(frame) == expected
    assert len(list(csv.reader(io.StringIO(expected, newline="")))) == len(frame) + 1
