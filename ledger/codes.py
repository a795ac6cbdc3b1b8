"""Integer codes for text columns: joins, groupings and per-unit lookups on codes instead of strings.

At a million claims, merging or grouping pandas frames on text columns, or mapping a unit name per row
through a Python dict, is most of a check's time; the same on integer codes is numpy's. A column is
dictionary-encoded once (Arrow), and everything that depends only on the text is computed per distinct
value and taken back by code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _arrow(column):
    import pyarrow as pa

    arr = pa.array(column, pa.large_string())  # an Arrow-backed column: no copy
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def encode(*columns) -> tuple[list[np.ndarray], list[str]]:
    """Codes of columns that share one vocabulary (equal texts, equal codes across the columns), and the
    vocabulary (code -> text). A missing cell is a value of its own, like groupby's dropna=False."""
    import pyarrow as pa
    import pyarrow.compute as pc

    joined = pa.concat_arrays([_arrow(c) for c in columns])
    encoded = pc.dictionary_encode(joined, null_encoding="encode")
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    ends = np.cumsum([len(c) for c in columns])
    return np.split(codes, ends[:-1]), encoded.dictionary.to_pylist()


def lookup(column, vocabulary: list[str]) -> np.ndarray:
    """The code of each cell in `vocabulary` (see encode), -1 for a text it does not hold."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.index_in(_arrow(column), value_set=pa.array(vocabulary, pa.large_string()))
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def decode(codes: np.ndarray, vocabulary: list[str]) -> pd.Series:
    """The texts of codes (see encode), as a text column (Arrow take: no Python strings)."""
    import pyarrow as pa

    return pd.Series(pa.array(vocabulary, pa.large_string()).take(pa.array(codes)), dtype="str")


def combined(*codes: np.ndarray) -> np.ndarray:
    """One int64 per row, equal exactly where the rows' tuples of codes are (mixed radix: a code of -1,
    lookup's miss, is a value too; re-numbered densely when the next column would overflow)."""
    key, size = np.zeros(len(codes[0]) if codes else 0, np.int64), 1
    for c in codes:
        base = int(c.max(initial=-1)) + 2
        if size * base >= 2**62:
            key, uniques = pd.factorize(key)
            size = len(uniques)
        key, size = key * base + (c + 1), size * base
    return key


def groups(*codes: np.ndarray) -> np.ndarray:
    """One id per distinct tuple of codes, numbered in order of first appearance (groupby(sort=False).ngroup())."""
    return pd.factorize(combined(*codes))[0]


def repeated(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The positions of the rows whose values in `columns` another row shares (duplicated(keep=False)),
    narrowed column by column: a row whose first columns no other row shares is not encoded further."""
    rows, key = np.arange(len(frame)), np.zeros(len(frame), np.int64)
    for column in columns:
        [code], _ = encode(frame[column].iloc[rows] if len(rows) < len(frame) else frame[column])
        key = groups(key, code)
        shared = np.bincount(key)[key] > 1
        rows, key = rows[shared], key[shared]
    return rows


def join(left: list[np.ndarray], right: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The inner join of two tables of codes on all their columns, as (left row, right row) pairs: in left
    row order and, for one left row, in right row order (pandas' merge order)."""
    key = combined(*(np.concatenate([a, b]) for a, b in zip(left, right)))
    lkey, rkey = key[:len(left[0])], key[len(left[0]):]
    order = np.argsort(rkey, kind="stable")
    start = np.searchsorted(rkey[order], lkey, "left")
    counts = np.searchsorted(rkey[order], lkey, "right") - start
    li = np.repeat(np.arange(len(lkey)), counts)
    within = np.arange(len(li)) - np.repeat(np.cumsum(counts) - counts, counts)  # 0, 1, .. inside each left row's run
    return li, order[np.repeat(start, counts) + within]
