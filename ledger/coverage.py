"""Is every number in every abstract accounted for?

Each number-bearing token of an abstract (as `ledger.numbers.read_numbers` reads it) must be stated by a
claim, whose quote spans the token and whose value equals it, or be listed in coverage_skips.csv with a
reason. Abstracts, quotes and contexts are compared after `ledger.text.normalise`, as provenance is.
One linear pass per paper: the abstract is read once, and claims and skips find their tokens by bisection.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from decimal import Decimal

from .numbers import canonical, read_numbers
from .text import normalise

__all__ = ["NumberUse", "account", "number_uses", "uncovered", "unused_skips"]


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


def _str(value) -> str:
    return value if isinstance(value, str) else ""


def _occurrences(haystack: str, needle: str) -> list[int]:
    """Every start of `needle` in `haystack`, overlapping ones included; none for an empty needle."""
    if not needle:
        return []
    found, i = [], haystack.find(needle)
    while i != -1:
        found.append(i)
        i = haystack.find(needle, i + 1)
    return found


def _magnitude(value: str) -> Decimal | None:
    """A claim value as an absolute number (decreases are stored negative); "52.6k"-style input is read too."""
    c = canonical(_str(value))
    try:
        return Decimal(c).copy_abs() if c is not None else None
    except ArithmeticError:
        return None


def _group(rows: list[tuple]) -> dict[str, list[tuple]]:
    grouped: dict[str, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(_str(row[0]), []).append(row)
    return grouped


def account(papers: list[tuple[str, str]], claims: list[tuple[str, str, str, str]],
            skips: list[tuple[str, str, str, str]]) -> tuple[list[NumberUse], list[int]]:
    """papers: (paper_id, abstract); claims: (paper_id, claim_id, value, quote); skips: (paper_id, number,
    context, reason). Returns every token with what accounts for it, and the indices of skips that name no token."""
    claims_of = _group(claims)
    skips_of: dict[str, list[tuple[int, tuple]]] = {}
    for i, s in enumerate(skips):
        skips_of.setdefault(_str(s[0]), []).append((i, s))
    uses: list[NumberUse] = []
    used_skips: set[int] = set()
    for pid, abstract in papers:
        pid, text = _str(pid), normalise(_str(abstract))
        mentions = read_numbers(text)
        starts = [m.start for m in mentions]
        magnitudes = [Decimal(m.value).copy_abs() for m in mentions]
        covered: list[list[str]] = [[] for _ in mentions]
        skipped: list[str | None] = [None] * len(mentions)
        for _, claim_id, value, quote in claims_of.get(pid, []):
            v, q = _magnitude(value), normalise(_str(quote))
            if v is None:
                continue
            for a in _occurrences(text, q):  # a quote may occur more than once: each occurrence states its numbers
                b, i = a + len(q), bisect_left(starts, a)
                while i < len(mentions) and mentions[i].start < b:
                    if mentions[i].end <= b and magnitudes[i] == v and claim_id not in covered[i]:
                        covered[i].append(_str(claim_id))
                    i += 1
        for index, (_, number, context, reason) in skips_of.get(pid, []):
            number, ctx = _str(number).strip(), normalise(_str(context))
            value = canonical(number)
            for p in _occurrences(text, ctx) if number and value is not None else []:
                i = bisect_left(starts, p)
                # the skip names a token printed with its number at the token's start, inside the context
                while i < len(mentions) and mentions[i].start + len(number) <= p + len(ctx):
                    m = mentions[i]
                    if m.value == value and text.startswith(number, m.start):
                        skipped[i] = skipped[i] or _str(reason)
                        used_skips.add(index)
                    i += 1
        uses += [NumberUse(pid, m.start, m.end, m.printed, m.value, tuple(covered[i]), skipped[i]) for i, m in enumerate(mentions)]
    return uses, [i for i in range(len(skips)) if i not in used_skips]


def _rows(dicts: list[dict], keys: tuple[str, ...]) -> list[tuple]:
    return [tuple(d.get(k) for k in keys) for d in dicts]


def number_uses(papers: list[dict], claims: list[dict], skips: list[dict]) -> list[NumberUse]:
    """Every number-bearing token of every abstract, with the claims that state it and the skip that excuses it."""
    return account(_rows(papers, ("paper_id", "abstract")), _rows(claims, ("paper_id", "claim_id", "value", "quote")),
                   _rows(skips, ("paper_id", "number", "context", "reason")))[0]


def uncovered(uses: list[NumberUse]) -> list[NumberUse]:
    """The tokens neither stated by a claim nor skipped."""
    return [u for u in uses if not u.covered_by and u.skipped_by is None]


def unused_skips(papers: list[dict], skips: list[dict]) -> list[dict]:
    """Skip rows that name no token: unknown paper, context not in the abstract, or number not inside it (stale)."""
    _, stale = account(_rows(papers, ("paper_id", "abstract")), [], _rows(skips, ("paper_id", "number", "context", "reason")))
    return [skips[i] for i in stale]
