"""Golden renderings of `ledger validate` on one small bad ledger: text, json, github, markdown.

Refresh with LEDGER_UPDATE_GOLDEN=1 and review the diff; otherwise the output must match byte for byte."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from conftest import TESTS, build_ledger
from ledger.cli import main

GOLDEN = TESTS / "golden"


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("json", "json"), ("github", "github.txt"), ("markdown", "md")])
def test_validate_golden(fmt, suffix, tmp_path, monkeypatch):
    root = build_ledger(tmp_path / "ledger", GOLDEN / "validate_case")
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = CliRunner().invoke(main, ["validate", "--format", fmt])
    assert result.exit_code == 1
    golden = GOLDEN / f"validate.{suffix}"
    if os.environ.get("LEDGER_UPDATE_GOLDEN") == "1":
        golden.write_text(result.output, encoding="utf-8")
    assert result.output == golden.read_text(encoding="utf-8")
