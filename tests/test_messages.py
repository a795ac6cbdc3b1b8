"""Messages that say how to fix: the closest allowed words, where a quote parts from its abstract, the
number a quote prints nearest the value, the verbatim text of a quote that only matches once normalised,
and a strict run that fails on warnings without saying ok."""

from __future__ import annotations

import csv
import difflib
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from conftest import REPO
from ledger import Layout
from ledger.cli import main
from ledger.engine import validate
from ledger.schema import pandera_findings, known_keys
from ledger.suggest import Suggestions
from ledger.text import normalise, raw_offset, verbatim_span


def edit(root: Path, name: str, claim_id: str, **cells) -> None:
    """Set cells of one row (keyed by its first column) of a CSV of the ledger."""
    path = root / name
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r[next(iter(r))] == claim_id:
            r.update(cells)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def messages(code: str) -> list[str]:
    return [f.message for f in validate(Layout.find(root=Path("."))).findings if f.code == code]


def schema_messages(code: str) -> list[str]:
    """The same cell failures as the pandera compiler words them: both must say the same."""
    from ledger.engine import load

    ledger, _ = load(Layout.find(root=Path(".")))
    known = known_keys(ledger.tables)
    return [f.message for t in ledger.tables.values() for f in pandera_findings(t, known) if f.code == code]


# --- did you mean ---------------------------------------------------------------------------------

def test_a_misspelt_unit_names_the_closest_and_a_far_one_only_the_list(ledger_dir):
    edit(ledger_dir, "claims.csv", "fastnet-accuracy", unit="percnet")
    edit(ledger_dir, "claims.csv", "slownet-params", unit="Params")
    edit(ledger_dir, "claims.csv", "fastnet-tokens", unit="bananas")
    found = sorted(messages("L103"))
    assert found == sorted(schema_messages("L103"))
    allowed = ("expected a typed unit (percent, pp, relative_percent, ratio, count, params, tokens, score) or a dimensioned "
               "unit in its canonical spelling (FLOP/s, TFLOP/s, ms, s, h, GB, GiB, token/s, USD, ...: the unit table of CONTRIBUTING.md)")
    assert f"'percnet' is not allowed: {allowed}; did you mean 'percent'?" in found
    assert f"'Params' is not allowed: {allowed}; did you mean 'params'?" in found  # only the case differs: that one
    assert f"'bananas' is not allowed: {allowed}" in found  # nothing close: the list alone


def test_an_unknown_metric_names_the_closest_or_lists_a_small_vocabulary(ledger_dir):
    edit(ledger_dir, "claims.csv", "fastnet-accuracy", metric="acuracy")
    edit(ledger_dir, "claims.csv", "slownet-accuracy", metric="zzz")
    found = messages("L107")
    assert sorted(found) == sorted(schema_messages("L107"))
    assert "'acuracy' is not allowed: expected a metric of vocab/metrics.csv; did you mean 'accuracy'?" in found
    assert ("'zzz' is not allowed: expected a metric of vocab/metrics.csv; "
            "allowed: accuracy, dataset_size, latency, model_size, training_speed") in found


def test_a_large_metric_vocabulary_is_not_listed(ledger_dir):
    with open(ledger_dir / "vocab" / "metrics.csv", "a", encoding="utf-8") as fh:
        fh.writelines(f"metric_{i:02d},higher,score,filler\n" for i in range(12))
    edit(ledger_dir, "claims.csv", "slownet-accuracy", metric="zzz")
    assert messages("L107") == ["'zzz' is not allowed: expected a metric of vocab/metrics.csv"]


def test_an_unknown_paper_gets_no_guess(ledger_dir):
    """A near arXiv id is another paper, not a typo to suggest."""
    edit(ledger_dir, "claims.csv", "fastnet-accuracy", paper_id="2401.00003")
    assert messages("L106") == ["'2401.00003' is not allowed: expected a paper_id of papers.csv"]


def test_an_unknown_entity_names_the_closest_entity(ledger_dir):
    edit(ledger_dir, "claims.csv", "fastnet-accuracy-vs-slownet", baseline="SlowNett")
    edit(ledger_dir, "claims.csv", "fastnet-accuracy", subject="Transformer")
    found = messages("L504")
    assert "'SlowNett' is not in vocab/entities.csv; did you mean 'SlowNet'?" in found
    assert "'Transformer' is not in vocab/entities.csv" in found  # a new name: nothing close, no list


def test_a_unit_the_metric_does_not_allow_lists_the_ones_it_does(ledger_dir):
    edit(ledger_dir, "claims.csv", "slownet-params", unit="count")
    assert messages("L303") == ["metric model_size does not allow unit count (it allows params)"]


def test_suggestions_are_looked_up_once_per_distinct_word(ledger_dir, monkeypatch):
    """A column of many cells with the same misspelling costs one look-up, not one per cell."""
    calls = []
    real = difflib.get_close_matches
    monkeypatch.setattr(difflib, "get_close_matches", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    with open(ledger_dir / "claims.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["unit"] = "percnet"
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows * 50)  # 400 rows (duplicate ids too; they do not matter here)
    (ledger_dir / "claims.csv").write_text(out.getvalue(), encoding="utf-8")
    assert len(messages("L103")) == 400
    assert calls == ["percnet"]


def test_a_spent_budget_stops_the_look_ups_but_not_the_messages():
    hints = Suggestions([f"entity{i}" for i in range(1000)], budget=2500)
    assert hints.closest("entity5x") and hints.closest("entity7y")  # 2 x 1000 comparisons
    assert hints.closest("entity9z") == []  # a third would overspend
    assert hints.closest("entity5x")  # a word already looked up costs nothing
    assert hints.hint("ENTITY3") == "did you mean 'entity3'?"  # a case-only difference costs nothing either


# --- L201: where the quote parts from the abstract --------------------------------------------------

def test_an_edited_quote_shows_where_it_parts_from_the_abstract(ledger_dir):
    edit(ledger_dir, "claims.csv", "fastnet-accuracy", quote="reaches an accuracy of 78.58% on BenchA")
    (m,) = messages("L201")
    assert m == ("quote is not a verbatim span of the paper's abstract: after \"reaches an accuracy of 7\" "
                 "the quote has \"8.58% on BenchA\" where the abstract has \"7.58% on BenchA, 2.68 po…\"")


def test_a_quote_running_past_the_abstract_says_the_abstract_ends(ledger_dir):
    edit(ledger_dir, "claims.csv", "fastnet-tokens", quote="1.04B tokens. And more")
    (m,) = messages("L201")
    assert m.endswith("after \"1.04B tokens.\" the quote has \" And more\" where the abstract ends")


def test_a_quote_sharing_nothing_says_so_and_invisibles_are_shown(ledger_dir):
    edit(ledger_dir, "claims.csv", "slownet-params", quote="§ 7B parameters")
    edit(ledger_dir, "claims.csv", "slownet-accuracy", quote="SlowNet achieves 74.90%\x07 accuracy")
    found = messages("L201")
    assert "quote is not a verbatim span of the paper's abstract: its first character '§' does not occur in the abstract" in found
    assert any('the quote has "<U+0007> accuracy"' in m for m in found), found


# --- L202: the closest number ---------------------------------------------------------------------

def test_a_wrong_value_names_the_closest_number_the_quote_prints(ledger_dir):
    edit(ledger_dir, "claims.csv", "fastnet-accuracy-vs-slownet", value="74.8", quote="2.68 points above SlowNet (74.90%)")
    found = messages("L202")
    assert "value 74.8 is not printed in the quote (it prints: 2.68 points, 74.90%); closest: 74.90% (value 74.90)" in found


def test_a_dropped_zero_is_named_as_the_printed_precision_and_the_sign_is_kept(ledger_dir):
    edit(ledger_dir, "claims.csv", "slownet-accuracy", value="74.9")
    edit(ledger_dir, "claims.csv", "fastnet-latency-vs-slownet", value="-24")
    found = messages("L202")
    assert "value 74.9 is not printed in the quote (it prints: 74.90%); closest: 74.90% (value 74.90: the printed precision)" in found
    assert "value -24 is not printed in the quote (it prints: 23%); closest: 23% (value -23)" in found


# --- L206: the verbatim text to paste ---------------------------------------------------------------

def test_a_quote_that_matches_only_once_normalised_gets_the_text_to_paste(ledger_dir):
    edit(ledger_dir, "claims.csv", "fastnet-speed-vs-slownet", quote="It  trains 2.42x\u00a0faster than SlowNet")
    result = validate(Layout.find(root=Path(".")))
    (f,) = [f for f in result.findings if f.code == "L206"]
    assert f.severity.value == "notice" and f.column == "quote" and f.claim_id == "fastnet-speed-vs-slownet"
    assert f.message == 'quote matches the abstract only after normalisation; paste the abstract\'s text verbatim: "It trains 2.42x faster than SlowNet"'
    assert f.expected == "It trains 2.42x faster than SlowNet"
    assert result.ok and not [g for g in result.findings if g.code == "L201"]


def test_a_verbatim_quote_gets_no_notice(ledger_dir):
    assert messages("L206") == []


# The quote's text is cut out of the abstract as stored, whatever typography normalisation folds.
TYPOGRAPHY = st.sampled_from([" ", "  ", "\u00a0", "\n", "\u2009 ", "\u00ad ", " \u200b"])  # each one space once normalised


@given(words=st.lists(st.sampled_from(["fast", "“net”", "’s", "−3", "ﬁne", "été", "2.4×", "x"]), min_size=2, max_size=8),
       gaps=st.lists(TYPOGRAPHY, min_size=8, max_size=8), lo=st.integers(0, 7), n=st.integers(1, 8))
def test_the_verbatim_span_normalises_to_the_match(words, gaps, lo, n):
    text = "  " + "".join(w + g for w, g in zip(words, gaps))
    norm = normalise(text)
    parts = norm.split(" ")
    lo = min(lo, len(parts) - 1)
    wanted = " ".join(parts[lo:lo + n])
    start = norm.find(wanted)
    assert start >= 0
    span = verbatim_span(text, start, start + len(wanted))
    assert span is not None and span in text and normalise(span) == wanted
    assert span == span.strip() and not span.endswith(("\u00ad", "\u200b"))
    assert text[raw_offset(text, start):].startswith(span)


def test_a_span_inside_a_ligature_cannot_be_cut():
    assert verbatim_span("the ﬁne print", 5, 13) is None  # "ine print": its "i" is half of "ﬁ"
    assert verbatim_span("the ﬁne print", 4, 14) == "ﬁne print"


# --- --strict --------------------------------------------------------------------------------------

def warn(root: Path) -> None:
    edit(root, "claims.csv", "fastnet-accuracy-vs-slownet", baseline="Slow-Net")
    (root / "vocab" / "entities.csv").write_text("entity,kind,aliases\nBenchA,benchmark,\nFastNet,method,\nSlowNet,method,Slow-Net\n")


def test_strict_with_warnings_does_not_say_ok(ledger_dir):
    warn(ledger_dir)
    plain, strict = (CliRunner().invoke(main, ["validate", *a]) for a in ([], ["--strict"]))
    assert plain.exit_code == 0 and plain.output.splitlines()[-1].startswith("ok: ")
    assert strict.exit_code == 1
    last = strict.output.splitlines()[-1]
    assert last.startswith("FAILED: ") and last.endswith("(--strict: warnings fail)") and "ok:" not in strict.output


@pytest.mark.parametrize("fmt", ["json", "markdown", "github"])
def test_strict_verdict_in_every_format(ledger_dir, fmt, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    warn(ledger_dir)
    r = CliRunner().invoke(main, ["validate", "--strict", "--format", fmt])
    assert r.exit_code == 1
    if fmt == "json":
        summary = json.loads(r.output)["summary"]
        assert (summary["strict"], summary["failed"], summary["error"], summary["warning"]) == (True, True, 0, 1)
    else:
        assert "ok:" not in r.output and "FAILED: " in r.output


def test_strict_on_a_clean_ledger_says_ok(ledger_dir):
    r = CliRunner().invoke(main, ["validate", "--strict", "--format", "json"])
    assert r.exit_code == 0
    summary = json.loads(r.output)["summary"]
    assert (summary["strict"], summary["failed"]) == (True, False)


def test_ci_and_the_hooks_validate_strictly():
    assert ".venv/bin/ledger validate --strict" in (REPO / ".github" / "workflows" / "ledger.yml").read_text()
    for name in (".pre-commit-hooks.yaml", ".pre-commit-config.yaml"):
        assert "entry: ledger validate --strict" in (REPO / name).read_text(), name


def test_the_bundled_ledger_is_clean_under_strict(monkeypatch):
    monkeypatch.chdir(REPO)
    r = CliRunner().invoke(main, ["validate", "--strict"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[-1].startswith("ok: ")  # after the one true L407 notice (see test_repo_data.py)



def test_a_huge_vocabulary_is_searched_by_first_letter():
    words = [f"{c}{i:04d}net" for c in "abcd" for i in range(500)]  # 2000 words: only one letter's 500 are compared
    hints = Suggestions(words, budget=600)
    assert hints.closest("a0042nett")[0] == "a0042net" and hints.budget == 100
    assert hints.closest("x0042net") == []  # a slip in the first letter is not looked for
    assert hints.closest("b0042nett") == []  # 500 more would overspend
