"""The closed unit vocabulary. Each unit says what kind of number it is and which values it can take,
because the checks (ranges, implied values, normalisation) depend on exactly that."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str  # level | difference | change | ratio | size
    description: str
    minimum: float | None = None
    maximum: float | None = None
    open_min: bool = False  # the minimum itself is impossible
    integer: bool = False  # counts are whole numbers once the exponent is expanded

    @property
    def bounds(self) -> tuple[float, float]:
        """The least and greatest value the unit can take, as floats: an open minimum is the next float above
        it (a ratio is at least the smallest positive float, so dividing by one never divides by 0)."""
        lo = -math.inf if self.minimum is None else float(self.minimum)
        return (math.nextafter(lo, math.inf) if self.open_min else lo), (math.inf if self.maximum is None else float(self.maximum))


UNITS: dict[str, Unit] = {u.name: u for u in (
    Unit("percent", "level", "a level in percent (accuracy of 77.58%)", 0, 100),
    Unit("pp", "difference", "a difference in percentage points (+2.68 points)", -100, 100),
    Unit("relative_percent", "change", "a relative change in percent of the baseline (-23% latency)", -100, None, open_min=True),
    Unit("ratio", "ratio", "an x-fold ratio subject/baseline (2.42x)", 0, None, open_min=True),
    Unit("count", "size", "a number of things: examples, GPUs, languages", 0, None, integer=True),
    Unit("params", "size", "a number of model parameters", 0, None, integer=True),
    Unit("tokens", "size", "a number of tokens, or a sequence length in tokens", 0, None, integer=True),
    Unit("score", "level", "a level on a scale that is not a percentage"),
)}

QUALIFIERS = ("exact", "up_to", "average", "about", "at_least", "maximum")
STATUSES = ("draft", "verified", "disputed", "retracted")
READINGS = ("explicit", "ambiguous")
DIRECTIONS = ("higher", "lower", "neutral")


def unit_bounds(units) -> tuple["np.ndarray", "np.ndarray"]:
    """Per unit name (a pandas Series), its bounds (Unit.bounds); an unknown unit is unbounded (the schema reports it)."""
    lo = units.map({n: u.bounds[0] for n, u in UNITS.items()}).fillna(-math.inf)
    hi = units.map({n: u.bounds[1] for n, u in UNITS.items()}).fillna(math.inf)
    return lo.to_numpy(float), hi.to_numpy(float)


ENTITY_KINDS = ("method", "model", "dataset", "benchmark", "hardware", "organisation", "task")
