"""The claim lifecycle of `ledger diff --check` (L8xx), rename detection, and what the renderings show a reviewer:
every rule has a change it must reject and one it must accept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import TESTS, build_ledger
from ledger.cli import main
from ledger.diff import (DETAILS_AFTER, FieldChange, LedgerDiff, TableDiff, diff_ledgers, render_github, render_json,
                         render_markdown, render_text)
from ledger.engine import validate
from ledger.fmt import render_record
from ledger.layout import CLAIMS, Layout
from ledger.lifecycle import lifecycle_findings
from ledger.reader import read_table

BASE = TESTS / "diff_fixtures" / "base"
STATUSES = ("draft", "verified", "disputed", "retracted")
# What a change may do to a claim's status, written out here on its own so that the code's table is tested.
ALLOWED = {("draft", s) for s in STATUSES} | {("verified", "disputed"), ("verified", "retracted"),
                                               ("disputed", "verified"), ("disputed", "retracted")}


def base_rows() -> list[dict]:
    table, _ = read_table(BASE / "claims.csv", CLAIMS)
    return table.frame.to_dict("records")


def ledger(dest: Path, rows: list[dict]) -> Path:
    """The fixture base ledger with these claims (in this order)."""
    shutil.copytree(BASE, dest)
    (dest / "claims.csv").write_text(render_record(CLAIMS.columns) + "".join(
        render_record([r[c] for c in CLAIMS.columns]) for r in rows), encoding="utf-8")
    return dest


def with_status(rows: list[dict], claim_id: str, status: str) -> list[dict]:
    return [{**r, "status": status} if r["claim_id"] == claim_id else r for r in rows]


def edit(rows: list[dict], which: str, /, **cells) -> list[dict]:
    return [{**r, **cells} if r["claim_id"] == which else r for r in rows]


def compare(tmp_path: Path, old: list[dict], new: list[dict], findings: bool = False) -> LedgerDiff:
    return diff_ledgers(ledger(tmp_path / "base", old), ledger(tmp_path / "head", new), findings=findings)


def codes(d: LedgerDiff) -> list[tuple]:
    return [(f.code, f.claim_id, f.column) for f in d.lifecycle]


CLAIM = "fastnet-accuracy"  # line 2 of the base


# L801: a reviewed claim may not disappear


@pytest.mark.parametrize("status", ["verified", "disputed", "retracted"])
def test_a_reviewed_claim_may_not_disappear(tmp_path, status):
    old = with_status(base_rows(), CLAIM, status)
    d = compare(tmp_path, old, [r for r in old if r["claim_id"] != CLAIM])
    assert codes(d) == [("L801", CLAIM, "claim_id")]
    f = d.lifecycle[0]
    assert (f.file, f.line) == ("claims.csv", 2)  # the base's line: the row is gone from the head
    assert f"is {status} on the base" in f.message and "line 2 of the base's claims.csv" in f.message
    assert "disputed or retracted" in f.message


def test_a_draft_claim_may_disappear(tmp_path):
    old = base_rows()
    d = compare(tmp_path, old, [r for r in old if r["claim_id"] != CLAIM])
    assert [r["claim_id"] for r in d.claims.removed] == [CLAIM] and d.lifecycle == ()


def test_a_reviewed_claim_retracted_instead_of_removed_passes(tmp_path):
    old = with_status(base_rows(), CLAIM, "verified")
    d = compare(tmp_path, old, with_status(old, CLAIM, "retracted"))
    assert d.lifecycle == () and [c.key for c in d.claims.changed] == [CLAIM]


# Renames, and L802: a reviewed claim keeps its claim_id


def test_a_rename_is_one_entry_not_an_add_and_a_remove(tmp_path):
    old = base_rows()
    new = edit(old, CLAIM, claim_id="fastnet-benchmark-accuracy", status="verified", notes="renamed and reviewed")
    d = compare(tmp_path, old, new)
    assert d.claims.added == () and d.claims.removed == () and d.claims.changed == ()
    (r,) = d.claims.renamed
    assert (r.old, r.new) == (CLAIM, "fastnet-benchmark-accuracy")
    assert r.fields == (FieldChange("status", "draft", "verified"), FieldChange("notes", "", "renamed and reviewed"))
    assert d.lifecycle == ()  # a draft may be renamed (and promoted)
    assert d.claims.counts() == {"added": 0, "removed": 0, "changed": 0, "renamed": 1}


@pytest.mark.parametrize("status", ["verified", "disputed", "retracted"])
def test_a_reviewed_claim_may_not_be_renamed(tmp_path, status):
    old = with_status(base_rows(), CLAIM, status)
    renamed = edit(old, CLAIM, claim_id="zz-renamed")
    new = renamed[1:] + renamed[:1]  # the renamed row moved to the end: line 9 of the head
    d = compare(tmp_path, old, new)
    assert codes(d) == [("L802", "zz-renamed", "claim_id")]
    f = d.lifecycle[0]
    assert f.line == 9 and (f.expected, f.found) == (CLAIM, "zz-renamed") and f"rename it back to {CLAIM}" in f.message


def test_a_content_change_with_the_new_id_is_no_rename(tmp_path):
    """Same id change, but the value differs too: a removal and an addition (and the reviewed claim is gone)."""
    old = with_status(base_rows(), CLAIM, "verified")
    d = compare(tmp_path, old, edit(old, CLAIM, claim_id="zz-renamed", value="77.6"))
    assert d.claims.renamed == ()
    assert [r["claim_id"] for r in d.claims.added] == ["zz-renamed"]
    assert [r["claim_id"] for r in d.claims.removed] == [CLAIM]
    assert codes(d) == [("L801", CLAIM, "claim_id")]


def test_ambiguous_renames_stay_added_and_removed(tmp_path):
    old = base_rows()
    twin = {**next(r for r in old if r["claim_id"] == CLAIM), "claim_id": "fastnet-accuracy-twin"}
    # two removed rows with one content, one added row with it
    d = compare(tmp_path, old + [twin], [r for r in old if r["claim_id"] != CLAIM] + [{**twin, "claim_id": "zz-new"}])
    assert d.claims.renamed == () and len(d.claims.added) == 1 and len(d.claims.removed) == 2
    # one removed row, two added rows with its content
    d = compare(tmp_path / "2", old, [r for r in old if r["claim_id"] != CLAIM]
                + [{**twin, "claim_id": "zz-new"}, {**twin, "claim_id": "zz-other"}])
    assert d.claims.renamed == () and len(d.claims.added) == 2 and len(d.claims.removed) == 1


# L803: what was checked against the abstract is frozen once reviewed


@pytest.mark.parametrize("column, new_value", [("value", "77.6"), ("unit", "pp"), ("paper_id", "2401.00002"),
                                               ("quote", "an accuracy of 77.58% on BenchA")])
@pytest.mark.parametrize("status", ["verified", "disputed", "retracted"])
def test_a_reviewed_claim_keeps_value_unit_quote_and_paper(tmp_path, status, column, new_value):
    old = with_status(base_rows(), CLAIM, status)
    d = compare(tmp_path, old, edit(old, CLAIM, **{column: new_value}))
    assert codes(d) == [("L803", CLAIM, column)]
    f = d.lifecycle[0]
    assert f.line == 2 and f.found == new_value and "add the corrected claim under a new claim_id" in f.message


def test_every_frozen_column_changed_is_one_finding_each(tmp_path):
    old = with_status(base_rows(), CLAIM, "verified")
    d = compare(tmp_path, old, edit(old, CLAIM, value="77.6", unit="pp", status="disputed"))
    assert codes(d) == [("L803", CLAIM, "unit"), ("L803", CLAIM, "value")]  # disputed now, but edited all the same


@pytest.mark.parametrize("column, new_value", [("subject", "FastNet-2"), ("context", "BenchA; test split"),
                                               ("notes", "checked again"), ("reading", "ambiguous"),
                                               ("qualifier", "about"), ("baseline", "SlowNet"), ("metric", "top1")])
def test_a_reviewed_claim_may_change_its_other_columns(tmp_path, column, new_value):
    old = with_status(base_rows(), CLAIM, "verified")
    d = compare(tmp_path, old, edit(old, CLAIM, **{column: new_value}))
    assert d.lifecycle == () and d.claims.changed[0].fields == (FieldChange(column, old[0][column], new_value),)


def test_a_draft_claim_may_change_anything(tmp_path):
    old = base_rows()
    d = compare(tmp_path, old, edit(old, CLAIM, value="77.6", unit="pp", quote="x", paper_id="2401.00002"))
    assert d.lifecycle == () and len(d.claims.changed[0].fields) == 4


# L804: the status moves only forwards


@pytest.mark.parametrize("old_status", STATUSES)
@pytest.mark.parametrize("new_status", STATUSES)
def test_status_transitions(tmp_path, old_status, new_status):
    old = with_status(base_rows(), CLAIM, old_status)
    d = compare(tmp_path, old, with_status(old, CLAIM, new_status))
    if (old_status, new_status) in ALLOWED or old_status == new_status:
        assert d.lifecycle == ()
    else:
        assert codes(d) == [("L804", CLAIM, "status")]
        assert f"{old_status} -> {new_status} is not allowed" in d.lifecycle[0].message
        assert d.lifecycle[0].line == 2


def test_a_status_outside_the_vocabulary_is_left_to_the_schema(tmp_path):
    old = with_status(base_rows(), CLAIM, "verified")
    d = compare(tmp_path, old, with_status(old, CLAIM, "verifed"), findings=True)
    assert d.lifecycle == ()
    assert ("L103", CLAIM, "status") in {(f.code, f.claim_id, f.column) for f in d.findings_appeared}


def test_a_renamed_claim_moved_back_to_draft_breaks_two_rules(tmp_path):
    old = with_status(base_rows(), CLAIM, "verified")
    d = compare(tmp_path, old, edit(old, CLAIM, claim_id="zz-renamed", status="draft"))
    assert sorted(codes(d)) == [("L802", "zz-renamed", "claim_id"), ("L804", "zz-renamed", "status")]


# Only the changed rows are looked at


class Untouchable:
    def __getattr__(self, name):
        raise AssertionError(f"the unchanged table was read ({name})")


def test_unchanged_rows_are_not_read():
    claims = TableDiff("claims", changed=())
    assert lifecycle_findings(Untouchable(), Untouchable(), claims) == []


def test_lifecycle_codes_cannot_be_waived(tmp_path):
    root = build_ledger(tmp_path / "ledger")
    (root / "waivers.csv").write_text("code,claim_id,reason,reviewer\nL801,x,removed on purpose,me\n", encoding="utf-8")
    found = validate(Layout.find(root=root)).findings
    assert [(f.code, f.message) for f in found] == [("L602", "'L801' cannot be waived")]


# `ledger diff --check` and the workflow's format


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_check_fails_on_a_lifecycle_error(tmp_path):
    old = with_status(base_rows(), CLAIM, "verified")
    base, head = ledger(tmp_path / "b", old), ledger(tmp_path / "h", with_status(old, CLAIM, "draft"))
    r = run("diff", str(base), str(head), "--check")
    assert r.exit_code == 1
    assert "! lifecycle claims.csv:2: L804 status-transition" in r.stdout
    assert "ledger diff --check: FAILED: 1 lifecycle errors, 0 new error findings" in r.stderr
    assert run("diff", str(base), str(head)).exit_code == 0  # without --check the diff only reports


def test_check_passes_a_promotion(tmp_path):
    old = base_rows()
    r = run("diff", str(ledger(tmp_path / "b", old)), str(ledger(tmp_path / "h", with_status(old, CLAIM, "verified"))),
            "--check")
    assert r.exit_code == 0, r.output


def test_check_fails_on_new_error_findings_only(tmp_path):
    """A value that no longer matches its quote (L202, error) is new in the head: --check fails. The same error
    already on the base is not the change's: --check passes."""
    old = base_rows()
    bad = edit(old, CLAIM, value="77.6")
    r = run("diff", str(ledger(tmp_path / "b", old)), str(ledger(tmp_path / "h", bad)), "--check")
    assert r.exit_code == 1 and "0 lifecycle errors, 1 new error findings" in r.stderr
    promoted = with_status(bad, CLAIM, "verified")
    r = run("diff", str(ledger(tmp_path / "b2", bad)), str(ledger(tmp_path / "h2", promoted)), "--check")
    assert r.exit_code == 0, r.output


def test_github_format_annotates_the_lifecycle_errors(tmp_path):
    old = with_status(with_status(base_rows(), CLAIM, "verified"), "fastnet-examples", "verified")
    new = with_status([r for r in old if r["claim_id"] != "fastnet-examples"], CLAIM, "draft")
    d = compare(tmp_path, old, new)
    lines = render_github(d).splitlines()
    assert lines[0] == ("::error file=claims.csv,line=2,title=L804 status-transition::fastnet-accuracy status: "
                        "verified -> draft is not allowed: verified may become only disputed or retracted")
    # the removed claim has no line in the head to point at: the annotation is on the file
    assert lines[1].startswith("::error file=claims.csv,title=L801 reviewed-claim-removed::")
    assert lines[2:] == render_text(d).splitlines()


# What a reviewer sees


def test_a_changed_field_shows_the_claims_quote_and_status(tmp_path):
    old = base_rows()
    d = compare(tmp_path, old, edit(old, CLAIM, notes="looked again"))
    quote = next(r["quote"] for r in old if r["claim_id"] == CLAIM)
    assert f'~ claims {CLAIM}  status="draft" quote="{quote}"\n    notes: "" -> "looked again"' in render_text(d)
    assert (f"| `{CLAIM}` | notes | *(empty)* | `looked again` | `draft` | `{quote}` |") in render_markdown(d)


def test_an_added_claim_shows_every_column(tmp_path):
    old = base_rows()
    new_row = {**old[0], "claim_id": "zz-added", "value": "77.5", "context": "BenchA; dev", "notes": "a | b `c`"}
    d = compare(tmp_path, old, old + [new_row])
    text = render_text(d)
    shown = [c for c in CLAIMS.columns if c != "claim_id" and (new_row[c] or c not in CLAIMS.optional_columns)]  # the optional columns the ledger leaves out are not shown
    block = text[text.index("+ claims zz-added"):].splitlines()[1:len(shown) + 1]
    assert block == [f"    {c}: {json.dumps(new_row[c])}" for c in shown]
    md = render_markdown(d)
    assert "| claim_id | " + " | ".join(shown) + " |" in md
    assert "| `dev` |" not in md and "`BenchA; dev`" in md and "`` a \\| b `c` ``" in md


def test_a_rename_is_shown_as_one(tmp_path):
    old = base_rows()
    d = compare(tmp_path, old, edit(old, CLAIM, claim_id="zz-renamed", notes="new id"))
    assert f'> claims {CLAIM} -> zz-renamed  status="draft"' in render_text(d)
    assert "\n    notes: \"\" -> \"new id\"" in render_text(d)
    md = render_markdown(d)
    assert "### Claims renamed (same content, new claim_id)" in md
    assert f"| `{CLAIM}` | `zz-renamed` | notes: *(empty)* → `new id` |" in md
    assert LedgerDiff.from_dict(json.loads(render_json(d))) == d


def test_long_sections_are_folded_and_closed_when_cut(tmp_path):
    old = base_rows()
    extra = [{**old[0], "claim_id": f"zz-added-{i:02d}", "context": f"setting {i}"} for i in range(DETAILS_AFTER + 1)]
    d = compare(tmp_path, old, old + extra)
    md = render_markdown(d)
    assert f"<details><summary>{DETAILS_AFTER + 1} rows</summary>" in md and md.rstrip().endswith("</details>")
    cut = render_markdown(d, limit=len(md) - 200)
    assert "more changes not shown" in cut and cut.count("<details>") == cut.count("</details>") == 1
    assert len(cut) <= len(md) - 200
    short = compare(tmp_path / "2", old, old + extra[:DETAILS_AFTER])
    assert "<details>" not in render_markdown(short)
