"""The library's public API: `ledger.validate`, `ledger.load`, `ledger.Result`, `ledger.__version__`, py.typed."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib

from conftest import REPO, build_ledger

import ledger
from ledger import engine

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _broken(root):
    """The base ledger with one value the quote does not print (an L202 error)."""
    build_ledger(root)
    claims = root / "claims.csv"
    claims.write_text(claims.read_text(encoding="utf-8").replace("77.58,percent", "77.5,percent"), encoding="utf-8")
    return root


def test_version_is_the_declared_one():
    assert ledger.__version__ == PROJECT["project"]["version"]


def test_version_without_metadata_is_read_from_the_checkout(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert ledger._version() == PROJECT["project"]["version"]


def test_result_is_what_validate_returns(tmp_path):
    result = ledger.validate(build_ledger(tmp_path / "ok"))
    assert ledger.Result is engine.Result
    assert type(result) is ledger.Result and result.ok
    assert "Result" in ledger.__all__ and "__version__" in ledger.__all__


def test_import_ledger_stays_light():
    """Result is resolved on first use: `import ledger` (and so `ledger --help`) does not load pandas."""
    code = "import sys, ledger; print('pandas' in sys.modules, ledger.Result.__name__, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "Result", "True"]


def test_unknown_attribute_is_an_attribute_error():
    try:
        ledger.Resultt
    except AttributeError as e:
        assert "Resultt" in str(e)
    else:
        raise AssertionError("ledger.Resultt resolved")


def test_validate_and_load_use_root_not_the_working_directory(tmp_path, monkeypatch):
    good, bad = build_ledger(tmp_path / "good"), _broken(tmp_path / "bad")
    monkeypatch.chdir(good)
    assert ledger.validate().ok
    result = ledger.validate(bad)
    assert not result.ok and "L202" in {f.code for f in result.findings}
    assert ledger.validate(str(bad)).findings == result.findings
    monkeypatch.chdir(bad)
    assert ledger.validate(good).ok
    tables, _ = ledger.load(good)
    assert "77.58" in set(tables["claims"]["value"])


def test_validate_with_explicit_claims_path(tmp_path):
    bad = _broken(tmp_path / "bad")
    assert not ledger.validate(claims=bad / "claims.csv").ok


def test_the_package_is_typed():
    assert (REPO / "ledger" / "py.typed").is_file()
    assert "py.typed" in PROJECT["tool"]["setuptools"]["package-data"]["ledger"]
    hints = ledger.validate.__annotations__
    assert hints["return"] == "Result" and "root" in hints and "claims" in hints
    assert ledger.load.__annotations__["return"] == "tuple[Ledger, list[Finding]]"
