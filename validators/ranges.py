"""L3xx: values a unit cannot take. Vectorised over the claims table."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..codes import encode
from ..registry import Hit, check
from ..units import UNITS


def _range_text(u) -> str:
    lo = "-inf" if u.minimum is None else f"{u.minimum:g}"
    hi = "inf" if u.maximum is None else f"{u.maximum:g}"
    return f"{'(' if u.open_min else '['}{lo}, {hi}]"


@check("L301", "value-out-of-range", scope="paper")
def value_out_of_range(ledger) -> Iterator[Hit]:
    """A value lies in its unit's range: percent levels in [0, 100], ratios > 0, a reduction above -100%, sizes, durations, memory, rates and money >= 0."""
    claims, num = ledger.claims, ledger.values["num"]
    for row in np.flatnonzero(np.isinf(num.to_numpy())):
        yield Hit(int(row), "value", f"{claims['value'].iat[row]} is too large to compute with", "a value below 1e308", claims["value"].iat[row])
    # one pass over the column, with each row's unit's bounds (an unknown unit is unbounded: the schema's)
    units = claims["unit"]
    [code], names = encode(units)  # each distinct unit's bounds looked up once
    known = [UNITS.get(n) for n in names]
    least = np.array([-np.inf if u is None or u.minimum is None else float(u.minimum) for u in known], float)[code]
    most = np.array([np.inf if u is None or u.maximum is None else float(u.maximum) for u in known], float)[code]
    open_min = np.array([u is not None and u.open_min for u in known], bool)[code]
    x = num.to_numpy(float)
    with np.errstate(invalid="ignore"):
        bad = np.where(open_min, x <= least, x < least) | (x > most)
    for row in np.flatnonzero(bad & np.isfinite(x)):
        name = units.iat[row]
        yield Hit(int(row), "value", f"{claims['value'].iat[row]} is outside the range of {name}", _range_text(UNITS[name]), claims["value"].iat[row])


@check("L302", "size-not-integer", scope="paper")
def size_not_integer(ledger) -> Iterator[Hit]:
    """Counts, parameters and tokens are whole numbers once the exponent is expanded (52.6e3 is, 2.5 is not)."""
    claims, num = ledger.claims, ledger.values["num"]
    integer_units = [n for n, u in UNITS.items() if u.integer]
    bad = claims["unit"].isin(integer_units).to_numpy() & (np.isfinite(num) & (num % 1 != 0)).to_numpy()
    for row in np.flatnonzero(bad):
        yield Hit(int(row), "value", f"{claims['value'].iat[row]} {claims['unit'].iat[row]} is not a whole number", "a whole number", claims["value"].iat[row])
