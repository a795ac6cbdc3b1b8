"""The `ledger` command: exit codes, output formats, and help for everything."""

from __future__ import annotations

import json
import shutil

import click
import pytest
from click.testing import CliRunner

from ledger.cli import main

FINDING_KEYS = {"code", "check", "severity", "file", "line", "column", "claim_id", "message", "expected", "found"}


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env)


def break_value(root, old="77.58,percent", new="77.5,percent"):
    p = root / "claims.csv"
    p.write_text(p.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_validate_clean_exits_0(ledger_dir):
    r = run("validate")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("ok: 8 claims, 2 papers; 0 errors")


def test_validate_error_exits_1_with_file_line_code(ledger_dir):
    break_value(ledger_dir)
    r = run("validate")
    assert r.exit_code == 1
    assert "claims.csv:2: L202 value-not-in-quote [fastnet-accuracy value]" in r.output
    assert r.output.rstrip().splitlines()[-1].startswith("FAILED: 8 claims")


def test_validate_missing_claims_file_exits_2(ledger_dir):
    (ledger_dir / "claims.csv").unlink()
    r = run("validate")
    assert r.exit_code == 2
    assert "claims.csv: L001 file-missing" in r.output


def test_validate_without_metric_vocabulary_warns(ledger_dir):
    (ledger_dir / "vocab" / "metrics.csv").unlink()
    r = run("validate")
    assert r.exit_code == 0
    assert "vocab/metrics.csv: L014 vocabulary-missing" in r.output
    assert run("validate", "--strict").exit_code == 1


def test_validate_explicit_paths(ledger_dir, tmp_path):
    other = tmp_path / "elsewhere"
    shutil.copytree(ledger_dir, other)
    break_value(other)
    r = run("validate", "--claims", str(other / "claims.csv"))
    assert r.exit_code == 1
    r = run("validate", "--claims", str(other / "claims.csv"), "--papers", str(ledger_dir / "papers.csv"))
    assert r.exit_code == 1


def test_validate_usage_error_exits_2(ledger_dir):
    assert run("validate", "--format", "xml").exit_code == 2


def test_strict_fails_on_warnings(ledger_dir):
    (ledger_dir / "claims.csv").write_text((ledger_dir / "claims.csv").read_text().replace(",SlowNet,BenchA", ",Slow-Net,BenchA"))
    (ledger_dir / "vocab" / "entities.csv").write_text("entity,kind,aliases\nBenchA,benchmark,\nFastNet,method,\nSlowNet,method,Slow-Net\n")
    assert run("validate").exit_code == 0
    r = run("validate", "--strict")
    assert r.exit_code == 1
    assert "L503 entity-second-spelling" in r.output


def test_json_output_has_exactly_the_finding_keys(ledger_dir):
    break_value(ledger_dir)
    r = run("validate", "--format", "json")
    data = json.loads(r.output)
    assert set(data) == {"schema_version", "findings", "summary"}
    assert data["findings"] and all(set(f) == FINDING_KEYS for f in data["findings"])
    first = data["findings"][0]
    assert (first["file"], first["line"], first["code"], first["column"], first["severity"]) == ("claims.csv", 2, "L202", "value", "error")
    assert data["summary"]["error"] == sum(f["severity"] == "error" for f in data["findings"]) >= 1
    assert data["summary"]["claims"] == 8


def test_github_format_annotates_and_writes_step_summary(ledger_dir, tmp_path):
    break_value(ledger_dir)
    summary = tmp_path / "summary.md"
    r = run("validate", "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert r.exit_code == 1
    assert r.output.startswith("::error file=claims.csv,line=2,title=L202 value-not-in-quote::fastnet-accuracy value: ")
    assert "| error | claims.csv:2 | L202 value-not-in-quote |" in summary.read_text()


def test_github_is_the_default_under_actions(ledger_dir):
    break_value(ledger_dir)
    r = run("validate", env={"GITHUB_ACTIONS": "true"})
    assert r.output.startswith("::error ")


def test_markdown_format(ledger_dir):
    break_value(ledger_dir)
    r = run("validate", "--format", "markdown")
    assert "| severity | location | code | claim | column | message |" in r.output


def test_coverage_command(ledger_dir):
    r = run("coverage")
    assert r.exit_code == 0, r.output
    assert "2401.00001: 7 numbers, 6 claimed, 1 skipped, 0 missing" in r.output
    (ledger_dir / "coverage_skips.csv").unlink()
    r = run("coverage")
    assert r.exit_code == 1
    assert "'74.90%' at    97  MISSING" in r.output


def test_checks_markdown_is_docs_checks_md():
    from conftest import REPO

    assert run("checks", "--markdown").output == (REPO / "docs" / "checks.md").read_text(encoding="utf-8")


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


@pytest.mark.parametrize("path,cmd", list(_commands(main)), ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_every_command_and_option_has_help(path, cmd):
    assert cmd.help and cmd.help.strip()
    for p in cmd.params:
        if isinstance(p, click.Option):
            assert p.help, f"ledger {' '.join(path)} {p.opts[0]} has no help"
    assert run(*path, "--help").exit_code == 0


def test_validate_keeps_heavy_imports_out_of_its_path(ledger_dir):
    """`ledger validate` runs in pre-commit hooks: charts, notebooks and Dask must not load on its path, nor
    pandera (the library's load() uses it), frictionless, or polars for a ledger this small."""
    import subprocess
    import sys

    code = ("import sys; from click.testing import CliRunner; from ledger.cli import main; "
            "CliRunner().invoke(main, ['validate']); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'altair', 'dask', 'distributed', 'nbformat', 'vl_convert', 'playwright', 'pandera', 'frictionless', 'polars'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ledger_dir)
    assert out.stdout.strip() == "[]"
