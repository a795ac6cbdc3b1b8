"""Checks that tie claims to the ledger's vocabularies (metrics, entities)."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..registry import Hit, check
from ..units import UNITS


@check("L303", "unit-not-allowed-for-metric", scope="paper")
def unit_not_allowed_for_metric(ledger) -> Iterator[Hit]:
    """The unit is one the metric allows in vocab/metrics.csv (accuracy can be percent or pp, not tokens)."""
    claims, metrics = ledger.claims, ledger.metrics
    allowed = claims["metric"].map(lambda m: metrics[m]["units"] if m in metrics else None)
    # an unknown unit is the schema's finding (not-in-vocabulary), not this one
    for row in np.flatnonzero([a is not None and u in UNITS and u not in a for a, u in zip(allowed, claims["unit"])]):
        yield Hit(int(row), "unit", f"metric {claims['metric'].iat[row]} does not allow unit {claims['unit'].iat[row]}",
                  " ".join(sorted(allowed.iat[row])), claims["unit"].iat[row])
