"""--select / --ignore (ledger/selection.py): which codes a run reports, and which checks it runs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import TESTS, build_ledger

import ledger
from ledger.cli import main
from ledger.registry import RULES, Hit, Rule
from ledger.selection import Selection, UnknownCode

# dask's own parquet reader calls reset_index(inplace=True), which pandas 3.1 deprecates: not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index")


def run(*args):
    return CliRunner().invoke(main, list(args))


def break_value(root):
    p = root / "claims.csv"  # 77.58 -> 77.5: L202 on the claim, L402 on two claims, L204 on the abstract
    p.write_text(p.read_text(encoding="utf-8").replace("77.58,percent", "77.5,percent"), encoding="utf-8")


def codes(result) -> list[str]:
    return sorted(f.code for f in result.findings)


# Parsing and matching


def test_entries_are_comma_separated_repeatable_and_case_blind():
    s = Selection.of(["L2, l301", "L5"], "L202,")
    assert s.select == ("L2", "L301", "L5") and s.ignore == ("L202",)
    assert Selection.of("L2") == Selection.of(["L2"]) == Selection.of(("L2",))
    assert Selection.of().everything and not s.everything


def test_prefixes_select_families_and_ignore_wins():
    s = Selection.of("L2,L40", "L202")
    assert s.reports("L201") and s.reports("L205") and s.reports("L401") and s.reports("L406")
    assert not s.reports("L202")  # selected by L2, ignored by L202: ignore wins
    assert not s.reports("L501") and not s.reports("L101") and not s.reports("L010")
    assert Selection.of(ignore="L2").reports("L301") and not Selection.of(ignore="L2").reports("L203")


def test_a_failed_check_is_reported_whatever_select_says_unless_ignored():
    assert Selection.of("L2").reports("L000")
    assert not Selection.of("L2", "L000").reports("L000")


@pytest.mark.parametrize("entry, closest", [("L77", ["L706", "L705", "L704"]), ("L2020", ["L202"]),
                                            ("value-not-in-quote", ["L202"]), ("Q", [])])
def test_an_entry_that_matches_no_code_is_refused_with_the_closest(entry, closest):
    with pytest.raises(UnknownCode) as e:
        Selection.of(["L2", entry])
    assert e.value.option == "select" and e.value.entry == entry
    assert e.value.closest[:len(closest)] == closest
    with pytest.raises(ValueError, match="ignore: .* matches no finding code"):
        ledger.validate(".", ignore=entry)


# The engine: what is reported equals the full run filtered, and the summary counts only that


CASES = ["L005-fail-unterminated-quote", "L006-fail-extra-field", "L105-fail-duplicate-claim-id", "L201-fail-quote-edited",
         "L204-fail-number-not-claimed", "L402-fail-points-conflict", "L503-fail-alias-as-subject", "L602-fail-unknown-code"]
SELECTIONS = [("L2", None), (None, "L2"), ("L0,L1", None), ("L4,L5", "L402"), (["L1", "L2"], ["L20", "L106"]), (None, "L0,L1")]


@pytest.mark.parametrize("case", CASES)
def test_a_selection_reports_the_full_runs_findings_it_selects(case, tmp_path, monkeypatch):
    root = build_ledger(tmp_path / "ledger", TESTS / "cases" / case)
    monkeypatch.chdir(root)
    full = ledger.validate(".")
    assert full.findings
    for select, ignore in SELECTIONS:
        s = Selection.of(select, ignore)
        got = ledger.validate(".", select=select, ignore=ignore)
        assert got.findings == [f for f in full.findings if s.reports(f.code)], (select, ignore)
        summary = got.summary()
        assert summary["findings"] == len(got.findings)
        assert summary["error"] == sum(f.severity.value == "error" for f in got.findings)


def test_ignoring_a_load_error_does_not_let_the_checks_read_a_truncated_table(ledger_dir):
    with open(ledger_dir / "claims.csv", "a", encoding="utf-8") as fh:
        fh.write('broken-claim,2401.00001,"an unterminated quote\n')
    full = ledger.validate(".")
    assert "L005" in codes(full) and "L204" not in codes(full)  # claims lost rows: coverage does not run
    quiet = ledger.validate(".", ignore="L0")
    assert quiet.ok and not [c for c in codes(quiet) if c.startswith("L0")]
    assert "L204" not in codes(quiet)  # still not run: the table is as truncated as before


def _broken_check(monkeypatch, code="L999"):
    def broken(ledger):
        raise KeyError("boom")
        yield Hit(0, "", "")

    monkeypatch.setitem(RULES, code, Rule(code, "broken-for-test", RULES["L201"].severity, "x", "check", broken))


def test_checks_not_reported_are_skipped(ledger_dir, monkeypatch):
    _broken_check(monkeypatch)
    assert "L000" in codes(ledger.validate("."))
    assert "L000" not in codes(ledger.validate(".", ignore="L999"))  # it did not run
    assert "L000" not in codes(ledger.validate(".", select="L2"))
    selected = ledger.validate(".", select="L9")
    assert codes(selected) == ["L000"] and not selected.ok  # selected, it ran and failed: that is reported
    assert codes(ledger.validate(".", select="L9", ignore="L000")) == []


def test_waivers_of_codes_not_reported_are_set_aside(tmp_path, monkeypatch):
    root = build_ledger(tmp_path / "used", TESTS / "cases" / "L601-pass-waiver-used")
    monkeypatch.chdir(root)
    assert ledger.validate(".").waived == 1
    assert ledger.validate(".", select="L504").waived == 1
    ignored = ledger.validate(".", ignore="L504")
    assert ignored.waived == 0 and "L601" not in codes(ignored)  # the waiver is not "unmatched": its check did not run

    root = build_ledger(tmp_path / "unmatched", TESTS / "cases" / "L601-fail-waiver-matches-nothing")
    monkeypatch.chdir(root)
    assert codes(ledger.validate(".")) == ["L601", "L601"]
    assert codes(ledger.validate(".", select="L5,L6")) == ["L601"]  # the L501 waiver; the L202 one is set aside
    assert codes(ledger.validate(".", ignore="L601")) == []


def test_dask_path_reports_what_the_engine_reports(ledger_dir, tmp_path):
    dask = pytest.importorskip("dask")
    from ledger.distributed import dask_result, write_parquet

    break_value(ledger_dir)
    write_parquet(".", tmp_path / "pq", partitions=2)
    selection = Selection.of("L2,L4", "L202")
    with dask.config.set(scheduler="synchronous"):
        got = dask_result(tmp_path / "pq", selection=selection)
    want = ledger.validate(".", select="L2,L4", ignore="L202")
    assert got.findings == want.findings and codes(want) == ["L204", "L402", "L402"]


# The command


def test_cli_select_and_ignore(ledger_dir):
    break_value(ledger_dir)
    assert run("validate").exit_code == 1
    r = run("validate", "--ignore", "L202", "--ignore", "L4")
    assert r.exit_code == 0, r.output  # only the L204 warning is left, and the summary counts only it
    assert r.output.splitlines() == [r.output.splitlines()[0], "ok: 8 claims, 2 papers; 0 errors, 1 warnings, 0 notices"]
    assert " L204 " in r.output.splitlines()[0]
    r = run("validate", "--select", "L202,L204", "--format", "json")
    assert r.exit_code == 1 and '"L402"' not in r.output and '"L202"' in r.output
    assert run("validate", "--select", "L2", "--ignore", "L2", "--strict").exit_code == 0


def test_cli_unknown_code_is_a_usage_error_naming_the_closest(ledger_dir):
    r = run("validate", "--select", "L2,L2020")
    assert r.exit_code == 2
    assert "Invalid value for --select: 'L2020' matches no finding code; closest: L202" in r.output
    r = run("validate", "--ignore", "value-not-in-quote")
    assert r.exit_code == 2 and "closest: L202" in r.output
