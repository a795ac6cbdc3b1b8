"""The outputs made for programs: `--format sarif` (SARIF 2.1.0) and `--format json` (docs/findings.schema.json)."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from importlib.metadata import version

import pytest
from click.testing import CliRunner
from conftest import BASE, REPO

from ledger.catalogue import catalogue
from ledger.cli import main
from ledger.findings import Finding, Severity
from ledger.report import render_sarif

LEVELS = {"error": "error", "warning": "warning", "notice": "note"}


def run(*args):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def nested(tmp_path, monkeypatch):
    """A repository with the ledger in data/ledger, and the working directory at the repository root."""
    root = tmp_path / "repo" / "data" / "ledger"
    shutil.copytree(BASE, root)
    monkeypatch.chdir(tmp_path / "repo")
    return root


def break_ledger(root):
    p = root / "claims.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("77.58,percent", "77.5,percent"), encoding="utf-8")
    (root / "vocab" / "metrics.csv").unlink()  # L014: a finding about a whole file, with no line


# SARIF


def unknown_keys(model, where="$") -> list[str]:
    """Every key of the document that the object model does not define: the models accept extra keys, so a
    misspelt one (ruleID, startline) would otherwise pass. Property bags are free-form by definition."""
    from pydantic import BaseModel

    out = [f"{where}.{k}" for k in (model.model_extra or {})]
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name == "properties":
            continue
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            if isinstance(item, BaseModel):
                out += unknown_keys(item, f"{where}.{name}[{i}]")
    return out


def parse_sarif(text: str):
    from sarif_pydantic import Sarif

    data = json.loads(text)
    log = Sarif.model_validate(data)
    assert unknown_keys(log) == []
    assert data["$schema"].endswith("sarif-schema-2.1.0.json") and data["version"] == "2.1.0"
    assert len(log.runs) == 1
    driver = log.runs[0].tool.driver
    assert driver.name == "ledger" and driver.version == version("claims-ledger")
    rules = catalogue()
    assert [r.id for r in driver.rules] == [r.code for r in rules]
    for descriptor, rule in zip(driver.rules, rules):
        assert descriptor.name == rule.name and descriptor.short_description.text == rule.summary
        assert rule.summary in descriptor.full_description.text and rule.summary in descriptor.help.text
        assert descriptor.default_configuration.level == LEVELS[rule.severity.value]
    return data, log


def test_sarif_of_a_failing_ledger(nested):
    break_ledger(nested)
    r = run("validate", "data/ledger", "--format", "sarif")
    assert r.exit_code == 1
    data, log = parse_sarif(r.stdout)  # stdout alone is the document
    findings = json.loads(run("validate", "data/ledger", "--format", "json").stdout)["findings"]
    results = log.runs[0].results
    assert len(results) == len(findings) >= 4
    rules = log.runs[0].tool.driver.rules
    for result, f in zip(results, findings):
        assert result.rule_id == f["code"] and rules[result.rule_index].id == f["code"]
        assert result.level.value == LEVELS[f["severity"]]
        assert f["message"] in result.message.text
        [location] = result.locations
        artifact = location.physical_location.artifact_location
        assert artifact.uri == f["file"] and artifact.uri_base_id == "%SRCROOT%"
        assert artifact.uri.startswith("data/ledger/") and "\\" not in artifact.uri
        region = location.physical_location.region
        assert (region.start_line if region else None) == f["line"]
        assert region is None or region.start_column is None  # the column is a name, not a position
        assert result.properties["check"] == f["check"] and result.properties.get("column", "") == f["column"]
    assert {r.rule_id for r in results} >= {"L202", "L402", "L204", "L014"}
    whole_file = next(r for r in results if r.rule_id == "L014")
    assert whole_file.locations[0].physical_location.region is None
    assert whole_file.locations[0].physical_location.artifact_location.uri == "data/ledger/vocab/metrics.csv"
    assert data["runs"][0]["properties"]["summary"]["error"] == sum(f["severity"] == "error" for f in findings)


def test_sarif_of_a_clean_ledger(ledger_dir):
    r = run("validate", "--format", "sarif")
    assert r.exit_code == 0
    _, log = parse_sarif(r.stdout)
    assert log.runs[0].results == []


def test_sarif_results_without_a_file_or_outside_the_working_folder():
    findings = [Finding("L000", "check-error", Severity.ERROR, "", None, "", "", "check L999 failed"),
                Finding("L202", "value-not-in-quote", Severity.ERROR, "/elsewhere/my ledger/claims.csv", 3, "value", "a-claim", "no"),
                Finding("L999", "not-in-the-catalogue", Severity.NOTICE, "claims.csv", 2, "", "", "\u202eflipped")]
    data, log = parse_sarif(render_sarif(findings, {}))
    nowhere, absolute, unknown = log.runs[0].results
    assert nowhere.locations is None and nowhere.message.text == "check L999 failed"
    artifact = absolute.locations[0].physical_location.artifact_location
    assert artifact.uri == "file:///elsewhere/my%20ledger/claims.csv" and artifact.uri_base_id is None
    assert absolute.message.text == "a-claim value: no"
    assert unknown.rule_index is None and unknown.level.value == "note"
    assert unknown.message.text == "<U+202E>flipped"  # no character may reorder what a viewer shows


def test_sarif_gets_no_progress_output(ledger_dir, monkeypatch):
    import ledger.progress as progress

    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: True, raising=False)
    assert progress.for_terminal("text") is not None  # the patch makes a terminal of stderr
    assert progress.for_terminal("sarif") is None and progress.for_terminal("json") is None


# Findings JSON and its schema


@pytest.fixture(scope="module")
def validator():
    from jsonschema import Draft202012Validator

    schema = json.loads((REPO / "docs" / "findings.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_json_output_of_a_failing_and_a_clean_ledger_is_valid(nested, validator):
    clean = json.loads(run("validate", "data/ledger", "--format", "json").stdout)
    break_ledger(nested)
    failing = json.loads(run("validate", "data/ledger", "--format", "json").stdout)
    assert clean["schema_version"] == failing["schema_version"] == "1"
    assert clean["findings"] == [] and failing["findings"]
    assert any(f["line"] is None for f in failing["findings"])
    for doc in (clean, failing):
        assert list(validator.iter_errors(doc)) == []


def _broken(doc: dict, edit) -> dict:
    doc = copy.deepcopy(doc)
    edit(doc)
    return doc


BREAKS = {
    "no schema_version": lambda d: d.pop("schema_version"),
    "another schema_version": lambda d: d.update(schema_version="2"),
    "schema_version as a number": lambda d: d.update(schema_version=1),
    "line as text": lambda d: d["findings"][0].update(line="2"),
    "line 0": lambda d: d["findings"][0].update(line=0),
    "unknown severity": lambda d: d["findings"][0].update(severity="fatal"),
    "malformed code": lambda d: d["findings"][0].update(code="202"),
    "a finding without its message": lambda d: d["findings"][0].pop("message"),
    "a negative count": lambda d: d["summary"].update(error=-1),
    "no summary": lambda d: d.pop("summary"),
    "findings not a list": lambda d: d.update(findings={}),
}


@pytest.mark.parametrize("name", BREAKS)
def test_a_broken_document_is_refused(name, ledger_dir, validator):
    break_ledger(ledger_dir)
    doc = json.loads(run("validate", "--format", "json").stdout)
    assert validator.is_valid(doc)
    assert not validator.is_valid(_broken(doc, BREAKS[name]))


def test_the_schema_documents_every_key_the_output_has(ledger_dir):
    from ledger.engine import Result

    schema = json.loads((REPO / "docs" / "findings.schema.json").read_text(encoding="utf-8"))
    doc = json.loads(run("validate", "--format", "json").stdout)
    assert set(schema["properties"]) == set(schema["required"]) == set(doc)
    finding = schema["$defs"]["finding"]
    assert set(finding["properties"]) == set(finding["required"]) == {f.name for f in dataclasses.fields(Finding)}
    summary = schema["$defs"]["summary"]
    assert set(summary["properties"]) == set(summary["required"]) == set(Result(None).summary())
    assert schema["properties"]["schema_version"]["const"] == doc["schema_version"]
