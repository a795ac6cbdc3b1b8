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


# Texts are read in batches of about this many bytes: the marked pieces copy every text once more, so
# batching bounds that copy instead of doubling a 500 MB corpus at once.
BATCH_BYTES = 8 << 20  # measured at 1M claims (59 MB of abstracts): 64 MB batches peaked 330 MB higher than 8 MB ones, for about the same CPU
EXACT_BELOW = 200_000  # characters: below this the exact reader is quicker than importing polars
# One regex pass wraps every mention in these marks, and the marked text is split at them: the pieces are the
# mentions and the text between them, whose character lengths give the offsets. A text holding a character
# beyond the BMP is read exactly, so no text on the polars path holds a mark.
_OPEN, _CLOSE = "\U000f0000", "\U000f0001"


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
    fast = fast.with_columns(t=_ascii_words(pl, fast["t"]))
    # a batch is the texts that start within the same BATCH_BYTES of the running byte count
    size = pl.col("t").str.len_bytes().cast(pl.Int64)
    fast = fast.with_columns(batch=(size.cum_sum() - size) // BATCH_BYTES)
    batches = [_fast_rows(pl, b) for b in fast.partition_by("batch", maintain_order=True)]
    fast_table = _with_readings(pl, pl.concat(batches)).to_arrow().cast(SCHEMA) if batches else _empty()
    if not exact_idx:
        return fast_table
    exact_table = pa.table(_exact_rows(texts, exact_idx, names), schema=SCHEMA)
    both = pl.concat([pl.from_arrow(fast_table), pl.from_arrow(exact_table)]).sort("text", "start")
    return both.to_arrow().cast(SCHEMA)


def _ascii_words(pl, texts):
    """The texts with every non-ASCII word character read as "_", one character for one: offsets and printed
    text (which never holds a word character) are kept. Only the non-ASCII texts are rewritten."""
    other = (texts.str.len_bytes() != texts.str.len_chars()).arg_true()
    if not len(other):
        return texts
    return texts.scatter(other, texts.gather(other).str.replace_all(_patterns()["word"], "_"))


def _fast_rows(pl, batch):
    """The mentions of a batch of (text, t) rows on the polars path, one lazy query: text, start, end, printed,
    and what _share_list_markers asks of the text around each mention (glued, joins_next, word_in)."""
    p = _patterns()
    text, printed, after = pl.col("text"), pl.col("printed"), pl.col("after")
    # a text's first piece is what precedes its first mention; each other piece is a mention, _CLOSE, and the
    # text up to the next mention
    first = (text != text.shift(1)).fill_null(True)
    parts = pl.col("piece").str.split_exact(_CLOSE, 1)
    pieces = (
        batch.lazy()
        .select("text", piece=pl.col("t").str.replace_all(p["mention"], _OPEN + "${0}" + _CLOSE).str.split(_OPEN))
        .explode("piece")
        .select("text", printed=pl.when(~first).then(parts.struct.field("field_0")),
                after=pl.when(first).then(parts.struct.field("field_0")).otherwise(parts.struct.field("field_1")))
    )
    n = printed.str.len_chars().cast(pl.Int64).fill_null(0)
    width = n + after.str.len_chars().cast(pl.Int64)
    # a piece's offset: the running sum of widths before it, less that at its text's first piece (rows are
    # by text: a forward fill, not a group-by)
    before = width.cum_sum() - width
    start = before - pl.when(first).then(before).forward_fill()
    gap = after.shift(1)  # the text since the previous mention, or since the text's start
    glued = (
        pl.when(gap.str.len_chars() > 0).then(gap.str.slice(-1)).otherwise(printed.shift(1).str.slice(-1))
        .str.contains(r"^[0-9A-Za-z_\-]$")  # every other word character is "_" here
        .fill_null(False)
    )
    return (
        pieces.with_columns(start=start, end=start + n, glued=glued, joins_next=after.str.contains(p["joiner"]),
                            word_in=gap.str.contains(p["word_joiner"]))
        .filter(~first)
        .select("text", "start", "end", "printed", "glued", "joins_next", "word_in")
        .collect()
    )


def _with_readings(pl, rows):
    """The mention rows with value, marker and word: each distinct printed string is parsed once (a million
    mentions print a few thousand), then lists share their markers."""
    p = _patterns()
    distinct = rows.select(pl.col("printed").unique())
    distinct = distinct.with_columns(g=pl.col("printed").str.extract_groups(p["parse"])).unnest("g")
    distinct = _with_values(pl, distinct.with_columns(marker=_marker(pl)))
    # Negative exponents (rare: 1e-4) are written out by the reader's own helper.
    neg = distinct.filter(pl.col("exp10") < 0)
    if neg.height:
        fixed = [
            _digits_value(sg or "", i if i is not None else "0", f, e)
            for sg, i, f, e in neg.select("sign", "int", "frac", "exp10").iter_rows()
        ]
        distinct = _patch_negative(pl, distinct, fixed)
    readings = distinct.select("printed", "value", "marker", "word")
    rows = rows.join(readings, on="printed", how="left", maintain_order="left")
    return _share_list_markers(pl, rows).select(SCHEMA.names)


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


def _share_list_markers(pl, rows):
    """numbers._share_list_markers, column-wise: each run of bare numbers linked by joiners ends at one number
    (the run's last row); its rows take that number's marker if the link into it is a word ("and", "or", "to")."""
    text, marker = pl.col("text"), pl.col("marker")
    link = ((text == text.shift(-1)) & (marker == "") & ~pl.col("glued") & pl.col("joins_next")).fill_null(False)
    rows = rows.with_columns(_link=link)
    # a run's rows are consecutive: its last row's values reach them by a backward fill (not a group-by)
    run_end = ~pl.col("_link")
    last_marker = pl.when(run_end).then(marker.fill_null("")).backward_fill()
    word_in = pl.when(run_end).then(pl.col("word_in").fill_null(False)).backward_fill()
    shared = pl.col("_link") & word_in & (last_marker != "")
    return rows.with_columns(marker=pl.when(shared).then(last_marker).otherwise(marker)).drop("_link")


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
