"""Text normalisation for matching quotes against their source.

A quote matches its abstract when it is a substring after both go through `normalise`:
Unicode NFKC (ligatures such as "ﬁ" become "fi", full-width digits become ASCII), soft hyphens and
zero-width characters removed, typographic quotes and apostrophes made ASCII, Unicode minus signs and
dashes used as minus made "-", and every run of white space (including non-breaking and thin spaces)
made one space. Nothing else is folded: case, digits and punctuation must match as printed.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

import numpy as np

# Where one clause of a sentence ends and another begins (", and", ";", " while "), but not inside a list of
# numbers ("5.0%, 6.2%, and 3.4%"): a direction or metric word speaks only of its own clause's numbers.
CLAUSE_BREAK = re.compile(r"(?:,\s+(?:and|while|but|whereas|yet)\b|;|\s(?:while|whereas)\s)(?!\s*[-+]?\.?\d)")

_DROP = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-",
})
_SPACE = re.compile(r"\s+")

# What a spreadsheet reads as a plain number, not a formula: an optional sign, ASCII digits, an optional
# fraction and exponent (`-23`, `+1.5e3`, `2E-4`). The CSV export (ledger.export) leaves such a cell as is
# and L706 (validators/hygiene.py) does not report it; both use this one definition.
PLAIN_NUMBER_PATTERN = r"[-+]?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER_PATTERN)
# The characters a spreadsheet starts a formula with (CWE-1236).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_START_PATTERN = "^[=+\\-@\t\r]"  # the same, as a regular expression for pandas' vectorised str methods


def is_plain_number(cell: str) -> bool:
    return _PLAIN_NUMBER.fullmatch(cell) is not None


def is_formula_like(cell: str) -> bool:
    """True for a cell a spreadsheet would run as a formula: it starts with = + - @ TAB or CR and is not a plain number."""
    return cell.startswith(FORMULA_START) and not is_plain_number(cell)


_ASCII_SPACE = re.compile(r"[\t\n\x0b\x0c\r]|  ")


_FOLD.update(_DROP)
# str.translate looks every character up in its table, which is slow on long texts: search for the few
# it changes first.
_FOLDED = re.compile("[" + "".join(map(chr, _FOLD)) + "]")


def normalise(text: str) -> str:
    if text.isascii() and not _ASCII_SPACE.search(text) and text == text.strip():
        return text  # the common case: NFKC and the folds change nothing in plain ASCII
    text = unicodedata.normalize("NFKC", text)
    if _FOLDED.search(text):
        text = text.translate(_FOLD)
    return _SPACE.sub(" ", text).strip()


def normalise_many(texts: list[str]) -> list[str]:
    """normalise() of each text; the texts it would leave alone (plain ASCII, single spaces, no edge
    white space) are found column-wise and returned as they are."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(texts, pa.string())
    plain = pc.and_(pc.string_is_ascii(arr), pc.invert(pc.match_substring_regex(
        arr, "[\t\n\x0b\x0c\r]|  |^[\x1c-\x1f ]|[\x1c-\x1f ]$")))
    out = list(texts)
    for i in np.flatnonzero(~plain.to_numpy(zero_copy_only=False)).tolist():
        out[i] = normalise(texts[i])
    return out


def raw_offset(text: str, position: int) -> int:
    """Where the character normalise(text) has at `position` comes from in `text` as stored (past the
    end: where the trailing white space starts, or len(text)): how a span found in the normalised text is
    cut out of the stored one.

    Bisects on the length of normalised prefixes, so it costs a few normalise() calls: for the few spans
    a message shows, never for a whole column."""
    def produced(stop: int) -> int:  # characters normalise() makes of text[:stop]; "#" keeps a trailing space
        return len(normalise(text[:stop] + "#")) - 1

    return bisect.bisect_left(range(len(text) + 1), position + 1, key=produced) - 1 if position >= 0 else 0


def verbatim_span(text: str, start: int, end: int) -> str | None:
    """The stored text whose normalised form is normalise(text)[start:end], without the invisible or
    white edges normalisation drops; None when no stored span gives exactly that (the span starts or
    ends inside a character normalisation expands, such as the ligature "ﬁ")."""
    wanted = normalise(text)[start:end]
    span = text[raw_offset(text, start):raw_offset(text, end) if end < len(normalise(text)) else len(text)]
    while span and normalise(span[:-1]) == wanted:  # a dropped soft hyphen or a space before the next word
        span = span[:-1]
    return span if normalise(span) == wanted and span else None


def distinct_codes(values) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct strings of an Arrow string array, or of anything pyarrow reads as one, as a NumPy
    object array; per cell, the index of its string in it). Work on a column's distinct texts (a million
    contexts are a few thousand) is done once each and mapped back with the codes. A null is None, the
    last distinct string."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not len(arr):
        return np.zeros(0, object), np.zeros(0, np.int64)
    encoded = pc.dictionary_encode(arr)
    distinct = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    if encoded.indices.null_count:  # a null cell: None, as to_numpy gives it
        distinct = np.append(distinct, None)
        idx = pc.fill_null(encoded.indices, len(distinct) - 1)
    else:
        idx = encoded.indices
    return distinct, idx.to_numpy(zero_copy_only=False)


def shared_strings(values) -> np.ndarray:
    """The strings of an Arrow string array (or anything pyarrow reads as one) as a NumPy object array in
    which equal strings are one Python object: a million units, markers or printed numbers are a handful of
    distinct texts, and one object each instead of one per cell saves ~50 bytes a cell. Nulls stay None."""
    distinct, codes = distinct_codes(values)
    return distinct[codes]
