"""Every command that reads a ledger takes its folder as ROOT, so a ledger in a subfolder (a pre-commit hook's
`args: [path/to/ledger]`) works from the repository root; `fmt` takes folders and table paths anywhere."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import BASE, REPO

from ledger.cli import main

SUB = "data/ledger"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A repository whose ledger is in data/ledger; the working directory is the repository root."""
    shutil.copytree(BASE, tmp_path / "repo" / SUB)
    monkeypatch.chdir(tmp_path / "repo")
    return tmp_path / "repo"


def inside(monkeypatch, repo, *args):
    """The same command run from inside the ledger folder, without ROOT."""
    with monkeypatch.context() as m:
        m.chdir(repo / SUB)
        return run(*args)


def break_value(root: Path):
    p = root / "claims.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("77.58,percent", "77.5,percent"), encoding="utf-8")


def test_validate_root(repo, monkeypatch):
    assert run("validate", SUB).output == inside(monkeypatch, repo, "validate").output
    break_value(repo / SUB)
    r = run("validate", SUB)
    assert r.exit_code == 1
    assert f"{SUB}/claims.csv:2: L202 value-not-in-quote" in r.output  # paths relative to where it runs
    assert run("validate").exit_code == 2  # no ledger in the repository root itself: L001


def test_report_root(repo):
    r = run("report", SUB, "--out", "build/r.html")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("ok: 8 claims, 2 papers") and (repo / "build" / "r.html").is_file()
    assert not (repo / SUB / "build").exists()  # --out is relative to the working directory


def test_export_root(repo):
    r = run("export", SUB, "--out", "claims.json")
    assert r.exit_code == 0, r.output
    assert len(json.loads((repo / "claims.json").read_text(encoding="utf-8"))) == 8
    r = run("export", SUB, "--format", "datapackage", "--out", "pkg")
    assert r.exit_code == 0, r.output
    assert (repo / "pkg" / "claims.csv").read_bytes() == (repo / SUB / "claims.csv").read_bytes()


@pytest.mark.parametrize("command", [["coverage"], ["coverage", "--all"], ["derive"]])
def test_coverage_and_derive_root(repo, monkeypatch, command):
    here = run(command[0], SUB, *command[1:])
    assert here.exit_code == 0, here.output
    assert here.output == inside(monkeypatch, repo, *command).output and here.output


def test_parquet_root_then_out(repo, monkeypatch):
    r = run("parquet", SUB, "pq")
    assert r.exit_code == 0, r.output
    assert (repo / "pq" / "_ledger.json").is_file()
    assert inside(monkeypatch, repo, "parquet", "pq").exit_code == 0  # one path is OUT
    assert (repo / SUB / "pq" / "_ledger.json").is_file()
    assert run("parquet", "--claims", f"{SUB}/claims.csv", "pq2").exit_code == 0
    for bad in (["parquet", SUB, "pq", "extra"], ["parquet", "no/such/folder", "pq3"], ["parquet"]):
        assert run(*bad).exit_code == 2, bad
    assert not (repo / "pq3").exists()


def test_datapackage_root(repo):
    assert run("datapackage", SUB).exit_code == 0
    assert run("datapackage", SUB, "--check").exit_code == 0


def test_root_and_claims_together_is_a_usage_error(repo):
    r = run("validate", SUB, "--claims", f"{SUB}/claims.csv")
    assert r.exit_code == 2 and "give the ledger folder ROOT or --claims, not both" in r.output
    assert run("validate", "--claims", f"{SUB}/claims.csv").exit_code == 0


def test_root_with_papers_takes_that_papers_file(repo):
    other = repo / "other-papers.csv"
    shutil.copyfile(repo / SUB / "papers.csv", other)
    assert run("validate", SUB, "--papers", other).exit_code == 0
    other.write_text(other.read_text(encoding="utf-8").replace("2401.00001", "2401.09999"), encoding="utf-8")
    r = run("validate", SUB, "--papers", other)
    assert r.exit_code == 1 and "L106 unknown-paper" in r.output


@pytest.mark.parametrize("root", [f"{SUB}/claims.csv", "no/such/folder"])
def test_root_must_be_a_folder(repo, root):
    for command in ("validate", "report", "export", "coverage", "derive"):
        assert run(command, root, *(["--out", "x"] if command == "export" else [])).exit_code == 2, command


def test_dask_with_a_root_is_a_usage_error(repo):
    run("parquet", SUB, "pq")
    r = run("validate", SUB, "--dask", "pq")
    assert r.exit_code == 2 and "--dask" in r.output


# fmt: folders, and table paths in a subfolder (what pre-commit passes)


def shuffle(path: Path) -> bytes:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    before = "".join(lines).encode("utf-8")
    path.write_text(lines[0] + "".join(reversed(lines[1:])), encoding="utf-8")
    return before


def test_fmt_a_folder_formats_its_tables(repo):
    claims = repo / SUB / "claims.csv"
    metrics = repo / SUB / "vocab" / "metrics.csv"
    canonical = shuffle(claims), shuffle(metrics)
    r = run("fmt", "--check", SUB)
    assert r.exit_code == 1 and f"would reformat {SUB}/claims.csv" in r.output
    r = run("fmt", SUB)
    assert r.exit_code == 0, r.output
    assert (claims.read_bytes(), metrics.read_bytes()) == canonical
    assert r.output.splitlines()[-1].startswith("2 files reformatted")


def test_fmt_table_paths_in_a_subfolder_as_the_hook_passes_them(repo):
    hook = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}["ledger-fmt"]
    claims, metrics = repo / SUB / "claims.csv", repo / SUB / "vocab" / "metrics.csv"
    canonical = shuffle(claims), shuffle(metrics)
    args = shlex.split(hook["entry"])[1:] + [f"{SUB}/claims.csv", f"{SUB}/vocab/metrics.csv", f"{SUB}/papers.csv"]
    r = run(*args)
    assert r.exit_code == 0, r.output
    assert (claims.read_bytes(), metrics.read_bytes()) == canonical
    assert r.output.splitlines()[-1] == "2 files reformatted, 1 already canonical"


def test_fmt_a_folder_without_tables_is_a_usage_error(repo):
    (repo / "empty").mkdir()
    r = run("fmt", "empty")
    assert r.exit_code == 2 and "no ledger tables" in r.output


def test_the_validate_hook_with_a_ledger_folder_argument(repo):
    hook = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}["ledger-validate"]
    args = shlex.split(hook["entry"])[1:] + [*hook.get("args", []), SUB]  # `args: [data/ledger]` in a user's config
    assert run(*args).exit_code == 0
    break_value(repo / SUB)
    r = run(*args)
    assert r.exit_code == 1 and f"{SUB}/claims.csv:2: L202" in r.output
