"""`ledger derive` lists every relation with its verdict (holds, violated, cannot be checked and why),
its kind and its description, in text and in json; and the grammar's edge cases, evaluated directly."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import REPO, build_ledger
from ledger.cli import main
from ledger.formula import FormulaError, judge, parse_relation
from ledger.intervals import Interval

RELATIONS = "\n".join([
    "relation_id,formula,kind,description",
    'holds-fact,{fastnet-speed-vs-slownet} > 1,fact,"""trains 2.42x faster"" is a ratio above 1"',
    "violated-assumption,{fastnet-tokens} / {fastnet-examples} < 1000,assumption,a reading that fails",
    "violated-fact,{slownet-accuracy} > {fastnet-accuracy},,2401.00002 ahead of 2401.00001 (it is not)",
    "unparsable,max({fastnet-accuracy} > 1,fact,the call is not closed",
    "unknown-claim,{fastnet-acc} > 1,fact,no such claim",
    "zero-divisor,{fastnet-accuracy} / ({slownet-accuracy} - 74.9) > 0,fact,2401.00001 over 2401.00002's interval holding 0",
    "undescribed,{fastnet-accuracy} > 1,fact,",
]) + "\n"


@pytest.fixture
def ledger_root(tmp_path):
    root = build_ledger(tmp_path / "ledger")
    (root / "relations.csv").write_text(RELATIONS, encoding="utf-8")
    return root


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_text_lists_every_relation_with_verdict_kind_and_description(ledger_root):
    result = run("derive", str(ledger_root))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "relation holds-fact (fact): holds" in out
    assert "relation violated-assumption (assumption): VIOLATED" in out
    assert "relation violated-fact (fact): VIOLATED" in out  # an empty kind is a fact
    assert "relation unparsable (fact): cannot be checked" in out and "does not parse" in out and "at character 24" in out
    assert "relation unknown-claim (fact): cannot be checked" in out and "names unknown claims: fastnet-acc" in out
    assert "relation zero-divisor (fact): cannot be checked" in out and "contains 0" in out
    assert "description: (none)" in out
    assert "description: \"trains 2.42x faster\" is a ratio above 1" in out
    assert "fails {slownet-accuracy} > {fastnet-accuracy}: left [74.895, 74.905]" in out
    assert "7 relations: 2 holds, 2 violated, 3 cannot be checked" in out


def test_json_verdicts(ledger_root):
    result = run("derive", str(ledger_root), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"derived", "relations"} and data["derived"]
    by_id = {r["relation_id"]: r for r in data["relations"]}
    assert list(by_id) == ["holds-fact", "violated-assumption", "violated-fact", "unparsable", "unknown-claim", "zero-divisor",
                           "undescribed"]
    assert {k: r["verdict"] for k, r in by_id.items()} == {
        "holds-fact": "holds", "violated-assumption": "violated", "violated-fact": "violated", "unparsable": "cannot be checked",
        "unknown-claim": "cannot be checked", "zero-divisor": "cannot be checked", "undescribed": "holds"}
    assert by_id["violated-fact"]["kind"] == "fact" and by_id["violated-assumption"]["kind"] == "assumption"
    assert by_id["violated-fact"]["papers"] == ["2401.00002", "2401.00001"]
    cmp = by_id["violated-fact"]["comparisons"]
    assert len(cmp) == 1 and cmp[0]["left"] == pytest.approx([74.895, 74.905]) and cmp[0]["right"] == pytest.approx([77.575, 77.585])
    assert {k: cmp[0][k] for k in ("comparison", "op", "possible", "certain")} == {
        "comparison": "{slownet-accuracy} > {fastnet-accuracy}", "op": ">", "possible": False, "certain": False}
    assert by_id["holds-fact"]["description"] == '"trains 2.42x faster" is a ratio above 1'
    assert "comparisons" not in by_id["unparsable"] and "at character 24" in by_id["unparsable"]["reason"]


def test_bundled_relations_all_hold():
    """Every relation of the bundled ledger holds, and the derive listing says so."""
    result = run("derive", str(REPO), "--format", "json")
    assert result.exit_code == 0, result.output
    verdicts = {r["relation_id"]: r["verdict"] for r in json.loads(result.output)["relations"]}
    assert len(verdicts) >= 15 and set(verdicts.values()) == {"holds"}, verdicts


A = Interval(77.575, 77.585)


@pytest.mark.parametrize("formula, possible, certain", [
    ("{a} > 77.584 and {a} < 77.576", True, False),  # each part alone can hold: `and` is a necessary condition only
    ("{a} > 77.59 or {a} < 77.58", True, False),
    ("{a} > 77.59 or {a} < 77.57", False, False),
    ("not {a} > 77.58", True, False),
    ("not {a} < 100", False, False),
    ("not not {a} < 100", True, True),
    ("{a} != 77.58", True, False),
    ("{a} != 80", True, True),
    ("70 < {a} < 80", True, True),
    ("70 < {a} < 77.5", False, False),
    ("abs(-{a}) == {a}", True, False),
    ("abs({a} - 80) > 2.4", True, True),
    ("min({a}, 50, 60) == 50 and max({a}, 50) == {a}", True, False),
])
def test_conditions_under_intervals(formula, possible, certain):
    out = judge(parse_relation(formula), {"a": A})
    assert (out.possible, out.certain) == (possible, certain)


def test_abs_of_an_interval_around_zero():
    assert abs(Interval(-2.0, 1.0)) == Interval(0.0, 2.0)
    assert abs(Interval(-2.0, -1.0)) == Interval(1.0, 2.0)


@pytest.mark.parametrize("formula, offset", [
    ("{a} +", 6), ("{a} > 1 and", 12), ("sqrt({a}) > 1", 1), ("({a} > 1", 9), ("{a} > 1 {a}", 9),
    ("(({a})) == 1)", 13), ("{a} # 1", 5), ("__import__('os') > 1", 1), ("{a}.real > 1", 4), ("abs() > 1", 5),
])
def test_parse_errors_say_where(formula, offset):
    with pytest.raises(FormulaError) as e:
        parse_relation(formula)
    assert e.value.offset == offset and f"at character {offset}" in str(e.value)


# parse_many parses each formula shape once and binds the claim ids: it must give what parse_relation gives,
# tree for tree and error for error (message and offset from the text itself).
_SHAPED = [
    "{a} / {b} == {c}", "{x-1} / {y-2} == {z-3}", "{p} - {p} == 0", "{q} - {q} == 0", "{a} - {b} == 0",
    "max({a}, {b}) <= {c} and not ({a} > 2)", "max({long-claim-id-here}, {b}) <= {c} and not ({long-claim-id-here} > 2)",
    "{a} +", "{bbbbbbbbbb} +", "{a} ** {b}", "{#0} == {a}", "{a} == {#0}", "{a}" + " + {a}" * 300,
    "{" + "a" * 1990 + "} == 1", "{" + "b" * 1999 + "} == 1", "{b} == 1",
]


@pytest.mark.parametrize("order", [_SHAPED, _SHAPED[::-1]])
def test_parse_many_gives_what_parse_relation_gives(order):
    from ledger.formula import FormulaError, parse_many, parse_relation

    for text, got in zip(order, parse_many(order)):
        try:
            want = parse_relation(text)
        except FormulaError as e:
            assert isinstance(got, FormulaError) and str(got) == str(e) and got.offset == e.offset, text[:40]
        else:
            assert got == want, text[:40]
