"""The engine's arithmetic: intervals, the safe relation parser, implied values, and a broken check."""

from __future__ import annotations


import pandas as pd
import pytest

from ledger import Layout
from ledger.derive import derivations
from ledger.engine import validate
from ledger.formula import FormulaError, holds, parse_relation, refs
from ledger.intervals import Interval
from ledger.model import value_intervals
from ledger.registry import RULES, Hit, Rule


@pytest.mark.parametrize("value,lo,hi", [
    ("52.30", 52.295, 52.305), ("52.6e3", 52550, 52650), ("7", 6.5, 7.5), ("1e6", 0.5e6, 1.5e6),
    ("-23", -23.5, -22.5), ("0.05", 0.045, 0.055), ("221247", 221246.5, 221247.5),
])
def test_value_intervals(value, lo, hi):
    v = value_intervals(pd.Series([value], dtype="str")).iloc[0]
    assert v["lo"] == pytest.approx(lo) and v["hi"] == pytest.approx(hi)


def test_value_intervals_malformed_is_nan():
    v = value_intervals(pd.Series(["52.3.1", "", "1,000", "inf"], dtype="str"))
    assert v["num"].isna().all()


def test_interval_arithmetic():
    a, b = Interval(52.295, 52.305), Interval(2.415, 2.425)
    q = a / b
    assert q.lo == pytest.approx(52.295 / 2.425) and q.hi == pytest.approx(52.305 / 2.415)
    assert (a - b).lo == pytest.approx(52.295 - 2.425)
    assert Interval(1, 2).meets(Interval(2, 3)) and not Interval(1, 2).meets(Interval(2.1, 3))
    with pytest.raises(ZeroDivisionError):
        a / Interval(-1, 1)


def test_issue_examples_memo_and_hawq():
    # 52.30% MFU and 2.42x over Megatron-LM imply about 21.6% for Megatron-LM
    implied = Interval(52.295, 52.305) / Interval(2.415, 2.425)
    assert 21.5 < implied.lo < implied.hi < 21.7
    # 77.58% and 2.68 points imply 74.90%
    implied = Interval(77.575, 77.585) - Interval(2.675, 2.685)
    assert implied.meets(Interval(74.895, 74.905))
    # a 60% reduction is a factor of 2.5
    assert 1 / (1 + Interval(-60.5, -59.5).mid / 100) == pytest.approx(2.5)


@pytest.mark.parametrize("text,ids", [
    ("{a} + {b} == {c}", ["a", "b", "c"]),
    ("({x-1} - 2.5) * 100 / {y} <= 3e2", ["x-1", "y"]),
    ("-{a} = -7", ["a"]),
    ("{a} == {b} == {c}", ["a", "b", "b", "c"]),  # a chain: {a} == {b} and {b} == {c}
    ("min({a}, 2) < abs({b}) or not {c} != 1", ["a", "b", "c"]),
])
def test_formula_parses(text, ids):
    assert refs(parse_relation(text)) == ids


@pytest.mark.parametrize("text", [
    "{a} + {b}", "{a} == ", "__import__('os').system('true') == 0", "().__class__ == 1", "{a}.real == 1",
    "lambda: 1 == 1", "{a} == {b} {c}", "{a} == 1 and", "max == 1", "{a} == 1 xor {b} == 2", "(" * 200 + "1" + ")" * 200 + " == 1", "1 " * 5000 + "== 1",
])
def test_formula_refuses(text):
    with pytest.raises(FormulaError):
        parse_relation(text)


def test_relation_holds_within_rounding():
    rel = parse_relation("{a} + {b} == {c}")
    ok, left, right = holds(rel, {"a": Interval(6.5, 7.5), "b": Interval(7.5, 8.5), "c": Interval(14.5, 15.5)})
    assert ok and left.width == 2
    ok, *_ = holds(rel, {"a": Interval(6.5, 7.5), "b": Interval(7.5, 8.5), "c": Interval(16.5, 17.5)})
    assert not ok


def test_derivations_on_the_base_ledger(ledger_dir):
    result = validate(Layout.find(root="."))
    d = derivations(result.ledger)
    row = d[(d["kind"] == "baseline-level") & (d["target"] == "SlowNet")].iloc[0]
    assert (row["lo"], row["hi"]) == (pytest.approx(74.89), pytest.approx(74.91))
    assert row["width"] == pytest.approx(0.02)
    ratio = d[d["kind"] == "ratio-from-relative"].iloc[0]
    assert (ratio["lo"], ratio["hi"]) == (pytest.approx(0.765), pytest.approx(0.775))


def test_a_broken_check_becomes_a_check_error_finding(ledger_dir, monkeypatch):
    def broken(ledger):
        raise KeyError("no such column")
        yield Hit(0, "", "")

    monkeypatch.setitem(RULES, "L999", Rule("L999", "broken-for-test", RULES["L201"].severity, "x", "check", broken))
    result = validate(Layout.find(root="."))
    [f] = [f for f in result.findings if f.code == "L000"]
    assert "L999 broken-for-test failed: KeyError" in f.message


def test_rule_codes_are_unique_and_well_formed():
    import re
    from collections import Counter

    from conftest import REPO
    from ledger.catalogue import catalogue
    from ledger.registry import RULES, rule

    codes = [r.code for r in catalogue()]
    assert all(len(c) == 4 and c[0] == "L" and c[1:].isdigit() for c in codes)
    # RULES is a dict keyed by code, so its codes are unique whatever happens: the guard is _register, which
    # must refuse a second code or name (and leave the catalogue as it was) ...
    before = dict(RULES)
    with pytest.raises(ValueError, match="L101"):
        rule("L101", "brand-new-name", "error", "x", "schema")
    with pytest.raises(ValueError, match=RULES["L101"].name):
        rule("L998", RULES["L101"].name, "error", "x", "schema")
    assert RULES == before
    # ... and no code is declared twice in the source, whether or not its module is imported
    declared = Counter(m[1] for path in [*(REPO / "ledger").rglob("*.py"), *(REPO / "validators").rglob("*.py")]
                       for m in re.finditer(r'\b(?:check|rule)\(\s*"(L\d{3})"', path.read_text(encoding="utf-8")))
    assert declared and not [c for c, n in declared.items() if n > 1]
    assert set(declared) <= set(codes)


def test_whole_counts_are_exact_so_relations_on_them_are_sharp(ledger_dir):
    """7 + 8 == 16 must fail: a count printed in full is exact, not the rounding interval [6.5, 7.5]."""
    papers = ledger_dir / "papers.csv"
    papers.write_text(papers.read_text(encoding="utf-8").replace("with 7B parameters.", "with 7B parameters. It has 7 heads and 8 layers in 16 blocks."), encoding="utf-8")
    claims = ledger_dir / "claims.csv"
    extra = "".join(f"slownet-{what},2401.00002,SlowNet,dataset_size,{n},count,,{what},exact,explicit,{n} {what},draft,\n"
                    for what, n in (("heads", 7), ("layers", 8), ("blocks", 16)))
    claims.write_text(claims.read_text(encoding="utf-8") + extra, encoding="utf-8")
    (ledger_dir / "relations.csv").write_text("relation_id,formula,description\nsum,{slownet-heads} + {slownet-layers} == {slownet-blocks},x\n")
    result = validate(Layout.find(root="."))
    # on the relation's row, and on the line of each claim it names
    assert sorted((f.code, f.file, f.line) for f in result.findings) == [
        ("L403", "claims.csv", 10), ("L403", "claims.csv", 11), ("L403", "claims.csv", 12), ("L403", "relations.csv", 2)]
    iv = result.ledger.interval(result.ledger.rows_by_id["slownet-heads"])
    assert (iv.lo, iv.hi) == (7.0, 7.0)
    assert result.ledger.interval(result.ledger.rows_by_id["fastnet-examples"]).width == 100  # 52.6e3 stays rounded


def test_array_and_scalar_interval_arithmetic_agree():
    import numpy as np

    from ledger.intervals import Interval, div, mul

    cases = [(1.0, 2.0, 3.0, 4.0), (-2.0, 1.0, 0.5, 3.0), (0.0, np.inf, 2.0, 5.0), (-3.0, -1.0, -4.0, -2.0)]
    for alo, ahi, blo, bhi in cases:
        a, b = Interval(alo, ahi), Interval(blo, bhi)
        assert mul(*map(np.array, ([alo], [ahi], [blo], [bhi]))) == ((a * b).lo, (a * b).hi)
        assert div(*map(np.array, ([alo], [ahi], [blo], [bhi]))) == pytest.approx(((a / b).lo, (a / b).hi))
    assert div(np.array([1.0]), np.array([2.0]), np.array([-1.0]), np.array([1.0])) == (-np.inf, np.inf)
    with pytest.raises(ZeroDivisionError):
        Interval(1, 2) / Interval(-1, 1)


def _last_readers(root):
    """Per shared result (memo key or cached property of Ledger), the last check in code order that reads it
    on the ledger at root: each check runs on a ledger whose shared results were all forgotten, so what
    it computes is what it reads."""
    from ledger import engine
    from ledger.catalogue import checks
    from ledger.model import CACHED

    ledger, _ = engine.load(Layout.find(root=root))
    last = {}
    for r in checks():
        ledger.release(list(ledger._memo) + list(CACHED))
        list(r.func(ledger))
        for key in [*ledger._memo, *(k for k in CACHED if k in ledger.__dict__)]:
            last[key] = r.code
    return last


def test_shared_results_are_released_after_their_last_reader(tmp_path):
    """engine.LAST_USE names every shared result the checks read, and no check reads one after it is released
    (it would be computed again). Read on the bundled ledger and on every L2xx-L5xx fixture case."""
    from conftest import REPO, TESTS, build_ledger
    from ledger.engine import LAST_USE

    roots = [REPO] + [build_ledger(tmp_path / case.name, case)
                      for case in sorted((TESTS / "cases").glob("L[2-5]*")) if case.is_dir()]
    late = {}
    for root in roots:
        for key, code in _last_readers(root).items():
            if code > LAST_USE.get(key, ""):
                late[key] = max(code, late.get(key, ""))
    assert late == {}, f"set these in engine.LAST_USE (the last check that reads each): {late}"


def test_released_results_are_computed_again(ledger_dir):
    """Releasing is only forgetting: a check run after the release of what it reads gives the same hits."""
    from ledger import engine
    from ledger.catalogue import checks
    from ledger.engine import LAST_USE

    ledger, _ = engine.load(Layout.find(root=ledger_dir))
    by_code = {r.code: r for r in checks()}
    before = [h for r in by_code.values() for h in r.func(ledger)]
    ledger.release(LAST_USE)
    assert not set(LAST_USE) & (set(ledger._memo) | set(ledger.__dict__))
    assert [h for r in by_code.values() for h in r.func(ledger)] == before
