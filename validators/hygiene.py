"""L7xx: text hygiene. A reviewer must see exactly what the ledger stores, and no cell may be a trap.

These checks read every cell of every table as the loader stored it (text) and ask only about its
characters, never its meaning:

- L701 invisible characters: zero-width characters and bidirectional controls (U+200B–U+200F,
  U+202A–U+202E, U+2060–U+2064, U+2066–U+2069, U+061C, U+180E, U+FEFF). With them a diff or a
  review shows one text while another is stored ("Trojan Source", CVE-2021-42574): a RIGHT-TO-LEFT
  OVERRIDE (U+202E) in a cell reorders what a reader sees, not what a program compares. The soft
  hyphen U+00AD is allowed: it is a common scraping artefact of abstracts, shows as a hyphen where it
  breaks a line, and `ledger.text.normalise` drops it when quotes are matched.
- L702 control characters: C0 and C1 controls and DEL (an ANSI escape rewrites a terminal, a lone CR
  makes `cat` print the end of a cell over its start); only TAB is allowed. Line breaks (LF, CRLF,
  U+2028, U+2029) are content in prose (quote, notes, title, abstract, descriptions, reasons, skip
  contexts) and an error everywhere else (an id, a name, a vocabulary word). NUL never gets here: the
  loader refuses the file (L004).
- L703 identifier collisions: keys that differ as stored but become equal after Unicode NFKC, case
  folding, removing invisible characters and folding look-alike letters to the Latin letter they read as
  (`FastNet` vs `Fastnet`, `ﬁne-tune` vs `fine-tune`, `fastnet` vs `fastnеt` with a Cyrillic `е`).
  An identical repeat is a plain duplicate (L105), not a collision.
- L704 homoglyph identifiers: in identifier and name columns, a word that mixes Latin letters with
  look-alikes of another script or form, a word made only of letters Unicode pairs with a Latin letter
  (Cyrillic `ВЕRТ`), or a character that NFKC turns into another (full-width `ＦastNet`, mathematical
  `𝐅astNet`, the micro sign `µ`). The look-alikes come from Unicode's confusables (confusables.txt, as
  the `confusable-homoglyphs` package ships it; see `lookalikes`): Cyrillic `а`, `м`, Armenian `ո`,
  Cherokee `Ꭺ`, the small capital `ᴀ`... Accented Latin letters (`Café`, `Müller`) are in no pair, and
  small Greek letters other than the omicron are left alone: `β-VAE`, `μP`, `ν-SVM`, `λ-return` are
  real names.
- L705 white space at the start or end of a cell (a warning: invisible in most viewers, and it makes
  two spellings of one name). A leading TAB or CR is reported as L706 instead, and a CR also as L702.
- L706 formula injection: a cell that starts with `=`, `+`, `-`, `@`, TAB or CR is run as a formula
  when the CSV is opened in a spreadsheet (CWE-1236), e.g. `=HYPERLINK(...)` or `-2+cmd|' /C calc'!A0`.
  An error: no cell of a claims ledger needs to start so (a quote can start one word earlier, a note
  can be reworded), and a ledger is opened in spreadsheets. Not reported: any cell that is a plain
  signed number (`-23`, `+1.5e3`, `ledger.text.is_plain_number`, the definition the CSV export uses), which
  a spreadsheet reads as a number. A relation formula is not exempt: start it with a claim reference or a
  parenthesis (`(-{a}) + {b} == 0`).

The claims `value` column is left to the schema by every check here: it is typed (L102 refuses anything
but a canonical decimal string, so a value cannot carry a payload, and `-23` is a legitimate decrease).
  Quotes are NOT exempt: a quote is a span of the abstract, so a quote that starts with a sign
  (`-2.3% lower`) can always start one word earlier (`a change of -2.3%`); the message says so.

Each check is vectorised over a column with pandas string methods (a million-row ledger is scanned in
seconds); only the cells that match are looked at one by one, to say which character and where. Per
table, column and code at most MAX_REPEATS cells are listed, then one finding says how many more.
Messages show offending characters as `<U+202E>`, never raw, so a report cannot itself be a Trojan.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..registry import Hit, check
from ..text import FORMULA_START_PATTERN, PLAIN_NUMBER_PATTERN

MAX_REPEATS = 20  # per table, column and code; the loader uses the same cap

# Character classes, written with the characters themselves (no \u escapes), so that pandas can hand
# the simple patterns to pyarrow's RE2 instead of Python's re.
INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\u180e\ufeff"
CONTROL = "\x01-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029"  # TAB (\x09) allowed; NUL stopped by the loader
# In free text a line break (LF, CRLF, U+2028, U+2029) is content; a CR that ends no line is still a control.
_FREE_CONTROL_RE = "[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?:[^\n]|\\Z)"
_INVISIBLE_RE = f"[{INVISIBLE}]"
_CONTROL_RE = f"[{CONTROL}]"

# Small Greek letters are names of their own (β-VAE, μP, ν-SVM, RoBERTa-α, λ-return), never look-alikes;
# the small omicron is the exception: it is an o.
GREEK_NAME_LETTERS = frozenset(map(chr, range(0x3B1, 0x3CA))) - {"ο"}


@dataclass(frozen=True)
class Lookalikes:
    """Letters outside ASCII that read as a Latin letter, from Unicode's confusables."""

    latin: dict[str, str]  # every look-alike -> the ASCII letter it reads as
    paired: frozenset[str]  # those Unicode pairs with an ASCII letter directly (Cyrillic а, Armenian ո)
    mixed_re: str  # RE2: a word with a Latin letter and a look-alike, or made of paired letters only
    fold_table: dict[int, str]


@cache
def lookalikes() -> Lookalikes:
    """The look-alike table, built once from the confusables.txt data confusable-homoglyphs ships as JSON.

    A letter is a look-alike when Unicode pairs it with an ASCII letter (Cyrillic а with a, Armenian ո with n,
    Cherokee Ꭺ with A), when it is a small letter whose capital is one (Cyrillic м: М reads as M), or when it
    has no case and Unicode pairs it with such a small letter (the small capital ᴀ, paired with Cherokee ꭺ,
    the small form of Ꭺ). Left out: ASCII, letters NFKC changes (the NFKC step reports and folds them),
    and GREEK_NAME_LETTERS. Accented Latin letters (é, ü, ñ) and ß, ø, ł read as no ASCII letter.
    """
    from confusable_homoglyphs.confusables import confusables_data

    def pairs(ch: str) -> list[str]:
        return [d["c"] for d in confusables_data.get(ch, ()) if len(d["c"]) == 1]

    def ascii_pairs(ch: str) -> list[str]:
        return [p for p in pairs(ch) if p.isascii() and p.isalpha()]

    latin, paired = {}, set()
    for ch in set(confusables_data) | {p for ch in confusables_data for p in pairs(ch)}:
        if ch.isascii() or not ch.isalpha() or ch in GREEK_NAME_LETTERS or unicodedata.normalize("NFKC", ch) != ch:
            continue
        upper, lower = ch.upper(), ch.lower()
        direct = ascii_pairs(ch)
        found = direct + [x.lower() for x in (ascii_pairs(upper) if upper != ch and len(upper) == 1 else [])]
        if upper == lower == ch:  # caseless
            found += [x for p in pairs(ch) if len(p.upper()) == 1 and p.upper() != p for x in ascii_pairs(p.upper())]
        if not found:
            continue
        # The letter it folds to keeps its case, so that case folding afterwards agrees with the Latin
        # spelling: Cyrillic І is paired with l, but it is the capital of і, paired with i, so it reads as I.
        ranked = [x.upper() for x in (ascii_pairs(lower) if lower != ch and len(lower) == 1 else [])] + found
        latin[ch] = next((x for x in ranked if x.isupper() == ch.isupper()), ranked[0])
        if direct:
            paired.add(ch)
    look, only = (re.escape("".join(sorted(chars))) for chars in (latin, paired))
    # RE2 syntax (\pL: any letter; no look-behind), run by pyarrow: a Python regex with lookarounds over
    # these classes is some 60 times slower on a million distinct non-ASCII names
    mixed_re = rf"[A-Za-z]\pL*[{look}]|[{look}]\pL*[A-Za-z]|(?:^|\PL)[{only}]+(?:\PL|$)"
    return Lookalikes(latin, frozenset(paired), mixed_re, str.maketrans(latin))


# Columns that hold identifiers or names: where look-alike letters and NFKC variants are reported.
NAME_COLUMNS = {
    "claims": ("claim_id", "paper_id", "subject", "metric", "unit", "baseline", "context", "qualifier", "reading", "status"),
    "papers": ("paper_id",),
    "metrics": ("metric", "direction", "units"),
    "entities": ("entity", "kind", "aliases"),
    "benchmarks": ("benchmark", "metrics", "source"),
    "relations": ("relation_id",),
    "waivers": ("code", "claim_id", "reviewer"),
    "skips": ("paper_id",),
}
# Keys that must stay distinct after folding (the unique key of each table that has one).
KEY_COLUMNS = {"claims": "claim_id", "papers": "paper_id", "metrics": "metric", "entities": "entity",
               "benchmarks": "benchmark", "relations": "relation_id"}
# Typed columns the hygiene checks leave to the schema: any character out of place there is already L102.
TYPED_COLUMNS = {("claims", "value")}
# Prose, where a line break is content (an abstract or a note may hold several paragraphs).
FREE_TEXT = {"claims": ("quote", "notes"), "papers": ("title", "abstract"), "metrics": ("description",),
             "relations": ("description",), "waivers": ("reason",), "skips": ("context", "reason")}


def show(text: str, limit: int = 80) -> str:
    """The text with every invisible, control or NFKC-unstable character written as <U+XXXX>, shortened."""
    out = []
    for ch in text[:limit]:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Zl", "Zp") or (ch != " " and cat == "Zs"):
            out.append(f"<U+{ord(ch):04X}>")
        else:
            out.append(ch)
    return "".join(out) + ("…" if len(text) > limit else "")


_CONTROL_NAMES = {"\x07": "BELL", "\x08": "BACKSPACE", "\t": "CHARACTER TABULATION", "\n": "LINE FEED",
                  "\x0b": "LINE TABULATION", "\x0c": "FORM FEED", "\r": "CARRIAGE RETURN", "\x1b": "ESCAPE",
                  "\x7f": "DELETE", "\x85": "NEXT LINE"}


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(ch, "CONTROL CHARACTER")
    return f"U+{ord(ch):04X} {name}"


# What makes an ASCII cell worth a look by any check here: a control character (TAB, LF and CR among them:
# L702, L705, L706), a formula start (L706) or a space at an edge (L705). Every other character any of them
# reports is non-ASCII. Written with the characters themselves, for pyarrow's RE2.
_SUSPECT_ASCII_RE = "[\x01-\x1f\x7f]|^[=+\\-@ ]| $"
_SUSPECT_FIRST = np.frombuffer(b"=+-@ ", np.uint8)  # _SUSPECT_ASCII_RE's ^[=+\-@ ], as bytes


def _suspect(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Per cell, whether it is not ASCII or matches _SUSPECT_ASCII_RE, without a regular expression (one costs
    some 100 ns a cell, and a million-claim ledger has tens of millions of cells): a cell that is not printable
    ASCII (or holds a NUL, which the loader refuses anyway), or whose first byte is one of _SUSPECT_FIRST or
    whose last byte is a space, both read straight off the Arrow buffers."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    wide = pa.types.is_large_string(arr.type)
    offsets = np.frombuffer(arr.buffers()[1], np.int64 if wide else np.int32)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], np.uint8) if arr.buffers()[2] is not None else np.zeros(0, np.uint8)
    full = offsets[1:] > offsets[:-1]
    first = data[np.where(full, offsets[:-1], 0)] if len(data) else np.zeros(len(arr), np.uint8)
    last = data[np.where(full, offsets[1:] - 1, 0)] if len(data) else np.zeros(len(arr), np.uint8)
    edges = full & (np.isin(first, _SUSPECT_FIRST) | (last == ord(" ")))
    return edges | ~pc.fill_null(pc.ascii_is_printable(arr), True).to_numpy(zero_copy_only=False)


@dataclass(frozen=True)
class Cells:
    """The suspect cells (see `suspects`) of the selected columns of every table, stacked into one Series so
    that each check is one vectorised pass over them."""

    text: pd.Series  # positional index 0..n-1
    parts: list[tuple[str, str, int]]  # (table, column, first position), in stacking order
    starts: np.ndarray
    rows: np.ndarray  # per position, the cell's row in its table

    def locate(self, positions: np.ndarray) -> Iterator[tuple[str, str, np.ndarray, np.ndarray]]:
        """Group matching positions by (table, column): each with its row numbers and positions, in order."""
        if not len(positions):
            return
        part = np.searchsorted(self.starts, positions, side="right") - 1
        for p in np.unique(part):
            table, column, _ = self.parts[p]
            mine = positions[part == p]
            yield table, column, self.rows[mine], mine


def suspects(ledger) -> dict[tuple[str, str], tuple[np.ndarray, list[str]]]:
    """Per (table, column), every column but the typed ones: the rows and texts of the cells that are not
    ASCII or match _SUSPECT_ASCII_RE. One pass over each column, shared by L701, L702, L704, L705 and L706,
    which look only at these (a superset of what each reports; almost every cell of a ledger is plain ASCII)."""
    def run():
        out = {}
        for name, table in ledger.tables.items():
            if not len(table):
                continue
            for column in table.frame.columns:
                if (name, column) in TYPED_COLUMNS:
                    continue
                arr = pa.array(table.frame[column], pa.string())
                rows = np.flatnonzero(_suspect(arr))
                out[(name, column)] = (rows, pc.take(arr, pa.array(rows, pa.int64())).to_pylist())
        return out
    return ledger.memo("hygiene_suspects", run)


def cells(ledger, only: dict[str, tuple[str, ...]] | None = None, but: dict[str, tuple[str, ...]] | None = None) -> Cells:
    """The suspect cells of every table's columns (or only the listed ones, or all but the listed ones); never a typed column."""
    texts, rows, parts, start = [], [], [], 0
    for (name, column), (where, found) in suspects(ledger).items():
        if not len(where) or (but is not None and column in but.get(name, ())) or not (only is None or column in only.get(name, ())):
            continue
        texts += found
        rows.append(where)
        parts.append((name, column, start))
        start += len(where)
    return Cells(pd.Series(texts, dtype="str"), parts, np.array([p[2] for p in parts], dtype=np.int64),
                 np.concatenate(rows) if rows else np.zeros(0, np.int64))


def _hits(found: Cells, positions: np.ndarray, describe) -> Iterator[Hit]:
    """Hits for the matching cells, per table and column at most MAX_REPEATS, then one that counts the rest."""
    for table, column, rows, where in found.locate(positions):
        for row, position in zip(rows[:MAX_REPEATS], where[:MAX_REPEATS]):
            message, expected, shown = describe(column, found.text.iat[int(position)])
            yield Hit(int(row), column, message, expected, shown, table)
        if len(rows) > MAX_REPEATS:
            yield Hit(None, column, f"{len(rows) - MAX_REPEATS} more cells of {column} like this are not listed", "", "", table)


def _where(mask: pd.Series | np.ndarray) -> np.ndarray:
    mask = mask.fillna(False).to_numpy(dtype=bool) if isinstance(mask, pd.Series) else mask
    return np.flatnonzero(mask)


@check("L701", "invisible-character", scope="paper")
def invisible_character(ledger) -> Iterator[Hit]:
    """No cell holds zero-width or bidirectional-control characters (U+200B–U+200F, U+202A–U+202E, U+2066–U+2069, U+FEFF…): what a reviewer reads must be what is stored."""
    c = cells(ledger)
    suspect = _where(~c.text.str.isascii())  # every such character is non-ASCII: scan only those cells
    hit = suspect[c.text.iloc[suspect].str.contains(_INVISIBLE_RE, regex=True).to_numpy(dtype=bool)]
    pattern = re.compile(_INVISIBLE_RE)

    def describe(column, text):
        m = pattern.search(text)
        message = (f"{column} holds {_describe(m.group())} at character {m.start() + 1}: "
                   f"it is invisible, so the cell reads as something other than what is stored ({show(text)!r})")
        return message, "no zero-width or bidirectional-control characters", show(text)

    yield from _hits(c, hit, describe)


@check("L702", "control-character", scope="paper")
def control_character(ledger) -> Iterator[Hit]:
    """No cell holds a control character (C0, C1, DEL, a lone CR); only TAB is allowed, and line breaks only in prose (quote, notes, abstract, descriptions)."""
    def describe(pattern):
        def line(column, text):
            m = re.search(pattern, text)
            ch = m.group()[0]
            what = "a line break" if ch in "\n\r\u2028\u2029" else "a control character"
            return (f"{column} holds {what}, {_describe(ch)}, at character {m.start() + 1} ({show(text)!r})",
                    "printable text on one line" if what == "a line break" else "no control characters", show(text))
        return line

    names = cells(ledger, but=FREE_TEXT)
    yield from _hits(names, _where(names.text.str.contains(_CONTROL_RE, regex=True)), describe(_CONTROL_RE))
    prose = cells(ledger, only=FREE_TEXT)
    yield from _hits(prose, _where(prose.text.str.contains(_FREE_CONTROL_RE, regex=True)), describe(_FREE_CONTROL_RE))


def fold(text: pd.Series) -> pd.Series:
    """The form two identifiers must not share: NFKC, invisible characters removed, look-alikes made the
    Latin letter they read as (`lookalikes`), case-folded. Vectorised; an ASCII cell only needs lower-casing."""
    folded = text.str.lower()
    other = ~text.str.isascii().to_numpy(dtype=bool)
    if other.any():
        sub = text[other]
        folded[other] = (sub.str.normalize("NFKC").str.replace(_INVISIBLE_RE, "", regex=True)
                         .str.translate(lookalikes().fold_table).str.casefold())
    return folded


def _repeated(text: pd.Series) -> np.ndarray:
    """Per cell, whether another cell holds the same text (pandas' duplicated(keep=False)), by Arrow's
    dictionary encoding and a count per distinct text: hashing a million ids in pandas costs twice as much."""
    arr = pa.array(text, pa.string())
    encoded = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    codes = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return np.bincount(codes)[codes] > 1


@check("L703", "identifier-collision")
def identifier_collision(ledger) -> Iterator[Hit]:
    """Keys (claim_id, paper_id, metric, entity, benchmark, relation_id) stay distinct after NFKC, case folding and look-alike folding: `FastNet` and `Fastnet` are one name spelt twice."""
    for table, column in KEY_COLUMNS.items():
        t = ledger.tables.get(table)
        if t is None or not len(t):
            continue
        text = t.frame[column]
        folded = fold(text)
        candidates = _repeated(folded) & text.ne("").to_numpy(dtype=bool)
        if not candidates.any():
            continue
        frame = pd.DataFrame({"raw": text.to_numpy()[candidates], "folded": folded.to_numpy()[candidates],
                              "row": np.flatnonzero(candidates)})
        grouped = frame.groupby("folded", sort=False)
        first_raw, first_row = grouped["raw"].transform("first"), grouped["row"].transform("first")
        clash = (frame["raw"] != first_raw).to_numpy(dtype=bool)
        rows, originals = frame["row"].to_numpy()[clash], first_row.to_numpy()[clash]
        for i, (row, orig) in enumerate(zip(rows, originals)):
            if i == MAX_REPEATS:
                yield Hit(None, column, f"{len(rows) - MAX_REPEATS} more cells of {column} like this are not listed", "", "", table)
                break
            mine, theirs = text.iat[row], text.iat[orig]
            yield Hit(int(row), column, f"{column} {show(mine)!r} collides with {show(theirs)!r} on line {t.lines[orig]}: "
                      f"they differ only in case, Unicode form or look-alike letters",
                      "a key distinct from every other after folding", show(mine), table)


def _first_confusable(text: str) -> str:
    """The first character that makes `text` a homoglyph identifier (see L704), described."""
    latin = lookalikes().latin
    for ch in text:
        if ch in latin:
            return f"{_describe(ch)} looks like Latin {latin[ch]!r}"
    for ch in text:
        norm = unicodedata.normalize("NFKC", ch)
        if norm != ch:
            return f"{_describe(ch)} is a variant of {show(norm)!r}"
    return "mixed scripts"


@check("L704", "homoglyph-identifier", scope="paper")
def homoglyph_identifier(ledger) -> Iterator[Hit]:
    """An identifier or name uses no letter that reads as a Latin letter it is not (Cyrillic 'а' or 'м', Armenian 'ո', Cherokee 'Ꭺ', small capital 'ᴀ' in a Latin word; Unicode's confusables data, via confusable-homoglyphs) and no characters NFKC changes (full-width, mathematical letters); accented letters (Café) and small Greek letters (β-VAE) are fine."""
    c = cells(ledger, NAME_COLUMNS)
    suspect = _where(~c.text.str.isascii())  # ASCII text has no look-alikes and is NFKC-stable
    # each distinct text once: names repeat (one subject, metric or context on many claims)
    codes, distinct = pd.factorize(c.text.iloc[suspect])
    distinct = pd.Series(distinct, dtype="str")
    mixed = pc.match_substring_regex(pa.array(distinct, pa.string()), lookalikes().mixed_re)
    bad = (mixed.to_numpy(zero_copy_only=False) | distinct.str.normalize("NFKC").ne(distinct).to_numpy(dtype=bool))

    def describe(column, text):
        return (f"{column} {show(text)!r} is a homoglyph: {_first_confusable(text)}; it looks like a name it is not",
                "plain letters of one script", show(text))

    yield from _hits(c, suspect[bad[codes]], describe)


@check("L705", "edge-whitespace", "warning", scope="paper")
def edge_whitespace(ledger) -> Iterator[Hit]:
    """A cell does not start or end with white space (spaces, non-breaking spaces, line breaks): invisible, and it makes a second spelling."""
    c = cells(ledger)
    first, last = c.text.str[:1], c.text.str[-1:]
    mask = (first.str.isspace() & ~first.isin(["\t", "\r"])) | last.str.isspace()

    def describe(column, text):
        where = "starts" if text[:1].isspace() else "ends"
        return f"{column} {where} with white space ({show(text)!r})", "no leading or trailing white space", show(text)

    yield from _hits(c, _where(mask), describe)


@check("L706", "formula-injection", scope="paper")
def formula_injection(ledger) -> Iterator[Hit]:
    """A text cell does not start with = + - @ TAB or CR, which a spreadsheet runs as a formula (plain numbers and the typed value column excepted)."""
    c = cells(ledger)
    starts = _where(c.text.str.contains(FORMULA_START_PATTERN, regex=True))
    # the same plain-number test as the CSV export (ledger.text), vectorised
    risky = starts[~c.text.iloc[starts].str.fullmatch(PLAIN_NUMBER_PATTERN).to_numpy(dtype=bool)]

    def describe(column, text):
        hint = " (for a quote, start it one word earlier)" if column == "quote" else ""
        return (f"{column} starts with {show(text[:1])!r}: a spreadsheet opening this file runs it as a formula{hint}",
                "text that does not start with = + - @ TAB or CR", show(text))

    yield from _hits(c, risky, describe)
