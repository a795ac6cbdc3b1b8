"""Every number many texts print, as one columnar table: the fast, vectorised twin of `read_numbers`.

`mention_table(texts)` gives, row for row, what `[m for i, t in enumerate(texts) for m in read_numbers(t)]`
gives, as a pyarrow Table (text, start, end, printed, value, marker, word). The work is done by polars,
whose regexes (Rust's `regex` crate) have no look-around, so `ledger.numbers._NUMBER` is restated here
with word boundaries in its place:

* `(?!\\w)` after a letter and `(?<!\\w)` before one are `\\b`; `(?!\\w)` after `.`/`×` is `\\B`. Both are
  the ASCII boundaries `(?-u:\\b)`, `(?-u:\\B)` (the lazy DFA runs them on any haystack). They agree with
  Python's Unicode `\\w` once every non-ASCII word character (in Python's sense) is replaced by `_`, one
  character for one, which no part of the pattern matches: spans and printed text are unchanged.
* The sign's `(?<![\\w.)\\]}%\\-\\u2212])` is `\\B` (not after a word character) plus "not after . ) ] } % -",
  `.05`'s `(?<![\\w.])` is `\\B` plus "not after .", and the two `(?![0-9])` (groups of three after a comma,
  exponents of at most three digits) are dropped. Each is exact unless the text holds the substring that
  makes the difference (`%-5`, `..5`, `,1234`, `e1234`).
* Python's `\\s` is written out as the explicit set of characters Python's `re` counts as space.

A text that holds any of those substrings, one of the four letters Python's case-insensitive matching takes
for ASCII ones (dotted and dotless i, long s, Kelvin sign), a character beyond the BMP, or a lone surrogate
(Arrow cannot hold it) is read by `read_numbers` itself; so is a text with a hyphenated "point" read as
points ("7.1-point", "3-point gain": the reader looks behind or ahead) or one of the given names that holds a
number word. A list's shared marker ("by 3.8 and 2.2 points") is restated column-wise (_share_list_markers). Positions come from a second pass that matches
"everything up to and including the next mention": cumulative character lengths of those pieces are the
mention ends.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

import pyarrow as pa

from .numbers import CHANGE_WORDS, Mention, _SCALE, _TENS, _UNITS, _WORD_VALUE, _alt, _cased, _digits_value, read_numbers, word_names

__all__ = ["SCHEMA", "exact_path", "mention_table", "space_class"]

SCHEMA = pa.schema(
    [
        ("text", pa.int64()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("printed", pa.string()),
        ("value", pa.string()),
        ("marker", pa.string()),
        ("word", pa.bool_()),
    ]
)

_SCALES = "thousand|million|billion|trillion"


def _class(chars) -> str:
    """A Rust-regex character class body (no brackets) of the given code points, as ranges."""
    points = sorted(set(chars))
    out, i = [], 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        out.append(f"\\x{{{points[i]:x}}}" if i == j else f"\\x{{{points[i]:x}}}-\\x{{{points[j]:x}}}")
        i = j + 1
    return "".join(out)


@functools.cache
def space_class() -> str:
    """The characters Python's `re` counts as `\\s`, as the body of a character class (Rust regex and RE2 syntax)."""
    is_space = re.compile(r"\s").match
    return _class(c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF and is_space(chr(c)))


@functools.cache
def _patterns() -> dict[str, str]:
    # Python's own classification of every BMP character, so the classes are exact for this interpreter.
    is_word = re.compile(r"\w").match
    bmp = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    S = "[" + space_class() + "]"
    SD = "[" + space_class() + r"\-]"
    B, NB = r"(?-u:\b)", r"(?-u:\B)"
    minus, times = r"\x{2212}", r"\x{d7}"

    num = (
        rf"(?:{NB}[\-{minus}])?"
        r"(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?" + rf"|{NB}\.[0-9]+)"
        rf"(?:[eE][\-+{minus}]?[0-9]{{1,3}})?"
        rf"(?:[kKMBT]{B}|{SD}?(?i:{_SCALES}){B})?"
    )
    marker = "|".join(
        [
            rf"{S}?\\{{0,2}}%{SD}?(?i:points?){B}",
            rf"{SD}(?i:percentage{SD}points?){B}",
            rf"{SD}?(?i:pp{B}|p\.p\.{NB})",
            rf"{S}(?i:points?){B}",
            rf"{S}?\\{{0,2}}%",
            rf"{SD}?(?i:percent|per{SD}?cent){B}",
            rf"[xX](?:-?(?i:fold))?{B}",
            rf"{times}(?:-?(?i:fold){B}|{NB})",
            rf"{SD}?(?i:times|fold){B}",
        ]
    )
    # number words are matched case-sensitively, as lowercase, Capitalised or ALL CAPS (numbers._cased)
    scale = rf"{SD}(?:{_cased(_SCALES.split('|'))}){B}"
    hundred = rf"{SD}(?:{_cased(['hundred', 'dozen'])}){B}"
    word = (
        rf"{B}(?:"
        rf"(?:(?:{_cased(_TENS)})(?:-(?:{_cased(_UNITS[1:10])}))?|{_cased(_UNITS)})(?:{hundred})?(?:{scale})?"
        rf"|(?:{_cased(['a', 'an'])})(?:{hundred}(?:{scale})?|{scale}))"
    )
    mention = rf"(?:{num})(?:{marker})?|{word}(?:{B}(?:{marker})?|(?i:fold){B})"

    # Every other non-ASCII word character is read as "_" (also a word character, and matched by no part of
    # the pattern), so the ASCII boundaries see it as Python does. The four that Python's case-insensitive
    # matching takes for ASCII letters cannot be replaced: their texts, and those beyond the BMP, go exact.
    folding = {0x130, 0x131, 0x17F, 0x212A}
    word = _class(ord(c) for c in bmp if ord(c) > 0x7F and is_word(c) and ord(c) not in folding)
    # Texts the restatement above may read differently: read_numbers reads them.
    route = "|".join(
        [
            "[" + _class(folding) + r"\x{10000}-\x{10ffff}]",
            rf"[.)\]}}%\-{minus}][\-{minus}]\.?[0-9]",  # a sign after . ) ] } % - (never a sign in Python)
            r"\.\.[0-9]",  # ".05" after a point
            r"[0-9],[0-9]{4}",  # a comma group of more than three digits
            rf"[0-9][eE][\-+{minus}]?[0-9]{{4}}",  # an exponent of more than three digits
            # "-point" read as pp, which looks at the digits before it or the word after: "7.1-point", "3-point gain"
            r"\.[0-9]+-(?i:point)",
            rf"[0-9A-Za-z]-(?i:points?){SD}(?i:{'|'.join(CHANGE_WORDS)})",  # after a number's last character
        ]
    )
    # Splits one printed mention (no look-around needed: the mention is already found).
    parse = (
        rf"^(?:(?P<sign>[\-{minus}])?(?:(?P<int>[0-9][0-9,]*)(?:\.(?P<frac>[0-9]+))?|\.(?P<frac0>[0-9]+))"
        # named multiplier first: "52.30Billion" is billion, not B and "illion"
        rf"(?:[eE](?P<exp>[\-+{minus}]?[0-9]+))?(?:{SD}?(?P<nmult>(?i:{_SCALES}))|(?P<gmult>[kKMBT]))?"
        rf"|(?i:(?P<tens>{_alt(_TENS)})(?:-(?P<unit>{_alt(_UNITS[1:10])}))?|(?P<unit0>{_alt(_UNITS)})|(?P<wa>an?))"
        rf"(?:{SD}(?:(?P<whund>(?i:hundred))|(?P<wdoz>(?i:dozen))))?(?:{SD}(?P<wmult>(?i:{_SCALES})))?)"
        r"(?s:(?P<mk>.*))$"
    )
    # A list's bare numbers take its last number's marker (numbers._share_list_markers): the joiners, restated.
    joiner = rf"^(?:{S}*,{S}*|,?{S}+(?:and|or|to){S}+)$"
    word_joiner = rf"^,?{S}+(?:and|or|to){S}+$"
    return {"mention": mention, "chunk": rf"(?s:.)*?(?:{mention})", "route": route, "parse": parse, "word": f"[{word}]",
            "joiner": joiner, "word_joiner": word_joiner}


def _empty() -> pa.Table:
    return SCHEMA.empty_table()


def _to_series(texts, pl):
    """(polars String Series, indices that must take the exact path because Arrow cannot hold them)."""
    if isinstance(texts, pa.ChunkedArray | pa.Array):
        return pl.Series("t", texts).cast(pl.String), set()
    texts = list(texts)
    try:
        return pl.Series("t", texts, dtype=pl.String), set()
    except (UnicodeEncodeError, TypeError):  # a lone surrogate somewhere: find which, hand those to read_numbers
        bad, clean = set(), []
        for i, t in enumerate(texts):
            if t is not None and not isinstance(t, str):
                raise TypeError(f"mention_table: text {i} is of type {type(t).__name__}, not str") from None
            if t is not None:
                try:
                    t.encode("utf-8")
                except UnicodeEncodeError:
                    bad.add(i)
                    t = None
            clean.append(t)
        return pl.Series("t", clean, dtype=pl.String), bad


def _exact_rows(texts, indices, names=()) -> dict[str, list]:
    cols: dict[str, list] = {name: [] for name in SCHEMA.names}
    for i in indices:
        t = texts[i]
        if isinstance(t, pa.Scalar):
            t = t.as_py()
        if not isinstance(t, str):
            continue  # null: no mentions
        for m in read_numbers(t, names):
            cols["text"].append(i)
            cols["start"].append(m.start)
            cols["end"].append(m.end)
            cols["printed"].append(m.printed)
            cols["value"].append(m.value)
            cols["marker"].append(m.marker)
            cols["word"].append(m.word)
    return cols


def _plan(texts, pl, names=()):
    """One row per text: its index, the text (null if Arrow cannot hold it) and whether it takes the exact path."""
    s, bad = _to_series(texts, pl)
    df = pl.DataFrame(s).with_row_index("text").with_columns(pl.col("text").cast(pl.Int64))
    exact = pl.col("t").str.contains(_patterns()["route"]) | pl.col("text").is_in(sorted(bad))
    if hiding := word_names(tuple(names)):  # a name that holds a number word ("ONE-PEACE"): rare, read exactly
        exact |= pl.col("t").str.contains_any(list(hiding))
    return df.with_columns(exact=exact.fill_null(False))


def exact_path(texts: Sequence[str] | pa.Array | pa.ChunkedArray, names: Iterable[str] = ()) -> list[int]:
    """Indices of the texts mention_table hands to read_numbers (for benchmarks and tests)."""
    import polars as pl

    if len(texts) == 0:
        return []
    return _plan(texts, pl, names).filter("exact")["text"].to_list()


# Texts are read in batches of about this many bytes: the second pass copies every text once more (as the
# pieces it measures), so batching bounds that copy instead of doubling a 500 MB corpus at once.
BATCH_BYTES = 8 << 20  # measured at 1M claims (59 MB of abstracts): 64 MB batches peaked 330 MB higher than 8 MB ones, for about the same CPU
EXACT_BELOW = 200_000  # characters: below this the exact reader is quicker than importing polars


def mention_table(texts: Sequence[str] | pa.Array | pa.ChunkedArray, names: Iterable[str] = ()) -> pa.Table:
    """Every mention of every text, ordered by (text, start); equal row for row to flattened
    read_numbers(text, names)."""
    names = tuple(names)
    if len(texts) == 0:
        return _empty()
    if isinstance(texts, (list, tuple)) and sum(len(t) for t in texts if isinstance(t, str)) < EXACT_BELOW:
        return pa.table(_exact_rows(texts, list(range(len(texts))), names), schema=SCHEMA)  # polars' import would cost more
    import polars as pl  # here, not at module level: a small ledger's cold start must not pay for it

    df = _plan(texts, pl, names)
    exact_idx = df.filter("exact")["text"].to_list()
    fast = df.filter(~pl.col("exact") & pl.col("t").is_not_null()).select("text", "t")
    # a batch is the texts that start within the same BATCH_BYTES of the running byte count
    size = pl.col("t").str.len_bytes().cast(pl.Int64)
    fast = fast.with_columns(batch=(size.cum_sum() - size) // BATCH_BYTES)
    tables = [_fast_rows(pl, b, exact_idx) for b in fast.partition_by("batch", maintain_order=True)]
    fast_table = pa.concat_tables(tables) if tables else _empty()
    if not exact_idx:
        return fast_table
    exact_table = pa.table(_exact_rows(texts, exact_idx, names), schema=SCHEMA)
    both = pl.concat([pl.from_arrow(fast_table), pl.from_arrow(exact_table)]).sort("text", "start")
    return both.to_arrow().cast(SCHEMA)


def _fast_rows(pl, batch, exact_idx: list[int]) -> pa.Table:
    """The mentions of a batch of (text, t) rows on the polars path; a text it cannot vouch for joins exact_idx."""
    p = _patterns()
    batch = batch.select(
        "text",
        # one character for one: offsets and printed text (which never holds a word character) are kept
        t=pl.when(pl.col("t").str.contains(p["word"]))
        .then(pl.col("t").str.replace_all(p["word"], "_"))
        .otherwise("t"),
    )
    batch = batch.select(
        "text",
        printed=pl.col("t").str.extract_all(p["mention"]),
        chunk=pl.col("t").str.extract_all(p["chunk"]),
    )
    # Both passes find the same mentions; a text where they disagree (none known) is read exactly.
    agree = pl.col("printed").list.len() == pl.col("chunk").list.len()
    exact_idx += batch.filter(~agree)["text"].to_list()
    rows = batch.filter(agree).explode("printed", "chunk").drop_nulls("printed")
    # a chunk is the text since the previous mention (the gap), then the mention
    width, n = pl.col("chunk").str.len_chars().cast(pl.Int64), pl.col("printed").str.len_chars().cast(pl.Int64)
    # a text's ends: the running sum of chunk widths, less the sum before its first chunk (rows are by text:
    # a forward fill, not a group-by)
    first = (pl.col("text") != pl.col("text").shift(1)).fill_null(True)
    total = width.cum_sum()
    rows = rows.with_columns(end=total - pl.when(first).then(total - width).forward_fill(), gap=pl.col("chunk").str.slice(0, width - n))
    rows = rows.with_columns(start=(pl.col("end") - n).cast(pl.Int64)).drop("chunk")
    rows = rows.with_columns(g=pl.col("printed").str.extract_groups(p["parse"])).unnest("g")
    rows = _with_values(pl, _share_list_markers(pl, rows.with_columns(marker=_marker(pl)), p))

    # Negative exponents (rare: 1e-4) are written out by the reader's own helper.
    neg = rows.filter(pl.col("exp10") < 0)
    if neg.height:
        fixed = [
            _digits_value(sg or "", i if i is not None else "0", f, e)
            for sg, i, f, e in neg.select("sign", "int", "frac", "exp10").iter_rows()
        ]
        rows = _patch_negative(pl, rows, fixed)
    return rows.select(SCHEMA.names).to_arrow().cast(SCHEMA)


def _patch_negative(pl, rows, fixed):
    idx = rows.with_row_index("_r").filter(pl.col("exp10") < 0)["_r"]
    value = rows["value"].scatter(idx, pl.Series(fixed, dtype=pl.String))
    return rows.with_columns(value=value)


def _with_values(pl, rows):
    """Add value (canonical, as numbers._value gives it; negative exponents patched after), exp10 and word.

    Built in stages of plain columns: one expression tree reusing sub-expressions ran ~5x slower."""
    lower = lambda c: pl.col(c).str.to_lowercase()  # noqa: E731
    mult = pl.coalesce(pl.col("gmult"), pl.col("nmult")).str.to_lowercase()
    int_part = pl.col("int").str.replace_all(",", "", literal=True).str.strip_chars_start("0")
    rows = rows.with_columns(
        word=pl.col("int").is_null() & pl.col("frac0").is_null(),
        exp10=(
            pl.col("exp").str.replace("\u2212", "-", literal=True).str.replace("+", "", literal=True).cast(pl.Int64)
        ).fill_null(0)
        + mult.replace_strict(_SCALE, default=0, return_dtype=pl.Int64).fill_null(0),
        int_part=pl.when(int_part == "").then(pl.lit("0")).otherwise(int_part).fill_null("0"),
        frac=pl.coalesce(pl.col("frac"), pl.col("frac0")),
        n=pl.when(pl.col("wa").is_not_null())
        .then(pl.lit(1, pl.Int64))
        .otherwise(
            pl.coalesce(lower("tens"), lower("unit0")).replace_strict(_WORD_VALUE, default=0, return_dtype=pl.Int64)
            + lower("unit").replace_strict(_WORD_VALUE, default=0, return_dtype=pl.Int64).fill_null(0)
        )
        * pl.when(pl.col("whund").is_not_null()).then(100).when(pl.col("wdoz").is_not_null()).then(12).otherwise(1),
        wexp=pl.when(pl.col("wmult").is_not_null()).then(
            lower("wmult").replace_strict(_SCALE, default=0, return_dtype=pl.Int64)
        ),
    )
    e = pl.col("exp10")
    digit_value = pl.concat_str(
        pl.when(pl.col("sign").is_not_null()).then(pl.lit("-")),
        pl.col("int_part"),
        pl.lit(".") + pl.col("frac"),
        pl.when(e != 0).then(pl.lit("e") + e.cast(pl.String)),
        ignore_nulls=True,
    )
    word_value = pl.concat_str(
        pl.col("n").cast(pl.String), pl.lit("e") + pl.col("wexp").cast(pl.String), ignore_nulls=True
    )
    return rows.with_columns(value=pl.when("word").then(word_value).otherwise(digit_value))


def _share_list_markers(pl, rows, p):
    """numbers._share_list_markers, column-wise: each run of bare numbers linked by joiners ends at one number
    (the run's last row); its rows take that number's marker if the link into it is a word ("and", "or", "to")."""
    text, gap, marker = pl.col("text"), pl.col("gap"), pl.col("marker")
    glued = (
        pl.when(gap.str.len_chars() > 0)
        .then(gap.str.slice(-1))
        .when(text == text.shift(1))
        .then(pl.col("printed").shift(1).str.slice(-1))  # right after the previous mention
        .otherwise(pl.lit(""))
        .str.contains(r"^[0-9A-Za-z_\-]$")  # every other word character is "_" here
    )
    link = ((text == text.shift(-1)) & (marker == "") & ~glued & gap.shift(-1).str.contains(p["joiner"])).fill_null(False)
    rows = rows.with_columns(
        _link=link,
        _word_in=gap.str.contains(p["word_joiner"]),  # on a run's last row: whether the link into it is a word
    )
    # a run's rows are consecutive: its last row's values reach them by a backward fill (not a group-by)
    run_end = ~pl.col("_link")
    last_marker = pl.when(run_end).then(marker.fill_null("")).backward_fill()
    word_in = pl.when(run_end).then(pl.col("_word_in").fill_null(False)).backward_fill()
    shared = pl.col("_link") & word_in & (last_marker != "")
    return rows.with_columns(marker=pl.when(shared).then(last_marker).otherwise(marker)).drop("_link", "_word_in", "gap")


def _marker(pl):
    # The marker is the parse's tail: every pp spelling has "po", "pp" or "p.p.", no % or x spelling has a "p";
    # then % and the per-cent words; anything else left is an x (x, X, ×, times, fold).
    mk = pl.col("mk")
    return (
        pl.when(mk == "")
        .then(pl.lit(""))
        .when(mk.str.contains(r"(?i)p[op.]"))
        .then(pl.lit("pp"))
        .when(mk.str.contains(r"%|(?i)cent"))
        .then(pl.lit("%"))
        .otherwise(pl.lit("x"))
    )
