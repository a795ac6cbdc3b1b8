"""Relations judged column-wise (formula.judge_many, relations.verdicts) decide exactly what the scalar judge does."""

from __future__ import annotations

import random
import sys

import numpy as np
import pytest

from conftest import build_ledger
from ledger.formula import And, BinOp, Call, Compare, Neg, Not, Num, Or, Ref, judge, judge_many
from ledger.intervals import Interval

SLOTS = ("a", "b", "c")
# bounds that make edge cases: zeros of both signs, infinities, the smallest positive float, equal bounds
EDGES = [0.0, -0.0, 1.0, -1.0, 2.5, 7.0, 1e-9, 1e308, -1e308, 5e-324, -5e-324, sys.float_info.min, np.inf, -np.inf, 3.0, 0.1]


def _expr(rng, depth):
    if depth == 0 or rng.random() < 0.3:
        return Ref(rng.choice(SLOTS)) if rng.random() < 0.7 else Num(rng.choice([0.0, 1.0, 2.0, 100.0, 1e-9, 1e300]))
    pick = rng.random()
    if pick < 0.1:
        return Neg(_expr(rng, depth - 1))
    if pick < 0.25:
        func = rng.choice(["min", "max", "abs"])
        n = 1 if func == "abs" else rng.randint(1, 3)
        return Call(func, tuple(_expr(rng, depth - 1) for _ in range(n)))
    return BinOp(rng.choice("+-*/"), _expr(rng, depth - 1), _expr(rng, depth - 1))


def _condition(rng, depth=2):
    pick = rng.random()
    if depth == 0 or pick < 0.5:
        return Compare(_expr(rng, 3), rng.choice(["==", "!=", "<=", ">=", "<", ">"]), _expr(rng, 3))
    if pick < 0.65:
        return Not(_condition(rng, depth - 1))
    parts = tuple(_condition(rng, depth - 1) for _ in range(rng.randint(2, 3)))
    return And(parts) if pick < 0.85 else Or(parts)


def _interval(rng):
    if rng.random() < 0.5:  # an ordinary rounding interval, sometimes a point
        lo = rng.choice([-1.0, 1.0]) * rng.uniform(0, 100)
        return Interval(lo, lo + rng.choice([0.0, 0.5, 1.0, 1e-12]))
    lo, hi = sorted([rng.choice(EDGES), rng.choice(EDGES)])
    return Interval(lo, hi)


@pytest.mark.parametrize("seed", range(40))
def test_array_verdicts_are_the_scalar_judge_verdicts(seed):
    rng = random.Random(seed)
    n = 200
    for _ in range(10):
        cond = _condition(rng)
        envs = [{s: _interval(rng) for s in SLOTS} for _ in range(n)]
        arrays = {s: (np.array([e[s].lo for e in envs]), np.array([e[s].hi for e in envs])) for s in SLOTS}
        possible, certain, edgy = judge_many(cond, arrays, n)
        for i, env in enumerate(envs):
            try:
                out = judge(cond, env)
            except (ZeroDivisionError, OverflowError):
                assert edgy[i], (cond, env)  # where judge raises, the arrays decide nothing
                continue
            if not edgy[i]:
                assert (bool(possible[i]), bool(certain[i])) == (out.possible, out.certain), (cond, env)


def test_verdicts_hold_or_go_through_the_scalar_judge(tmp_path):
    """Verdicts read one by one are what the relations alone give; those that do not hold are the unsettled ones."""
    from ledger import Layout, engine
    from ledger.relations import HOLDS, verdicts

    root = build_ledger(tmp_path / "ledger")
    rel = ["relation_id,formula,kind,description",
           "a,{fastnet-speed-vs-slownet} > 1,fact,x", "b,{slownet-accuracy} > {fastnet-accuracy},,y",
           "c,{fastnet-acc} > 1,fact,z", "d,{fastnet-accuracy} / ({slownet-accuracy} - 74.9) > 0,fact,w",
           "e,{fastnet-speed-vs-slownet} > 1 and {slownet-accuracy} < 100,fact,", "f,max({fastnet-accuracy} > 1,fact,v",
           "g,{slownet-accuracy} + 0 > 1,assumption,2401.00001 and 2401.00002"]
    (root / "relations.csv").write_text("\n".join(rel) + "\n", encoding="utf-8")
    ledger, _ = engine.load(Layout.find(root=root))
    judged = verdicts(ledger)
    assert [v.relation_id for v in judged] == list("abcdefg")
    assert [v.relation_id for v in judged.unsettled] == list("bcdf")
    assert all(v.verdict == HOLDS and v.outcome.possible for v in judged if v not in judged.unsettled)
    assert judged[0].rows == (ledger.rows_by_id["fastnet-speed-vs-slownet"],) and judged[2].papers == ()


def test_rows_at_is_rows_of(tmp_path):
    from ledger import Layout, engine

    ledger, _ = engine.load(Layout.find(root=build_ledger(tmp_path / "ledger")))
    ids = list(ledger.claims["claim_id"])[::-1] + ["no-such-claim", ""]
    known = ledger.rows_of(ids)
    assert ledger.rows_at(ids).tolist() == [known.get(c, -1) for c in ids]
