"""The repository's own files: the workflow's properties, the citation file, and the dataset card's counts
and paper list, which must not go stale silently."""

from __future__ import annotations

import csv
import datetime
import re
import shutil
import tomllib
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from ledger.layout import SPECS

VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
CARD = REPO / "docs" / "dataset-card.md"
BEGIN, END = "<!-- begin: made from the ledger's files; tests/test_repo_files.py keeps it current -->", "<!-- end -->"


# --- the workflow -------------------------------------------------------------------------------------

def _steps() -> list[dict]:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "ledger.yml").read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    assert not job.get("continue-on-error")
    return job["steps"]


def _step(steps, needle: str) -> tuple[int, dict]:
    found = [(i, s) for i, s in enumerate(steps) if needle in s.get("run", "") or needle == s.get("uses", "")]
    assert len(found) == 1, f"one step should run {needle!r}"
    return found[0]


def _runs_after_a_failure(step: dict) -> bool:
    return "!cancelled()" in step.get("if", "")


def test_the_checks_after_validate_and_fmt_still_run_when_they_fail():
    steps = _steps()
    fmt, _ = _step(steps, "ledger fmt --check")
    validate, validate_step = _step(steps, "ledger validate")
    assert _runs_after_a_failure(validate_step)  # after a failing fmt
    for needle in ("ledger diff", "ledger coverage", "ledger report --out build/report.html"):
        i, step = _step(steps, needle)
        assert i > max(fmt, validate) and _runs_after_a_failure(step), needle


def test_the_report_is_uploaded_even_when_a_check_failed():
    steps = _steps()
    report, _ = _step(steps, "ledger report --out build/report.html")
    upload, step = _step(steps, "actions/upload-artifact@v4")
    assert upload > report and _runs_after_a_failure(step)
    assert step["with"]["path"] == "build/report.html"


def test_a_failed_step_still_fails_the_job():
    for step in _steps():
        assert not step.get("continue-on-error"), step.get("name")
        assert not re.search(r"\|\|\s*(true|:|exit 0)\b", step.get("run", "")), step.get("name")


def test_pip_downloads_are_cached_on_pyproject():
    _, setup = _step(_steps(), "actions/setup-python@v5")
    assert setup["with"]["cache"] == "pip" and setup["with"]["cache-dependency-path"] == "pyproject.toml"


def test_the_workflow_checks_reject_a_workflow_without_them(tmp_path, monkeypatch):
    """The properties above fail on the workflow as it was: no cache, steps skipped after a failure."""
    before = yaml.safe_load("""
jobs:
  check:
    steps:
      - uses: actions/setup-python@v5
        with: {python-version: "3.11"}
      - run: .venv/bin/ledger fmt --check
      - run: .venv/bin/ledger validate --format github
      - run: .venv/bin/ledger coverage
""")
    steps = before["jobs"]["check"]["steps"]
    assert not _runs_after_a_failure(_step(steps, "ledger coverage")[1])
    assert "cache" not in _step(steps, "actions/setup-python@v5")[1]["with"]


# --- citation and licences ------------------------------------------------------------------------------

def test_citation_cff_is_cff_1_2_0_for_this_version():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    # the keys CFF 1.2.0 requires, and the forms its schema gives the ones used here
    assert cff["cff-version"] == "1.2.0"
    assert isinstance(cff["message"], str) and cff["message"].strip()
    assert isinstance(cff["title"], str) and cff["title"].strip()
    assert cff["type"] == "dataset"
    assert cff["authors"] == [{"name": "The claims ledger contributors"}]  # an entity: `name`, no given/family names
    assert str(cff["version"]) == VERSION
    assert isinstance(datetime.date.fromisoformat(str(cff["date-released"])), datetime.date)
    assert set(cff["license"]) == {"CC-BY-4.0", "MIT"}  # SPDX identifiers
    known = {"cff-version", "message", "title", "type", "authors", "version", "date-released", "license", "abstract",
             "keywords", "repository-code", "url", "doi", "identifiers", "references", "preferred-citation"}
    assert set(cff) <= known


def test_the_licences_are_where_pyproject_and_the_card_say():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == {"text": "MIT"}
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n\nCopyright (c) 2026 The claims ledger contributors")
    assert "CC BY 4.0" in (REPO / "LICENSE-DATA").read_text(encoding="utf-8")


def test_the_changelog_has_the_current_version():
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in text
    assert re.search(rf"^## \[{re.escape(VERSION)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M)


def test_readme_links_the_documents():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in ("LICENSE", "LICENSE-DATA", "CITATION.cff", "CHANGELOG.md", "docs/dataset-card.md"):
        assert f"]({name})" in readme, name
        assert (REPO / name).is_file()


# --- the dataset card -----------------------------------------------------------------------------------

def _rows(root: Path, relpath: str) -> list[dict] | None:
    path = root / relpath
    if not path.is_file():
        return None
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def card_block(root: Path) -> str:
    """The card's counts and paper list, made from the ledger files at `root`."""
    tables = {s.name: _rows(root, s.relpath) for s in SPECS}
    claims, papers = tables["claims"] or [], tables["papers"] or []
    status, reading, unit = (Counter(c[k] for c in claims) for k in ("status", "reading", "unit"))
    per_paper = Counter(c["paper_id"] for c in claims)
    lines = [BEGIN, "", "| what | count |", "|---|---|",
             f"| papers (`papers.csv`) | {len(papers)} |",
             f"| papers with at least one claim | {sum(p['paper_id'] in per_paper for p in papers)} |",
             f"| claims (`claims.csv`) | {len(claims)} |"]
    lines += [f"| claims with status `{s}` | {status.get(s, 0)} |" for s in ("draft", "verified", "disputed", "retracted")]
    lines += [f"| claims with reading `ambiguous` | {reading.get('ambiguous', 0)} |",
              f"| claims by unit | {', '.join(f'{u} {n}' for u, n in sorted(unit.items(), key=lambda x: (-x[1], x[0])))} |"]
    lines += [f"| rows of `{s.relpath}` | {'no file' if tables[s.name] is None else len(tables[s.name])} |"
              for s in SPECS if s.name not in ("claims", "papers")]
    lines += ["", "Papers (arXiv pages):", ""]
    lines += [f"- [{p['paper_id']}]({p['url']}) {p['title']} ({p['year']}): "
              f"{per_paper[p['paper_id']]} claim{'' if per_paper[p['paper_id']] == 1 else 's'}" for p in papers]
    return "\n".join([*lines, "", END])


def test_the_dataset_card_counts_match_the_files():
    expected = card_block(REPO)
    assert expected in CARD.read_text(encoding="utf-8"), f"paste this into {CARD.name}:\n{expected}"


def test_the_card_block_changes_with_the_files(tmp_path):
    """The block above is made from the files: one claim fewer, or a paper's link changed, gives another."""
    for s in SPECS:
        if (REPO / s.relpath).is_file():
            (tmp_path / s.relpath).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO / s.relpath, tmp_path / s.relpath)
    assert card_block(tmp_path) == card_block(REPO)
    claims = (tmp_path / "claims.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "claims.csv").write_text("".join(claims[:-1]), encoding="utf-8")
    assert card_block(tmp_path) not in CARD.read_text(encoding="utf-8")


@pytest.mark.parametrize("url", ["https://arxiv.org/abs/"])
def test_every_paper_links_its_arxiv_page(url):
    for p in _rows(REPO, "papers.csv") or []:
        assert p["url"] == url + p["paper_id"]
