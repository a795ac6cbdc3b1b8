"""Values the ledger implies but does not state, computed with interval arithmetic.

Contexts are compared by their key (ledger/contexts.py: the set of items, entity aliases folded), so
"ResNet50; T4" and "T4; ResNet-50" are one context. Claims that share subject, metric and context combine with a comparison against a baseline:
- a level L of the subject and a ratio R imply the baseline's level L / R;
- a level L and a points difference D imply the baseline's level L - D;
- a level L and a relative change r imply the baseline's level L / (1 + r/100);
- the other way round, a level of the baseline implies the subject's level (L * R, L + D, L * (1 + r/100));
- a relative change r of the same subject, baseline, metric and context implies the ratio 1 + r/100.
Every result is an interval; its width says how much a check built on it could catch. A dimensioned
level (3.2 ms) combines like any level; the implied value keeps the level's unit and meets a recorded
claim of any unit of the same dimension, converted (recorded_matches).

Claims that say the same thing (same subject, baseline, metric, context, unit, value and qualifier; a
paper restating a number, or many papers quoting one result) are combined once, as a group: without
that, k identical levels and k identical comparisons would make k² identical derivations. `source` and
`via` are the first row of their group, `source_group` and `via_group` the group (see group_rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .contexts import context_keys
from .intervals import div as _div, mul as _mul
from .units import UNITS, conversions

KEY = ["metric", "context_key"]
COLUMNS = ["kind", "target", "baseline", "metric", "context", "context_key", "unit", "lo", "hi", "source", "via", "how", "source_group", "via_group"]


SAME = ["subject", "baseline", "metric", "context_key", "unit", "value", "qualifier"]  # what makes two claims say one thing


def claim_frame(ledger) -> pd.DataFrame:
    """One row per group of claims that say the same thing: its first row (`row`, `claim_id`) and the
    group's id (`group`; see group_rows). Cached on the ledger."""
    def run():
        c = ledger.claims[["claim_id", "context", *SAME[:3], *SAME[4:]]].copy()
        c["context_key"] = context_keys(ledger)
        v = ledger.values
        c["lo"], c["hi"], c["row"] = v["blo"].to_numpy(), v["bhi"].to_numpy(), np.arange(len(c))
        c = c[_derivable(ledger)]
        c["group"] = c.groupby(SAME, sort=False, dropna=False).ngroup().to_numpy()
        return c[~c.duplicated("group")]
    return ledger.memo("claim_groups", run)


def _derivable(ledger) -> np.ndarray:
    """Rows arithmetic can use: a number, a known unit, and a metric (an empty one is L101's; claims
    whose metric is unknown do not speak of one quantity)."""
    c, v = ledger.claims, ledger.values
    return v["num"].notna().to_numpy() & c["unit"].isin(list(UNITS)).to_numpy() & (c["metric"] != "").to_numpy()


def group_rows(ledger, groups) -> list[list[int]]:
    """The claim rows of each group id, in row order."""
    c = ledger.memo("claim_groups_all", lambda: _all_groups(ledger))
    order, starts, ends = c
    return [order[starts[g]:ends[g]].tolist() for g in np.asarray(groups, np.int64)]


def _all_groups(ledger):
    c = ledger.claims[[*SAME[:3], *SAME[4:]]].assign(context_key=context_keys(ledger))
    v = ledger.values
    keep = np.flatnonzero(_derivable(ledger))
    gid = c.iloc[keep].groupby(SAME, sort=False, dropna=False).ngroup().to_numpy()
    order = np.argsort(gid, kind="stable")
    counts = np.bincount(gid, minlength=int(gid.max(initial=-1)) + 1)
    ends = np.cumsum(counts)
    return keep[order], ends - counts, ends


def levels(c: pd.DataFrame) -> pd.DataFrame:
    # a dimensioned value (3.2 ms, 40 GB) is a level too: a ratio or relative change of it implies another
    level_units = [n for n, u in UNITS.items() if u.kind in ("level", "quantity")]
    return c[c["unit"].isin(level_units) & (c["baseline"] == "")]


def comparisons(c: pd.DataFrame) -> pd.DataFrame:
    return c[c["unit"].isin(["ratio", "pp", "relative_percent"]) & (c["baseline"] != "")]


def _combine(lv: pd.DataFrame, cmp: pd.DataFrame, forward: bool) -> pd.DataFrame:
    """Forward: a subject level and a comparison imply the baseline level; backward: the reverse."""
    on = "subject" if forward else "baseline"
    m = lv.merge(cmp, left_on=["subject", *KEY], right_on=[on, *KEY], suffixes=("_l", "_c"))
    if not forward:
        m = m[m["subject_l"] == m["baseline_c"]]
    m = m[~((m["unit_c"] == "pp") & (m["unit_l"] != "percent"))]  # points only combine with percent levels
    if m.empty:
        return pd.DataFrame(columns=COLUMNS)
    llo, lhi, clo, chi = (m[c].to_numpy(float) for c in ("lo_l", "hi_l", "lo_c", "hi_c"))
    lo, hi = np.full(len(m), np.nan), np.full(len(m), np.nan)
    unit_c = m["unit_c"].to_numpy()
    ratio, pp, rel = unit_c == "ratio", unit_c == "pp", unit_c == "relative_percent"
    flo, fhi = np.where(rel, 1 + clo / 100, clo), np.where(rel, 1 + chi / 100, chi)  # relative change -> factor
    factor = ratio | rel
    if forward:
        dlo, dhi = _div(llo, lhi, flo, fhi)
        lo, hi = np.where(factor, dlo, llo - chi), np.where(factor, dhi, lhi - clo)
        op = np.where(ratio, " / ", np.where(pp, " - ", " / (1 + r/100), r = "))
    else:
        mlo, mhi = _mul(llo, lhi, flo, fhi)
        lo, hi = np.where(factor, mlo, llo + clo), np.where(factor, mhi, lhi + chi)
        op = np.where(ratio, " * ", np.where(pp, " + ", " * (1 + r/100), r = "))
    how = _join(m["value_l"], op, m["value_c"], " (", m["claim_id_l"], ", ", m["claim_id_c"], ")")
    return pd.DataFrame({
        "kind": "baseline-level" if forward else "subject-level",
        "target": m["baseline_c"] if forward else m["subject_c"],
        "baseline": "", "metric": m["metric"], "context": m["context_l"],
        "context_key": m["context_key"], "unit": m["unit_l"],
        "lo": lo, "hi": hi, "source": m["row_l"].to_numpy(), "via": m["row_c"].to_numpy(), "how": how,
        "source_group": m["group_l"].to_numpy(), "via_group": m["group_c"].to_numpy(),
    })


def _join(*parts) -> np.ndarray:
    """Element-wise concatenation of text columns and constants, column-wise (a Python loop over
    Arrow-backed cells was most of the derivation time)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = [p if isinstance(p, str) else pa.array(p, pa.string()) for p in parts]  # Arrow-backed columns: no copy
    return np.asarray(pc.binary_join_element_wise(*cols, "").to_numpy(zero_copy_only=False), dtype=object)


def _relative_as_ratio(cmp: pd.DataFrame) -> pd.DataFrame:
    rel = cmp[cmp["unit"] == "relative_percent"]
    if rel.empty:
        return pd.DataFrame(columns=COLUMNS)
    return pd.DataFrame({
        "kind": "ratio-from-relative", "target": rel["subject"], "baseline": rel["baseline"], "metric": rel["metric"],
        "context": rel["context"], "context_key": rel["context_key"], "unit": "ratio", "lo": 1 + rel["lo"] / 100, "hi": 1 + rel["hi"] / 100,
        "source": rel["row"].to_numpy(), "via": rel["row"].to_numpy(),
        "how": _join("1 + (", rel["value"], ")/100 (", rel["claim_id"], ")"),
        "source_group": rel["group"].to_numpy(), "via_group": rel["group"].to_numpy(),
    })


def derivations(ledger) -> pd.DataFrame:
    """Every implied value: kind, target (and baseline for ratios), metric, context, unit, lo, hi,
    the claim rows it comes from (source, via) and how it was computed. Cached on the ledger."""
    return ledger.memo("derivations", lambda: _derive(ledger))


def _derive(ledger) -> pd.DataFrame:
    c = claim_frame(ledger)
    lv, cmp = levels(c), comparisons(c)
    parts = [_combine(lv, cmp, forward=True), _combine(lv, cmp, forward=False), _relative_as_ratio(cmp)]
    parts = [p for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    out["width"] = out["hi"].astype(float) - out["lo"].astype(float)
    return out


def recorded_matches(ledger, d: pd.DataFrame) -> pd.DataFrame:
    """Pairs (derivation, recorded claim) that speak of the same quantity: same target, baseline,
    metric, context and unit. The derivation's own inputs are not matches. One row per group of recorded
    claims: `row` is a row of the group that is neither the source nor the via row (groups that have none
    are dropped)."""
    c = claim_frame(ledger)
    # units of one dimension are one unit: a value implied in ms meets one recorded in s, converted to ms
    (dim_d, f_d), (dim_c, f_c) = conversions(d["unit"].astype("str")), conversions(c["unit"])
    m = d.reset_index(names="d").assign(dimension=dim_d, _f=f_d).merge(
        c.assign(dimension=dim_c, _f_r=f_c), left_on=["target", "baseline", "metric", "context_key", "dimension"],
        right_on=["subject", "baseline", "metric", "context_key", "dimension"], suffixes=("", "_r"))
    if m.empty:
        return m
    scale = m["_f_r"].to_numpy(float) / m["_f"].to_numpy(float)
    m["lo_r"], m["hi_r"] = m["lo_r"].to_numpy(float) * scale, m["hi_r"].to_numpy(float) * scale
    order, starts, ends = ledger.memo("claim_groups_all", lambda: _all_groups(ledger))
    g = m["group"].to_numpy(np.int64)
    s, v = m["source"].to_numpy(np.int64), m["via"].to_numpy(np.int64)
    row = np.full(len(m), -1, np.int64)
    for k in (2, 1, 0):  # the first of a group's first three rows that is neither input (at most two are)
        at = starts[g] + k
        cand = np.where(at < ends[g], order[np.minimum(at, len(order) - 1)], -1)
        row = np.where((cand >= 0) & (cand != s) & (cand != v), cand, row)
    m["row"] = row
    return m[m["row"] >= 0]
