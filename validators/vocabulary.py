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
    pairs = [f"{m}|{u}" for m, spec in metrics.items() for u in spec["units"]]
    # an unknown metric or unit is the schema's finding (not-in-vocabulary), not this one
    bad = (claims["metric"].isin(list(metrics)) & claims["unit"].isin(list(UNITS))
           & ~(claims["metric"] + "|" + claims["unit"]).isin(pairs)).to_numpy(dtype=bool)
    for row in np.flatnonzero(bad):
        metric, unit = claims["metric"].iat[row], claims["unit"].iat[row]
        allowed = sorted(metrics[metric]["units"])
        yield Hit(int(row), "unit", f"metric {metric} does not allow unit {unit} (it allows {', '.join(allowed)})", " ".join(allowed), unit)
