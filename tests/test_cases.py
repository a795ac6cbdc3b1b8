"""The fixture corpus: each folder under tests/cases/ overlays the base ledger and lists the exact
findings, as (file, line, code, column), that `validate` must produce. Every rule has a case it must
reject and a case it must accept."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import TESTS, build_ledger, found_tuples, read_expected
from ledger import Layout
from ledger.engine import validate
from ledger.catalogue import catalogue

# Rules a data folder cannot trigger: an unopenable file stops validate (tested in test_cli.py), and
# check-error needs a broken check (tested in test_engine.py).
NOT_DATA_DRIVEN = {"L000", "L001"}
CASES = sorted(p for p in (TESTS / "cases").iterdir() if p.is_dir() and p.name != "base")


def run_case(case: Path, tmp_path: Path, monkeypatch):
    root = build_ledger(tmp_path / "ledger", case)
    monkeypatch.chdir(root)
    return validate(Layout.find(root=Path(".")))


def test_base_ledger_is_clean(ledger_dir):
    result = validate(Layout.find(root=Path(".")))
    assert result.findings == []
    assert len(result.ledger.claims) > 0


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case, tmp_path, monkeypatch):
    result = run_case(case, tmp_path, monkeypatch)
    assert found_tuples(result.findings) == read_expected(case)


def test_every_rule_has_a_rejecting_and_an_accepting_case():
    """A case named `L201-fail-…` must produce L201; a case named `L201-pass-…` must not."""
    missing = []
    corpus = CASES + sorted(p for p in (TESTS / "hostile").iterdir() if p.is_dir())
    for r in catalogue():
        if r.code in NOT_DATA_DRIVEN or r.stage == "lifecycle":  # rules of a change, not of a ledger: test_diff_lifecycle.py
            continue
        fails = [c for c in corpus if c.name.startswith(f"{r.code}-fail")]
        passes = [c for c in corpus if c.name.startswith(f"{r.code}-pass")]
        if not any(r.code in {e[2] for e in read_expected(c)} for c in fails):
            missing.append(f"{r.code} {r.name}: no rejecting case")
        if not passes or any(r.code in {e[2] for e in read_expected(c)} for c in passes):
            missing.append(f"{r.code} {r.name}: no accepting case")
    assert not missing, "\n".join(missing)
