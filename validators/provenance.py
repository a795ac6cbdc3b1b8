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


def _rows_with_source(ledger):
    """(row, claim, normalised abstract) for claims whose paper is known; the schema reports the rest."""
    abstracts = {pid: normalise(a) for pid, a in ledger.abstracts.items()}
    claims = ledger.claims
    for row, (paper_id, quote, value, unit) in enumerate(zip(claims["paper_id"], claims["quote"], claims["value"], claims["unit"])):
        if paper_id in abstracts and quote:
            yield row, quote, value, unit, abstracts[paper_id]


def _matching_mentions(quote: str, value: str):
    """Mentions in the quote that print this value with this precision (sign aside: decreases are stored negative)."""
    target = parse_value(value)
    if target is None:
        return None
    number, q = target
    return [m for m in read_numbers(normalise(quote)) if (p := parse_value(m.value)) and abs(p[0]) == abs(number) and p[1] == q]


@check("L201", "quote-not-in-source")
def quote_not_in_source(ledger) -> Iterator[Hit]:
    """The quote is a verbatim span of its paper's abstract (after the normalisation in ledger/text.py)."""
    for row, quote, _, _, abstract in _rows_with_source(ledger):
        if normalise(quote) not in abstract:
            yield Hit(row, "quote", "quote is not a verbatim span of the paper's abstract", "a substring of papers.csv abstract", quote[:120])


@check("L202", "value-not-in-quote")
def value_not_in_quote(ledger) -> Iterator[Hit]:
    """The value is one of the numbers the quote prints, with the printed precision (52.30 is not 52.3)."""
    for row, quote, value, _, _ in _rows_with_source(ledger):
        mentions = _matching_mentions(quote, value)
        if mentions is None:
            continue  # malformed value: the schema reports it
        if not mentions:
            printed = ", ".join(m.printed for m in read_numbers(normalise(quote))) or "no number"
            yield Hit(row, "value", f"value {value} is not printed in the quote (it prints: {printed})", value, printed)


@check("L203", "unit-contradicts-quote")
def unit_contradicts_quote(ledger) -> Iterator[Hit]:
    """The unit agrees with how the quote prints the number: "2.42x" is a ratio, "52.30%" is not a count."""
    for row, quote, value, unit, _ in _rows_with_source(ledger):
        if unit not in UNITS:
            continue
        mentions = _matching_mentions(quote, value)
        if not mentions:
            continue
        markers = {m.marker for m in mentions}
        if not markers & MARKERS_ALLOWED[unit]:
            shown = " or ".join(repr(m.printed) for m in mentions)
            allowed = " or ".join(repr(m) if m else "no marker" for m in sorted(MARKERS_ALLOWED[unit]))
            yield Hit(row, "unit", f"unit {unit} does not fit {shown} as printed", f"{unit}: {allowed}", ",".join(sorted(markers)) or "no marker")
