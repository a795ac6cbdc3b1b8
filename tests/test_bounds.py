"""Claim bounds once the qualifier is read, clipped to the unit's range (units.Unit.bounds)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ledger.intervals import Interval
from ledger.model import qualifier_bounds, value_intervals
from ledger.units import UNITS, unit_bounds


def bounds(value: str, qualifier: str, unit: str) -> tuple[float, float]:
    v = value_intervals(pd.Series([value]))
    lo, hi = qualifier_bounds(v, pd.Series([qualifier]), pd.Series([unit]))
    return float(lo.iat[0]), float(hi.iat[0])


@pytest.mark.parametrize(
    "value, qualifier, unit, lo, hi",
    [
        ("4", "up_to", "ratio", math.ulp(0.0), 4.5),  # a ratio is positive: (0, 4.5], never from -inf
        ("30", "up_to", "percent", 0, 30.5),  # a percent level is in [0, 100]
        ("90", "at_least", "percent", 89.5, 100),
        ("8", "up_to", "count", 0, 8.5),  # sizes are >= 0
        ("23", "up_to", "relative_percent", math.nextafter(-100, 0), 23.5),  # a reduction stays above -100%
        ("0.5", "about", "percent", 0.425, 0.575),
        ("0", "about", "percent", 0, 0.5),  # "about 0%" does not reach below 0%
        ("57.34", "maximum", "pp", 57.335, 57.345),  # an attained maximum is the value itself
        ("57.34", "up_to", "pp", -100, 57.345),
        ("3", "up_to", "score", -math.inf, 3.5),  # a score has no declared range
        ("2", "up_to", "no_such_unit", -math.inf, 2.5),  # an unknown unit (the schema's finding) is not clipped
    ],
)
def test_bounds_are_clipped_to_the_unit_range(value, qualifier, unit, lo, hi):
    assert bounds(value, qualifier, unit) == pytest.approx((lo, hi), abs=1e-12)
    if lo == math.ulp(0.0):
        assert bounds(value, qualifier, unit)[0] > 0


def test_a_value_outside_its_range_keeps_its_interval():
    # L301 reports the value; clipping would turn [149.5, 150.5] into an empty interval
    assert bounds("150", "exact", "percent") == pytest.approx((149.5, 150.5))
    assert bounds("-2", "exact", "ratio") == pytest.approx((-2.5, -1.5))


def test_unit_bounds_follow_the_declaration():
    lo, hi = unit_bounds(pd.Series(list(UNITS)))
    for (name, u), a, b in zip(UNITS.items(), lo, hi):
        assert (a, b) == u.bounds
        if u.minimum is not None:
            assert (a > u.minimum) if u.open_min else (a == u.minimum), name


def test_dividing_by_an_up_to_ratio():
    ratio = Interval(*bounds("4", "up_to", "ratio"))
    assert str(ratio) == "(0, 4.5]"
    level = Interval(*bounds("77.58", "exact", "percent"))
    implied = level / ratio
    assert implied.lo == pytest.approx(77.575 / 4.5) and implied.hi == math.inf
    assert str(Interval(-math.inf, 2)) == "[-inf, 2]" and str(Interval(52.295, 52.305)) == "[52.295, 52.305]"
