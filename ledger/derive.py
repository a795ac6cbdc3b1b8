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

from .codes import combined, decode, encode, groups, join, lookup
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


UNIT_NAMES = list(UNITS)  # a unit's code is its place here
_LEVEL = np.array([u.kind in ("level", "quantity") for u in UNITS.values()])  # a dimensioned value (3.2 ms) is a level too
_COMPARISON = np.isin(UNIT_NAMES, ["ratio", "pp", "relative_percent"])
_PP, _PERCENT, _RATIO, _RELATIVE = (UNIT_NAMES.index(n) for n in ("pp", "percent", "ratio", "relative_percent"))


def claim_codes(ledger) -> dict:
    """Integer codes of the claims' columns the derivations join and group on (see ledger/codes.py), and
    the vocabularies of the joined ones: subject and baseline share one (a baseline meets a subject).
    Cached."""
    def run():
        c = ledger.claims
        (subject, baseline), entities = encode(c["subject"], c["baseline"])
        [metric], metrics = encode(c["metric"])
        [context], contexts = _context_codes(ledger)
        [value], _ = encode(c["value"])
        [qualifier], _ = encode(c["qualifier"])
        return {"subject": subject, "baseline": baseline, "metric": metric, "context_key": context, "value": value,
                "qualifier": qualifier, "unit": lookup(c["unit"], UNIT_NAMES),
                "entities": entities, "metrics": metrics, "contexts": contexts}
    return ledger.memo("claim_codes", run)


def _context_codes(ledger) -> tuple[list[np.ndarray], list[str]]:
    """Codes of the claims' context keys (see encode), worked out on the distinct context cells."""
    [cell], _ = encode(ledger.claims["context"])
    _, first = np.unique(cell, return_index=True)  # a row of each distinct cell
    code, keys = pd.factorize(context_keys(ledger)[first])
    return [code[cell]], list(keys)


def _kept(ledger, alt: bool):
    """Per claim row its unit's code (under the alternative readings with `alt`: every ambiguous claim read
    with its alternative_unit; -1 for an unknown unit), the rows that compute (a number, a known unit, a
    metric: claims whose metric is empty speak of no known quantity, and L101 reports them) and their
    group ids (claims of equal SAME columns). With `alt`, only rows of a metric and context some
    alternative reading concerns: the rest derive as recorded."""
    def run():
        codes = claim_codes(ledger)
        unit = codes["unit"]
        keep = ledger.values["num"].notna().to_numpy() & (ledger.claims["metric"] != "").to_numpy()
        if alt:
            other = alternative_units(ledger)
            unit = np.where(other != "", lookup(other, UNIT_NAMES), unit)
            if (other != "").any():
                key = combined(codes["metric"], codes["context_key"])
                keep = keep & np.isin(key, key[other != ""])
            else:
                keep = np.zeros_like(keep)
        keep = np.flatnonzero(keep & (unit >= 0))
        gid = groups(*(unit[keep] if k == "unit" else codes[k][keep] for k in SAME))
        return unit, keep, gid
    return ledger.memo(f"claims_kept:{alt}", run)


def claim_frame(ledger, alt: bool = False) -> pd.DataFrame:
    """One row per group of claims that say the same thing: its first row (`row`), the group's id (`group`;
    see group_rows), its bounds (`lo`, `hi`) and the codes of its subject, baseline, metric, context_key
    and unit (see claim_codes; the unit's under the alternative readings with `alt`, see _kept). Cached."""
    def run():
        unit, keep, gid = _kept(ledger, alt)
        _, first = np.unique(gid, return_index=True)  # in row order, as group ids are numbered
        rows = keep[first]
        codes = claim_codes(ledger)
        v = ledger.values
        return pd.DataFrame({"row": rows, "group": gid[first], "lo": v["blo"].to_numpy()[rows], "hi": v["bhi"].to_numpy()[rows],
                             **{k: codes[k][rows] for k in ("subject", "baseline", "metric", "context_key")}, "unit": unit[rows]})
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


def _no_baseline(ledger, c: pd.DataFrame) -> np.ndarray:
    entities = claim_codes(ledger)["entities"]
    return c["baseline"].to_numpy() == (entities.index("") if "" in entities else -1)


def levels(ledger, c: pd.DataFrame) -> pd.DataFrame:
    return c[_LEVEL[c["unit"].to_numpy()] & _no_baseline(ledger, c)]


def comparisons(ledger, c: pd.DataFrame) -> pd.DataFrame:
    return c[_COMPARISON[c["unit"].to_numpy()] & ~_no_baseline(ledger, c)]


def _context_keys(ledger, rows) -> pd.Series:
    codes = claim_codes(ledger)
    return decode(codes["context_key"][rows], codes["contexts"])


def _text(ledger, column: str, rows) -> pd.Series:
    """The claims' column at these rows, indexed 0..n-1 (Arrow take)."""
    return ledger.claims[column].iloc[rows].reset_index(drop=True)


def _combine(ledger, lv: pd.DataFrame, cmp: pd.DataFrame, forward: bool) -> pd.DataFrame:
    """Forward: a subject level and a comparison imply the baseline level; backward: the reverse."""
    on = "subject" if forward else "baseline"
    li, ci = join([lv[k].to_numpy() for k in ("subject", *KEY)], [cmp[k].to_numpy() for k in (on, *KEY)])
    l, c = lv.iloc[li], cmp.iloc[ci]
    unit_l, unit_c = l["unit"].to_numpy(), c["unit"].to_numpy()
    use = ~((unit_c == _PP) & (unit_l != _PERCENT))  # points only combine with percent levels
    if not forward:
        use &= l["subject"].to_numpy() == c["baseline"].to_numpy()
    l, c, unit_l, unit_c = l[use], c[use], unit_l[use], unit_c[use]
    if l.empty:
        return pd.DataFrame(columns=COLUMNS)
    llo, lhi, clo, chi = l["lo"].to_numpy(float), l["hi"].to_numpy(float), c["lo"].to_numpy(float), c["hi"].to_numpy(float)
    ratio, pp, rel = unit_c == _RATIO, unit_c == _PP, unit_c == _RELATIVE
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
    rows_l, rows_c = l["row"].to_numpy(), c["row"].to_numpy()
    how = _join(_text(ledger, "value", rows_l), op, _text(ledger, "value", rows_c), " (", _text(ledger, "claim_id", rows_l), ", ",
                _text(ledger, "claim_id", rows_c), ")")
    return pd.DataFrame({
        "kind": "baseline-level" if forward else "subject-level",
        "target": _text(ledger, "baseline" if forward else "subject", rows_c),
        "baseline": "", "metric": _text(ledger, "metric", rows_l), "context": _text(ledger, "context", rows_l),
        "context_key": _context_keys(ledger, rows_l), "unit": decode(unit_l, UNIT_NAMES),
        "lo": lo, "hi": hi, "source": rows_l, "via": rows_c, "how": how,
        "source_group": l["group"].to_numpy(), "via_group": c["group"].to_numpy(),
    })


def _join(*parts) -> np.ndarray:
    """Element-wise concatenation of text columns and constants, column-wise (a Python loop over
    Arrow-backed cells was most of the derivation time)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = [p if isinstance(p, str) else pa.array(p, pa.string()) for p in parts]  # Arrow-backed columns: no copy
    return np.asarray(pc.binary_join_element_wise(*cols, "").to_numpy(zero_copy_only=False), dtype=object)


def _relative_as_ratio(ledger, cmp: pd.DataFrame) -> pd.DataFrame:
    rel = cmp[cmp["unit"].to_numpy() == _RELATIVE]
    if rel.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = rel["row"].to_numpy()
    return pd.DataFrame({
        "kind": "ratio-from-relative", "target": _text(ledger, "subject", rows), "baseline": _text(ledger, "baseline", rows),
        "metric": _text(ledger, "metric", rows), "context": _text(ledger, "context", rows),
        "context_key": _context_keys(ledger, rows), "unit": "ratio",
        "lo": 1 + rel["lo"].to_numpy() / 100, "hi": 1 + rel["hi"].to_numpy() / 100, "source": rows, "via": rows,
        "how": _join("1 + (", _text(ledger, "value", rows), ")/100 (", _text(ledger, "claim_id", rows), ")"),
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
    lv, cmp = levels(ledger, c), comparisons(ledger, c)
    parts = [_combine(ledger, lv, cmp, forward=True), _combine(ledger, lv, cmp, forward=False), _relative_as_ratio(ledger, cmp)]
    parts = [p for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    if alt and len(out):
        _, keep, gid = _kept(ledger, True)
        read_other = np.unique(gid[alternative_units(ledger)[keep] != ""])
        out = out[out["source_group"].isin(read_other) | out["via_group"].isin(read_other)].reset_index(drop=True)
    out["width"] = out["hi"].astype(float) - out["lo"].astype(float)
    return out


def unit_dimensions(units) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The code of each unit's dimension (a typed unit, or a word no one reads, is its own dimension; see
    units.conversions) and its factor to the dimension's base unit: per unit code (UNIT_NAMES), then per
    cell of `units`, codes of one vocabulary. Worked out per distinct unit."""
    (known, cells), names = encode(pd.Series(UNIT_NAMES, dtype=object), units)  # UNIT_NAMES keep their codes
    dimension, factor = conversions(pd.Series(names, dtype=object))
    dimension = pd.factorize(dimension)[0]
    return dimension[known], factor[known], dimension[cells], factor[cells]


def recorded_matches(ledger, d: pd.DataFrame, alt: bool = False) -> pd.DataFrame:
    """Pairs (derivation, recorded claim) that speak of the same quantity: same target, baseline,
    metric, context and unit. The derivation's own inputs are not matches. One row per group of recorded
    claims: `d` (the derivation's position in d), its `source` and `via`, the recorded `group`, its bounds
    converted to the derivation's unit (`lo_r`, `hi_r`) and `row`, a row of the group that is neither the
    source nor the via row (groups that have none are dropped)."""
    c = claim_frame(ledger, alt)
    codes = claim_codes(ledger)
    # units of one dimension are one unit: a value implied in ms meets one recorded in s, converted to ms
    dim_u, f_u, dim_d, f_d = unit_dimensions(d["unit"])
    dim_c, f_c = dim_u[c["unit"].to_numpy()], f_u[c["unit"].to_numpy()]
    implied = [lookup(d["target"], codes["entities"]), lookup(d["baseline"], codes["entities"]),
               lookup(d["metric"], codes["metrics"]), lookup(d["context_key"], codes["contexts"]), dim_d]
    di, ri = join(implied, [*(c[k].to_numpy() for k in ("subject", "baseline", "metric", "context_key")), dim_c])
    r = c.iloc[ri]
    scale = f_c[ri] / f_d[di]
    m = pd.DataFrame({"d": di, "source": d["source"].to_numpy()[di], "via": d["via"].to_numpy()[di], "group": r["group"].to_numpy(),
                      "lo_r": r["lo"].to_numpy(float) * scale, "hi_r": r["hi"].to_numpy(float) * scale})
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
