"""The relations of relations.csv, each judged once: its verdict, kind and description.

A verdict is one of
- `holds`: some values inside the claims' rounding intervals satisfy the formula (ledger/formula.py says
  how `and`, `or` and `not` combine under intervals);
- `violated`: no values do; a fact that is violated is an error (L403), an assumption a warning (L412);
- `cannot be checked`: the formula does not parse, names a claim the ledger lacks, a claim's value is
  malformed, a divisor's interval holds 0 or the result overflows; `reason` says which (L405 reports it,
  except a malformed value, which the schema reports).
The checks (validators/arithmetic.py) and `ledger derive` read the same list. Relations are judged column-wise:
the instances of one formula shape at once, over arrays (formula.judge_many); only a relation that does not
plainly hold goes through the scalar judge, and a Verdict is made for a relation that holds only when asked for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Callable

import numpy as np
import pandas as pd

from .formula import Condition, FormulaError, Outcome, _bind, judge, judge_many, parse_shapes
from .intervals import Interval

HOLDS, VIOLATED, UNCHECKED = "holds", "violated", "cannot be checked"
KINDS = ("fact", "assumption")


@dataclass(frozen=True)
class Verdict:
    row: int  # the row of relations.csv (positional)
    relation_id: str
    formula: str
    kind: str  # fact or assumption (an empty cell is fact)
    description: str
    verdict: str  # HOLDS, VIOLATED or UNCHECKED
    reason: str = ""  # why it cannot be checked, or which comparisons fail
    claims: tuple[str, ...] = ()  # the claim_ids it names, in order, once each
    papers: tuple[str, ...] = ()  # their papers, in order, once each
    rows: tuple[int, ...] = ()  # the claims' rows, when the ledger has every one
    error: FormulaError | None = None  # the parse error, when it does not parse
    unknown: tuple[str, ...] = field(default=())  # claim_ids the ledger lacks
    malformed: bool = False  # a claim's value is malformed (the schema reports it)
    judgement: Callable[[], Outcome] | None = field(default=None, repr=False, compare=False)  # judges it, when it could be

    @cached_property
    def outcome(self) -> Outcome | None:
        """Every comparison's sides (for `ledger derive` and messages), computed when first read: most relations
        hold, and their comparisons are read by nobody but derive."""
        return None if self.judgement is None else self.judgement()

    def as_dict(self) -> dict:
        """The verdict as plain data (for `ledger derive --format json`)."""
        d = {"relation_id": self.relation_id, "formula": self.formula, "kind": self.kind, "description": self.description,
             "verdict": self.verdict, "reason": self.reason, "claims": list(self.claims), "papers": list(self.papers)}
        if self.outcome is not None:
            d["comparisons"] = [{"comparison": s.text, "left": [s.left.lo, s.left.hi], "op": s.op,
                                 "right": [s.right.lo, s.right.hi], "possible": s.possible, "certain": s.certain}
                                for s in self.outcome.comparisons]
        return d


class Verdicts(Sequence):
    """One Verdict per row of relations.csv with a formula, in order. Those that do not hold (`unsettled`) are
    made when judged; one that holds is made when it is read (`ledger derive`), from the columns kept here."""

    def __init__(self, base: list[dict], trees: list[Condition], slots: list[tuple[str, ...]], parsed: list,
                 rows: np.ndarray, starts: np.ndarray, papers: tuple[np.ndarray, list], bounds: tuple[np.ndarray, np.ndarray],
                 judged: dict[int, Verdict], several_papers: np.ndarray):
        self._base, self._trees, self._slots, self._parsed = base, trees, slots, parsed
        self._rows, self._starts, self._papers, self._bounds = rows, starts, papers, bounds
        self._judged = judged
        self.unsettled: list[Verdict] = [judged[i] for i in sorted(judged) if judged[i].verdict != HOLDS]
        self.several_papers = several_papers  # per verdict: its claims come from more than one paper
        self.descriptions = [b["description"] for b in base]

    def __len__(self) -> int:
        return len(self._base)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if i in self._judged:
            return self._judged[i]
        # the arrays found it holds: every claim is known and well-formed; its outcome is computed when read
        tree, ids = self._parsed[i]
        rows = self._rows[self._starts[i]:self._starts[i] + len(ids)]
        codes, names = self._papers
        return Verdict(**self._base[i], verdict=HOLDS, claims=ids, papers=tuple(dict.fromkeys(names[c] for c in codes[rows])),
                       rows=tuple(rows.tolist()), judgement=partial(_judge_bound, self._trees[tree], self._slots[tree], ids,
                                                                    rows, self._bounds))

    def at(self, positions) -> list[Verdict]:
        return [self[int(i)] for i in positions]


def verdicts(ledger) -> Verdicts:
    """One Verdict per row of relations.csv with a formula. Cached on the ledger."""
    return ledger.memo("relation_verdicts", lambda: _judge_all(ledger))


def _cells(frame, name: str) -> list[str]:
    """A column as str, a missing cell as str(NaN) would be (through Arrow: iterating the Series is slow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if name not in frame.columns:
        return [""] * len(frame)
    return pc.fill_null(pa.array(frame[name], pa.large_string()), "nan").to_pylist()


def _judge_all(ledger) -> Verdicts:
    t = ledger.tables["relations"].frame if "relations" in ledger.tables else pd.DataFrame()
    base = [dict(row=row, relation_id=rid, formula=formula, kind=kind or "fact", description=description)
            for row, (rid, formula, kind, description) in enumerate(zip(
                _cells(t, "relation_id"), _cells(t, "formula"), _cells(t, "kind"), _cells(t, "description")))
            if formula]  # else the schema reports the empty cell (L101)
    if not base:
        return Verdicts([], [], [], [], np.zeros(0, np.int64), np.zeros(1, np.int64), (np.zeros(0, np.int64), []), None, {},
                        np.zeros(0, bool))
    trees, slots, parsed = parse_shapes([b["formula"] for b in base])
    # the rows of every claim each relation names, looked up at once; a relation's run starts at starts[i]
    named = [() if isinstance(p, FormulaError) else p[1] for p in parsed]
    starts = np.cumsum([0] + [len(ids) for ids in named])
    rows = ledger.rows_at([c for ids in named for c in ids])
    codes, names = pd.factorize(ledger.claims["paper_id"], use_na_sentinel=False)
    papers = (codes, names.tolist())  # each claim's paper, as a code into the names
    paper_of = np.where(rows >= 0, codes[rows], -1)  # the paper of each named claim, -1 for an unknown claim
    bounds = ledger._bounds
    judged: dict[int, Verdict] = {}
    several = np.zeros(len(base), bool)
    for tree, at in _instances(parsed, len(trees)).items():
        k = len(slots[tree])
        take = starts[at][:, None] + np.arange(k)  # instance x slot -> position in rows
        slot_rows, slot_papers = rows[take], paper_of[take]
        several[at] = _several(slot_papers)
        known = (slot_rows >= 0).all(axis=1)
        lo, hi = bounds[0][slot_rows], bounds[1][slot_rows]
        fine = known & ~(np.isnan(lo) | np.isnan(hi)).any(axis=1)
        possible, _, edgy = judge_many(trees[tree], {s: (lo[fine, j], hi[fine, j]) for j, s in enumerate(slots[tree])},
                                       int(fine.sum()))
        plain = np.zeros(len(at), bool)
        plain[fine] = possible & ~edgy
        for i in at[~plain]:  # the few that do not plainly hold: judged as a relation alone
            ids = parsed[i][1]
            rel = _bind(trees[tree], dict(zip(slots[tree], ids)))
            judged[int(i)] = _verdict(base[i], rel, ids, rows[starts[i]:starts[i] + len(ids)], papers, bounds)
    for i, p in enumerate(parsed):
        if isinstance(p, FormulaError):
            judged[i] = Verdict(**base[i], verdict=UNCHECKED, reason=f"does not parse: {p}", error=p)
    return Verdicts(base, trees, slots, parsed, rows, starts, papers, bounds, judged, several)


def _instances(parsed, n_trees: int) -> dict[int, np.ndarray]:
    """The positions of the relations that parsed, grouped by their tree."""
    tree_of = np.array([-1 if isinstance(p, FormulaError) else p[0] for p in parsed], dtype=np.int64)
    order = np.argsort(tree_of, kind="stable")
    cuts = np.searchsorted(tree_of[order], np.arange(n_trees + 1))
    return {t: order[cuts[t]:cuts[t + 1]] for t in range(n_trees) if cuts[t + 1] > cuts[t]}


def _several(slot_papers: np.ndarray) -> np.ndarray:
    """Per instance (row): whether its known claims (code >= 0) come from more than one paper."""
    first = np.full(len(slot_papers), -1)
    for column in slot_papers.T:  # the first known claim's paper
        first = np.where(first < 0, column, first)
    return ((slot_papers >= 0) & (slot_papers != first[:, None])).any(axis=1)


def _env(named: tuple[str, ...], rows, bounds) -> dict[str, Interval]:
    lo, hi = bounds
    return {c: Interval(float(lo[row]), float(hi[row])) for c, row in zip(named, rows)}


def _judge_bound(tree: Condition, slots: tuple[str, ...], named: tuple[str, ...], rows: np.ndarray, bounds) -> Outcome:
    """judge of one instance of a shape: its claim ids bound into the tree."""
    return judge(_bind(tree, dict(zip(slots, named))), _env(named, rows.tolist(), bounds))


def _verdict(base: dict, rel: Condition, named: tuple[str, ...], rows: np.ndarray, papers, bounds) -> Verdict:
    """The verdict of one relation that parsed, alone (the scalar path), its claims at `rows` (-1: the ledger lacks it)."""
    codes, names = papers
    base = dict(base, claims=named, papers=tuple(dict.fromkeys(names[c] for c in codes[rows[rows >= 0]])))
    unknown = tuple(c for c, row in zip(named, rows) if row < 0)
    if unknown:
        return Verdict(**base, verdict=UNCHECKED, reason=f"names unknown claims: {', '.join(unknown)}", unknown=unknown)
    base["rows"] = tuple(rows.tolist())
    env = _env(named, base["rows"], bounds)
    bad = [c for c, i in env.items() if math.isnan(i.lo) or math.isnan(i.hi)]
    if bad:
        return Verdict(**base, verdict=UNCHECKED, reason=f"a claim's value is malformed: {', '.join(bad)}", malformed=True)
    try:
        outcome = judge(rel, env)
    except (ZeroDivisionError, OverflowError) as e:
        return Verdict(**base, verdict=UNCHECKED, reason=str(e))
    if outcome.possible:
        return Verdict(**base, verdict=HOLDS, judgement=partial(judge, rel, env))
    failed = "; ".join(str(s) for s in outcome.failed) or (
        "what it negates holds for every value: " + "; ".join(str(s) for s in outcome.comparisons))  # `not A`
    return Verdict(**base, verdict=VIOLATED, reason=f"cannot hold: {failed}", judgement=partial(judge, rel, env))
