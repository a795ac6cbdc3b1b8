"""The ledger's numbers, column-wise: every abstract read once into one mention table, every quote and
skip context located in its abstract, and the joins that coverage (L204/L205) and provenance
(L202/L203) are built on.

- Abstracts are normalised (ledger/text.py) and read once by `mention_table`.
- A quote is located at every occurrence of its normalised text in its paper's normalised abstract.
- The numbers a quote prints are the abstract's mentions inside its first occurrence when the span's
  edges cannot change how a number reads (see `_clean_edges`); the few other quotes, and quotes not
  found at all, are read on their own. A test holds this to reading every quote alone.
- Values are compared on keys made from their decimal digits, never floats: the magnitude key
  (`52.30` and `52.3` are one number, sign aside: decreases are stored negative) for coverage, the
  precision key (`52.30` is not `52.3`) for provenance.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .numbers import CHANGE_WORDS, canonical, reads_on, word_names
from .text import normalise_many, shared_strings

# A number's edges: what may stand before a number without joining it (see the look-behinds of
# numbers._NUMBER: a word character, a point, a closing bracket, % or a minus change how it reads) and
# after it (a word character would fail its end-of-word look-aheads).
_JOINS_BEFORE = ".)]}%-\u2212"
COLUMNAR_FROM = 2000  # spans to locate before polars pays for its import


def _digits(values):
    """sign, integer, fraction and exponent digits of decimal strings (pyarrow); nulls where not decimal."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # at most 9 exponent digits, so the exponent is an int64 (no canonical value has more than 3)
    parts = pc.extract_regex(pa.array(values, pa.string()), r"^(?P<s>-?)(?P<i>[0-9]+)(?:\.(?P<f>[0-9]+))?(?:e(?P<e>[0-9]{1,9}))?$")
    return [pc.struct_field(parts, k) for k in ("i", "f", "e")]  # null where the string did not match


def _keys(values, magnitude: bool):
    """Per decimal string a key equal for equal numbers: with `magnitude`, for equal absolute values
    (`52.30` ~ `52.3`, `1e3` ~ `1000`); otherwise for equal values printed to the same last digit
    (`52.6e3` ~ `5.26e4`, but not `52.60e3`). Null where the string is not a decimal."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # A column of a million values holds few distinct ones: key each distinct string once.
    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, pa.string())
    encoded = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    distinct = np.append(_distinct_keys(encoded.dictionary, magnitude), None)  # the last: a null value's
    return distinct[pc.fill_null(encoded.indices, len(distinct) - 1).to_numpy(zero_copy_only=False)]


def _distinct_keys(values, magnitude: bool) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    i, f, e = _digits(values)
    exp = pc.cast(pc.if_else(pc.equal(e, ""), "0", e), pa.int64())  # an unmatched group is "" (and null where nothing matched)
    q = pc.subtract(exp, pc.utf8_length(f))  # the power of ten of the last printed digit
    d = pc.utf8_ltrim(pc.binary_join_element_wise(i, f, ""), "0")
    if magnitude:
        trimmed = pc.utf8_rtrim(d, "0")
        q = pc.add(q, pc.subtract(pc.utf8_length(d), pc.utf8_length(trimmed)))
        d = trimmed
        q = pc.if_else(pc.equal(d, ""), 0, q)
    key = pc.binary_join_element_wise(d, pc.cast(q, pa.string()), "e")
    return shared_strings(key)


def canonical_many(printed: np.ndarray) -> np.ndarray:
    """canonical() of each printed number (None for an empty or unreadable one), read once per distinct string."""
    if not len(printed):
        return np.zeros(0, object)
    distinct, inverse = np.unique(np.asarray(printed, dtype=object), return_inverse=True)
    return np.array([canonical(n) if n else None for n in distinct.tolist()], dtype=object)[inverse.reshape(-1)]


def magnitude_keys(values) -> np.ndarray:
    return _keys(values, True)


def precision_keys(values) -> np.ndarray:
    """As parse_value compares: only canonical strings have one (others are the schema's findings)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .numbers import CANONICAL_VALUE_PATTERN

    arr = pa.array(values, pa.string())
    keys = _keys(arr, False)
    ok = np.asarray(pc.match_substring_regex(arr, CANONICAL_VALUE_PATTERN).to_numpy(zero_copy_only=False), dtype=bool)
    keys[~ok] = None
    return keys


@dataclass
class Mentions:
    """Every number of a list of texts: parallel arrays, ordered by (text, start)."""

    text: np.ndarray
    start: np.ndarray
    end: np.ndarray
    printed: np.ndarray
    value: np.ndarray
    marker: np.ndarray

    @classmethod
    def read(cls, texts: list[str], names: tuple[str, ...] = ()) -> "Mentions":
        from .mentions import mention_table

        t = mention_table(texts, names)
        col = lambda name, kind=None: t.column(name).to_numpy() if kind is None else shared_strings(t.column(name))
        return cls(col("text"), col("start"), col("end"), col("printed", object), col("value", object), col("marker", object))

    def __len__(self) -> int:
        return len(self.start)

    def take(self, idx: np.ndarray) -> "Mentions":
        return Mentions(*(a[idx] for a in (self.text, self.start, self.end, self.printed, self.value, self.marker)))

    def _key(self, text: np.ndarray, at: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
        return self.text.astype(np.int64) * width + self.start, text.astype(np.int64) * width + at

    def crossing(self, text: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Per query, whether a mention of text[q] starts before at[q] and ends after it. Mentions of one
        text do not overlap, so only the last one starting before the position can."""
        if not len(text) or not len(self):
            return np.zeros(len(text), bool)
        width = int(max(self.start.max(initial=0), np.max(at, initial=0))) + 2
        key, probe = self._key(text, at, width)
        before = np.searchsorted(key, probe, "left") - 1
        ok = before >= 0
        b = np.where(ok, before, 0)
        return ok & (self.text[b] == text) & (self.end[b] > at)

    def ranges(self, text: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each query q, the mentions of text[q] whose start lies in [lo[q], hi[q]]: (query, mention) pairs."""
        if not len(text) or not len(self):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        width = int(max(self.start.max(initial=0), np.max(hi, initial=0))) + 2
        key, low = self._key(text, np.maximum(lo, 0), width)
        first = np.searchsorted(key, low, "left")
        last = np.searchsorted(key, self._key(text, np.maximum(hi, -1), width)[1], "right")
        n = np.maximum(last - first, 0)
        query = np.repeat(np.arange(len(text)), n)
        offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        return query, (np.repeat(first, n) + offsets).astype(np.int64)


def occurrences(haystack: str, needle: str) -> list[int]:
    """Every start of `needle` in `haystack`, overlapping ones included; none for an empty needle."""
    if not needle:
        return []
    found, i = [], haystack.find(needle)
    while i != -1:
        found.append(i)
        i = haystack.find(needle, i + 1)
    return found


class Sources:
    """The normalised abstracts of a ledger's papers, their mentions, and where quotes and skips sit."""

    def __init__(self, paper_ids: list[str], abstracts: list[str], names=()):
        self.paper_ids = paper_ids
        self.texts = normalise_many(abstracts)
        self.names = tuple(names)  # entity names and aliases: a number word inside one is not a number
        self.rows_of: dict[str, list[int]] = {}
        for row, pid in enumerate(paper_ids):
            self.rows_of.setdefault(pid, []).append(row)
        self.mentions = Mentions.read(self.texts, self.names)
        self.magnitude = magnitude_keys(self.mentions.value)
        self._quotes: dict[tuple[int, int], tuple] = {}

    @functools.cached_property
    def _arrow(self):
        """The abstracts as one Arrow array, and which of them are ASCII (there a character's offset is its byte's)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        texts = pa.array(self.texts, pa.large_string())
        return texts, pc.string_is_ascii(texts).to_numpy(zero_copy_only=False).astype(bool)

    def windows(self, rows: np.ndarray, at: np.ndarray, width) -> "pa.Array":
        """texts[rows[k]][at[k]:at[k] + width[k]] (a pyarrow string array), '' where at[k] lies outside the text.
        Cut from the abstracts' bytes for ASCII abstracts, in Python for the others: no abstract is copied."""
        import pyarrow as pa
        import pyarrow.compute as pc

        texts, ascii_ = self._arrow
        rows, at = np.asarray(rows, np.int64), np.asarray(at, np.int64)
        width = np.broadcast_to(np.asarray(width, np.int64), rows.shape)
        offsets = np.frombuffer(texts.buffers()[1], np.int64)[texts.offset:texts.offset + len(texts) + 1]
        data = texts.buffers()[2]
        data = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
        begin, size = offsets[rows], offsets[rows + 1] - offsets[rows]
        plain = ascii_[rows] if len(rows) else np.zeros(0, bool)
        inside = plain & (at >= 0) & (at < size)
        lo = np.where(inside, at, 0)
        n = np.where(inside, np.clip(np.minimum(width, size - lo), 0, None), 0)
        ends = np.concatenate([[0], np.cumsum(n)]).astype(np.int64)
        picked = data[np.repeat(begin + lo - ends[:-1], n) + np.arange(ends[-1])]
        out = pa.Array.from_buffers(pa.large_string(), len(rows), [None, pa.py_buffer(ends), pa.py_buffer(picked.tobytes())])
        other = np.flatnonzero(~plain)
        if len(other):
            cut = [self.texts[r][p:p + w] if p >= 0 else "" for r, p, w in
                   zip(rows[other].tolist(), at[other].tolist(), width[other].tolist())]
            out = pc.replace_with_mask(out, pa.array(~plain), pa.array(cut, pa.large_string()))
        return out.cast(pa.string())

    def locate_quotes(self, paper_ids: list[str], quotes: list[str]):
        """(normalised quotes, locate() of them), once per pair of column lists (coverage and provenance share it)."""
        key = (id(paper_ids), id(quotes))
        if key not in self._quotes:
            norm = normalise_many(quotes)
            self._quotes[key] = (paper_ids, quotes, norm, self.locate(paper_ids, norm))
        return self._quotes[key][2:]

    def last_rows(self, paper_ids: list[str]) -> np.ndarray:
        """Per paper id, the abstract row it names: the last row of that id if it repeats (as a dict built
        from the rows would keep), -1 for an unknown id."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not len(paper_ids):
            return np.zeros(0, np.int64)
        backwards = pa.array(self.paper_ids[::-1], pa.string())  # index_in gives the first match: of the reversed ids, the last
        at = pc.fill_null(pc.index_in(pa.array(paper_ids, pa.string()), value_set=backwards), -1).to_numpy().astype(np.int64)
        return np.where(at >= 0, len(self.paper_ids) - 1 - at, -1)

    def pairs(self, paper_ids: list[str], spans: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(index of the span, paper row) for every non-empty span and every abstract row of its paper,
        ordered by span index. Column-wise when every paper_id names one row (a repeated id is L105's)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        n = len(spans)
        if n == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        if len(self.rows_of) == len(self.paper_ids):
            row = pc.index_in(pa.array(paper_ids, pa.string()), value_set=pa.array(self.paper_ids, pa.string()))
            lengths = pc.utf8_length(pa.array(spans, pa.string()))
            keep = pc.and_(pc.is_valid(row), pc.fill_null(pc.greater(lengths, 0), False))
            idx = np.flatnonzero(keep.to_numpy(zero_copy_only=False))
            return idx.astype(np.int64), pc.take(row, pa.array(idx)).to_numpy(zero_copy_only=False).astype(np.int64)
        pairs = [(i, row) for i, (pid, span) in enumerate(zip(paper_ids, spans)) if span for row in self.rows_of.get(pid, ())]
        return (np.fromiter((i for i, _ in pairs), np.int64, len(pairs)),
                np.fromiter((r for _, r in pairs), np.int64, len(pairs)))

    def locate(self, paper_ids: list[str], spans: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every occurrence of each normalised span in each abstract of its paper:
        (index of the span, paper row, start, end) arrays, ordered by span index."""
        idx, rows = self.pairs(paper_ids, spans)
        if len(idx) > COLUMNAR_FROM:
            return self._locate_columnar(idx, rows, spans)
        out_i, out_r, starts, lens = [], [], [], []
        for i, row in zip(idx.tolist(), rows.tolist()):
            for a in occurrences(self.texts[row], spans[i]):
                out_i.append(i), out_r.append(row), starts.append(a), lens.append(len(spans[i]))
        starts_a = np.asarray(starts, np.int64)
        return np.asarray(out_i, np.int64), np.asarray(out_r, np.int64), starts_a, starts_a + np.asarray(lens, np.int64)

    def _locate_columnar(self, idx: np.ndarray, rows: np.ndarray, spans: list[str]):
        """locate for many spans: polars finds the first occurrence of each; only spans that occur again
        after it, or that sit in a non-ASCII abstract (polars counts bytes), are searched in Python."""
        import polars as pl

        texts = pl.Series("t", self.texts, pl.String).gather(rows)
        frame = pl.DataFrame({"t": texts, "s": pl.Series("s", spans, pl.String).gather(idx)})
        first = frame.select(pl.col("t").str.find(pl.col("s"), literal=True).alias("f"))["f"]
        ascii_text = texts.str.len_bytes() == texts.str.len_chars()
        found = first.is_not_null()
        # Another occurrence after the first: a later one that does not overlap it is counted by count_matches;
        # one that overlaps starts within the span, so it lies in a window of twice the span's length (a
        # short slice: slicing to the end of every abstract would copy the abstracts once per quote).
        n = pl.col("s").str.len_chars()
        again = frame.with_columns(f=first).select(
            pl.when(pl.col("f").is_not_null())
            .then((pl.col("t").str.count_matches(pl.col("s"), literal=True) > 1)
                  | pl.col("t").str.slice(pl.col("f") + 1, 2 * n - 1).str.contains(pl.col("s"), literal=True))
            .otherwise(False))[:, 0]
        lengths = frame["s"].str.len_chars().cast(pl.Int64).to_numpy()
        del frame, texts
        simple = (found & ascii_text & ~again).to_numpy()
        slow = (found & ~(ascii_text & ~again)).to_numpy()
        out_i, out_r, out_a, out_n = [idx[simple]], [rows[simple]], [first.to_numpy()[simple].astype(np.int64)], [lengths[simple]]
        extra = [(int(i), int(r), a) for i, r in zip(idx[slow], rows[slow]) for a in occurrences(self.texts[r], spans[i])]
        if extra:
            out_i.append(np.array([e[0] for e in extra], np.int64))
            out_r.append(np.array([e[1] for e in extra], np.int64))
            out_a.append(np.array([e[2] for e in extra], np.int64))
            out_n.append(np.array([len(spans[e[0]]) for e in extra], np.int64))
        i, r, a, ln = (np.concatenate(x) for x in (out_i, out_r, out_a, out_n))
        order = np.lexsort((a, r, i))  # as locate orders them: by span, then row, then start
        return i[order], r[order], a[order], a[order] + ln[order]


@dataclass
class Accounting:
    """What accounts for every mention of every abstract: covered by a claim, or skipped."""

    sources: Sources
    covering: tuple[np.ndarray, np.ndarray]  # (mention, claim row) pairs: the claim states the mention
    skipping: tuple[np.ndarray, np.ndarray]  # (mention, skip row) pairs: the skip names the mention
    stale_skips: np.ndarray  # rows of coverage_skips.csv that name no mention

    def _marks(self, pairs) -> np.ndarray:
        marked = np.zeros(len(self.sources.mentions), bool)
        marked[pairs[0]] = True
        return marked

    @property
    def covered(self) -> np.ndarray:
        return self._marks(self.covering)

    @property
    def skipped(self) -> np.ndarray:
        return self._marks(self.skipping)


def account(sources: Sources, claims: dict[str, list[str]], skips: dict[str, list[str]]) -> Accounting:
    """claims: paper_id, value, quote columns; skips: paper_id, number, context columns.

    A mention is covered by a claim whose quote spans it (at any occurrence) and whose value equals it
    (sign aside); it is skipped by a skip row whose context spans it and whose number is printed at the
    mention's start with the same value."""
    m = sources.mentions
    covering = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    claim_values = np.array([v if v else "" for v in claims["value"]], dtype=object)
    keys = magnitude_keys(claim_values)
    odd = np.flatnonzero(keys == None)  # noqa: E711 (elementwise)
    # a value that is not a decimal string: read as a number if it is one ("52.6k")
    keys[odd] = magnitude_keys([canonical(v) for v in claim_values[odd].tolist()])
    _, (ci, rows, a, b) = sources.locate_quotes(claims["paper_id"], claims["quote"])
    if len(ci):
        q, mi = m.ranges(rows, a, b - 1)
        hit = (m.end[mi] <= b[q]) & (sources.magnitude[mi] == keys[ci[q]])
        covering = (mi[hit], ci[q[hit]])

    used = np.zeros(len(skips["paper_id"]), bool)
    numbers = np.array([n.strip() for n in skips["number"]], dtype=object)
    values = canonical_many(numbers)
    contexts = [c if values[i] is not None else "" for i, c in enumerate(normalise_many(skips["context"]))]
    si, rows, a, b = sources.locate(skips["paper_id"], contexts)
    skipping = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    if len(si):
        lens = np.fromiter((len(n) for n in numbers[si]), np.int64, len(si))
        q, mi = m.ranges(rows, a, b - lens)
        s_of = si[q]
        same = m.value[mi] == values[s_of]  # the skip's number has the mention's value...
        # ...and is printed at the mention's start: within the printed token, or (longer) in the text itself
        printed_ok = _printed_at(sources, m.printed[mi[same]], numbers[s_of[same]], rows[q[same]], m.start[mi[same]])
        hit = np.flatnonzero(same)[printed_ok]
        skipping = (mi[hit], s_of[hit])
        used[s_of[hit]] = True
    return Accounting(sources, covering, skipping, np.flatnonzero(~used))


def _printed_at(sources: Sources, printed: np.ndarray, numbers: np.ndarray, rows: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per pair, whether `numbers[k]` is printed at the start of the mention: within its printed token
    (column-wise), or, when longer than the token, in the abstract itself (rare: in Python)."""
    if len(printed) <= COLUMNAR_FROM:  # polars' import would cost more
        ok = np.array([p.startswith(n) for p, n in zip(printed, numbers)], bool)
        longer = np.array([len(n) > len(p) for p, n in zip(printed, numbers)], bool)
    else:
        import polars as pl

        frame = pl.DataFrame({"p": pl.Series(printed.tolist(), dtype=pl.String), "n": pl.Series(numbers.tolist(), dtype=pl.String)})
        got = frame.select(within=pl.col("p").str.starts_with(pl.col("n")),
                           longer=pl.col("n").str.len_chars() > pl.col("p").str.len_chars())
        ok, longer = got["within"].to_numpy().astype(bool), got["longer"].to_numpy().astype(bool)
    for k in np.flatnonzero(longer).tolist():
        ok[k] = sources.texts[rows[k]].startswith(numbers[k], int(starts[k]))
    return ok


def quote_mentions(sources: Sources, paper_ids: list[str], quotes: list[str]) -> tuple[np.ndarray, Mentions]:
    """The numbers each quote prints, as read from the quote alone: (quote index per mention, mentions).

    A quote found in its abstract whose edges are clean takes the abstract's mentions inside its first
    occurrence; any other quote is read on its own."""
    norm, (qi, qrows, qa, qb) = sources.locate_quotes(paper_ids, quotes)
    first = np.ones(len(qi), bool)
    first[1:] = qi[1:] != qi[:-1]  # the first occurrence of each quote found (any occurrence reads alike)
    m = sources.mentions
    idx, rows, a, b = qi[first], qrows[first], qa[first], qb[first]
    unclean = m.crossing(rows, a) | m.crossing(rows, b)
    clean = np.flatnonzero(~unclean)
    before = sources.windows(rows[clean], a[clean] - 1, 1)
    after = sources.windows(rows[clean], b[clean], 1)
    unclean[clean] = _joins(before, _JOINS_BEFORE) | _joins(after, "")  # a character at an edge that a number could join
    # What follows the span can still change a number inside it ("by 3.8| and 2.2 points", "a 3-point| gain"):
    # only after a space, hyphen or comma, and only where a change word or a joiner may follow is reads_on asked.
    import pyarrow as pa
    import pyarrow.compute as pc

    ahead = clean[pc.match_substring_regex(after, r"^[\s,\-]$").to_numpy(zero_copy_only=False).astype(bool)]
    ahead = ahead[~unclean[ahead]]
    width = int(max(m.end.max(initial=0), b.max(initial=0))) + 2
    nxt = np.searchsorted(m.text.astype(np.int64) * width + m.start, rows * width + b, "left")
    hiding = _name_spans(sources)
    k = nxt[ahead]
    k_last, k_next = np.maximum(k - 1, 0), np.minimum(k, max(len(m) - 1, 0))
    has_last = (k > 0) & (m.text[k_last] == rows[ahead]) & (m.start[k_last] >= a[ahead]) if len(m) else np.zeros(len(k), bool)
    has_next = (k < len(m)) & (m.text[k_next] == rows[ahead]) if len(m) else np.zeros(len(k), bool)
    # reads_on is asked only where it can hold: a change word's first letter after the space or hyphen...
    may_change = pc.match_substring_regex(sources.windows(rows[ahead], b[ahead] + 1, _CHANGE_WINDOW), _CHANGE_WORD).to_numpy(zero_copy_only=False)
    # ...or a list joiner (white space, commas, "and", "or", "to") from the last number inside to the next one
    if len(m):
        gap = sources.windows(rows[ahead], m.end[k_last], np.minimum(m.start[k_next] - m.end[k_last], _JOINER_WINDOW))
        may_join = has_last & has_next & pc.match_substring_regex(gap, _joiner_chars()).to_numpy(zero_copy_only=False)
    else:
        may_join = np.zeros(len(k), bool)
    for j, k_j, last, nxt_ in zip(ahead[may_change | may_join].tolist(), k[may_change | may_join].tolist(),
                                  has_last[may_change | may_join].tolist(), has_next[may_change | may_join].tolist()):
        unclean[j] = reads_on(sources.texts[rows[j]], int(b[j]), int(m.end[k_j - 1]) if last else None,
                              int(m.start[k_j]) if nxt_ else None)
    named = np.array(sorted(r for r, spans_ in hiding.items() if spans_), np.int64)
    for j in np.flatnonzero(~unclean & np.isin(rows, named)).tolist():  # a name that holds a number word, cut by an edge
        start, end = a[j], b[j]
        unclean[j] = any(x < start < y or x < end < y for x, y in hiding.get(int(rows[j]), ()))
    q, mi = m.ranges(rows, a, b - 1)
    inside = (m.start[mi] >= a[q]) & (m.end[mi] <= b[q]) & ~unclean[q]
    take = mi[inside]
    owner = idx[q[inside]]
    derived = m.take(take)
    derived.start, derived.end = derived.start - a[q[inside]], derived.end - a[q[inside]]
    alone = np.ones(len(quotes), bool)
    alone[idx[~unclean]] = False
    alone = np.flatnonzero(alone)  # the quotes to read on their own
    read = Mentions.read([norm[i] for i in alone.tolist()], sources.names)
    owner_all = np.concatenate([owner, alone[read.text] if len(read) else np.zeros(0, np.int64)])
    merged = Mentions(*(np.concatenate([x, y]) for x, y in zip(
        (derived.text, derived.start, derived.end, derived.printed, derived.value, derived.marker),
        (read.text, read.start, read.end, read.printed, read.value, read.marker))))
    order = np.lexsort((merged.start, owner_all))
    merged = merged.take(order)
    merged.text = owner_all[order]
    return owner_all[order], merged


def _name_spans(sources: Sources) -> dict[int, list[tuple[int, int]]]:
    """Per abstract row, the occurrences of the names that hold a number word (usually none)."""
    out: dict[int, list[tuple[int, int]]] = {}
    for name in word_names(sources.names):
        for row, text in enumerate(sources.texts):
            out.setdefault(row, []).extend((i, i + len(name)) for i in occurrences(text, name))
    return out


# What reads_on needs to see to hold: a change word (RE2's case folding, or one of the four non-ASCII
# letters Python's case-insensitive match takes for ASCII ones, anywhere near); a joiner holds only
# these characters, so the first _JOINER_WINDOW characters of a gap tell whether it may be one.
_CHANGE_WORD = "(?i:^(?:" + "|".join(CHANGE_WORDS) + "))|[\\x{130}\\x{131}\\x{17f}\\x{212a}]"
_CHANGE_WINDOW = max(len(w) for w in CHANGE_WORDS)
_JOINER_WINDOW = 16


@functools.cache
def _joiner_chars() -> str:
    from .mentions import space_class

    return "^[" + space_class() + ",adnort]*$"


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _joins(chars, also: str) -> np.ndarray:
    """Per character of a pyarrow string array ('' for none), whether a number could join it: a word
    character (Python's, as the reader's look-arounds see it) or one of `also`. Column-wise for ASCII;
    the few other characters are asked one by one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(chars):
        return np.zeros(0, bool)
    joins = pc.match_substring_regex(chars, "^[A-Za-z0-9_]$")
    if also:
        joins = pc.or_(joins, pc.is_in(chars, value_set=pa.array(list(also), pa.string())))
    out = joins.to_numpy(zero_copy_only=False).astype(bool)
    other = np.flatnonzero(~pc.string_is_ascii(chars).to_numpy(zero_copy_only=False))
    if len(other):
        out[other] = [c in also or _word(c) for c in pc.take(chars, pa.array(other)).to_pylist()]
    return out


def sources(ledger) -> Sources:
    """The ledger's abstracts and their mentions, read once per ledger."""
    return ledger.memo("sources", lambda: Sources(ledger.column("papers", "paper_id"), ledger.column("papers", "abstract"),
                                                  entity_names(ledger)))


def entity_names(ledger) -> tuple[str, ...]:
    """Every entity name and alias of vocab/entities.csv, as printed."""
    if "entities" not in ledger.tables:
        return ()
    cells = ledger.column("entities", "entity") + ledger.column("entities", "aliases")
    return tuple(n for cell in cells if isinstance(cell, str) for n in cell.split("|") if n)
