"""Columns added after ledgers were written (claims' role, settings, alternative_unit, group; relations'
kind) are optional: a file may leave them out, and every tool keeps such a file in its own form."""

from __future__ import annotations

from pathlib import Path

from conftest import build_ledger
from ledger import Layout
from ledger.engine import validate
from ledger.fmt import format_table
from ledger.layout import CLAIMS, RELATIONS, ledger_descriptor
from ledger.reader import read_table


def test_the_new_columns_are_declared_optional():
    assert {"role", "settings", "alternative_unit", "group"} <= CLAIMS.optional_columns
    assert "kind" in RELATIONS.optional_columns
    assert "quote" not in CLAIMS.optional_columns


def test_a_ledger_without_them_is_clean_and_keeps_its_form(tmp_path, monkeypatch):
    root = build_ledger(tmp_path / "ledger")
    header = (root / "claims.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "role" not in header.split(",")
    monkeypatch.chdir(root)
    assert validate(Layout.find(root=Path("."))).findings == []
    before = (root / "claims.csv").read_bytes()
    result = format_table(root / "claims.csv", CLAIMS)
    assert not result.changed and (root / "claims.csv").read_bytes() == before
    fields = [f["name"] for r in ledger_descriptor(root)["resources"] if r["name"] == "claims" for f in r["schema"]["fields"]]
    assert "role" not in fields and "quote" in fields


def test_a_missing_required_column_is_still_reported(tmp_path, monkeypatch):
    root = build_ledger(tmp_path / "ledger")
    lines = (root / "claims.csv").read_text(encoding="utf-8").splitlines()
    cols = lines[0].split(",")
    i = cols.index("notes")  # the last column: dropping it is dropping the last cell
    (root / "claims.csv").write_text("\n".join(",".join(l.split(",")[:i]) for l in lines[:1]) + "\n", encoding="utf-8")
    monkeypatch.chdir(root)
    codes = {(f.code, f.column) for f in validate(Layout.find(root=Path("."))).findings}
    assert ("L007", "notes") in codes and not any(c == "L007" and col in CLAIMS.optional_columns for c, col in codes)


def test_an_optional_column_in_use_is_written(tmp_path):
    root = build_ledger(tmp_path / "ledger")
    table, _ = read_table(root / "claims.csv", CLAIMS)
    table.frame.loc[0, "role"] = "setting"
    from ledger.fmt import canonical_text

    text = canonical_text(table)
    assert text.splitlines()[0].split(",")[2] == "role"
    assert "role" not in canonical_text(read_table(root / "claims.csv", CLAIMS)[0]).splitlines()[0]
