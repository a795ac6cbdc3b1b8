"""Shared test helpers: build a ledger folder from the base fixture plus a case's overlay files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example deadline anywhere: CI machines are shared, and a slow example is not a failure.
settings.register_profile("ledger", deadline=None)
settings.load_profile("ledger")

TESTS = Path(__file__).parent
BASE = TESTS / "cases" / "base"
REPO = TESTS.parent


def build_ledger(dest: Path, overlay: Path | None = None) -> Path:
    """Copy the base ledger to dest, then the overlay's files over it.

    An overlay may hold `remove.txt` (base files to delete, one per line) and `expected.csv`
    (the findings the case must produce); neither is copied.
    """
    shutil.copytree(BASE, dest, dirs_exist_ok=True)
    if overlay is not None:
        for path in overlay.rglob("*"):
            rel = path.relative_to(overlay)
            if path.is_dir() or rel.name in ("expected.csv", "remove.txt", "README.md"):
                continue
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest / rel)
        remove = overlay / "remove.txt"
        if remove.exists():
            for name in remove.read_text().split():
                (dest / name).unlink()
    return dest


def _order(t: tuple) -> tuple:
    return (t[0], -1 if t[1] is None else t[1], *t[2:])  # whole-file findings (line None) sort first


def read_expected(case: Path) -> list[tuple[str, int | None, str, str]]:
    with open(case / "expected.csv", newline="", encoding="utf-8") as fh:
        rows = [(r["file"], int(r["line"]) if r["line"] else None, r["code"], r["column"]) for r in csv.DictReader(fh)]
    return sorted(rows, key=_order)


def found_tuples(findings) -> list[tuple[str, int | None, str, str]]:
    return sorted(((f.file, f.line, f.code, f.column) for f in findings), key=_order)


@pytest.fixture
def ledger_dir(tmp_path, monkeypatch):
    """A fresh copy of the base ledger, with the working directory inside it."""
    root = build_ledger(tmp_path / "ledger")
    monkeypatch.chdir(root)
    return root
