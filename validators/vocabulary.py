"""Checks that tie claims to the ledger's vocabularies (metrics, entities)."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pyarrow as pa

from ..registry import Hit, check
from ..text import distinct_codes
from ..units import UNITS, dimension_of

QUANTITY_BUT_UNIT = ["subject", "metric", "context", "baseline", "qualifier"]


def _unit_fit(ledger):
    """Per claim: whether its metric allows its unit (listed, or a unit of a listed [dimension]), and whether the
    unit is of a kind the metric allows at all (the same dimension, or typed when the metric lists a typed unit).
    Only claims with a known metric and a known unit are judged (the rest is the schema's). Worked out once per
    distinct (metric, unit) pair, a few dozen in a million claims, and mapped back; computed once."""
    def run():
        claims, metrics = ledger.claims, ledger.metrics
        pairs, kinds = set(), set()
        for m, spec in metrics.items():
            for u in spec["units"]:
                pairs.add(f"{m}|{u}")
                kinds.add(f"{m}|{u if u.startswith('[') else dimension_of(u)}")
        metric_names, metric_codes = distinct_codes(pa.array(claims["metric"], pa.string()))
        unit_names, unit_codes = distinct_codes(pa.array(claims["unit"], pa.string()))
        dims = np.array([dimension_of(u) if u in UNITS else "" for u in unit_names.tolist()], dtype=object)
        pair = metric_codes * len(unit_names) + unit_codes
        seen = np.unique(pair)
        fit = np.zeros((len(seen), 3), bool)  # judged, listed, same kind: per distinct pair
        for i, (m, u) in enumerate(zip((seen // max(len(unit_names), 1)).tolist(), (seen % max(len(unit_names), 1)).tolist())):
            metric, unit, dim = metric_names[m], unit_names[u], dims[u]
            fit[i] = (metric in metrics and unit in UNITS, f"{metric}|{unit}" in pairs or (dim != "" and f"{metric}|{dim}" in pairs),
                      f"{metric}|{dim}" in kinds)
        per_row = fit[np.searchsorted(seen, pair)]
        return per_row[:, 0].copy(), per_row[:, 1].copy(), per_row[:, 2].copy(), dims[unit_codes]
    return ledger.memo("unit_fit", run)


def _allowed_text(ledger, metric: str) -> list[str]:
    return sorted(ledger.metrics[metric]["units"])


@check("L303", "unit-not-allowed-for-metric", scope="paper")
def unit_not_allowed_for_metric(ledger) -> Iterator[Hit]:
    """The unit is one the metric allows in vocab/metrics.csv (accuracy can be percent or pp, not tokens; [time] allows ms and h)."""
    claims = ledger.claims
    judged, listed, same_kind, _ = _unit_fit(ledger)
    # an unknown metric or unit is the schema's finding (not-in-vocabulary), another dimension L304's
    for row in np.flatnonzero(judged & ~listed & same_kind):
        metric, unit = claims["metric"].iat[row], claims["unit"].iat[row]
        allowed = _allowed_text(ledger, metric)
        yield Hit(row, "unit", f"metric {metric} does not allow unit {unit} (it allows {', '.join(allowed)})", " ".join(allowed), unit)


@check("L304", "unit-dimension-mismatch")
def unit_dimension_mismatch(ledger) -> Iterator[Hit]:
    """A claim's unit has a dimension its metric allows (latency in ms, not GB), and claims of one quantity share one dimension."""
    claims = ledger.claims
    judged, listed, same_kind, dims = _unit_fit(ledger)
    for row in np.flatnonzero(judged & ~listed & ~same_kind):
        metric, unit = claims["metric"].iat[row], claims["unit"].iat[row]
        allowed = _allowed_text(ledger, metric)
        kind = f"a unit of {dims[row]}" if dims[row] else "a typed unit"
        yield Hit(row, "unit", f"unit {unit} is {kind}, which metric {metric} does not allow (it allows {', '.join(allowed)})",
                  " ".join(allowed), unit)
    # one quantity recorded in two dimensions (a training time in h and in GPU_hour): one of them is another quantity
    ok = np.flatnonzero(judged & listed & (dims != ""))
    if not len(ok):
        return
    frame = claims.iloc[ok][QUANTITY_BUT_UNIT].assign(dim=dims[ok], row=ok)
    spread = frame.groupby(QUANTITY_BUT_UNIT, sort=False)["dim"].transform("nunique").to_numpy() > 1
    ids, units = claims["claim_id"].to_numpy(), claims["unit"].to_numpy()
    for _, g in frame[spread].groupby(QUANTITY_BUT_UNIT, sort=False):
        rows = g["row"].tolist()
        for r in rows:
            others = ", ".join(f"{ids[o]} ({units[o]}, {dims[o]})" for o in rows if dims[o] != dims[r])
            yield Hit(r, "unit", f"unit {units[r]} ({dims[r]}) is another dimension than {others} for the same quantity",
                      "one dimension per quantity", units[r])
