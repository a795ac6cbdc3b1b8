"""Closed intervals of reals, the arithmetic every derived number is computed with.

A printed number stands for the interval its rounding allows; sums, differences, products and
quotients of intervals bound every value the true inputs could give. Two numbers agree when their
intervals meet.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

_EPS = 1e-9  # relative slack for binary floating point at interval edges (52.295 is not exact in binary)


@dataclass(frozen=True, slots=True)
class Interval:
    lo: float
    hi: float

    @classmethod
    def point(cls, x: float) -> "Interval":
        return cls(x, x)

    @property
    def width(self) -> float:
        return self.hi - self.lo

    @property
    def mid(self) -> float:
        return (self.lo + self.hi) / 2

    def meets(self, other: "Interval") -> bool:
        return not bool(disjoint(self.lo, self.hi, other.lo, other.hi))

    def __add__(self, o: "Interval") -> "Interval":
        return Interval(self.lo + o.lo, self.hi + o.hi)

    def __sub__(self, o: "Interval") -> "Interval":
        return Interval(self.lo - o.hi, self.hi - o.lo)

    def __neg__(self) -> "Interval":
        return Interval(-self.hi, -self.lo)

    # The scalar forms of mul and div below (a relation evaluates a handful of them; numpy would cost more).
    def __mul__(self, o: "Interval") -> "Interval":
        products = [a * b for a in (self.lo, self.hi) for b in (o.lo, o.hi)]
        products = [0.0 if math.isnan(p) else p for p in products]  # 0 * inf: the bound is 0
        return Interval(min(products), max(products))

    def __truediv__(self, o: "Interval") -> "Interval":
        if o.lo <= 0 <= o.hi:
            raise ZeroDivisionError(f"division by an interval that contains 0: {o}")
        return self * Interval(1 / o.hi, 1 / o.lo)

    # min, max and abs of intervals, for relations (ledger/formula.py): each is monotone in its arguments
    @staticmethod
    def minimum(*items: "Interval") -> "Interval":
        return Interval(min(i.lo for i in items), min(i.hi for i in items))

    @staticmethod
    def maximum(*items: "Interval") -> "Interval":
        return Interval(max(i.lo for i in items), max(i.hi for i in items))

    def __abs__(self) -> "Interval":
        if self.lo >= 0:
            return self
        if self.hi <= 0:
            return -self
        return Interval(0.0, max(-self.lo, self.hi))

    def __str__(self) -> str:
        # A unit's open minimum is the float just above it (units.Unit.bounds): a ratio's (0, 4], not [4.9e-324, 4].
        below = math.nextafter(self.lo, -math.inf)
        if math.isfinite(self.lo) and below.is_integer() and not self.lo.is_integer():
            return f"({_fmt(below)}, {_fmt(self.hi)}]"
        return f"[{_fmt(self.lo)}, {_fmt(self.hi)}]"


def mul(alo, ahi, blo, bhi):
    """[a] * [b] for arrays of intervals; 0 * inf is 0 at a bound, as in Interval.__mul__."""
    with np.errstate(invalid="ignore"):
        p = np.nan_to_num(np.stack([alo * blo, alo * bhi, ahi * blo, ahi * bhi]), nan=0.0, posinf=np.inf, neginf=-np.inf)
    return p.min(axis=0), p.max(axis=0)


def div(alo, ahi, blo, bhi):
    """[a] / [b] for arrays of intervals. A divisor that holds 0 gives (-inf, inf): an implied value
    that bounds nothing. (Interval.__truediv__ raises instead: a relation that divides by it is invalid.)"""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # x / (smallest positive float) is inf
        q = np.stack([alo / blo, alo / bhi, ahi / blo, ahi / bhi])
        lo, hi = np.nanmin(q, axis=0), np.nanmax(q, axis=0)
    spans_zero = (blo <= 0) & (bhi >= 0)
    return np.where(spans_zero, -np.inf, lo), np.where(spans_zero, np.inf, hi)


def slack(*bounds):
    """The tolerance at interval edges: relative to the largest finite bound, at least _EPS."""
    with np.errstate(invalid="ignore"):
        finite = [np.where(np.isfinite(b), np.abs(b), 0.0) for b in bounds]
    return _EPS * functools.reduce(np.maximum, finite, 1.0)  # broadcasts scalars against arrays


def disjoint(lo1, hi1, lo2, hi2):
    """Whether intervals are apart by more than the edge tolerance; scalars or arrays (vectorised)."""
    bounds = (lo1, hi1, lo2, hi2)
    if all(isinstance(b, (int, float)) for b in bounds):  # one pair (a relation's comparison): numpy would cost more
        s = _EPS * max([1.0, *(abs(b) for b in bounds if math.isfinite(b))])
        return lo1 > hi2 + s or lo2 > hi1 + s
    s = slack(*bounds)
    return (np.asarray(lo1) > np.asarray(hi2) + s) | (np.asarray(lo2) > np.asarray(hi1) + s)


def below(hi, limit, open_: bool = False):
    """hi lies below limit (at or below, for an open limit), with the edge tolerance."""
    s = slack(hi, limit)
    return (np.asarray(hi) <= limit - s) if not open_ else (np.asarray(hi) <= limit + s)


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.6g}"
