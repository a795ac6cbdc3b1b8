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


def alternative_units(ledger) -> np.ndarray:
    """Per claim row, the unit of its other reading: `alternative_unit` where `reading` is ambiguous and it
    names a known unit other than `unit`; "" elsewhere (an explicit claim has one reading). Cached."""
    def run():
        c = ledger.claims
        alt = c["alternative_unit"].to_numpy(dtype=object)
        use = (c["reading"] == "ambiguous").to_numpy(bool) & c["alternative_unit"].isin(list(UNITS)).to_numpy(bool) \
            & (c["alternative_unit"] != c["unit"]).to_numpy(bool)
        return np.where(use, alt, "").astype(object)
    return ledger.memo("alternative_units", run)


def _kept(ledger, alt: bool):
    """The claims' SAME columns (under the alternative readings with `alt`: every ambiguous claim read with its
    alternative_unit), the rows that compute (a number, a known unit, a metric: claims whose metric is empty
    speak of no known quantity, and L101 reports them) and their group ids. With `alt`, only rows of a
    metric and context some alternative reading concerns: the rest derive as recorded."""
    def run():
        c = ledger.claims[[*SAME[:3], *SAME[4:]]].assign(context_key=context_keys(ledger))[list(SAME)]
        keep = ledger.values["num"].notna().to_numpy() & (c["metric"] != "").to_numpy()
        if alt:
            other = alternative_units(ledger)
            c = c.assign(unit=np.where(other != "", other, c["unit"].to_numpy(dtype=object)))
            key = c["metric"] + "\x1f" + c["context_key"]
            keep = keep & key.isin(key[other != ""].unique()).to_numpy(bool)
        keep = np.flatnonzero(keep & c["unit"].isin(list(UNITS)).to_numpy())
        gid = c.iloc[keep].groupby(SAME, sort=False, dropna=False).ngroup().to_numpy()
        return c, keep, gid
    return ledger.memo(f"claims_kept:{alt}", run)


def claim_frame(ledger, alt: bool = False) -> pd.DataFrame:
    """One row per group of claims that say the same thing: its first row (`row`, `claim_id`) and the
    group's id (`group`; see group_rows). With `alt`, under the alternative readings (see _kept). Cached."""
    def run():
        units, keep, gid = _kept(ledger, alt)
        c = ledger.claims[["claim_id", "context", *SAME[:3], *SAME[4:]]].iloc[keep].copy()
        c["unit"] = units["unit"].iloc[keep].to_numpy()
        c["context_key"] = units["context_key"].iloc[keep].to_numpy()
        v = ledger.values
        c["lo"], c["hi"], c["row"] = v["blo"].to_numpy()[keep], v["bhi"].to_numpy()[keep], keep
        c["group"] = gid
        return c[~c.duplicated("group")]
    return ledger.memo(f"claim_groups:{alt}", run)


def group_rows(ledger, groups, alt: bool = False) -> list[list[int]]:
    """The claim rows of each group id, in row order."""
    order, starts, ends = ledger.memo(f"claim_groups_all:{alt}", lambda: _all_groups(ledger, alt))
    return [order[starts[g]:ends[g]].tolist() for g in np.asarray(groups, np.int64)]


def _all_groups(ledger, alt: bool = False):
    _, keep, gid = _kept(ledger, alt)
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


def derivations(ledger, alt: bool = False) -> pd.DataFrame:
    """Every implied value: kind, target (and baseline for ratios), metric, context, unit, lo, hi,
    the claim rows it comes from (source, via) and how it was computed. Cached on the ledger.

    With `alt`, the values implied under the alternative readings (every ambiguous claim read with its
    alternative_unit), only those that involve such a claim: the others are the recorded ones."""
    return ledger.memo(f"derivations:{alt}", lambda: _derive(ledger, alt))


def _derive(ledger, alt: bool = False) -> pd.DataFrame:
    c = claim_frame(ledger, alt)
    lv, cmp = levels(c), comparisons(c)
    parts = [_combine(lv, cmp, forward=True), _combine(lv, cmp, forward=False), _relative_as_ratio(cmp)]
    parts = [p for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    if alt and len(out):
        _, keep, gid = _kept(ledger, True)
        read_other = np.unique(gid[alternative_units(ledger)[keep] != ""])
        out = out[out["source_group"].isin(read_other) | out["via_group"].isin(read_other)].reset_index(drop=True)
    out["width"] = out["hi"].astype(float) - out["lo"].astype(float)
    return out


def recorded_matches(ledger, d: pd.DataFrame, alt: bool = False) -> pd.DataFrame:
    """Pairs (derivation, recorded claim) that speak of the same quantity: same target, baseline,
    metric, context and unit. The derivation's own inputs are not matches. One row per group of recorded
    claims: `row` is a row of the group that is neither the source nor the via row (groups that have none
    are dropped)."""
    c = claim_frame(ledger, alt)
    # units of one dimension are one unit: a value implied in ms meets one recorded in s, converted to ms
    (dim_d, f_d), (dim_c, f_c) = conversions(d["unit"].astype("str")), conversions(c["unit"])
    m = d.reset_index(names="d").assign(dimension=dim_d, _f=f_d).merge(
        c.assign(dimension=dim_c, _f_r=f_c), left_on=["target", "baseline", "metric", "context_key", "dimension"],
        right_on=["subject", "baseline", "metric", "context_key", "dimension"], suffixes=("", "_r"))
    if m.empty:
        return m
    scale = m["_f_r"].to_numpy(float) / m["_f"].to_numpy(float)
    m["lo_r"], m["hi_r"] = m["lo_r"].to_numpy(float) * scale, m["hi_r"].to_numpy(float) * scale
    order, starts, ends = ledger.memo(f"claim_groups_all:{alt}", lambda: _all_groups(ledger, alt))
    g = m["group"].to_numpy(np.int64)
    s, v = m["source"].to_numpy(np.int64), m["via"].to_numpy(np.int64)
    row = np.full(len(m), -1, np.int64)
    for k in (2, 1, 0):  # the first of a group's first three rows that is neither input (at most two are)
        at = starts[g] + k
        cand = np.where(at < ends[g], order[np.minimum(at, len(order) - 1)], -1)
        row = np.where((cand >= 0) & (cand != s) & (cand != v), cand, row)
    m["row"] = row
    return m[m["row"] >= 0]
