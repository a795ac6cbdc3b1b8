"""L2xx: every number is anchored in its paper's text: the quote is there, and it prints the value.

Column-wise: quotes are located in the abstracts read once (ledger/spans.py), and the numbers each quote
prints are joined against the claims' values on precision keys; a message is built only for a failure.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..registry import Hit, check
from ..report import visible
from ..spans import precision_keys, quote_mentions, sources
from ..text import raw_offset, verbatim_span
from ..units import DIMENSIONED, PRINTED, PRINTED_BITS, UNITS, dimension_of

WINDOW = 24  # characters of quote and abstract a message shows around the point where they part

# Which printed markers each unit can carry. A "%" can be a level, a points difference or a relative change.
MARKERS_ALLOWED = {
    "percent": {"%"}, "pp": {"%", "pp"}, "relative_percent": {"%"}, "ratio": {"x"},
    "count": {""}, "params": {""}, "tokens": {""}, "score": {""},
} | {unit: {""} for unit in DIMENSIONED}  # "3.2 ms": the unit word is checked on its own (_printed_units)
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
        match &= value_key[owner] != None  # noqa: E711 (elementwise)
        return rows, owner, m, value_key, match
    return ledger.memo("quote_matches", run)


def _groups(owner: np.ndarray, which: np.ndarray) -> dict[int, np.ndarray]:
    """Positions of the mentions of each quote in `which` (owner is sorted)."""
    lo, hi = np.searchsorted(owner, which, "left"), np.searchsorted(owner, which, "right")
    return {int(w): np.arange(a, b) for w, a, b in zip(which, lo, hi)}


def _in_last_abstract(ledger):
    """For every claim, where its normalised quote first occurs in the abstract its paper_id names (the
    last row, if the paper is repeated): start and end, -1 where it does not. Computed once per ledger."""
    def run():
        paper, quotes = ledger.column("claims", "paper_id"), ledger.column("claims", "quote")
        src = sources(ledger)
        _, (qi, qrows, qa, qb) = src.locate_quotes(paper, quotes)
        start, end = np.full(len(quotes), -1, np.int64), np.full(len(quotes), -1, np.int64)
        last = qrows == src.last_rows(paper)[qi]
        first = np.ones(int(last.sum()), bool)
        first[1:] = qi[last][1:] != qi[last][:-1]  # ordered by quote, then start: the first occurrence
        start[qi[last][first]], end[qi[last][first]] = qa[last][first], qb[last][first]
        return start, end
    return ledger.memo("quote_in_last_abstract", run)


def _clip(text: str, tail: bool = False) -> str:
    """A short window of a text for a message: its start (or, with `tail`, its end), invisibles shown."""
    if len(text) <= WINDOW:
        return visible(text)
    return visible("…" + text[-WINDOW:] if tail else text[:WINDOW] + "…")


def _parting(quote: str, norm_quote: str, abstract: str, norm_abstract: str) -> str:
    """Where a quote stops matching its abstract: the longest start of the (normalised) quote the abstract
    holds, and what each of the two says after it, as stored."""
    lo, hi = 0, len(norm_quote)  # a start that occurs has every shorter start occurring: bisect on its length
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if norm_quote[:mid] in norm_abstract else (lo, mid - 1)
    if lo == 0:
        return f"its first character {visible(norm_quote[:1])!r} does not occur in the abstract"
    at_quote = raw_offset(quote, lo)
    at_abstract = raw_offset(abstract, norm_abstract.find(norm_quote[:lo]) + lo)
    rest = abstract[at_abstract:] if norm_abstract.find(norm_quote[:lo]) + lo < len(norm_abstract) else ""
    where = f"the abstract has \"{_clip(rest)}\"" if rest else "the abstract ends"
    return f"after \"{_clip(quote[:at_quote], tail=True)}\" the quote has \"{_clip(quote[at_quote:])}\" where {where}"


@check("L201", "quote-not-in-source", scope="paper")
def quote_not_in_source(ledger) -> Iterator[Hit]:
    """The quote is a verbatim span of its paper's abstract (after the normalisation in ledger/text.py)."""
    paper, quotes = ledger.column("claims", "paper_id"), ledger.column("claims", "quote")
    src = sources(ledger)
    norm_quotes, _ = src.locate_quotes(paper, quotes)
    start, _ = _in_last_abstract(ledger)
    abstracts = ledger.abstracts
    last_row = {pid: rows[-1] for pid, rows in src.rows_of.items()}
    rows = _anchored(ledger)
    for row in rows[start[rows] < 0].tolist():
        if quotes[row] not in abstracts[paper[row]]:  # found as stored, if not after normalisation
            parting = _parting(quotes[row], norm_quotes[row], abstracts[paper[row]], src.texts[last_row[paper[row]]])
            yield Hit(row, "quote", f"quote is not a verbatim span of the paper's abstract: {parting}",
                      "a substring of papers.csv abstract", quotes[row][:120])


@check("L206", "quote-not-verbatim", "notice", scope="paper")
def quote_not_verbatim(ledger) -> Iterator[Hit]:
    """A quote is stored as the abstract prints it: one that matches only after normalisation (curly quotes, spacing, soft hyphens) is told the text to paste."""
    paper, quotes = ledger.column("claims", "paper_id"), ledger.column("claims", "quote")
    src = sources(ledger)
    norm_quotes, _ = src.locate_quotes(paper, quotes)
    start, end = _in_last_abstract(ledger)
    abstracts = ledger.abstracts
    rows = _anchored(ledger)
    rows = rows[start[rows] >= 0]
    last = src.last_rows(paper)[rows]  # the abstract a paper_id names (anchored: the paper is known)
    changed = np.asarray(src.texts, object)[last] != np.asarray(ledger.column("papers", "abstract"), object)[last]
    edited = np.asarray(norm_quotes, object)[rows] != np.asarray(quotes, object)[rows]
    # unchanged quote and abstract (normalising changed neither): the normalised match is a verbatim one
    for row in rows[changed | edited].tolist():
        pid = paper[row]
        if quotes[row] not in abstracts[pid]:
            text = verbatim_span(abstracts[pid], int(start[row]), int(end[row]))
            if text is None:
                yield Hit(row, "quote", "quote matches the abstract only after normalisation, and starts or ends inside a "
                          "character normalisation makes several of (a ligature such as 'ﬁ'): start and end it where "
                          "the abstract's characters do", "the abstract's text, verbatim", quotes[row][:120])
            else:
                yield Hit(row, "quote", f"quote matches the abstract only after normalisation; paste the abstract's text "
                          f"verbatim: \"{visible(text)}\"", text, quotes[row])


@check("L202", "value-not-in-quote", scope="paper")
def value_not_in_quote(ledger) -> Iterator[Hit]:
    """The value is one of the numbers the quote prints, with the printed precision (52.30 is not 52.3)."""
    rows, owner, m, value_key, match = _matches(ledger)
    matched = np.zeros(len(rows), bool)
    matched[owner[match]] = True
    failing = np.flatnonzero(~matched & (value_key != None))  # noqa: E711 (elementwise) no key: malformed, the schema's
    value = ledger.column("claims", "value")
    for i, span in _groups(owner, failing).items():
        row = int(rows[i])
        printed = ", ".join(m.printed[span]) or "no number"
        closest = f"; {_closest(value[row], m.printed[span], m.value[span])}" if len(span) else ""
        yield Hit(row, "value", f"value {value[row]} is not printed in the quote (it prints: {printed}){closest}", value[row], printed)


def _closest(value: str, printed: np.ndarray, values: np.ndarray) -> str:
    """The number of the quote nearest the claim's value (sign aside: decreases are stored negative), and
    the value it would be, with the claim's sign and the printed precision."""
    target = abs(Decimal(value))
    near = min(range(len(values)), key=lambda k: abs(abs(Decimal(values[k])) - target))
    as_value = values[near].lstrip("-")
    as_value = "-" + as_value if value.startswith("-") else as_value
    if abs(Decimal(values[near])) == target:
        return f"closest: {printed[near]} (value {as_value}: the printed precision)"
    return f"closest: {printed[near]}" + (f" (value {as_value})" if as_value != printed[near] else "")


@check("L203", "unit-contradicts-quote", scope="paper")
def unit_contradicts_quote(ledger) -> Iterator[Hit]:
    """The unit agrees with how the quote prints the number: "2.42x" is a ratio, "52.30%" is not a count, "3.2 ms" is not s."""
    rows, owner, m, _, match = _matches(ledger)
    units = np.asarray(ledger.column("claims", "unit"), dtype=object)[rows]
    pairs = pc.binary_join_element_wise(pa.array(units[owner], pa.string()), pa.array(m.marker, pa.string()), "|")
    fits = match & _among(pairs, _ALLOWED_PAIRS)
    printed_units = _printed_units(ledger, rows, owner, m, match & _among(units[owner], DIMENSIONED))
    other_unit = np.zeros(len(owner), bool)
    for k, word in printed_units.items():
        other_unit[k] = word != units[owner[k]]
    fits &= ~other_unit
    matched, fitting = np.zeros(len(rows), bool), np.zeros(len(rows), bool)
    matched[owner[match]] = True
    fitting[owner[fits]] = True
    failing = np.flatnonzero(matched & ~fitting & _among(units, UNITS))
    for i, span in _groups(owner, failing).items():
        row, unit = int(rows[i]), units[i]
        found = span[match[span]]
        words = {printed_units[k] for k in found.tolist() if k in printed_units}
        if words:  # a dimensioned unit, and the quote prints another unit after the number
            said = " or ".join(f"{w} ({dimension_of(w) or 'bits'})" for w in sorted(words))
            yield Hit(row, "unit", f"unit {unit} ({dimension_of(unit)}) does not fit the quote, which prints the number in {said}: "
                      f"record the value in the unit the quote prints", f"{unit} as printed", ",".join(sorted(words)))
            continue
        markers = set(m.marker[found])
        shown = " or ".join(repr(p) for p in m.printed[found])
        allowed = " or ".join(repr(k) if k else "no marker" for k in sorted(MARKERS_ALLOWED[unit]))
        yield Hit(row, "unit", f"unit {unit} does not fit {shown} as printed", f"{unit}: {allowed}", ",".join(sorted(markers)) or "no marker")


def _among(values, allowed) -> np.ndarray:
    """Per string (a null is never among them), whether it is one of `allowed`: a hash lookup, not numpy's sort of objects."""
    values = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    return pc.fill_null(pc.is_in(values, value_set=pa.array(sorted(allowed), pa.string())), False).to_numpy(zero_copy_only=False)


_UNIT_AFTER = {}  # printed number -> the compiled pattern of it followed by up to three words


def _printed_units(ledger, rows, owner, m, which) -> dict[int, str]:
    """For the mentions in `which` (those that print the value of a claim with a dimensioned unit): the unit the
    quote prints right after the number, as a canonical unit ("bits" for a bit unit), where the words are in
    PRINTED; a mention followed by no unit word is left out (nothing to compare). A lookup of the words, not
    pint: pint never reads free text. Only the (few) dimensioned claims are looked at, one by one."""
    import re

    quotes, units = ledger.column("claims", "quote"), ledger.column("claims", "unit")
    out = {}
    for k in np.flatnonzero(which).tolist():
        quote, printed = quotes[int(rows[owner[k]])], m.printed[k]
        pattern = _UNIT_AFTER.get(printed) or _UNIT_AFTER.setdefault(
            printed, re.compile(rf"(?<![\w.]){re.escape(printed)}\s?([^\s\d,;:()]+)(?:\s([^\s\d,;:()]+))?(?:\s([^\s\d,;:()]+))?"))
        for hit in pattern.finditer(quote):
            words = [w.rstrip(".") for w in hit.groups() if w]
            said = next((" ".join(words[:n]) for n in (3, 2, 1) if len(words) >= n
                         and (" ".join(words[:n]) in PRINTED or " ".join(words[:n]) in PRINTED_BITS)), None)
            if said is not None:
                out[k] = "bits" if said in PRINTED_BITS else PRINTED[said]
                if out[k] == units[int(rows[owner[k]])]:
                    break  # one printing that fits is enough
    return out
