"""L2xx: every number is anchored in its paper's text: the quote is there, and it prints the value."""

from __future__ import annotations

from typing import Iterator

from ..numbers import parse_value, read_numbers
from ..registry import Hit, check
from ..text import normalise
from ..units import UNITS

# Which printed markers each unit can carry. A "%" can be a level, a points difference or a relative change.
MARKERS_ALLOWED = {
    "percent": {"%"}, "pp": {"%", "pp"}, "relative_percent": {"%"}, "ratio": {"x"},
    "count": {""}, "params": {""}, "tokens": {""}, "score": {""},
}


def _anchored(ledger) -> list[tuple[int, str, str, str]]:
    """(row, quote, value, unit) of the claims whose paper is known and whose quote is not empty.
    Claims of unknown papers and empty quotes are the schema's findings."""
    abstracts, col = ledger.abstracts, ledger.column
    rows = zip(col("claims", "paper_id"), col("claims", "quote"), col("claims", "value"), col("claims", "unit"))
    return [(row, q, v, u) for row, (p, q, v, u) in enumerate(rows) if q and p in abstracts]


def _mentions(ledger):
    """The numbers each distinct quote prints, read once per ledger (quotes repeat across claims)."""
    cache = ledger.memo("quote_numbers", dict)

    def of(quote: str):
        if quote not in cache:
            cache[quote] = read_numbers(normalise(quote))
        return cache[quote]

    return of


def _matching(mentions, value: str):
    """Mentions that print this value with this precision (sign aside: decreases are stored negative)."""
    target = parse_value(value)
    if target is None:
        return None
    number, q = target
    return [m for m in mentions if (p := parse_value(m.value)) and p[0].copy_abs() == number.copy_abs() and p[1] == q]


@check("L201", "quote-not-in-source", scope="paper")
def quote_not_in_source(ledger) -> Iterator[Hit]:
    """The quote is a verbatim span of its paper's abstract (after the normalisation in ledger/text.py)."""
    abstracts, normalised = ledger.abstracts, {}
    paper = ledger.column("claims", "paper_id")
    for row, quote, _, _ in _anchored(ledger):
        pid = paper[row]
        if quote in abstracts[pid]:
            continue  # the common case needs no normalisation
        if pid not in normalised:
            normalised[pid] = normalise(abstracts[pid])
        if normalise(quote) not in normalised[pid]:
            yield Hit(row, "quote", "quote is not a verbatim span of the paper's abstract", "a substring of papers.csv abstract", quote[:120])


@check("L202", "value-not-in-quote", scope="paper")
def value_not_in_quote(ledger) -> Iterator[Hit]:
    """The value is one of the numbers the quote prints, with the printed precision (52.30 is not 52.3)."""
    numbers = _mentions(ledger)
    for row, quote, value, _ in _anchored(ledger):
        mentions = numbers(quote)
        found = _matching(mentions, value)
        if found == []:  # None: a malformed value, which the schema reports
            printed = ", ".join(m.printed for m in mentions) or "no number"
            yield Hit(row, "value", f"value {value} is not printed in the quote (it prints: {printed})", value, printed)


@check("L203", "unit-contradicts-quote", scope="paper")
def unit_contradicts_quote(ledger) -> Iterator[Hit]:
    """The unit agrees with how the quote prints the number: "2.42x" is a ratio, "52.30%" is not a count."""
    numbers = _mentions(ledger)
    for row, quote, value, unit in _anchored(ledger):
        if unit not in UNITS:
            continue
        found = _matching(numbers(quote), value)
        if not found:
            continue
        markers = {m.marker for m in found}
        if not markers & MARKERS_ALLOWED[unit]:
            shown = " or ".join(repr(m.printed) for m in found)
            allowed = " or ".join(repr(m) if m else "no marker" for m in sorted(MARKERS_ALLOWED[unit]))
            yield Hit(row, "unit", f"unit {unit} does not fit {shown} as printed", f"{unit}: {allowed}", ",".join(sorted(markers)) or "no marker")
