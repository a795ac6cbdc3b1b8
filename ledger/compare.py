"""Claims on comparable scales: the table the notebooks and the HTML report read.

One row per claim, with its paper, its metric's better direction, a unit family, the interval the claim
states, and for a comparison an improvement factor in the metric's better direction:

- an x-fold ratio R is R on a higher-is-better metric and 1/R on a lower-is-better one;
- a relative change r is 1 + r/100 on higher-is-better and 1/(1 + r/100) on lower-is-better
  (a 23% latency reduction, r = -23, is 1/0.77 = 1.30x; 60% less cost is 2.5x);
- a points difference D stays points (`pp`) and becomes a factor only where the ledger records or implies
  the level of one side (ledger.derive): subject level over baseline level, inverted when lower is better;
- a neutral metric, a level and a size get no factor, and `factor_reason` says why.

Sizes (counts, parameters, tokens) get `size_value` on one float scale and `size_label`, a short form that
keeps the printed digits (`52.6e3` -> `52.6k`). Every function is pure: frames in, frames out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .derive import derivations
from .numbers import is_canonical
from .units import unit_bounds

__all__ = ["FAMILY", "comparable", "improvement_factors", "level_pairs", "size_label", "stated_bounds", "unit_family"]

# What a unit's numbers can be compared with: a points difference is a difference of fractions, and a
# relative change is a ratio once 1 + r/100 is taken.
FAMILY = {"percent": "fraction", "pp": "fraction", "relative_percent": "ratio", "ratio": "ratio",
          "count": "size", "params": "size", "tokens": "size", "score": "score"}
SIZE_SUFFIX = {3: "k", 6: "M", 9: "B", 12: "T"}
FACTOR_COLUMNS = ["improvement_factor", "factor_lo", "factor_hi", "factor_how", "factor_reason"]


def unit_family(unit: pd.Series) -> pd.Series:
    """fraction / ratio / size / score for each unit; empty for a unit outside the vocabulary."""
    return unit.map(FAMILY).fillna("").astype("str")


def stated_bounds(v: pd.DataFrame, unit: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The bounds a claim states once its qualifier is read (`blo`, `bhi` of Ledger.values), clipped to the
    unit's range: "up to 4x" is (0, 4.5], not (-inf, 4.5]; "about 99%" stops at 100."""
    least, most = unit_bounds(unit)  # Ledger.values clips the same way; this takes any blo/bhi
    return v["blo"].astype("float64").clip(lower=least), v["bhi"].astype("float64").clip(upper=most)


def size_label(value: str) -> str:
    """A canonical value as a short size with its printed digits: `52.6e3` -> `52.6k`, `1.04e9` -> `1.04B`,
    `221247` -> `221,247`. An exponent that is not a multiple of three moves digits into the mantissa."""
    if not is_canonical(str(value)):  # a malformed value (L102) is shown as stored
        return str(value)
    mantissa, _, exp = str(value).partition("e")
    if not exp:
        whole, dot, frac = mantissa.partition(".")
        return f"{int(whole):,}{dot}{frac}" if whole.lstrip("-").isdigit() else str(value)
    e = int(exp)
    while e % 3 and e < 12:  # 5e4 -> 50e3: shift the point right, keeping every printed digit
        whole, _, frac = mantissa.partition(".")
        mantissa = (whole + (frac[:1] or "0")).lstrip("0") or "0"
        mantissa += f".{frac[1:]}" if frac[1:] else ""
        e -= 1
    return f"{mantissa}{SIZE_SUFFIX[e]}" if e in SIZE_SUFFIX else str(value)


def _invert(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1/[lo, hi] for positive intervals; a bound at 0 becomes infinity."""
    with np.errstate(divide="ignore", over="ignore"):  # 1 / (a ratio's open 0, the smallest positive float) is inf
        return 1 / hi, np.where(lo > 0, 1 / lo, np.inf)


def level_pairs(ledger) -> pd.DataFrame:
    """For each points-difference claim whose other side has a level in the ledger (recorded, or implied by
    ledger.derive from a level and this claim): the subject's and the baseline's level, as num/lo/hi.

    Indexed by claim row; columns s_num, s_lo, s_hi, b_num, b_lo, b_hi, how. Of several routes, the one with
    the narrowest derived interval wins.
    """
    cols = ["s_num", "s_lo", "s_hi", "b_num", "b_lo", "b_hi", "how"]
    d = derivations(ledger)
    c, v = ledger.claims, ledger.values
    if d.empty:
        return pd.DataFrame(columns=cols)
    d = d[d["kind"].isin(["baseline-level", "subject-level"])].copy()
    d = d[c["unit"].to_numpy()[d["via"].astype(int)] == "pp"] if len(d) else d
    rows = []
    for r in d.sort_values("width").drop_duplicates("via").itertuples():
        src, via = int(r.source), int(r.via)
        known = (v["num"].iat[src], v["blo"].iat[src], v["bhi"].iat[src])
        diff = v["num"].iat[via]
        if r.kind == "baseline-level":  # the subject's level is recorded; the baseline's is implied
            s, b = known, (known[0] - diff, float(r.lo), float(r.hi))
        else:  # the baseline's level is recorded; the subject's is implied
            s, b = (known[0] + diff, float(r.lo), float(r.hi)), known
        rows.append((via, *s, *b, r.how))
    if not rows:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame(rows, columns=["row", *cols]).set_index("row")


def improvement_factors(t: pd.DataFrame) -> pd.DataFrame:
    """Improvement factor (>1 is better) with its interval, or NaN and the reason, for each row of `t`.

    `t` needs unit, direction, baseline, num, lo, hi; for points differences optionally the levels of
    both sides, s_num/s_lo/s_hi and b_num/b_lo/b_hi (see level_pairs). Returns improvement_factor,
    factor_lo, factor_hi, factor_how (how it was computed) and factor_reason (why there is none).
    """
    n = len(t)
    unit, direction = t["unit"].to_numpy(), t["direction"].fillna("").to_numpy()
    num, lo, hi = (t[c].to_numpy("float64") for c in ("num", "lo", "hi"))
    lower = direction == "lower"
    f, flo, fhi = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    how = np.full(n, "", dtype=object)

    ratio = unit == "ratio"
    with np.errstate(divide="ignore", invalid="ignore"):
        f[ratio] = np.where(lower, 1 / num, num)[ratio]
        ilo, ihi = _invert(lo, hi)
        flo[ratio], fhi[ratio] = np.where(lower, ilo, lo)[ratio], np.where(lower, ihi, hi)[ratio]
        how[ratio] = np.where(lower, "1/R (lower is better)", "R as printed")[ratio]

        rel = unit == "relative_percent"
        g, glo, ghi = 1 + num / 100, 1 + lo / 100, 1 + hi / 100
        ilo, ihi = _invert(glo, ghi)
        f[rel] = np.where(lower, 1 / g, g)[rel]
        flo[rel], fhi[rel] = np.where(lower, ilo, glo)[rel], np.where(lower, ihi, ghi)[rel]
        how[rel] = np.where(lower, "1/(1 + r/100) (lower is better)", "1 + r/100")[rel]

        pp = unit == "pp"
        if "s_num" in t.columns:
            s, slo, shi, b, blo, bhi = (t[c].to_numpy("float64") for c in ("s_num", "s_lo", "s_hi", "b_num", "b_lo", "b_hi"))
            up = pp & ~np.isnan(s) & ~np.isnan(b)
            f[up] = np.where(lower, b / s, s / b)[up]  # interval quotient; both levels are positive percents
            slo_, shi_ = _invert(slo, shi)
            blo_, bhi_ = _invert(blo, bhi)
            flo[up] = np.where(lower, blo * slo_, slo * blo_)[up]
            fhi[up] = np.where(lower, bhi * shi_, shi * bhi_)[up]
            how[up] = np.where(lower, "baseline level / subject level", "subject level / baseline level")[up]

    comparison_unit = np.isin(unit, ["ratio", "relative_percent", "pp"])
    no_baseline = t["baseline"].fillna("").to_numpy() == ""
    reason = np.select(
        [~comparison_unit & np.isin(unit, ["count", "params", "tokens"]),
         ~comparison_unit,
         direction == "",
         direction == "neutral",
         no_baseline,
         np.isnan(num),
         pp & np.isnan(f)],
        ["a size, not a comparison",
         "a level, not a comparison",
         "metric not in the vocabulary",
         "no better direction",
         "no baseline",
         "value is not a number",
         "points difference; no level of either side recorded or implied"],
        default="")
    keep = reason == ""
    f, flo, fhi = np.where(keep, f, np.nan), np.where(keep, flo, np.nan), np.where(keep, fhi, np.nan)
    return pd.DataFrame({"improvement_factor": f, "factor_lo": flo, "factor_hi": fhi,
                         "factor_how": np.where(keep, how, ""), "factor_reason": reason}, index=t.index).astype(
        {"factor_how": "str", "factor_reason": "str"})


def comparable(ledger) -> pd.DataFrame:
    """comparable_frame(ledger), computed once per ledger (the report's charts and tables all use it); a copy."""
    return ledger.memo("comparable", lambda: comparable_frame(ledger)).copy()


def comparable_frame(ledger) -> pd.DataFrame:
    """One row per claim: the claim's columns, then paper (title), year, direction, unit_family, num, lo, hi
    (the stated bounds, see stated_bounds), ambiguous, pp (points differences as printed, subject minus
    baseline), the improvement factor columns (see improvement_factors), size_value and size_label."""
    c = ledger.claims.reset_index(drop=True)
    t = c.copy()
    papers = ledger["papers"].drop_duplicates("paper_id").set_index("paper_id")
    t["paper"] = c["paper_id"].map(papers["title"]).fillna("").astype("str")
    t["year"] = pd.to_numeric(c["paper_id"].map(papers["year"]), errors="coerce").astype("Int64")
    metrics = ledger["metrics"].drop_duplicates("metric").set_index("metric")
    t["direction"] = c["metric"].map(metrics["direction"]).fillna("").astype("str")
    t["unit_family"] = unit_family(c["unit"])
    v = ledger.values.reset_index(drop=True)
    t["num"] = v["num"]
    t["lo"], t["hi"] = stated_bounds(v, c["unit"])
    t["ambiguous"] = c["reading"] == "ambiguous"
    t["pp"] = t["num"].where(c["unit"] == "pp")

    levels = level_pairs(ledger)
    work = t.join(levels[["s_num", "s_lo", "s_hi", "b_num", "b_lo", "b_hi"]].astype("float64"))
    t = t.join(improvement_factors(work))
    pp_how = levels["how"].reindex(t.index).fillna("")
    t["factor_how"] = np.where(pp_how != "", t["factor_how"] + " (" + pp_how + ")", t["factor_how"])

    size = t["unit_family"] == "size"
    t["size_value"] = t["num"].where(size)
    t["size_label"] = np.where(size, c["value"].map(size_label), "")
    return t.astype({"factor_how": "str", "size_label": "str"})
