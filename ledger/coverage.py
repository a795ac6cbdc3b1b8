"""Is every number in every abstract accounted for?

Each number of an abstract (as `ledger.numbers.read_numbers` reads it) must be stated by a claim, whose
quote spans it and whose value equals it, or be listed in coverage_skips.csv with a reason. Abstracts,
quotes and contexts are compared after `ledger.text.normalise`, as provenance is. The accounting itself
is column-wise (ledger/spans.py); this module gives it per number, for `ledger coverage` and the report.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spans import Accounting, Sources, account

__all__ = ["NumberUse", "number_uses", "uncovered", "unused_skips", "uses_of"]


@dataclass(frozen=True)
class NumberUse:
    """One number of an abstract, and what accounts for it."""

    paper_id: str
    start: int
    end: int
    printed: str
    value: str
    covered_by: tuple[str, ...]  # claim_ids whose quote spans this number and whose value equals it (or its negation)
    skipped_by: str | None  # reason of a coverage_skips row that names this number


def _str(value) -> str:
    return value if isinstance(value, str) else ""


def uses_of(acc: Accounting, claim_ids: list[str], reasons: list[str]) -> list[NumberUse]:
    """The accounting, one NumberUse per number, in the order of the abstracts."""
    m, paper_ids = acc.sources.mentions, acc.sources.paper_ids
    covered: dict[int, list[str]] = {}
    for mention, claim in sorted(zip(acc.covering[0].tolist(), acc.covering[1].tolist()), key=lambda p: p[1]):
        ids = covered.setdefault(mention, [])
        if claim_ids[claim] not in ids:
            ids.append(claim_ids[claim])
    skipped: dict[int, str] = {}
    for mention, skip in sorted(zip(acc.skipping[0].tolist(), acc.skipping[1].tolist()), key=lambda p: p[1]):
        skipped[mention] = skipped.get(mention) or reasons[skip]
    return [NumberUse(paper_ids[int(m.text[i])], int(m.start[i]), int(m.end[i]), m.printed[i], m.value[i],
                      tuple(covered.get(i, ())), skipped.get(i)) for i in range(len(m))]


def _columns(dicts: list[dict], keys: tuple[str, ...]) -> dict[str, list[str]]:
    return {k: [_str(d.get(k)) for d in dicts] for k in keys}


def _account(papers: list[dict], claims: list[dict], skips: list[dict], names=()) -> Accounting:
    p = _columns(papers, ("paper_id", "abstract"))
    return account(Sources(p["paper_id"], p["abstract"], names), _columns(claims, ("paper_id", "value", "quote")),
                   _columns(skips, ("paper_id", "number", "context")))


def number_uses(papers: list[dict], claims: list[dict], skips: list[dict], names=()) -> list[NumberUse]:
    """Every number of every abstract, with the claims that state it and the skip that excuses it. A number
    word inside one of `names` (entity names and aliases, as printed) is part of the name, not a number."""
    return uses_of(_account(papers, claims, skips, names), [_str(c.get("claim_id")) for c in claims], [_str(s.get("reason")) for s in skips])


def uncovered(uses: list[NumberUse]) -> list[NumberUse]:
    """The numbers neither stated by a claim nor skipped."""
    return [u for u in uses if not u.covered_by and u.skipped_by is None]


def unused_skips(papers: list[dict], skips: list[dict], names=()) -> list[dict]:
    """Skip rows that name no number: unknown paper, context not in the abstract, or number not inside it (stale)."""
    return [skips[i] for i in _account(papers, [], skips, names).stale_skips.tolist()]
