"""Inputs that are not plain files, or that are plain but were misread: every special-file case of
tests/hostile/ (`special_inputs.SPECIAL`) runs through the CLI in a subprocess with a timeout, so a FIFO
that blocks or a device that fills memory fails the test instead of hanging the suite. Where the run cannot
go on (a required table cannot be read) it must exit 2 with one finding line; otherwise it gives exactly
the findings of the case's expected.csv. Then `fmt` on the same inputs, and the reader's guard in-process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TESTS, build_ledger, read_expected
from special_inputs import SECRET, SPECIAL

from ledger.fmt import format_paths, format_table
from ledger.layout import CLAIMS, METRICS
from ledger.reader import UnreadableFile, parse_fast, read_table

HOSTILE = TESTS / "hostile"
TIMEOUT = 60  # seconds; a hang is what these tests catch, not a speed


def _ledger(case: str, tmp_path: Path) -> Path:
    root = build_ledger(tmp_path / "ledger", HOSTILE / case)
    if case in SPECIAL:
        SPECIAL[case][0](root)
    return root


def _ledger_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ledger.cli", *args], cwd=root, capture_output=True, text=True,
                          timeout=TIMEOUT, stdin=subprocess.DEVNULL)


def _skip_if_root(case: str) -> None:
    if case == "L001-fail-vocab-permission-denied" and os.geteuid() == 0:
        pytest.skip("root reads a file of mode 000; the in-process test fakes the error instead")


@pytest.mark.parametrize("case", sorted(SPECIAL))
def test_special_input_through_the_cli(case, tmp_path):
    _skip_if_root(case)
    root = _ledger(case, tmp_path)
    run = _ledger_cli(root, "validate", "--format", "json")
    out = run.stdout + run.stderr
    assert "Traceback" not in out and SECRET not in out
    expected = read_expected(HOSTILE / case)
    if not SPECIAL[case][1]:  # a required table cannot be read: exit 2, its one finding, nothing else
        assert run.returncode == 2 and run.stdout == ""
        findings = run.stderr.splitlines()
        assert len(findings) == 1, run.stderr
        (file, _, code, _), = expected
        assert findings[0].startswith(f"{file}: {code} ")
        return
    found = sorted(((f["file"], f["line"], f["code"], f["column"]) for f in json.loads(run.stdout)["findings"]),
                   key=lambda t: (t[0], -1 if t[1] is None else t[1], *t[2:]))
    assert found == expected
    assert run.returncode == (1 if any(code[1] != "7" and "fail" in case for _, _, code, _ in expected) else 0)


@pytest.mark.parametrize("case, table", [("L001-fail-fifo-claims", "claims.csv"), ("L001-fail-fifo-vocab", "vocab/metrics.csv"),
                                         ("L001-fail-vocab-is-a-folder", "vocab/entities.csv"),
                                         ("L001-fail-claims-symlink-outside-folder", "claims.csv")])
def test_fmt_refuses_a_special_file(case, table, tmp_path):
    """`fmt` used to skip a FIFO in silence; it refuses it, and the other specials, with the reader's L001."""
    root = _ledger(case, tmp_path)
    run = _ledger_cli(root, "fmt")
    assert run.returncode == 1 and "Traceback" not in run.stdout + run.stderr and SECRET not in run.stdout + run.stderr
    assert f"{table}: not formatted" in run.stdout and "L001" in run.stdout
    if case.endswith("outside-folder"):
        assert (root / table).is_symlink()  # the link is left alone, its target not rewritten


def test_fmt_keeps_a_cr_inside_a_quoted_cell_of_a_cr_only_file(tmp_path):
    root = build_ledger(tmp_path / "ledger", HOSTILE / "L013-fail-cr-only-with-cr-in-quoted-cell")
    before, _ = read_table(root / "claims.csv", CLAIMS)
    assert before.frame["notes"].iat[0] == "first\rsecond"
    [result] = format_paths([root / "claims.csv"])
    assert result.written and b"\r\n" not in (root / "claims.csv").read_bytes()
    after, findings = read_table(root / "claims.csv", CLAIMS)
    assert not findings and after.frame.equals(before.frame)
    # Lines are counted by the file's terminator: CR before (the quoted CR too, as an editor shows it), LF after.
    assert before.lines == [2, *range(4, 11)] and after.lines == list(range(2, 10))


def test_fmt_refuses_a_file_cut_inside_a_quoted_cell(tmp_path):
    root = build_ledger(tmp_path / "ledger", HOSTILE / "L005-fail-truncated-quoted-last-cell")
    data = (root / "claims.csv").read_bytes()
    result = format_table(root / "claims.csv", CLAIMS)
    assert result.refused and [f.code for f in result.findings] == ["L005"]
    assert (root / "claims.csv").read_bytes() == data


def test_the_fast_path_reads_the_ragged_row_case():
    text = (HOSTILE / "L006-fail-ragged-row-on-fast-path" / "claims.csv").read_text(encoding="utf-8")
    header, frame, lines, findings = parse_fast(text, "claims.csv")
    assert lines == [2, 4, 5, 6, 8, 10, 11]
    assert [(f.code, f.line) for f in findings] == [("L006", 3), ("L010", 9)]


# The guard in-process


def test_an_unreadable_optional_table_is_a_finding_and_a_required_one_raises(tmp_path, monkeypatch):
    (tmp_path / "vocab").mkdir()
    for name in ("claims.csv", "vocab/metrics.csv"):
        (tmp_path / name).write_text("x\n")
    real_open = os.open

    def denied(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "open", denied)
    table, findings = read_table(tmp_path / "vocab" / "metrics.csv", METRICS, "vocab/metrics.csv")
    assert not table.present and len(table) == 0
    assert [(f.code, f.line) for f in findings] == [("L001", None)] and "Permission denied" in findings[0].message
    with pytest.raises(UnreadableFile) as e:
        read_table(tmp_path / "claims.csv", CLAIMS, "claims.csv")
    assert e.value.finding.code == "L001"
    monkeypatch.setattr(os, "open", real_open)
    assert read_table(tmp_path / "claims.csv", CLAIMS)[0].present


def test_a_file_over_the_size_bound_is_refused_unread(tmp_path, monkeypatch):
    import ledger.reader as reader

    path = tmp_path / "claims.csv"
    path.write_text("claim_id\nsome-claim\n")
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 8)
    with pytest.raises(UnreadableFile) as e:
        read_table(path, CLAIMS)
    assert "over the" in e.value.finding.message
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 1 << 20)
    assert len(read_table(path, CLAIMS)[0]) == 1


def test_a_symlink_is_judged_by_where_it_resolves(tmp_path):
    ledger, elsewhere = tmp_path / "ledger", tmp_path / "elsewhere"
    (ledger / "vocab").mkdir(parents=True)
    elsewhere.mkdir()
    (elsewhere / "metrics.csv").write_text("metric,direction,units,description\n")
    (ledger / "vocab" / "metrics.csv").symlink_to(elsewhere / "metrics.csv")
    table, findings = read_table(ledger / "vocab" / "metrics.csv", METRICS, "vocab/metrics.csv")
    assert [f.code for f in findings] == ["L001"] and not table.present
    (ledger / "vocab" / "metrics.csv").unlink()
    (ledger / "real.csv").write_text("metric,direction,units,description\n")
    (ledger / "vocab" / "metrics.csv").symlink_to(ledger / "real.csv")  # inside the ledger folder: fine
    table, findings = read_table(ledger / "vocab" / "metrics.csv", METRICS, "vocab/metrics.csv")
    assert table.present and not findings
