"""Checks that tie claims to the ledger's vocabularies (metrics, entities)."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..registry import Hit, check
from ..units import UNITS, dimension_of

QUANTITY_BUT_UNIT = ["subject", "metric", "context", "baseline", "qualifier"]


def _unit_fit(ledger):
    """Per claim: whether its metric allows its unit (listed, or a unit of a listed [dimension]), and whether the
    unit is of a kind the metric allows at all (the same dimension, or typed when the metric lists a typed unit).
    Only claims with a known metric and a known unit are judged (the rest is the schema's). Computed once."""
    def run():
        claims, metrics = ledger.claims, ledger.metrics
        pairs, kinds = set(), set()
        for m, spec in metrics.items():
            for u in spec["units"]:
                pairs.add(f"{m}|{u}")
                kinds.add(f"{m}|{u if u.startswith('[') else dimension_of(u)}")
        dims = claims["unit"].map({n: dimension_of(n) for n in UNITS}).fillna("")
        judged = (claims["metric"].isin(list(metrics)) & claims["unit"].isin(list(UNITS))).to_numpy(dtype=bool)
        listed = (claims["metric"] + "|" + claims["unit"]).isin(pairs) | ((dims != "") & (claims["metric"] + "|" + dims).isin(pairs))
        same_kind = (claims["metric"] + "|" + dims).isin(kinds).to_numpy(dtype=bool)
        return judged, listed.to_numpy(dtype=bool), same_kind, dims.to_numpy(object)
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
