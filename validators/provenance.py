"""L2xx: every number is anchored in its paper's text: the quote is there, and it prints the value.

Column-wise: quotes are located in the abstracts read once (ledger/spans.py), and the numbers each quote
prints are joined against the claims' values on precision keys; a message is built only for a failure.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..registry import Hit, check
from ..spans import precision_keys, quote_mentions, sources
from ..units import UNITS

# Which printed markers each unit can carry. A "%" can be a level, a points difference or a relative change.
MARKERS_ALLOWED = {
    "percent": {"%"}, "pp": {"%", "pp"}, "relative_percent": {"%"}, "ratio": {"x"},
    "count": {""}, "params": {""}, "tokens": {""}, "score": {""},
}
_ALLOWED_PAIRS = {f"{unit}|{marker}" for unit, markers in MARKERS_ALLOWED.items() for marker in markers}


def _anchored(ledger) -> np.ndarray:
    """Rows of the claims whose paper is known and whose quote is not empty.
    Claims of unknown papers and empty quotes are the schema's findings."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def run():
        c = ledger.claims
        known = pc.is_in(pa.array(c["paper_id"], pa.string()), value_set=pa.array(ledger.column("papers", "paper_id"), pa.string()))
        return np.flatnonzero(c["quote"].ne("").to_numpy(dtype=bool) & known.to_numpy(zero_copy_only=False))
    return ledger.memo("anchored", run)


def _matches(ledger):
    """For the anchored claims: the quote's mentions (owner: index into the anchored rows) and which of
    them print the claim's value with its precision. Computed once per ledger."""
    def run():
        rows = _anchored(ledger)
        owner, m = quote_mentions(sources(ledger), ledger.column("claims", "paper_id"), ledger.column("claims", "quote"))
        anchored = np.zeros(len(ledger.claims), bool)
        anchored[rows] = True
        keep = np.flatnonzero(anchored[owner])
        owner, m = np.searchsorted(rows, owner[keep]), m.take(keep)
        value_key = precision_keys(list(np.asarray(ledger.column("claims", "value"), dtype=object)[rows]))
        match = (precision_keys(m.value) == value_key[owner]) if len(owner) else np.zeros(0, bool)
        match &= np.array([k is not None for k in value_key[owner]], bool)
        return rows, owner, m, value_key, match
    return ledger.memo("quote_matches", run)


def _groups(owner: np.ndarray, which: np.ndarray) -> dict[int, np.ndarray]:
    """Positions of the mentions of each quote in `which` (owner is sorted)."""
    lo, hi = np.searchsorted(owner, which, "left"), np.searchsorted(owner, which, "right")
    return {int(w): np.arange(a, b) for w, a, b in zip(which, lo, hi)}


@check("L201", "quote-not-in-source", scope="paper")
def quote_not_in_source(ledger) -> Iterator[Hit]:
    """The quote is a verbatim span of its paper's abstract (after the normalisation in ledger/text.py)."""
    paper, quotes = ledger.column("claims", "paper_id"), ledger.column("claims", "quote")
    src = sources(ledger)
    _, (qi, qrows, _, _) = src.locate_quotes(paper, quotes)
    in_last = np.zeros(len(quotes), bool)
    in_last[qi[qrows == src.last_rows(paper)[qi]]] = True  # found in the abstract its paper_id names
    abstracts = ledger.abstracts
    for row in _anchored(ledger)[~in_last[_anchored(ledger)]].tolist():
        if quotes[row] not in abstracts[paper[row]]:  # found as stored, if not after normalisation
            yield Hit(row, "quote", "quote is not a verbatim span of the paper's abstract", "a substring of papers.csv abstract", quotes[row][:120])


@check("L202", "value-not-in-quote", scope="paper")
def value_not_in_quote(ledger) -> Iterator[Hit]:
    """The value is one of the numbers the quote prints, with the printed precision (52.30 is not 52.3)."""
    rows, owner, m, value_key, match = _matches(ledger)
    matched = np.zeros(len(rows), bool)
    matched[owner[match]] = True
    failing = np.flatnonzero(~matched & np.array([k is not None for k in value_key], bool))  # no key: malformed, the schema's
    value = ledger.column("claims", "value")
    for i, span in _groups(owner, failing).items():
        row = int(rows[i])
        printed = ", ".join(m.printed[span]) or "no number"
        yield Hit(row, "value", f"value {value[row]} is not printed in the quote (it prints: {printed})", value[row], printed)


@check("L203", "unit-contradicts-quote", scope="paper")
def unit_contradicts_quote(ledger) -> Iterator[Hit]:
    """The unit agrees with how the quote prints the number: "2.42x" is a ratio, "52.30%" is not a count."""
    rows, owner, m, _, match = _matches(ledger)
    units = np.asarray(ledger.column("claims", "unit"), dtype=object)[rows]
    pairs = units[owner] + "|" + m.marker
    fits = match & np.array([p in _ALLOWED_PAIRS for p in pairs], bool)
    matched, fitting = np.zeros(len(rows), bool), np.zeros(len(rows), bool)
    matched[owner[match]] = True
    fitting[owner[fits]] = True
    failing = np.flatnonzero(matched & ~fitting & np.isin(units, list(UNITS)))
    for i, span in _groups(owner, failing).items():
        row, unit = int(rows[i]), units[i]
        found = span[match[span]]
        markers = set(m.marker[found])
        shown = " or ".join(repr(p) for p in m.printed[found])
        allowed = " or ".join(repr(k) if k else "no marker" for k in sorted(MARKERS_ALLOWED[unit]))
        yield Hit(row, "unit", f"unit {unit} does not fit {shown} as printed", f"{unit}: {allowed}", ",".join(sorted(markers)) or "no marker")
