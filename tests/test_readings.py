"""Readings (L407-L410): the alternative reading's arithmetic on the bundled ledger, in messages and in `ledger derive`."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from click.testing import CliRunner

from conftest import REPO, TESTS, build_ledger
from ledger import Layout
from ledger.cli import main
from ledger.engine import validate


def _bundled(tmp_path: Path, edit=None) -> Path:
    root = tmp_path / "ledger"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".git", ".venv", "tests", "benchmarks", "notebooks", "docs", "*.egg-info"))
    if edit:
        rows = list(csv.DictReader(open(root / "claims.csv", newline="")))
        for r in rows:
            edit(r)
        with open(root / "claims.csv", "w", newline="") as f:
            w = csv.DictWriter(f, list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    return root


HAWQ = "hawqv3-int8-accuracy-vs-prior-integer-only"


def _codes(root: Path, monkeypatch):
    monkeypatch.chdir(root)
    return {(f.claim_id, f.code, f.severity.value): f.message for f in validate(Layout.find(root=Path("."))).findings}


def test_bundled_hawqv3_relative_reading_is_a_notice(tmp_path, monkeypatch):
    found = _codes(_bundled(tmp_path), monkeypatch)
    assert list(found) == [(HAWQ, "L407", "notice")]
    assert "77.58 / (1 + [2.675, 2.685]/100)" in found[HAWQ, "L407", "notice"] and "holds 74.90" in found[HAWQ, "L407", "notice"]


def test_hawqv3_switched_to_relative_is_an_error(tmp_path, monkeypatch):
    def switch(r):
        if r["claim_id"] == HAWQ:
            r["unit"], r["alternative_unit"] = "relative_percent", "pp"
    found = _codes(_bundled(tmp_path, switch), monkeypatch)
    assert list(found) == [(HAWQ, "L407", "error")]
    assert "read as pp" in found[HAWQ, "L407", "error"]


def test_hawqv3_sign_flipped_is_an_error(tmp_path, monkeypatch):
    def flip(r):
        if r["claim_id"] == HAWQ:
            r["value"] = "-2.68"
    found = _codes(_bundled(tmp_path, flip), monkeypatch)
    assert (HAWQ, "L409", "error") in found


def test_conflict_message_says_the_alternative_reading_agrees(tmp_path, monkeypatch):
    root = build_ledger(tmp_path / "case", TESTS / "cases" / "L402-fail-conflict-under-recorded-reading-only")
    monkeypatch.chdir(root)
    messages = [f.message for f in validate(Layout.find(root=Path("."))).findings if f.code == "L402"]
    assert len(messages) == 2
    assert all("as relative_percent) it implies [76.8381, 77.0082] and this finding does not arise" in m for m in messages)


def test_derive_shows_both_readings(tmp_path, monkeypatch):
    monkeypatch.chdir(_bundled(tmp_path))
    out = CliRunner().invoke(main, ["derive"]).output
    lines = [line for line in out.splitlines() if line.startswith("baseline-level") and "prior integer-only work" in line]
    assert len(lines) == 2
    assert "[74.89, 74.91]" in lines[0] and "[alternative reading]" not in lines[0]
    assert "[75.5466, 75.5637]" in lines[1] and lines[1].endswith("[alternative reading]")


def test_value_conflict_message_says_the_alternative_is_another_quantity(tmp_path, monkeypatch):
    root = build_ledger(tmp_path / "case", TESTS / "cases" / "L501-fail-conflict-under-recorded-reading-only")
    monkeypatch.chdir(root)
    messages = [f.message for f in validate(Layout.find(root=Path("."))).findings if f.code == "L501"]
    assert len(messages) == 2
    assert all(m.endswith("as relative_percent) they are different quantities and the conflict does not arise") for m in messages)
