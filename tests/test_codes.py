"""ledger/codes.py: integer codes give what pandas gives on the text columns (groups, duplicates, join order)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledger.codes import decode, encode, groups, join, lookup, repeated


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({k: pd.Series(rng.choice(["a", "b", "", "ä c"], n)).astype("str") for k in ("x", "y", "z")})


def test_encode_shares_one_vocabulary_and_decodes():
    (a, b), vocabulary = encode(pd.Series(["p", "q", "p"], dtype="str"), np.array(["q", "r"], dtype=object))
    assert [vocabulary[i] for i in (*a, *b)] == ["p", "q", "p", "q", "r"]
    assert decode(b, vocabulary).tolist() == ["q", "r"]
    assert lookup(pd.Series(["r", "s"], dtype="str"), vocabulary).tolist() == [2, -1]


def test_groups_and_repeated_are_pandas():
    for seed in range(5):
        f = _frame(300, seed)
        codes = [encode(f[k])[0][0] for k in f.columns]
        assert (groups(*codes) == f.groupby(list(f.columns), sort=False).ngroup().to_numpy()).all()
        assert (repeated(f, ["z", "x", "y"]) == np.flatnonzero(f.duplicated(list(f.columns), keep=False))).all()


def test_join_is_pandas_merge_in_its_order():
    for seed in range(5):
        left, right = _frame(200, seed), _frame(150, seed + 10)
        (lx, rx), _ = encode(left["x"], right["x"])
        (ly, ry), _ = encode(left["y"], right["y"])
        li, ri = join([lx, ly], [rx, ry])
        merged = left.assign(l=range(len(left))).merge(right.assign(r=range(len(right))), on=["x", "y"])
        assert li.tolist() == merged["l"].tolist() and ri.tolist() == merged["r"].tolist()
