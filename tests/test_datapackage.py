"""The one declaration of the tables (ledger/datapackage.json) and everything made from it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO, TESTS, build_ledger
from ledger import Layout, load
from ledger.catalogue import render_tables
from ledger.cli import main
from ledger.engine import load as load_tables
from ledger.layout import SPEC, SPECS, descriptor
from ledger.schema import WHITESPACE, known_keys, pandera_findings, schema_findings
from ledger.units import DIRECTIONS, ENTITY_KINDS, QUALIFIERS, READINGS, STATUSES, UNITS

CASES = sorted(p for kind in ("cases", "hostile") for p in (TESTS / kind).iterdir() if p.is_dir())


def _key(f):
    return (f.file, f.line, f.code, f.column, f.claim_id, f.message, f.expected, f.found)


def test_the_vocabularies_of_the_code_are_the_declared_enums():
    enum = lambda table, col: set(SPEC[table].field(col).enum)
    assert enum("claims", "unit") == set(UNITS)
    assert (enum("claims", "qualifier"), enum("claims", "reading"), enum("claims", "status")) == (set(QUALIFIERS), set(READINGS), set(STATUSES))
    assert (enum("metrics", "direction"), enum("entities", "kind")) == (set(DIRECTIONS), set(ENTITY_KINDS))


def test_whitespace_is_what_str_strip_strips():
    import re

    declared = {c for c in map(chr, range(0x110000)) if re.fullmatch(f"[{WHITESPACE}]", c)}
    assert declared == {c for c in map(chr, range(0x110000)) if c.isspace()}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_pandera_models_find_what_the_columnar_checks_find(case, tmp_path, monkeypatch):
    root = build_ledger(tmp_path / "l", case)
    monkeypatch.chdir(root)
    ledger, _ = load_tables(Layout.find(root=Path(".")))
    known = known_keys(ledger.tables)
    pandera = [f for t in ledger.tables.values() for f in pandera_findings(t, known)]
    assert sorted(map(_key, pandera)) == sorted(map(_key, schema_findings(ledger.tables)))


def test_load_gives_text_frames_and_the_schema_findings(ledger_dir):
    ledger, findings = load(".")
    assert findings == []
    assert all(str(t.frame[c].dtype) == "str" for t in ledger.tables.values() for c in t.frame.columns)
    (ledger_dir / "claims.csv").write_text((ledger_dir / "claims.csv").read_text().replace(",ratio,", ",fold,", 1))
    _, findings = load(".")
    assert [f.code for f in findings] == ["L103"]


def test_the_data_dictionary_shows_the_declaration():
    assert render_tables() in (REPO / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert CliRunner().invoke(main, ["tables"]).output == render_tables()


def test_the_bundled_datapackage_json_is_current():
    result = CliRunner().invoke(main, ["datapackage", str(REPO), "--check"])
    assert result.exit_code == 0, result.output
    names = {r["name"] for r in json.loads((REPO / "datapackage.json").read_text())["resources"]}
    assert names == {s.name for s in SPECS if (REPO / s.relpath).is_file()}


def _frictionless(root: Path):
    frictionless = pytest.importorskip("frictionless")
    return frictionless.validate(str(root / "datapackage.json"))


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "ledger"
    for s in SPECS:
        if (REPO / s.relpath).is_file():
            (root / s.relpath).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO / s.relpath, root / s.relpath)
    assert CliRunner().invoke(main, ["datapackage", str(root)]).exit_code == 0
    return root


def test_frictionless_accepts_the_bundled_ledger(tmp_path):
    report = _frictionless(_copy(tmp_path))
    assert report.valid, report.flatten(["type", "note"])[:5]


def test_frictionless_refuses_a_broken_foreign_key(tmp_path):
    root = _copy(tmp_path)
    claims = (root / "claims.csv").read_text(encoding="utf-8")
    (root / "claims.csv").write_text(claims.replace(",2407.12117,", ",2407.99999,", 1), encoding="utf-8")
    report = _frictionless(root)
    assert not report.valid
    assert "foreign-key" in {e[0] for e in report.flatten(["type"])}


def test_the_descriptor_is_a_valid_data_package():
    frictionless = pytest.importorskip("frictionless")
    assert frictionless.Package.validate_descriptor(descriptor()).valid
