"""L505/L506 ("respectively" lists, the claims' `group` column): the pairing logic as a table of quotes and
rows, and the drafts of `ledger extract` carrying group ids that pass both checks."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from click.testing import CliRunner
from conftest import REPO, build_ledger

from ledger import Layout
from ledger.cli import main
from ledger.engine import validate
from ledger.layout import CLAIMS
from ledger.validators.groups import _cluster, layout, misorders, paired_columns

SPELLINGS = {n: names for names in (["BenchA", "Bench-A"], ["BenchB", "Bench-B", "BB"], ["SlowNet"], ["MidNet"])
             for n in names}


def faults(quote: str, rows: list[dict]) -> list[tuple[str, str]]:
    """(value of a row, the entity the quote pairs with it) for each misordered row, every paired column."""
    from ledger.numbers import read_numbers

    mentions = read_numbers(quote)
    places = [[(m.start, m.end) for m in mentions if m.value == r["value"]] for r in rows]
    entities = paired_columns(rows, quote, SPELLINGS)
    value_at, entity_at = layout(quote, places, entities, SPELLINGS)
    assert None not in value_at
    out = []
    for col, at in entity_at.items():
        assert None not in at, (col, at)
        out += [(rows[i]["value"], entities[col][e]) for i, e in misorders(value_at, at, entities[col])]
    return sorted(out)


def r(value, **cells):
    return {"value": value, **cells}


CASES = [
    # (what it shows, quote, rows, misordered rows as (value, the entity the quote pairs with it))
    ("baselines in order", "gains 3.8 and 2.2 points over SlowNet and MidNet, respectively",
     [r("3.8", baseline="SlowNet"), r("2.2", baseline="MidNet")], []),
    ("baselines swapped", "gains 3.8 and 2.2 points over SlowNet and MidNet, respectively",
     [r("3.8", baseline="MidNet"), r("2.2", baseline="SlowNet")], [("2.2", "MidNet"), ("3.8", "SlowNet")]),
    ("values sharing one marker, rows in another order than the quote's",
     "by 3.8 and 2.2 points on BenchA and BenchB, respectively",
     [r("2.2", context="BenchB; zero-shot"), r("3.8", context="BenchA; zero-shot")], []),
    ("entity by an alias", "by 3.8 and 2.2 points on Bench-B and BenchA, respectively",
     [r("3.8", context="BenchB"), r("2.2", context="BenchA")], []),
    ("entity by an alias, swapped", "by 3.8 and 2.2 points on Bench-B and BenchA, respectively",
     [r("3.8", context="BenchA"), r("2.2", context="BenchB")], [("2.2", "BenchA"), ("3.8", "BenchB")]),
    ("entity repeated: the list's own place counts, not the earlier mention",
     "Tuned on BenchA, it gains 3.8 and 2.2 points on BenchB and BenchA, respectively",
     [r("3.8", context="BenchB"), r("2.2", context="BenchA")], []),
    ("entity repeated after the list", "it gains 3.8 and 2.2 points on BenchB and BenchA, respectively, and BenchB is harder",
     [r("3.8", context="BenchB"), r("2.2", context="BenchA")], []),
    ("entities printed before the values", "On BenchA and BenchB, the gains are 3.8 and 2.2 points, respectively",
     [r("3.8", context="BenchA"), r("2.2", context="BenchB")], []),
    ("entities printed before the values, swapped", "On BenchA and BenchB, the gains are 3.8 and 2.2 points, respectively",
     [r("3.8", context="BenchB"), r("2.2", context="BenchA")], [("2.2", "BenchB"), ("3.8", "BenchA")]),
    ("a short alias inside a longer one is not a second place", "by 3.8 and 2.2 points on BB-2 and BB, respectively",
     [r("3.8", context="BB-2"), r("2.2", context="BB")], []),
    ("equal values never disagree", "by 2.2 and 2.2 points on BenchA and BenchB, respectively",
     [r("2.2", context="BenchB"), r("2.2", context="BenchA")], []),
    ("two paired columns, one wrong", "SlowNet and MidNet gain 3.8 and 2.2 points on BenchA and BenchB, respectively",
     [r("3.8", subject="SlowNet", context="BenchB"), r("2.2", subject="MidNet", context="BenchA")],
     [("2.2", "BenchB"), ("3.8", "BenchA")]),
    ("three of four in a cycle", "by 1.1, 2.2, 3.3 and 4.4 points on A1, B2, C3 and D4, respectively",
     [r("1.1", context="B2"), r("2.2", context="C3"), r("3.3", context="A1"), r("4.4", context="D4")],
     [("1.1", "A1"), ("2.2", "B2"), ("3.3", "C3")]),
]


@pytest.mark.parametrize("quote, rows, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_pairing(quote, rows, expected):
    assert faults(quote, rows) == sorted(expected)


def test_paired_columns_take_the_context_item_a_row_has_of_its_own():
    rows = [r("1", context="BenchA; zero-shot; val"), r("2", context="BenchB; zero-shot")]
    assert paired_columns(rows, "1 and 2 on BenchA and BenchB, respectively", SPELLINGS) == {"context": ["BenchA", "BenchB"]}
    # of several own items, the one the quote prints
    rows = [r("1", context="larger model; BenchA"), r("2", context="smaller model; BenchB")]
    assert paired_columns(rows, "1 and 2 on BenchA and BenchB, respectively", SPELLINGS) == {"context": ["BenchA", "BenchB"]}
    assert paired_columns([r("1", baseline="SlowNet"), r("2", baseline="SlowNet")], "", SPELLINGS) == {}


def test_cluster_prefers_the_narrowest_list_before_respectively():
    # item 0 at 0 and 50, item 1 at 60: the window (50, 60) is the list
    assert _cluster([[(0, 5), (50, 55)], [(60, 65)]], before=100) == [50, 60]
    assert _cluster([[(0, 5)], []], before=100) == [0, None]
    assert _cluster([[], []], before=100) == [None, None]


def _overlay(tmp_path, abstract: str, rows: list[dict]):
    """The base ledger plus one paper and its claims in the full header (group included)."""
    root = build_ledger(tmp_path / "ledger")
    with open(root / "papers.csv", "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(["2401.00009", "A list paper", "2024", "https://arxiv.org/abs/2401.00009", abstract])
    with open(root / "vocab" / "entities.csv", "a", encoding="utf-8") as fh:
        fh.write("MidNet,method,\n")
    old = list(csv.DictReader(open(root / "claims.csv", encoding="utf-8")))
    buf = io.StringIO()
    w = csv.DictWriter(buf, CLAIMS.columns, lineterminator="\n", restval="")
    w.writeheader()
    w.writerows(old + [{"paper_id": "2401.00009", "subject": "FastNet", "metric": "accuracy", "unit": "pp",
                        "qualifier": "exact", "reading": "explicit", "status": "draft", **x} for x in rows])
    (root / "claims.csv").write_text(buf.getvalue(), encoding="utf-8")
    return validate(Layout.find(root=root))


def test_a_group_that_spans_two_papers_is_reported_on_the_row_of_the_other_paper(tmp_path):
    q = "FastNet gains 3.8 and 2.2 points over SlowNet and MidNet, respectively"
    result = _overlay(tmp_path, q + ".", [
        {"claim_id": "a-1", "value": "3.8", "baseline": "SlowNet", "group": "g", "quote": q},
        {"claim_id": "a-2", "value": "2.2", "baseline": "MidNet", "group": "g", "quote": q},
        {"claim_id": "a-3", "paper_id": "2401.00001", "value": "2.68", "baseline": "FastNet", "group": "g",
         "quote": "2.68 points above SlowNet"},
    ])
    found = [(f.claim_id, f.column) for f in result.findings if f.code == "L506"]
    assert found == [("a-3", "paper_id"), ("a-3", "quote")]
    assert not [f for f in result.findings if f.code == "L505"]


def test_the_message_says_which_pairing_the_quote_gives(tmp_path):
    q = "FastNet gains 3.8 and 2.2 points over SlowNet and MidNet, respectively"
    result = _overlay(tmp_path, q + ".", [
        {"claim_id": "a-1", "value": "3.8", "baseline": "MidNet", "group": "g", "quote": q},
        {"claim_id": "a-2", "value": "2.2", "baseline": "SlowNet", "group": "g", "quote": q},
    ])
    messages = sorted(f.message for f in result.findings if f.code == "L505")
    assert messages == ["2.2 points is paired with MidNet by 'respectively' in group 'g'; this row says SlowNet",
                        "3.8 is paired with SlowNet by 'respectively' in group 'g'; this row says MidNet"]


def test_the_bundled_lists_are_grouped_and_a_swap_is_caught(tmp_path):
    """MEMO's two MFU ratios and MixReorg's four mIoU gains carry group ids; swapping a pair is an error."""
    root = tmp_path / "bundled"
    root.mkdir()
    for name in ("claims.csv", "papers.csv", "coverage_skips.csv", "relations.csv"):
        shutil.copyfile(REPO / name, root / name)
    shutil.copytree(REPO / "vocab", root / "vocab")
    rows = list(csv.DictReader(open(root / "claims.csv", encoding="utf-8")))
    groups = {}
    for row in rows:
        if row["group"]:
            groups.setdefault(row["group"], []).append(row["claim_id"])
    assert len(groups["memo-mfu-respectively"]) == 2 and len(groups["mixreorg-miou-respectively"]) == 4
    swap = {"memo-mfu-vs-deepspeed": "Megatron-LM", "memo-mfu-vs-megatron-lm": "DeepSpeed"}
    ctx = {"mixreorg-miou-gain-coco": "ADE20K; zero-shot", "mixreorg-miou-gain-ade20k": "MS COCO; zero-shot"}
    for row in rows:
        row["baseline"] = swap.get(row["claim_id"], row["baseline"])
        row["context"] = ctx.get(row["claim_id"], row["context"])
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    (root / "claims.csv").write_text(buf.getvalue(), encoding="utf-8")
    found = sorted((f.claim_id, f.column) for f in validate(Layout.find(root=root)).findings if f.code == "L505")
    assert found == [("memo-mfu-vs-deepspeed", "baseline"), ("memo-mfu-vs-megatron-lm", "baseline"),
                     ("mixreorg-miou-gain-ade20k", "context"), ("mixreorg-miou-gain-coco", "context")]


def test_extract_drafts_a_respectively_list_with_a_group_id_unique_in_the_ledger(tmp_path, monkeypatch):
    root = tmp_path / "bundled"
    root.mkdir()
    for name in ("papers.csv", "coverage_skips.csv"):
        shutil.copyfile(REPO / name, root / name)
    shutil.copytree(REPO / "vocab", root / "vocab")
    # a claim of another paper already holds the id the MEMO list would take
    (root / "claims.csv").write_text(
        ",".join(CLAIMS.columns) + "\n" + ",".join({"claim_id": "hingcorpus-token-count", "paper_id": "2204.08398",
                                                    "subject": "L3Cube-HingCorpus", "metric": "dataset_size", "value": "1.04e9",
                                                    "unit": "tokens", "context": "tokens", "qualifier": "exact",
                                                    "reading": "explicit", "group": "memo-mfu-respectively",
                                                    "quote": "1.04B tokens", "status": "draft"}.get(c, "")
                                                   for c in CLAIMS.columns) + "\n", encoding="utf-8")
    monkeypatch.chdir(root)
    r = CliRunner().invoke(main, ["extract", "--all", "--write"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(open(root / "claims.csv", encoding="utf-8")))
    groups = {}
    for row in rows[1:]:
        if row["group"]:
            groups.setdefault(row["group"], []).append((row["value"], row["baseline"] if row["metric"] == "mfu" else row["context"]))
    assert sorted(groups["memo-mfu-respectively-2"]) == [("2.26", "DeepSpeed"), ("2.42", "Megatron-LM")]
    assert sorted(groups["mixreorg-miou-respectively"]) == [("2.5", "MS COCO"), ("3.4", "ADE20K"), ("5.0", "PASCAL VOC2012"),
                                                            ("6.2", "PASCAL Context")]
    findings = validate(Layout.find(root=root)).findings
    assert [(f.code, f.claim_id) for f in findings if f.code in ("L505", "L506")] == [("L506", "hingcorpus-token-count")]  # the seeded row is a group of one
