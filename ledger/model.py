"""A loaded ledger: its tables, and the typed view of claim values the checks compute with."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .codes import encode
from .layout import Layout
from .intervals import Interval
from .numbers import CANONICAL_VALUE_PATTERN
from .units import UNITS, unit_bounds
from .reader import Table



def value_intervals(values: pd.Series) -> pd.DataFrame:
    """Canonical value strings -> number and rounding interval, vectorised (pyarrow).

    A value whose last printed digit sits at 10^q stands for [v - 0.5*10^q, v + 0.5*10^q]:
    `52.30` is [52.295, 52.305], `52.6e3` is [52550, 52650]. Malformed values give NaN.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    [code], distinct = encode(values)  # a million values are far fewer distinct texts: parse each once
    arr = pa.array(distinct, pa.string())
    ok = pc.fill_null(pc.match_substring_regex(arr, CANONICAL_VALUE_PATTERN), False)  # exactly what the schema accepts
    good = pc.if_else(ok, arr, pa.scalar("0", pa.string()))
    parts = pc.extract_regex(good, r"^-?[0-9]+(?:\.(?P<frac>[0-9]+))?(?:e(?P<exp>[0-9]+))?$")
    exp = pc.cast(pc.if_else(pc.equal(pc.struct_field(parts, "exp"), ""), "0", pc.struct_field(parts, "exp")), pa.int64())
    q = pc.subtract(exp, pc.utf8_length(pc.struct_field(parts, "frac"))).to_numpy().astype("float64")
    num = pc.cast(good, pa.float64()).to_numpy()
    bad = ~ok.to_numpy(zero_copy_only=False)
    num, q = np.where(bad, np.nan, num)[code], np.where(bad, np.nan, q)[code]
    with np.errstate(over="ignore", invalid="ignore"):  # 1e999 is inf (L301 says it is too large), its interval NaN
        half = 0.5 * np.power(10.0, q)
        return pd.DataFrame({"num": num, "q": q, "lo": num - half, "hi": num + half}, index=values.index)


ABOUT_SLACK = 0.05  # "about 50%" is read as 50% +/- 5% of the value, on top of its rounding


def qualifier_bounds(v: pd.DataFrame, qualifier: pd.Series, unit: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """What the value bounds once the qualifier is read: `up_to` x is at most x, `at_least` x is at
    least x, `about` x widens by ABOUT_SLACK; `exact`, `average` and `maximum` (an attained maximum, "a
    maximum 57.34% difference") keep the rounding interval. With `unit`, the bounds are clipped to the
    unit's range: "up to 4x" is (0, 4], "about 1%" does not reach below 0%."""
    lo, hi = v["lo"].to_numpy(float).copy(), v["hi"].to_numpy(float).copy()
    [code], names = encode(qualifier)  # masks compared on codes, not a million strings
    said = {name: code == names.index(name) if name in names else np.zeros(len(code), bool) for name in ("up_to", "at_least", "about")}
    lo[said["up_to"]] = -np.inf
    hi[said["at_least"]] = np.inf
    slack = np.abs(v["num"].to_numpy(float)) * ABOUT_SLACK
    lo[said["about"]] -= slack[said["about"]]
    hi[said["about"]] += slack[said["about"]]
    if unit is not None:
        least, most = unit_bounds(unit)
        # a value wholly outside its unit's range keeps its interval: L301 reports the value itself
        inside = ~((hi < least) | (lo > most))
        lo, hi = np.where(inside, np.maximum(lo, least), lo), np.where(inside, np.minimum(hi, most), hi)
    return pd.Series(lo, index=v.index), pd.Series(hi, index=v.index)


@dataclass
class Ledger:
    layout: Layout
    tables: dict[str, Table] = field(default_factory=dict)
    incomplete: set[str] = field(default_factory=set)  # tables that lost rows or columns to a load error

    _memo: dict = field(default_factory=dict, repr=False)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name].frame

    def memo(self, key: str, compute):
        """compute(), once per ledger: for results several checks share (derivations, coverage)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def column(self, table: str, name: str) -> list[str]:
        """A column as a Python list, made once: iterating an Arrow-backed Series cell by cell is slow."""
        from .text import shared_strings

        # through pyarrow: a pandas Arrow-backed Series' own tolist() iterates cell by cell in Python;
        # equal cells share one str (a column of a million units is a few distinct texts)
        return self.memo(f"column:{table}.{name}", lambda: shared_strings(self.tables[table].frame[name]).tolist())

    def release(self, keys) -> None:
        """Forget memoised results (memo keys or cached properties) no later check needs: at a million
        claims they are most of the memory. A released result is computed again if it is asked for."""
        for key in keys:
            self._memo.pop(key, None)
            if key in CACHED:
                self.__dict__.pop(key, None)

    @property
    def claims(self) -> pd.DataFrame:
        return self.tables["claims"].frame

    @cached_property
    def values(self) -> pd.DataFrame:
        """num, q, lo, hi for every claim (NaN where the value is malformed), and blo, bhi: the bounds
        once the qualifier is read (see qualifier_bounds)."""
        v = value_intervals(self.claims["value"])
        # A whole number of things printed in full ("8 GPUs", "221,247 videos") is exact, not rounded:
        # only a count printed with a multiplier ("52.6k", "7B") stands for an interval.
        whole = self.claims["unit"].isin([n for n, u in UNITS.items() if u.integer]).to_numpy() & (v["q"] == 0).to_numpy()
        v.loc[whole, "lo"] = v.loc[whole, "num"]
        v.loc[whole, "hi"] = v.loc[whole, "num"]
        v["blo"], v["bhi"] = qualifier_bounds(v, self.claims["qualifier"], self.claims["unit"])
        return v

    @cached_property
    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self.values["blo"].to_numpy(float), self.values["bhi"].to_numpy(float)

    def interval(self, row: int) -> Interval:
        lo, hi = self._bounds
        return Interval(float(lo[row]), float(hi[row]))

    @cached_property
    def rows_by_id(self) -> dict[str, int]:
        """claim_id -> row (the last row, if an id repeats: L105 reports it). Built in C from the column list."""
        ids = self.column("claims", "claim_id")
        return dict(zip(ids, range(len(ids))))

    def rows_of(self, ids) -> dict[str, int]:
        """claim_id -> row for the given ids the ledger has (the last row, if an id repeats: L105 reports it):
        one Arrow lookup in the claim_id column, for a few ids (rows_by_id builds a dict of every id)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        column = pa.array(self.claims["claim_id"], pa.large_string())
        # probe the column against the few ids (hashing a million would cost what the dict does)
        hit = pc.is_in(column, value_set=pa.array(list(dict.fromkeys(ids)), pa.large_string())).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(hit)
        return dict(zip(column.filter(hit).to_pylist(), rows.tolist()))  # a later row of an id overwrites an earlier

    def rows_at(self, ids) -> np.ndarray:
        """The row of each of the ids, as rows_of gives it (the last row of an id that repeats), -1 where the
        ledger lacks the id: for many ids, one Arrow lookup into an array, not a dict."""
        import pyarrow as pa
        import pyarrow.compute as pc

        column = pa.array(self.claims["claim_id"], pa.large_string())
        last = len(column) - 1
        # index_in finds an id's first occurrence: in the column reversed, that is its last row
        at = pc.index_in(pa.array(ids, pa.large_string()), value_set=column.take(np.arange(last, -1, -1)))
        at = pc.fill_null(at, -1).to_numpy().astype(np.int64)
        return np.where(at < 0, -1, last - at)

    @cached_property
    def abstracts(self) -> dict[str, str]:
        return dict(zip(self.column("papers", "paper_id"), self.column("papers", "abstract")))

    @cached_property
    def metrics(self) -> dict[str, dict]:
        m = self["metrics"]
        return {r.metric: {"direction": r.direction, "units": set(r.units.split())} for r in m.itertuples()}


CACHED = frozenset(k for k, v in vars(Ledger).items() if isinstance(v, cached_property))
