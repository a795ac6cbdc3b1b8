"""The closed unit vocabulary. Each unit says what kind of number it is and which values it can take,
because the checks (ranges, implied values, normalisation) depend on exactly that."""

from __future__ import annotations

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

QUALIFIERS = ("exact", "up_to", "average", "about", "at_least")
STATUSES = ("draft", "verified", "disputed", "retracted")
READINGS = ("explicit", "ambiguous")
DIRECTIONS = ("higher", "lower", "neutral")
ENTITY_KINDS = ("method", "model", "dataset", "benchmark", "hardware", "organisation", "task")
