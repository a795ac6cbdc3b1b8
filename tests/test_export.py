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
from ledger.export import EXPORT_TABLE, neutralise, pandas_dtypes, schema


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
    claims = {c["claim_id"]: c for c in json.loads((ledger_dir / "out.json").read_text())}
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


# ------------------------------------------------ exports a program can import without surprises

COLUMNS = [f["name"] for f in schema()["fields"]]


def _export(*args, code=0):
    r = CliRunner().invoke(main, ["export", *args])
    assert r.exit_code == code, r.output
    return r


def test_json_is_an_array_of_records_pandas_reads_one_row_per_claim(ledger_dir):
    _export("--out", "out.json")
    frame = pd.read_json(ledger_dir / "out.json", dtype=False)
    assert frame.shape == (8, len(COLUMNS)) and frame.columns.tolist() == COLUMNS
    row = frame.set_index("claim_id").loc["slownet-accuracy"]
    assert (row["paper_id"], row["value"], row["paper_year"]) == ("2401.00002", "74.90", 2023)
    assert pd.isna(row["baseline"]) and pd.isna(row["notes"])  # empty cells are null, not ''
    assert json.loads((ledger_dir / "out.json").read_text())[0]["baseline"] is None
    # why the docstring says dtype=False: pandas' default reads these strings as floats
    default = pd.read_json(ledger_dir / "out.json").set_index("claim_id").loc["slownet-accuracy"]
    assert default["value"] != "74.90" and default["paper_id"] != "2401.00002"
    typed = pd.read_json(ledger_dir / "out.json", dtype=pandas_dtypes(schema()))
    assert str(typed["paper_year"].dtype) == "Int64" and typed["value"].tolist()[6] == "74.90"


def test_ndjson_is_one_record_per_line(ledger_dir):
    _export("--out", "out.json")
    _export("--format", "ndjson", "--out", "out.ndjson")
    lines = (ledger_dir / "out.ndjson").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 8 and all(isinstance(json.loads(line), dict) for line in lines)
    pd.testing.assert_frame_equal(pd.read_json(ledger_dir / "out.ndjson", lines=True, dtype=False),
                                  pd.read_json(ledger_dir / "out.json", dtype=False))


def _break_year(root, year="20x3"):
    p = root / "papers.csv"
    p.write_text(p.read_text(encoding="utf-8").replace(",2023,", f",{year},"), encoding="utf-8")


def test_parquet_has_typed_columns_nulls_and_the_ledger_metadata(ledger_dir):
    import pyarrow as pa
    import pyarrow.parquet as pq

    _export("--format", "parquet", "--out", "out.parquet")
    arrow = pq.read_table(ledger_dir / "out.parquet")
    types = {f.name: f.type for f in arrow.schema}
    assert types["paper_id"] == types["value"] == types["notes"] == pa.string()
    assert types["paper_year"] == pa.int64() and types["value_low"] == pa.float64()
    assert arrow.column("baseline").null_count == 5 and arrow.column("notes").null_count == 7
    assert arrow.column("value").to_pylist()[6] == "74.90"
    described = json.loads(arrow.schema.metadata[b"claims-ledger"])
    assert described["name"] == EXPORT_TABLE and described["schema"] == schema()
    meta = described["ledger:export"]
    assert (meta["tool"], meta["declaration"], meta["claims"], meta["papers"], meta["error_findings"]) == (
        "claims-ledger", "claims-ledger", 8, 2, 0)
    frame = pd.read_parquet(ledger_dir / "out.parquet")
    assert frame.attrs["claims-ledger"] == meta and str(frame["paper_year"].dtype) == "Int64"
    assert "Year of the arXiv version" in arrow.schema.field("paper_year").metadata[b"description"].decode()


def test_a_year_that_is_not_a_year_is_null_and_the_errors_are_counted(ledger_dir):
    import pyarrow.parquet as pq

    _break_year(ledger_dir)  # L108, an error: exported only with --force
    _export("--format", "parquet", "--out", "out.parquet", code=1)
    _export("--format", "parquet", "--out", "out.parquet", "--force")
    arrow = pq.read_table(ledger_dir / "out.parquet")
    years = dict(zip(arrow.column("claim_id").to_pylist(), arrow.column("paper_year").to_pylist()))
    assert years["slownet-accuracy"] is None and years["fastnet-accuracy"] == 2024
    assert json.loads(arrow.schema.metadata[b"claims-ledger"])["ledger:export"]["error_findings"] >= 1


def _plant_none_note(root):
    p = root / "claims.csv"
    p.write_text(p.read_text(encoding="utf-8").replace(",% read as relative", ",None"), encoding="utf-8")


def test_csv_with_its_descriptor_keeps_ids_and_values_as_text(ledger_dir):
    import frictionless

    _plant_none_note(ledger_dir)
    _export("--format", "csv", "--out", "out.csv", "--descriptor")
    described = json.loads((ledger_dir / "out.csv.resource.json").read_text(encoding="utf-8"))
    assert described["path"] == "out.csv" and described["schema"] == schema()
    assert described["ledger:export"]["claims"] == 8
    report = frictionless.validate(ledger_dir / "out.csv.resource.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = {r["claim_id"]: r for r in frictionless.Resource(ledger_dir / "out.csv.resource.json").read_rows()}
    assert (rows["slownet-accuracy"]["value"], rows["slownet-accuracy"]["paper_id"]) == ("74.90", "2401.00002")
    assert rows["slownet-accuracy"]["paper_year"] == 2023 and rows["slownet-accuracy"]["baseline"] is None
    frame = pd.read_csv(ledger_dir / "out.csv", dtype=pandas_dtypes(described["schema"]),
                        keep_default_na=False, na_values=[""]).set_index("claim_id")
    assert (frame.loc["slownet-accuracy", "value"], frame.loc["slownet-accuracy", "paper_id"]) == ("74.90", "2401.00002")
    assert frame.loc["fastnet-latency-vs-slownet", "notes"] == "None" and pd.isna(frame.loc["fastnet-accuracy", "notes"])
    # why the docstring names keep_default_na: pandas' default reads the note "None" as null
    assert pd.isna(pd.read_csv(ledger_dir / "out.csv", dtype=str).set_index("claim_id").loc["fastnet-latency-vs-slownet", "notes"])


def test_the_csv_descriptor_rejects_a_file_that_breaks_its_types(ledger_dir):
    import frictionless

    _export("--format", "csv", "--out", "out.csv", "--descriptor")
    p = ledger_dir / "out.csv"
    p.write_text(p.read_text(encoding="utf-8").replace(",2023,", ",twenty,"), encoding="utf-8")
    report = frictionless.validate(ledger_dir / "out.csv.resource.json")
    assert not report.valid and {e.type for e in report.tasks[0].errors} == {"type-error"}


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_the_json_descriptors_validate_and_reject_a_number_for_an_id(ledger_dir, fmt):
    import frictionless

    _export("--format", fmt, "--out", f"out.{fmt}", "--descriptor")
    sidecar = ledger_dir / f"out.{fmt}.resource.json"
    assert frictionless.validate(sidecar).valid
    p = ledger_dir / f"out.{fmt}"
    p.write_text(p.read_text(encoding="utf-8").replace('"2401.00002"', "2401.00002"), encoding="utf-8")
    report = frictionless.validate(sidecar)
    assert not report.valid and {e.type for e in report.tasks[0].errors} == {"type-error"}


@pytest.mark.parametrize("args", [["--format", "parquet", "--descriptor"], ["--format", "datapackage", "--descriptor"],
                                  ["--format", "json", "--replace"]])
def test_options_for_other_formats_are_usage_errors(ledger_dir, args):
    r = _export(*args, "--out", "x", code=2)
    assert "Usage" in r.output and not (ledger_dir / "x").exists()


def test_datapackage_is_accepted_by_frictionless_and_holds_the_data_verbatim(ledger_dir):
    import frictionless

    _plant_formula(ledger_dir)  # L706: --force; the package keeps the cell as it is, no apostrophe
    _export("--format", "datapackage", "--out", "pkg", "--force")
    pkg = ledger_dir / "pkg"
    assert sorted(p.relative_to(pkg).as_posix() for p in pkg.rglob("*") if p.is_file()) == [
        "claims.csv", "claims_export.csv", "coverage_skips.csv", "datapackage.json", "papers.csv",
        "vocab/entities.csv", "vocab/metrics.csv"]
    for name in ("claims.csv", "papers.csv", "vocab/metrics.csv"):
        assert (pkg / name).read_bytes() == (ledger_dir / name).read_bytes()
    report = frictionless.validate(pkg / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = {r["claim_id"]: r for r in csv.DictReader(open(pkg / "claims_export.csv", encoding="utf-8", newline=""))}
    assert rows["fastnet-latency-vs-slownet"]["notes"] == "=1+2" and rows["slownet-accuracy"]["value"] == "74.90"
    package = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    assert package["ledger:export"]["error_findings"] >= 1
    export_res = next(r for r in package["resources"] if r["name"] == EXPORT_TABLE)
    assert export_res["schema"]["fields"] == schema()["fields"]
    assert all(r["hash"].startswith("sha256:") and r["bytes"] > 0 for r in package["resources"])


@pytest.mark.parametrize("tamper", ["74.90,percent", "SlowNet achieves"])
def test_a_tampered_datapackage_copy_fails(ledger_dir, tamper, tmp_path):
    import shutil

    import frictionless

    _export("--format", "datapackage", "--out", "pkg")
    copy = shutil.copytree(ledger_dir / "pkg", tmp_path / "copy")
    name = "claims_export.csv" if tamper.endswith("percent") else "papers.csv"
    p = copy / name
    text = p.read_text(encoding="utf-8")
    tampered = text.replace(tamper, tamper.replace("74.90", "74.9").replace("S", "s", 1))  # still schema-valid
    assert tampered != text
    p.write_text(tampered, encoding="utf-8")
    report = frictionless.validate(copy / "datapackage.json")
    assert not report.valid and "hash-count" in {e.type for t in report.tasks for e in t.errors}
    assert frictionless.validate(ledger_dir / "pkg" / "datapackage.json").valid


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_datapackage_replaces_only_an_earlier_export_and_only_when_asked(ledger_dir):
    _export("--format", "datapackage", "--out", "pkg")
    first = _tree(ledger_dir / "pkg")
    r = _export("--format", "datapackage", "--out", "pkg", code=2)
    assert "not empty" in r.output and "--replace" in r.output and _tree(ledger_dir / "pkg") == first
    p = ledger_dir / "claims.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("% read as relative", "relative"), encoding="utf-8")
    _export("--format", "datapackage", "--out", "pkg", "--replace")
    assert _tree(ledger_dir / "pkg") != first and b"relative\n" in _tree(ledger_dir / "pkg")["claims.csv"]
    (ledger_dir / "pkg" / "mine.txt").write_text("a person's file\n")  # no longer only an export
    before = _tree(ledger_dir / "pkg")
    r = _export("--format", "datapackage", "--out", "pkg", "--replace", code=2)
    assert "left alone" in r.output and _tree(ledger_dir / "pkg") == before
    assert not [p for p in ledger_dir.iterdir() if p.name.endswith(".ledger-tmp")]


def test_datapackage_refuses_a_folder_that_is_not_an_export_and_a_file(ledger_dir):
    (ledger_dir / "notes").mkdir()
    (ledger_dir / "notes" / "todo.txt").write_text("keep\n")
    r = _export("--format", "datapackage", "--out", "notes", "--replace", code=2)
    assert r.output.count("\n") == 1 and (ledger_dir / "notes" / "todo.txt").read_text() == "keep\n"
    (ledger_dir / "afile").write_text("x\n")
    r = _export("--format", "datapackage", "--out", "afile", code=2)
    assert "a file, not a folder" in r.output and (ledger_dir / "afile").read_text() == "x\n"
    (ledger_dir / "empty").mkdir()
    _export("--format", "datapackage", "--out", "empty")  # an empty folder holds nothing to lose
    assert (ledger_dir / "empty" / "datapackage.json").is_file()


def test_a_failed_datapackage_write_leaves_the_old_folder_and_no_temporary_one(ledger_dir, monkeypatch):
    import errno

    from ledger import atomic

    _export("--format", "datapackage", "--out", "pkg")
    first = _tree(ledger_dir / "pkg")
    calls = []

    def full_on_the_third(fh, data):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        fh.write(data)

    monkeypatch.setattr(atomic, "_write_all", full_on_the_third)
    r = _export("--format", "datapackage", "--out", "pkg", "--replace", code=2)
    assert r.output.strip().endswith("No space left on device (ENOSPC)")
    assert _tree(ledger_dir / "pkg") == first
    assert not [p for p in ledger_dir.iterdir() if p.name.endswith(".ledger-tmp")]


def test_a_stale_temporary_folder_is_removed_and_a_locked_one_kept(ledger_dir):
    import fcntl
    import os

    stale, live = ledger_dir / ".pkg.dead.ledger-tmp", ledger_dir / ".pkg.live.ledger-tmp"
    for folder in (stale, live):
        folder.mkdir()
        (folder / "claims.csv").write_text("half\n")
        os.utime(folder, (1, 1))  # older than this process
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a writer still at work
        _export("--format", "datapackage", "--out", "pkg")
        assert not stale.exists() and live.is_dir()
    finally:
        os.close(fd)


def test_new_folders_and_files_get_ordinary_permissions(ledger_dir):
    import os
    import stat

    _export("--format", "datapackage", "--out", "pkg")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE((ledger_dir / "pkg").stat().st_mode) == 0o777 & ~mask
    assert stat.S_IMODE((ledger_dir / "pkg" / "claims_export.csv").stat().st_mode) == 0o666 & ~mask


@pytest.mark.parametrize("extra", ["empty folder", "symlink", "file in vocab"])
def test_an_export_folder_with_anything_more_is_not_replaced(ledger_dir, extra, tmp_path):
    _export("--format", "datapackage", "--out", "pkg")
    pkg = ledger_dir / "pkg"
    if extra == "empty folder":
        (pkg / "drafts").mkdir()
    elif extra == "symlink":
        (tmp_path / "elsewhere").mkdir()
        (pkg / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    else:
        (pkg / "vocab" / "mine.csv").write_text("a,b\n")
    r = _export("--format", "datapackage", "--out", "pkg", "--replace", code=2)
    assert "left alone" in r.output
    assert (pkg / "drafts").is_dir() or (pkg / "link").is_symlink() or (pkg / "vocab" / "mine.csv").is_file()


def test_a_file_in_the_way_of_the_folder_fails_before_validation(ledger_dir, monkeypatch):
    import ledger.engine

    def never(*a, **k):
        raise AssertionError("validated although the output cannot be written")

    monkeypatch.setattr(ledger.engine, "validate", never)
    (ledger_dir / "pkg").write_text("x\n")
    r = _export("--format", "datapackage", "--out", "pkg", code=2)
    assert r.output.startswith("ledger export: cannot write pkg: a file, not a folder")
