"""Is every number in every abstract accounted for?

Each number-bearing token of an abstract (as `ledger.numbers.read_numbers` reads it) must be stated by a
claim, whose quote spans the token and whose value equals it, or be listed in coverage_skips.csv with a
reason. Pure functions over plain lists of dicts with str values, so they run without pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .numbers import Mention, canonical, read_numbers
from .text import normalise

__all__ = ["NumberUse", "number_uses", "uncovered", "unused_skips"]


@dataclass(frozen=True)
class NumberUse:
    """One number-bearing token of an abstract, and what accounts for it."""

    paper_id: str
    start: int
    end: int
    printed: str
    value: str
    covered_by: tuple[str, ...]  # claim_ids whose quote spans this token and whose value equals it (or its negation)
    skipped_by: str | None  # reason of a coverage_skips row that names this token


def _text(row: dict, key: str) -> str:
    value = row.get(key)
    return value if isinstance(value, str) else ""


def _norm(row: dict, key: str) -> str:
    """Abstracts, quotes and contexts are compared as the provenance check compares them (ledger/text.py)."""
    return normalise(_text(row, key))


def _occurrences(haystack: str, needle: str) -> list[int]:
    """Every start of `needle` in `haystack`, overlapping ones included; none for an empty needle."""
    if not needle:
        return []
    found, i = [], haystack.find(needle)
    while i != -1:
        found.append(i)
        i = haystack.find(needle, i + 1)
    return found


def _number(value: str) -> Decimal | None:
    """A claim value as a number: canonical strings, and also "52.6k"-style or "52600" (compared by value)."""
    c = canonical(value)
    return Decimal(c) if c is not None else None


def _skip_names(abstract: str, m: Mention, skip: dict) -> bool:
    """Does this skip row name mention m: its number is the token (or its numeric part, e.g. "52.30" for
    "52.30%") printed at the token's start, and one occurrence of its context spans that number."""
    number = _text(skip, "number").strip()
    if not number or canonical(number) != m.value or not abstract.startswith(number, m.start):
        return False
    context = _norm(skip, "context")
    return any(p <= m.start and m.start + len(number) <= p + len(context) for p in _occurrences(abstract, context))


def _by_paper(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(_text(row, "paper_id"), []).append(row)
    return grouped


def number_uses(papers: list[dict], claims: list[dict], skips: list[dict]) -> list[NumberUse]:
    """Every number-bearing token of every abstract, with the claims that state it and the skip that excuses it."""
    claims_of, skips_of = _by_paper(claims), _by_paper(skips)
    uses: list[NumberUse] = []
    for paper in papers:
        pid, abstract = _text(paper, "paper_id"), _norm(paper, "abstract")
        # A quote may occur more than once in the abstract: each occurrence states the numbers inside it.
        stated = [
            (_text(c, "claim_id"), _number(_text(c, "value")), [(p, p + len(q)) for p in _occurrences(abstract, q)])
            for c in claims_of.get(pid, [])
            for q in [_norm(c, "quote")]
        ]
        for m in read_numbers(abstract):
            v = Decimal(m.value)
            covered = tuple(
                dict.fromkeys(  # one entry per claim_id, in claims order
                    cid
                    for cid, cv, spans in stated
                    # decreases are stored as negative values, so the negation covers the printed number too
                    if cv is not None and (cv == v or cv == -v) and any(a <= m.start and m.end <= b for a, b in spans)
                )
            )
            reason = next((_text(s, "reason") for s in skips_of.get(pid, []) if _skip_names(abstract, m, s)), None)
            uses.append(NumberUse(pid, m.start, m.end, m.printed, m.value, covered, reason))
    return uses


def uncovered(uses: list[NumberUse]) -> list[NumberUse]:
    """The tokens neither stated by a claim nor skipped."""
    return [u for u in uses if not u.covered_by and u.skipped_by is None]


def unused_skips(papers: list[dict], skips: list[dict]) -> list[dict]:
    """Skip rows that name no token: unknown paper, context not in the abstract, or number not inside it (stale)."""
    abstracts = {_text(p, "paper_id"): _norm(p, "abstract") for p in papers}
    mentions = {pid: read_numbers(a) for pid, a in abstracts.items()}
    stale = []
    for skip in skips:
        pid = _text(skip, "paper_id")
        if pid not in abstracts or not any(_skip_names(abstracts[pid], m, skip) for m in mentions[pid]):
            stale.append(skip)
    return stale
