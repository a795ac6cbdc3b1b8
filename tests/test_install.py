"""The light install: every base command runs with the report and dask extras absent, and a command that
needs an absent extra says which one to install (one line on stderr, exit 2), never a traceback.

Each test runs in a fresh interpreter whose import system refuses the extras' modules (a sys.meta_path
finder that raises ModuleNotFoundError, as a missing package would) and records every attempt, so an
import hidden behind a try/except still shows."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest
from conftest import REPO, build_ledger

from ledger.extras import EXTRAS, MissingExtra, require

EXTRA_MODULES = {"altair", "vl_convert", "dask", "distributed"}

# Put first in sys.meta_path before anything is imported; BLOCKED names the top-level packages refused.
BLOCKER = """
import importlib.abc, json, sys
BLOCKED = set(json.loads(sys.argv[1]))
TRIED = []
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            TRIED.append(name)
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Absent())
"""

# Every command of the base install, with the exit code it gives on the base fixture ledger.
BASE_COMMANDS = [
    (["validate"], 0),
    (["validate", "--format", "json"], 0),
    (["fmt", "--check"], 0),
    (["diff", ".", "../changed"], 0),
    (["export", "--format", "json", "--out", "../out/claims.json"], 0),
    (["export", "--format", "csv", "--out", "../out/claims.csv"], 0),
    (["export", "--format", "parquet", "--out", "../out/claims.parquet"], 0),
    (["export", "--format", "ndjson", "--out", "../out/claims.ndjson", "--descriptor"], 0),
    (["export", "--format", "datapackage", "--out", "../out/package"], 0),
    (["coverage"], 0),
    (["derive"], 0),
    (["checks"], 0),
    (["tables"], 0),
    (["datapackage", "../out"], 0),
    (["parquet", "../out/parquet", "--partitions", "2"], 0),  # only pyarrow: the Parquet is written without dask
]

RUN_BASE = BLOCKER + """
from click.testing import CliRunner
import ledger
from ledger.cli import main
runs = []
for args in json.loads(sys.argv[2]):
    r = CliRunner().invoke(main, args)
    runs.append({"args": args, "exit": r.exit_code, "output": r.output,
                 "exception": None if r.exception is None or isinstance(r.exception, SystemExit) else repr(r.exception)})
tables, findings = ledger.load(".")
result = ledger.validate(".")
print(json.dumps({"runs": runs, "tried": TRIED, "loaded": len(tables["claims"]), "ok": result.ok,
                  "imported": sorted({m.partition(".")[0] for m in sys.modules} & BLOCKED)}))
"""

# The `ledger` command as a user runs it: exit code and stderr of the process itself.
RUN_COMMAND = BLOCKER + """
from ledger.cli import main
sys.argv = ["ledger", *json.loads(sys.argv[2])]
main()
"""


def _python(code: str, blocked: set[str], *args: str, cwd):
    return subprocess.run([sys.executable, "-c", code, json.dumps(sorted(blocked)), *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture
def two_ledgers(tmp_path):
    """The base ledger, and a copy with one claim's value changed (for diff)."""
    root = build_ledger(tmp_path / "ledger")
    changed = build_ledger(tmp_path / "changed")
    claims = changed / "claims.csv"
    text = claims.read_text(encoding="utf-8")
    assert "77.58,percent" in text
    claims.write_text(text.replace("77.58,percent", "77.5,percent"), encoding="utf-8")
    (tmp_path / "out").mkdir()
    return root


def test_every_base_command_runs_without_the_extras(two_ledgers):
    out = _python(RUN_BASE, EXTRA_MODULES, json.dumps([args for args, _ in BASE_COMMANDS]), cwd=two_ledgers)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    for (args, code), run in zip(BASE_COMMANDS, report["runs"], strict=True):
        assert run["exception"] is None, f"ledger {' '.join(args)}: {run['exception']}\n{run['output']}"
        assert run["exit"] == code, f"ledger {' '.join(args)} exited {run['exit']}:\n{run['output']}"
    assert "changed" in report["runs"][3]["output"]  # diff saw the edited value
    assert (two_ledgers.parent / "out" / "parquet" / "_ledger.json").is_file()
    assert report["loaded"] > 0 and report["ok"]
    assert report["tried"] == [] and report["imported"] == []


def test_the_blocker_refuses_what_it_blocks(two_ledgers):
    """The finder above really makes a module absent: with pandas blocked, validate cannot run."""
    out = _python(RUN_COMMAND, {"pandas"}, json.dumps(["validate"]), cwd=two_ledgers)
    assert out.returncode != 0 and "No module named 'pandas'" in out.stderr


@pytest.mark.parametrize("args,extra,blocked", [
    (["report"], "report", {"altair"}),
    (["report", "--charts", "../out/charts"], "report", {"altair"}),
    (["report"], "report", {"vl_convert"}),  # altair installed without its [save] part
    (["validate", "--dask", "../parquet"], "dask", {"dask", "distributed"}),
    (["validate", "--dask", "../parquet", "--workers", "2"], "dask", {"dask", "distributed"}),
    (["validate", "--dask", "../parquet", "--workers", "2"], "dask", {"distributed"}),
], ids=lambda x: " ".join(x) if isinstance(x, list) else None)
def test_a_missing_extra_is_one_line_naming_it(two_ledgers, args, extra, blocked):
    from ledger.distributed import write_parquet

    write_parquet(two_ledgers, two_ledgers.parent / "parquet", partitions=2)
    out = _python(RUN_COMMAND, blocked, json.dumps(args), cwd=two_ledgers)
    assert out.returncode == 2, out.stderr
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(f"ledger {args[0]}: needs the '{extra}' extra: ")
    assert f'pip install -e ".[{extra}]"' in lines[0] and "No module named" in lines[0]
    assert not (two_ledgers / "build").exists() and not (two_ledgers.parent / "out" / "charts").exists()


def test_the_report_module_refuses_as_an_import_error(tmp_path):
    """Library use: importing ledger.html_report without the extra raises MissingExtra, an ImportError."""
    code = BLOCKER + """
try:
    import ledger.html_report
except ImportError as e:
    print(type(e).__name__, e.extra, e.name)
"""
    out = _python(code, {"altair"}, cwd=tmp_path)
    assert out.stdout.split() == ["MissingExtra", "report", "altair"], out.stderr


def test_require_passes_when_the_extras_are_installed():
    for extra in EXTRAS:
        require(extra)  # the test install has every extra


def test_require_names_the_extra_of_a_missing_module(monkeypatch):
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # None in sys.modules: the import fails
    with pytest.raises(MissingExtra) as e:
        require("report")
    assert e.value.extra == "report" and e.value.name == "vl_convert"
    assert str(e.value).startswith("needs the 'report' extra: ")


def test_each_extra_is_declared_in_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    optional = project["optional-dependencies"]
    assert set(EXTRAS) <= set(optional)
    base = " ".join(project["dependencies"])
    for heavy in ("altair", "vl-convert", "dask", "daff"):
        assert heavy not in base
    assert "altair[save]" in " ".join(optional["report"]) and "dask[" in " ".join(optional["dask"])
    # the test install brings every extra, so `pip install -e ".[test]"` still sets up the whole suite
    assert any(r.replace(" ", "").startswith("claims-ledger[") and {"report", "dask"} <= set(
        r.split("[", 1)[1].split("]", 1)[0].split(",")) for r in optional["test"])


def test_no_declared_dependency_goes_unused():
    """Each base dependency is imported by the package (daff was declared and never imported)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    modules = {"pandas": "pandas", "pandera": "pandera", "click": "click", "numpy": "numpy", "pyarrow": "pyarrow",
               "polars": "polars", "confusable-homoglyphs": "confusable_homoglyphs", "pint": "pint"}
    names = {r.split("[")[0].split(">")[0].split("<")[0].split("=")[0].strip() for r in project["dependencies"]}
    assert names == set(modules)
    sources = "\n".join(p.read_text(encoding="utf-8") for d in ("ledger", "validators") for p in (REPO / d).rglob("*.py"))
    for name, module in modules.items():
        assert f"import {module}" in sources or f"from {module}" in sources, name
