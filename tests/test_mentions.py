"""mention_table is held, row for row, to read_numbers: on generated text, on every text in the repository,
on the reader's own table, and on the inputs that must take the exact path."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings, strategies as st

from ledger.mentions import SCHEMA, exact_path, mention_table
from ledger.numbers import read_numbers
from test_numbers import TABLE

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="module")
def _always_the_columnar_path():
    import ledger.mentions

    saved, ledger.mentions.EXACT_BELOW = ledger.mentions.EXACT_BELOW, 0
    yield
    ledger.mentions.EXACT_BELOW = saved



def read(text: str):
    """read_numbers, except where it raises: on a long s, dotless i, dotted I or Kelvin sign inside a number
    word its regex matches case-insensitively but the value lookup fails (KeyError). There the mentions are
    those of the text with each replaced by its ASCII letter, printed as in the original."""
    try:
        return [(m.start, m.end, m.printed, m.value, m.marker, m.word) for m in read_numbers(text)]
    except KeyError:
        ascii_letters = text.replace("\u017f", "s").replace("\u0131", "i").replace("\u0130", "i").replace("\u212a", "k")
        return [(m.start, m.end, text[m.start : m.end], m.value, m.marker, m.word) for m in read_numbers(ascii_letters)]


def oracle(texts) -> list[tuple]:
    return [(i, *m) for i, t in enumerate(texts) for m in read(t)]


def rows(table: pa.Table) -> list[tuple]:
    assert table.schema == SCHEMA
    return [tuple(r[name] for name in SCHEMA.names) for r in table.to_pylist()]


def assert_same(texts):
    got = rows(mention_table(texts))
    want = oracle(texts)
    try:
        as_arrow = pa.array(texts, pa.string())
    except (pa.ArrowException, UnicodeEncodeError):  # lone surrogates: Arrow cannot hold them
        pass
    else:
        assert rows(mention_table(as_arrow)) == got
    if got != want:  # show the first difference, not two walls of tuples
        diff = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
        pytest.fail(
            f"row {diff}: got {got[diff] if diff < len(got) else None}, want {want[diff] if diff < len(want) else None}"
        )


# ---- generated text ------------------------------------------------------------------------------------

FRAGMENTS = [
    # digits in the forms abstracts print them
    "52.30", "1,234", "1,234,567.5", "221,247", "007", "0.0", ".05", "1e-4", "1.5E3", "2e+3", "3e\u22122", "15.0e-1",
    "0.05e-1", "-2.3", "\u22124.1", "-", "\u2212", "+",
    " and ", " or ", " to ", ", ", "-point", " gain", "dozen", "12", "3", "0", "9999", "1,2345", "1e1234", "..5", "1.2.3",
    # markers and multipliers
    "%", "\\%", "\\\\%", "x", "X", "\u00d7", "times", "fold", "-fold", "points", "point", "pp", "p.p.", "percent",
    "per cent", "per-cent", "percentage points", "k", "K", "M", "B", "T", "MB", "ms", "thousand", "million",
    "Billion", "TRILLION", "hundred", "e", "E",
    # number words
    "a", "an", "A", "one", "two", "Three", "seven", "seventeen", "twenty", "twenty-five", "Ninety-nine", "ten",
    "zero", "someone", "none", "twofold",
    # separators, brackets, other scripts and spaces
    " ", " ", " ", "-", ",", ".", "(", ")", "[", "]", "{", "}", "_", "/", "=", "<", ":", "\n", "\t",
    "\u00a0", "\u2009", "\u3000", "\x1c", "\u2013", "\u00e9", "\u03b1", "\u212a", "\u017f", "\u0130", "\u0301",
    "\u200d", "\u00b2", "\u0663", "\udc80", "\U0001d7d1", "GPT", "ResNet", "v", "ell_{2,1}",
]

abstract_like = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.integers(0, 10**7).map(str), st.text(max_size=3)), max_size=40
).map("".join)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(abstract_like, max_size=6))
def test_equals_reader_on_generated_abstracts(texts):
    assert_same(texts)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(abstract_like.filter(lambda t: t.isascii()), min_size=1, max_size=4))
def test_fast_path_equals_reader(texts):
    # ASCII text without the few substrings that are routed: mostly read by the polars path itself.
    assert_same(texts)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=5))
def test_equals_reader_on_any_text(texts):
    assert_same(texts)


def test_generated_text_mostly_takes_the_fast_path():
    # Guard against a router so conservative that nothing is vectorised (the tests above would still pass).
    texts = [t for t, _ in TABLE]
    assert len(exact_path(texts)) <= len(texts) // 10


# ---- fixed texts -----------------------------------------------------------------------------------------


def test_reader_table():
    texts = [t for t, _ in TABLE]
    assert_same(texts)
    assert_same(texts[::-1])


def test_names_that_hold_number_words():
    texts = ["ONE-PEACE beats ONE", "ONE and 2%", "no name here, one", "GPT-4 and ONE-PEACE"]
    names = ("ONE-PEACE", "GPT-4", "ZeRO")
    want = [(i, m.start, m.end, m.printed, m.value, m.marker, m.word) for i, t in enumerate(texts) for m in read_numbers(t, names)]
    assert rows(mention_table(texts, names)) == want
    assert exact_path(texts, names) == [0, 3]  # only texts that print such a name are read exactly
    assert exact_path(texts) == []


def test_list_markers_on_the_fast_path():
    texts = ["by 3.8 and 2.2 points, 1, 2 and 3x", "caf\u00e9 3 and 4%", "\u00e93 and 4%", "2 ,  3 or 4 %", "1\n, 2\tand 3pp"]
    assert exact_path(texts) == []
    assert_same(texts)


def _repository_texts() -> list[str]:
    """Every cell of every CSV in the repository and its fixtures (abstracts, quotes and all the rest)."""
    texts: set[str] = set()
    for path in [*REPO.glob("*.csv"), *(REPO / "tests").rglob("*.csv"), *(REPO / "vocab").rglob("*.csv")]:
        # surrogateescape keeps undecodable bytes as lone surrogates: those texts must take the exact path
        raw = path.read_bytes().decode("utf-8", errors="surrogateescape")
        try:
            for record in csv.reader(io.StringIO(raw, newline="")):
                texts.update(record)
        except csv.Error:
            texts.add(raw)  # a deliberately broken file: read it whole
    return sorted(texts)


def test_every_repository_text():
    texts = _repository_texts()
    assert len(texts) > 500
    assert_same(texts)


def test_repository_abstracts_and_quotes_take_the_fast_path():
    with open(REPO / "papers.csv", newline="", encoding="utf-8") as f:
        abstracts = [r["abstract"] for r in csv.DictReader(f)]
    with open(REPO / "claims.csv", newline="", encoding="utf-8") as f:
        quotes = [r["quote"] for r in csv.DictReader(f)]
    assert_same(abstracts)
    assert_same(quotes)
    assert exact_path(abstracts) == []


@pytest.mark.parametrize(
    "text",
    [
        "from 5%-10% and 5%-.5",  # a minus after % is never a sign
        "(1)-2 [3]-4 {5}-6 7.-8 --9 \u2212\u22125",
        "p < ..05 and 1..5",  # ".05" after a point is not .05
        "1,2345 and 12,345,6789 and 1,234,567",  # comma groups of exactly three
        "1e1234 and 1e-1234 and 2E+9999 and 1e123",  # exponents of at most three digits
        "10\u212a and 1 thou\u017fand and fold",  # Kelvin sign and long s fold to ASCII letters
        "ten \ud800 20",  # a lone surrogate: Arrow cannot hold it
        "\U0001d7d1 2 \U0001f600 3",  # beyond the BMP
    ],
)
def test_routed_texts_are_read_exactly(text):
    assert exact_path([text, "1"]) == [0]
    assert_same([text, "1 and 2", text])


def test_letters_that_match_ascii_case_insensitively_are_read():
    # "ſ" matches "s" in Python's case-insensitive regex: a scale word after digits still reads. Number words
    # match case-sensitively (lowercase, Capitalised, ALL CAPS), so "ſeven" and "fıve" are not number words.
    assert [(m.printed, m.value) for m in read_numbers("1 thou\u017fand \u017feven f\u0131ve")] == [("1 thou\u017fand", "1e3")]
    assert rows(mention_table(["1 thou\u017fand \u017feven f\u0131ve"])) == [(0, 0, 10, "1 thou\u017fand", "1e3", "", False)]


@pytest.mark.parametrize(
    "text",
    [
        "x=-0.50, in [-1, 1] and (-2.3%)",
        "3\u00d7-2 and 4\u00d7fold and 2\u00d7 and 5\u00d7-fold",
        "1.5\u00a0times, 2.9\u2009million, 3\u3000percent, 4\x1cpoints",
        "a 3.4% points and 3.4\\% points and 3.4\\\\%-point rise",
        "seventy-sevenfold, twenty-onefold, a hundred thousand, an million, A HUNDRED-BILLION",
        "1.2.3 .5 -.5 a.5 _.5 x-.5",
        "0.05e-1 15.0e-1 1e-4 007e-2 0e-3 9e\u2212999",
        "8x7B 3x3 2x-fold 10X 2.42x",
        # non-ASCII word characters (read as "_") next to numbers, markers and number words
        "caf\u00e9 3k \u00e93 3\u00e9 3k\u00e9 \u03b1=0.5 \u03bc2 2\u00b2 \u0663 one\u0301 two\u00e9 \u00e9three",
        "3x\u00e9 3 times\u00e9 3\u00d7\u00e9 5 p.p.\u00e9 5%\u00e9 2 fold\u00e9",
        "\u4e09 3\u500d 5%\u6539\u5584 a\u00a0thousand\u00e9 a thousand\u00e9 -\u00e9 \u00e9-5 .\u00e9 \u00e9.5",
    ],
)
def test_fast_path_edge_texts(text):
    assert exact_path([text]) == []
    assert_same([text])


def test_offsets_are_characters_not_bytes():
    text = "\u00d7\u00d7 \u2013 52.30% and \u22123"
    assert exact_path([text]) == []
    got = rows(mention_table([text]))
    assert [(r[1], r[2], r[3]) for r in got] == [(5, 11, "52.30%"), (16, 18, "\u22123")]
    assert_same([text])


# ---- input forms and edge cases -------------------------------------------------------------------------


def test_empty_input():
    assert mention_table([]).num_rows == 0
    assert mention_table([]).schema == SCHEMA
    assert exact_path([]) == []


def test_empty_strings_and_texts_without_numbers():
    texts = ["", "no numbers here", "", "thousands of them, someone", "1"]
    assert rows(mention_table(texts)) == [(4, 0, 1, "1", "1", "", False)]
    assert rows(mention_table(["", ""])) == []


def test_arrow_inputs_and_nulls():
    texts = ["52.6k and 2x", "", "three times", "5%-2"]
    want = oracle(texts)
    assert rows(mention_table(pa.array(texts))) == want
    assert rows(mention_table(pa.array(texts, pa.large_string()))) == want
    assert rows(mention_table(pa.chunked_array([texts[:2], texts[2:]]))) == want
    # a null text has no mentions; the rows after it keep their indices
    with_null = pa.array(["1", None, "2"])
    assert rows(mention_table(with_null)) == [(0, 0, 1, "1", "1", "", False), (2, 0, 1, "2", "2", "", False)]


def test_long_texts():
    # Linear in the text: long runs that would trip a backtracking reader, on both paths.
    texts = ["1,000" * 20_000 + "0", "twenty-" * 10_000, "1e" * 30_000, "a " * 30_000, "2x" * 30_000 + "é"]
    assert_same(texts)


def test_batches_give_the_same_table(monkeypatch):
    import ledger.mentions

    texts = [t for t, _ in TABLE] + ["5%-2 and caf\u00e9 3"] * 3
    whole = rows(mention_table(texts))
    monkeypatch.setattr(ledger.mentions, "BATCH_BYTES", 40)  # a batch every text or two
    assert rows(mention_table(texts)) == whole == oracle(texts)


def test_none_has_no_mentions_and_other_types_are_refused():
    got = rows(mention_table(["1", None, "2 \ud800"]))
    assert got == [(0, 0, 1, "1", "1", "", False), (2, 0, 1, "2", "2", "", False)]
    with pytest.raises(TypeError, match="text 1 is of type int"):
        mention_table(["1", 5])
