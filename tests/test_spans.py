"""The column-wise number joins (ledger/spans.py) against the exact per-text reader they replace."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings, strategies as st

from conftest import REPO, TESTS
from ledger.numbers import is_canonical, parse_value, read_numbers
from ledger.spans import Sources, magnitude_keys, precision_keys, quote_mentions
from ledger.text import normalise

PIECES = ["52.30", "2.42", "-2.3", "1,024", "12,34", ".05", "3", "0", "x", "X", "×", "%", "\\%", " % points", " points",
          "pp", " times", "-fold", "fold", "two", "Twenty-one", "a thousand", " million", "k", "B", "e3", "e-4", "(", ")",
          "-", "−", ",", ".", " ", "  ", "\n", "GPT-4", "A100", "ZeRO", "é", "ß", "٣", "_", "abc", "by", "of",
          # lists that share a marker, "-point" read as pp, "a dozen", a name that holds a number word
          " and ", " or ", " to ", ", ", "-point", "-points", " gain", " scale", "7.1", " dozen", "ONE-PEACE", "ONE"]
texts = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)


NAMES = ("ONE-PEACE", "GPT-4")


def _derived(abstract: str, quotes: list[str], names=()):
    owner, m = quote_mentions(Sources(["p"], [abstract], names), ["p"] * len(quotes), quotes)
    return [[(int(s), int(e), p, v, k) for o, s, e, p, v, k in zip(owner, m.start, m.end, m.printed, m.value, m.marker) if o == i]
            for i in range(len(quotes))]


def _alone(quotes: list[str], names=()):
    return [[(x.start, x.end, x.printed, x.value, x.marker) for x in read_numbers(normalise(q), names)] for q in quotes]


@settings(max_examples=400, derandomize=True)
@given(texts, st.data())
def test_quote_mentions_equal_reading_each_quote_alone(abstract, data):
    n = len(abstract)
    spans = data.draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), min_size=1, max_size=6))
    quotes = [abstract[min(a, b):max(a, b)] for a, b in spans] + [data.draw(texts)]  # the last one is rarely found
    assert _derived(abstract, quotes) == _alone(quotes)
    assert _derived(abstract, quotes, NAMES) == _alone(quotes, NAMES)


@settings(max_examples=200, derandomize=True)
@given(texts, st.data())
def test_quote_mentions_columnar_equal_reading_each_quote_alone(abstract, data):
    """The same, on the column-wise path (polars edge characters) that large ledgers take."""
    import ledger.spans as spans

    n = len(abstract)
    cuts = data.draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), min_size=1, max_size=6))
    quotes = [abstract[min(a, b):max(a, b)] for a, b in cuts] + [data.draw(texts)]
    saved, spans.COLUMNAR_FROM = spans.COLUMNAR_FROM, -1
    try:
        assert _derived(abstract, quotes) == _alone(quotes)
    finally:
        spans.COLUMNAR_FROM = saved


@settings(max_examples=200, derandomize=True)
@given(st.lists(st.sampled_from(["p0", "p1", "p2", "", "p9"]), max_size=12), st.data())
def test_pairs_by_index_equal_the_row_lookup(pids, data):
    """Unique paper ids take the column-wise index_in path; it names the rows the dict lookup names."""
    src = Sources(["p0", "p1", "p2"], ["a", "b", "c"])
    spans_ = [data.draw(st.sampled_from(["", "x", "yz"])) for _ in pids]
    idx, rows = src.pairs(pids, spans_)
    expect = [(i, r) for i, (p, s) in enumerate(zip(pids, spans_)) if s for r in src.rows_of.get(p, ())]
    assert list(zip(idx.tolist(), rows.tolist())) == expect
    repeated = Sources(["p0", "p1", "p0"], ["a", "b", "c"])  # a repeated id: every row of it, in row order
    idx, rows = repeated.pairs(pids, spans_)
    assert list(zip(idx.tolist(), rows.tolist())) == [(i, r) for i, (p, s) in enumerate(zip(pids, spans_)) if s for r in repeated.rows_of.get(p, ())]
    assert repeated.last_rows(pids).tolist() == [repeated.rows_of[p][-1] if p in repeated.rows_of else -1 for p in pids]


def _rows(path: Path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_quote_mentions_on_every_quote_of_the_repository():
    folders = [REPO, *sorted(p for p in (TESTS / "cases").iterdir() if (p / "claims.csv").exists())]
    checked = 0
    for folder in folders:
        papers = {r["paper_id"]: r["abstract"] for r in _rows(REPO / "papers.csv" if not (folder / "papers.csv").exists() else folder / "papers.csv")}
        try:
            claims = _rows(folder / "claims.csv")
        except (UnicodeDecodeError, csv.Error, KeyError):
            continue
        for pid, abstract in papers.items():
            quotes = [c.get("quote") or "" for c in claims if c.get("paper_id") == pid]
            if quotes:
                assert _derived(abstract, quotes) == _alone(quotes), folder
                checked += len(quotes)
    assert checked > 65


values = st.from_regex(r"-?(0|[1-9][0-9]{0,4})(\.[0-9]{1,4})?(e[1-9][0-9]?)?", fullmatch=True)


@settings(max_examples=300, derandomize=True)
@given(values, values)
def test_keys_compare_as_decimals(a, b):
    mag = magnitude_keys([a, b])
    assert (mag[0] == mag[1]) == (Decimal(a).copy_abs() == Decimal(b).copy_abs())
    pa_, pb = parse_value(a), parse_value(b)
    prec = precision_keys([a, b])
    assert (prec[0] == prec[1]) == (pa_[0].copy_abs() == pb[0].copy_abs() and pa_[1] == pb[1])


def test_keys_of_what_is_not_a_decimal():
    assert list(magnitude_keys(["", "three", "52.30\n", "1e9999999999"])) == [None] * 4
    assert [k is None for k in precision_keys(["52.30", "1e1011", "052"])] == [False, True, not is_canonical("052")]


@settings(max_examples=200, derandomize=True)
@given(st.lists(texts, min_size=1, max_size=4), st.data())
def test_columnar_locate_equals_the_python_search(abstracts, data):
    import ledger.spans as spans

    src = Sources([f"p{i % 2}" for i in range(len(abstracts))], abstracts)
    n = max(len(a) for a in abstracts)
    cut = st.tuples(st.integers(0, len(abstracts) - 1), st.integers(0, n), st.integers(0, 4))
    picks = data.draw(st.lists(cut, min_size=1, max_size=8))
    queries = [src.texts[k][a:a + w] for k, a, w in picks] + ["é", "aa", data.draw(texts)]
    pids = [f"p{k % 2}" for k, _, _ in picks] + ["p0", "p1", "p0"]
    python = src.locate(pids, queries)
    saved = spans.COLUMNAR_FROM
    spans.COLUMNAR_FROM = -1
    try:
        columnar = src.locate(pids, queries)
    finally:
        spans.COLUMNAR_FROM = saved
    assert all((x == y).all() for x, y in zip(python, columnar))


@settings(max_examples=300, derandomize=True)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab 1.\t\n\r\x1c\x1f\u00a0\u2009\ufb01\u00ad\u2212-\"'")), max_size=12), max_size=8))
def test_normalise_many_is_normalise_of_each(texts):
    from ledger.text import normalise_many

    assert normalise_many(texts) == [normalise(t) for t in texts]
