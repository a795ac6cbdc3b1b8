"""`ledger diff` validates the base only where it changed: the findings it puts together for the base must be
exactly those of validating the base whole, on every kind of edit (claims, papers, skips, vocabularies, side
tables), and the tables compared by the keyed join must equal the row-by-row definition."""

from __future__ import annotations

import csv
import importlib.util
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from ledger.diff import _diff_rows, diff_findings, _group, _records, _relabel, _run_engine, diff_ledgers, diff_table, validate_pair
from ledger.engine import validate
from ledger.layout import SPECS, WAIVERS, Layout
from ledger.reader import read_table

GENERATOR = REPO / "benchmarks" / "generate.py"
SPEC = {s.relpath: s for s in SPECS}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated ledger with planted errors of every code (waivers, hygiene and L105 included)."""
    if not GENERATOR.exists():
        pytest.skip("benchmarks/generate.py is not in this checkout")
    spec = importlib.util.spec_from_file_location("ledger_bench_generate", GENERATOR)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    root = tmp_path_factory.mktemp("gen") / "ledger"
    gen.generate(2000, root, seed=7, error_rate=0.005)
    for extra in ("planted.csv", "manifest.json"):
        (root / extra).unlink(missing_ok=True)
    # a waiver that waives a per-paper finding: the head no longer lists it, the base must still use the waiver
    hit = next(f for f in validate(Layout.find(root=root)).findings if f.code == "L202" and f.claim_id)
    with open(root / "waivers.csv", "a", encoding="utf-8") as fh:
        fh.write(f"L202,{hit.claim_id},checked by hand,test\n")
    return root


@pytest.fixture(scope="module")
def whole(generated) -> list:
    """The generated ledger validated whole, files named as the diff names them."""
    return _full(generated)


def _full(root: Path) -> list:
    layout = Layout.find(root=root)
    return _relabel(layout, validate(layout).findings)


def _read(path: Path) -> tuple[list[str], list]:
    """Header and records; a record with as many fields as the header is a dict, any other (ragged, blank:
    the generator plants them) stays the list it was, so that writing it back keeps it."""
    with open(path, newline="", encoding="utf-8") as fh:
        header, *records = list(csv.reader(fh))
    return header, [dict(zip(header, r)) if len(r) == len(header) else r for r in records]


def _write(path: Path, header: list[str], rows: list) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows([r[c] for c in header] if isinstance(r, dict) else r for r in rows)


def _dicts(rows: list) -> list[dict]:
    return [r for r in rows if isinstance(r, dict)]


# Edits: each takes the rows of every table (relpath -> rows) and a Random, and changes them in place.

def _claim_cell(t, rnd):
    rows = _dicts(t["claims.csv"])
    row, other = rnd.choice(rows), rnd.choice(rows)
    col = rnd.choice(["value", "unit", "quote", "notes", "status", "subject", "baseline", "qualifier", "context", "metric"])
    row[col] = rnd.choice([other[col], "", row[col] + " x", "\u200b" + row[col]])


def _claim_paper(t, rnd):
    rnd.choice(_dicts(t["claims.csv"]))["paper_id"] = rnd.choice(_dicts(t["papers.csv"]))["paper_id"]


def _claim_same_id(t, rnd):
    rows = _dicts(t["claims.csv"])
    rnd.choice(rows)["claim_id"] = rnd.choice(rows)["claim_id"]  # L105 (or an L502 twin)


def _claim_delete(t, rnd):
    rows = t["claims.csv"]
    del rows[rnd.randrange(len(rows))]


def _claim_add(t, rnd):
    rows = t["claims.csv"]
    rows.insert(rnd.randrange(len(rows)), dict(rnd.choice(_dicts(rows)), claim_id=f"added-{rnd.randrange(10**6)}"))


def _claim_move(t, rnd):
    rows = t["claims.csv"]
    rows.insert(rnd.randrange(len(rows)), rows.pop(rnd.randrange(len(rows))))  # lines move, nothing else


def _claim_swap_in_paper(t, rnd):
    rows = t["claims.csv"]
    ok = [j for j, r in enumerate(rows) if isinstance(r, dict)]
    i = rnd.choice(ok)
    same = [j for j in ok if rows[j]["paper_id"] == rows[i]["paper_id"] and j != i]
    if same:
        j = rnd.choice(same)
        rows[i], rows[j] = rows[j], rows[i]  # the order within one paper (first/second spelling) changes


def _notes_spaces(t, rnd):
    for row in rnd.sample(_dicts(t["claims.csv"]), 30):
        row["notes"] += " "  # L705 past the per-column cap, over many papers


def _paper_abstract(t, rnd):
    p = rnd.choice(_dicts(t["papers.csv"]))
    p["abstract"] = p["abstract"][: len(p["abstract"]) // 2]


def _paper_delete(t, rnd):
    rows = t["papers.csv"]
    del rows[rnd.randrange(len(rows))]


def _paper_title(t, rnd):
    rnd.choice(_dicts(t["papers.csv"]))["title"] = ""


def _paper_move(t, rnd):
    rows = t["papers.csv"]
    rows.insert(rnd.randrange(len(rows)), rows.pop(rnd.randrange(len(rows))))


def _skip_delete(t, rnd):
    rows = t["coverage_skips.csv"]
    if rows:
        del rows[rnd.randrange(len(rows))]


def _skip_context(t, rnd):
    if _dicts(t["coverage_skips.csv"]):
        rnd.choice(_dicts(t["coverage_skips.csv"]))["context"] = "no abstract prints this"


def _small_delete(relpath):
    def edit(t, rnd):
        rows = t[relpath]
        if rows:
            del rows[rnd.randrange(len(rows))]
    edit.__name__ = f"_delete_{relpath}"
    return edit


def _waiver_add(t, rnd):
    t["waivers.csv"].append({"code": "L202", "claim_id": rnd.choice(_dicts(t["claims.csv"]))["claim_id"], "reason": "r", "reviewer": ""})


ROW_EDITS = [_claim_cell, _claim_paper, _claim_same_id, _claim_delete, _claim_add, _claim_move, _claim_swap_in_paper,
             _notes_spaces, _paper_abstract, _paper_delete, _paper_title, _paper_move, _skip_delete, _skip_context]
SIDE_EDITS = [_small_delete("vocab/metrics.csv"), _small_delete("vocab/entities.csv"), _small_delete("relations.csv"),
              _small_delete("waivers.csv"), _waiver_add]


def _edited(src: Path, dest: Path, edits, seed: int) -> Path:
    shutil.copytree(src, dest)
    rnd = random.Random(seed)
    tables = {rel: _read(dest / rel) for rel in SPEC if (dest / rel).exists()}
    rows = {rel: r for rel, (_, r) in tables.items()}
    for edit in edits:
        edit(rows, rnd)
    for rel, (header, r) in tables.items():
        _write(dest / rel, header, r)
    return dest


def _check_pair(base: Path, head: Path, base_whole: list, head_whole: list):
    """validate_pair (what diff_ledgers uses) gives each side's whole findings exactly (lines, messages, order),
    so the findings that appear and disappear are those of two whole validations."""
    a, b, _, _ = validate_pair(base, head)
    assert a.findings == base_whole
    assert b.findings == head_whole
    assert diff_findings(a.findings, b.findings) == diff_findings(base_whole, head_whole)
    return a


@pytest.mark.parametrize("edit", ROW_EDITS + SIDE_EDITS, ids=lambda e: e.__name__.strip("_"))
def test_each_edit_gives_the_whole_base_findings(generated, whole, tmp_path, edit):
    head = _edited(generated, tmp_path / "head", [edit, edit], seed=3)
    head_whole = _full(head)
    a = _check_pair(generated, head, whole, head_whole)
    # the same edit the other way round: the edited ledger is the base
    _check_pair(head, generated, head_whole, whole)
    if edit in ROW_EDITS:
        assert a.partial, "an edit of claims, papers or skips validates the base only where it changed"
    else:
        assert not a.partial, "an edit of a vocabulary or side table validates the base whole"


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.sampled_from(ROW_EDITS + SIDE_EDITS), min_size=1, max_size=5), seed=st.integers(0, 2**16),
       reverse=st.booleans())
def test_random_edits_give_the_whole_base_findings(generated, whole, tmp_path_factory, edits, seed, reverse):
    edited = _edited(generated, tmp_path_factory.mktemp("edit") / "ledger", edits, seed)
    edited_whole = _full(edited)
    if reverse:
        _check_pair(edited, generated, edited_whole, whole)
    else:
        _check_pair(generated, edited, whole, edited_whole)


def test_an_unchanged_ledger_takes_everything_from_the_head(generated, whole):
    a, b, tables, _ = validate_pair(generated, generated)
    assert a.partial and a.findings == b.findings == whole
    assert all(t.empty for t in tables.values())


def test_incremental_diff_equals_two_whole_validations(generated, tmp_path):
    head = _edited(generated, tmp_path / "head", [_claim_cell, _paper_abstract, _claim_delete, _skip_context], seed=5)
    fast = diff_ledgers(generated, head, base_label="b", head_label="h")
    assert fast == diff_ledgers(generated, head, base_label="b", head_label="h", incremental=False)
    assert fast.findings_appeared or fast.findings_disappeared


def test_the_head_is_validated_as_validate_does(generated):
    """_run_engine on a loaded ledger with every check is engine.validate (the diff's one adapter to the engine)."""
    from ledger.engine import load

    layout = Layout.find(root=generated)
    ledger, found = load(layout)
    assert _run_engine(ledger, None, before=found) == validate(layout).findings


def test_a_failing_check_makes_the_base_validated_whole(generated, tmp_path, monkeypatch):
    """A check that raises (L000) may fail on one side's sub-ledger and not on the whole: no pieces then."""
    import dataclasses

    from ledger.registry import RULES

    def broken(ledger):
        raise RuntimeError("boom")

    monkeypatch.setitem(RULES, "L202", dataclasses.replace(RULES["L202"], func=broken))
    head = _edited(generated, tmp_path / "head", [_claim_cell], seed=1)
    head_whole = _full(head)
    assert "L000" in {f.code for f in head_whole}
    a, b, _, _ = validate_pair(generated, head)
    assert not a.partial and a.findings == _full(generated) and b.findings == head_whole


# The keyed join against the row-by-row definition

KEYS = st.sampled_from(["a", "b", "a / b", "c", ""])
CELLS = st.sampled_from(["", "x", "y", "b / c", "c"])


@settings(max_examples=200, deadline=None)
@given(old=st.lists(st.tuples(KEYS, KEYS, CELLS), max_size=8), new=st.lists(st.tuples(KEYS, KEYS, CELLS), max_size=8))
def test_keyed_join_equals_the_definition(tmp_path_factory, old, new):
    """Waivers are keyed by two columns: repeated keys, and keys that join to the same text ("a / b", "c" and
    "a", "b / c"), must give what comparing row by row gives."""
    tmp = tmp_path_factory.mktemp("join")
    tables = []
    for name, rows in (("old", old), ("new", new)):
        path = tmp / f"{name}.csv"
        _write(path, list(WAIVERS.columns), [{"code": c, "claim_id": k, "reason": r, "reviewer": ""} for c, k, r in rows])
        tables.append(read_table(path, WAIVERS)[0])

    def by_key(t):
        import numpy as np
        at = np.arange(len(t))
        recs = _records(t.frame, at)
        return _group([f"{r['code']} / {r['claim_id']}" for r in recs], recs)

    added, removed, changed = _diff_rows(WAIVERS, by_key(tables[0]), by_key(tables[1]))
    d = diff_table(WAIVERS, *tables)
    assert d.added == tuple(r for _, r in added)
    assert d.removed == tuple(r for _, r in removed)
    assert d.changed == tuple(c for _, c in changed)
