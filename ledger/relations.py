"""The relations of relations.csv, each judged once: its verdict, kind and description.

A verdict is one of
- `holds`: some values inside the claims' rounding intervals satisfy the formula (ledger/formula.py says
  how `and`, `or` and `not` combine under intervals);
- `violated`: no values do; a fact that is violated is an error (L403), an assumption a warning (L412);
- `cannot be checked`: the formula does not parse, names a claim the ledger lacks, a claim's value is
  malformed, a divisor's interval holds 0 or the result overflows; `reason` says which (L405 reports it,
  except a malformed value, which the schema reports).
The checks (validators/arithmetic.py) and `ledger derive` read the same list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .formula import FormulaError, Outcome, judge, parse_many, refs

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
    outcome: Outcome | None = None
    error: FormulaError | None = None  # the parse error, when it does not parse
    unknown: tuple[str, ...] = field(default=())  # claim_ids the ledger lacks
    malformed: bool = False  # a claim's value is malformed (the schema reports it)

    def as_dict(self) -> dict:
        """The verdict as plain data (for `ledger derive --format json`)."""
        d = {"relation_id": self.relation_id, "formula": self.formula, "kind": self.kind, "description": self.description,
             "verdict": self.verdict, "reason": self.reason, "claims": list(self.claims), "papers": list(self.papers)}
        if self.outcome is not None:
            d["comparisons"] = [{"comparison": s.text, "left": [s.left.lo, s.left.hi], "op": s.op,
                                 "right": [s.right.lo, s.right.hi], "possible": s.possible, "certain": s.certain}
                                for s in self.outcome.comparisons]
        return d


def verdicts(ledger) -> list[Verdict]:
    """One Verdict per row of relations.csv with a formula. Cached on the ledger."""
    return ledger.memo("relation_verdicts", lambda: _judge_all(ledger))


def _cells(frame, name: str) -> list[str]:
    return [str(x) for x in frame[name]] if name in frame.columns else [""] * len(frame)


def _judge_all(ledger) -> list[Verdict]:
    if "relations" not in ledger.tables:
        return []
    t = ledger.tables["relations"].frame
    parsed = []  # (what every verdict says, the parsed relation or the parse error)
    for row, (rid, formula, kind, description) in enumerate(zip(
            _cells(t, "relation_id"), _cells(t, "formula"), _cells(t, "kind"), _cells(t, "description"))):
        if formula:  # else the schema reports the empty cell (L101)
            parsed.append(dict(row=row, relation_id=rid, formula=formula, kind=kind or "fact", description=description))
    parsed = list(zip(parsed, parse_many([base["formula"] for base in parsed])))
    # the rows of the claims the relations name, looked up at once (not a dict of every claim_id)
    ids = ledger.rows_of(c for _, rel in parsed if not isinstance(rel, FormulaError) for c in refs(rel))
    paper = dict(zip(ids, ledger.claims["paper_id"].iloc[list(ids.values())].tolist()))
    out = []
    for base, rel in parsed:
        if isinstance(rel, FormulaError):
            out.append(Verdict(**base, verdict=UNCHECKED, reason=f"does not parse: {rel}", error=rel))
            continue
        named = tuple(dict.fromkeys(refs(rel)))
        base["claims"] = named
        base["papers"] = tuple(dict.fromkeys(paper[c] for c in named if c in ids))
        unknown = tuple(c for c in named if c not in ids)
        if unknown:
            out.append(Verdict(**base, verdict=UNCHECKED, reason=f"names unknown claims: {', '.join(unknown)}", unknown=unknown))
            continue
        base["rows"] = tuple(ids[c] for c in named)
        env = {c: ledger.interval(ids[c]) for c in named}
        bad = [c for c, i in env.items() if math.isnan(i.lo) or math.isnan(i.hi)]
        if bad:
            out.append(Verdict(**base, verdict=UNCHECKED, reason=f"a claim's value is malformed: {', '.join(bad)}", malformed=True))
            continue
        try:
            outcome = judge(rel, env)
        except (ZeroDivisionError, OverflowError) as e:
            out.append(Verdict(**base, verdict=UNCHECKED, reason=str(e)))
            continue
        if outcome.possible:
            out.append(Verdict(**base, verdict=HOLDS, outcome=outcome))
        else:
            failed = "; ".join(str(s) for s in outcome.failed) or (
                "what it negates holds for every value: " + "; ".join(str(s) for s in outcome.comparisons))  # `not A`
            out.append(Verdict(**base, verdict=VIOLATED, reason=f"cannot hold: {failed}", outcome=outcome))
    return out
