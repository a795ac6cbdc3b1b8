"""L407-L410: a claim's reading (which unit a printed "%" is) against its alternative, its quote and the arithmetic.

A "%" gain on a %-valued metric is points or relative; the curator records one reading, `ambiguous` with the
other in `alternative_unit` when the text leaves it open. These checks use that alternative: a reading the
printed precision rules out (L407), an `explicit` reading no word of the quote supports (L408), a sign
against the quote's direction words (L409), and a well-formed alternative (L410).
"""

from __future__ import annotations

import re
from typing import Iterator

import numpy as np
import pandas as pd

from ..derive import alternative_units
from ..findings import Severity
from ..intervals import Interval, div, mul, slack
from ..registry import Hit, check
from ..units import UNITS

CHANGES = ("pp", "relative_percent", "ratio")  # the units a comparison against a baseline is read in
# Words that say which reading a "%" gain is (L408).
_SAYS = r"(?i)\b(?:points?|pts|pp|percentage[- ]points?|absolute|absolutely|relative|relatively|times)\b"


def _both(ledger) -> np.ndarray:
    """Per claim row: its metric allows both pp and relative_percent (a %-valued metric, where "%" may be either)."""
    metrics = ledger.metrics
    both = {m for m, spec in metrics.items() if {"pp", "relative_percent"} <= spec["units"]}
    return ledger.claims["metric"].isin(list(both)).to_numpy(bool)


def _quote_says(ledger) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    q = pa.array(ledger.claims["quote"], pa.string())
    return pc.fill_null(pc.match_substring_regex(q, _SAYS), False).to_numpy(zero_copy_only=False)


def _unsaid(ledger) -> np.ndarray:
    """Rows of explicit pp or relative_percent claims on a %-valued metric whose quote prints the value with "%"
    and has no word that says which reading it is (L408's candidates)."""
    def run():
        c = ledger.claims
        cand = ((c["reading"] == "explicit").to_numpy(bool) & c["unit"].isin(["pp", "relative_percent"]).to_numpy(bool)
                & _both(ledger) & ~_quote_says(ledger))
        rows = np.flatnonzero(cand)
        value, quote = (c[k].iloc[rows].tolist() for k in ("value", "quote"))  # the candidates' cells only
        printed = [bool(re.search(rf"(?<![\d.]){re.escape(v.lstrip('-'))}\s*%", q)) for v, q in zip(value, quote)]
        return rows[np.asarray(printed, bool)] if len(rows) else rows
    return ledger.memo("readings_unsaid", run)


def _other_readings(ledger) -> tuple[np.ndarray, np.ndarray]:
    """(rows, the unit of the other reading) for the claims read two ways: ambiguous ones with an
    alternative_unit, and explicit ones no word of the quote settles (the swap of pp and relative_percent)."""
    other = alternative_units(ledger)
    rows = np.flatnonzero(other != "")
    unsaid = _unsaid(ledger)
    swap = np.where(ledger.claims["unit"].iloc[unsaid].to_numpy(dtype=object) == "pp", "relative_percent", "pp")
    return np.concatenate([rows, unsaid]), np.concatenate([other[rows], swap]).astype(object)


def _implied(unit: np.ndarray, forward: np.ndarray, level: np.ndarray, clo: np.ndarray, chi: np.ndarray):
    """The other side's level implied by a printed level (taken as printed: the paper computed its gain from
    it) and a comparison's rounding interval, read in `unit`: forward, the baseline (L - D, L / (1 + r/100),
    L / R); else the subject (L + D, L * (1 + r/100), L * R). NaN where the unit is not a comparison."""
    rel = unit == "relative_percent"
    flo, fhi = np.where(rel, 1 + clo / 100, clo), np.where(rel, 1 + chi / 100, chi)
    dlo, dhi = div(level, level, flo, fhi)
    mlo, mhi = mul(level, level, flo, fhi)
    pp = unit == "pp"
    lo = np.where(pp, np.where(forward, level - chi, level + clo), np.where(forward, dlo, mlo))
    hi = np.where(pp, np.where(forward, level - clo, level + chi), np.where(forward, dhi, mhi))
    bad = ~np.isin(unit, CHANGES)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def _formula(unit: str, forward: bool, level: str, cmp: Interval) -> str:
    op = {("pp", True): "{L} - {c}", ("pp", False): "{L} + {c}", ("relative_percent", True): "{L} / (1 + {c}/100)",
          ("relative_percent", False): "{L} * (1 + {c}/100)", ("ratio", True): "{L} / {c}", ("ratio", False): "{L} * {c}"}
    return op[unit, forward].format(L=level, c=cmp)


def _printable(lo: np.ndarray, hi: np.ndarray, step: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether [lo, hi] holds a multiple of step (a value printed at that precision), and the least one."""
    s = slack(lo, hi)
    with np.errstate(invalid="ignore"):
        k = np.ceil((lo - s) / step)
        return (k * step <= hi + s) & np.isfinite(lo) & np.isfinite(hi), k * step


def _decisions(ledger) -> pd.DataFrame:
    """For each claim read two ways and each level it combines with (same metric and context, the level of its
    subject or of its baseline, both exact): the implied other level under the recorded and the other reading,
    and whether each is printable at the precision of the numbers it comes from. Cached."""
    def run():
        c, v = ledger.claims, ledger.values
        rows, other = _other_readings(ledger)
        if not len(rows):
            return pd.DataFrame(columns=["row"])  # no claim is read two ways
        units = c["unit"].to_numpy(dtype=object)
        exact = (c["qualifier"] == "exact").to_numpy(bool) & np.isfinite(v["lo"].to_numpy(float)) & np.isfinite(v["hi"].to_numpy(float))
        pick = exact[rows] & (c["baseline"].to_numpy(dtype=object)[rows] != "") & np.isin(units[rows], CHANGES) & np.isin(other, CHANGES)
        # Claims that say the same thing decide alike: each comparison and each level once (a ledger quoting one
        # result k times would otherwise make k² pairs); every row of a comparison is reported (rows_of).
        cmp = c.iloc[rows[pick]][["subject", "baseline", "metric", "context", "unit", "value"]].assign(row=rows[pick], other=other[pick])
        same = ["subject", "baseline", "metric", "context", "unit", "value", "other"]
        cmp["key"] = cmp.groupby(same, sort=False).ngroup().to_numpy()
        keyed = cmp[["key", "row"]]
        cmp = cmp[~cmp.duplicated("key")].drop(columns=["unit", "value"])
        level_units = [n for n, u in UNITS.items() if u.kind == "level"]
        lv_rows = np.flatnonzero(exact & c["unit"].isin(level_units).to_numpy(bool) & (c["baseline"] == "").to_numpy(bool))
        # only the levels of a subject some comparison names (as its subject or baseline) can join below
        named = pd.concat([cmp["subject"], cmp["baseline"]]).unique()
        lv_rows = lv_rows[c["subject"].iloc[lv_rows].isin(named).to_numpy(bool)]
        lv = c.iloc[lv_rows][["subject", "metric", "context", "unit", "value"]].assign(lrow=lv_rows)
        lv = lv[~lv.duplicated(["subject", "metric", "context", "unit", "value"])].drop(columns=["unit", "value"])
        if cmp.empty or lv.empty:
            return pd.DataFrame(columns=["row"])
        parts = []
        for forward, on in ((True, "subject"), (False, "baseline")):
            m = cmp.merge(lv, left_on=[on, "metric", "context"], right_on=["subject", "metric", "context"], suffixes=("", "_l"))
            parts.append(m.assign(forward=forward, target=m["baseline"] if forward else m["subject"]))
        m = pd.concat(parts, ignore_index=True)
        if m.empty:
            return m
        r, lr = m["row"].to_numpy(np.int64), m["lrow"].to_numpy(np.int64)
        m["level_unit"], m["unit"] = units[lr], units[r]
        level = v["num"].to_numpy(float)[lr]
        clo, chi = v["lo"].to_numpy(float)[r], v["hi"].to_numpy(float)[r]
        q = np.minimum(v["q"].to_numpy(float)[lr], v["q"].to_numpy(float)[r])
        m["step"] = step = np.power(10.0, q)
        fwd = m["forward"].to_numpy(bool)
        for side, u in (("rec", m["unit"].to_numpy(dtype=object)), ("alt", m["other"].to_numpy(dtype=object))):
            lo, hi = _implied(u, fwd, level, clo, chi)
            points_off = (u == "pp") & (m["level_unit"].to_numpy(dtype=object) != "percent")  # points need a percent level
            lo, hi = np.where(points_off, np.nan, lo), np.where(points_off, np.nan, hi)
            ok, first = _printable(lo, hi, step)
            m[f"lo_{side}"], m[f"hi_{side}"], m[f"ok_{side}"], m[f"at_{side}"] = lo, hi, ok, first
        known = np.isfinite(m["lo_rec"].to_numpy(float)) & np.isfinite(m["lo_alt"].to_numpy(float))
        m = m[known & (m["ok_rec"] != m["ok_alt"])].drop_duplicates("key")  # one finding per claim: its first level that decides
        return m.drop(columns="row").merge(keyed, on="key")
    return ledger.memo("reading_decisions", run)


def _shown(x: float, step: float) -> str:
    d = max(0, -int(round(np.log10(step))))
    return f"{x:.{d}f}"


def _precision(step: float) -> str:
    d = -int(round(np.log10(step)))
    return f"{d} decimal{'s' if d != 1 else ''}" if d > 0 else "a whole number"


@check("L407", "reading-impossible")
def reading_impossible(ledger) -> Iterator[Hit]:
    """Of a claim's two readings (pp or relative), the recorded one is possible at the printed precision (notice: only the alternative is).

    With a level of its subject or baseline, a gain implies the other level; a reading is possible when that
    level is printable at the precision of the numbers (the prior accuracy of 77.58% and a 2.68% gain: 74.90
    under pp; no 2-decimal value under relative). Error when the recorded reading is the impossible one (it
    names the possible one); notice when an ambiguous claim's alternative is (the reading may be made explicit).
    An explicit claim whose quote does not say which (L408's case) is read both ways too; it gets the error only."""
    m = _decisions(ledger)
    if m.empty:
        return
    m = m.sort_values("row", kind="stable")
    value_of, ids, metric, reading = (ledger.column("claims", k) for k in ("value", "claim_id", "metric", "reading"))
    clo, chi = ledger.values["lo"].to_numpy(float), ledger.values["hi"].to_numpy(float)
    for r in m.itertuples():
        row = int(r.row)
        value, level = value_of[row], value_of[int(r.lrow)]
        cmp = Interval(float(clo[row]), float(chi[row]))
        precision = _precision(r.step)

        def shown(unit, lo, hi, ok, at):
            text = f"{_formula(unit, r.forward, level, cmp)} = {Interval(lo, hi)}"
            return text + (f", which holds {_shown(at, r.step)}" if ok else f", which holds no value printed to {precision}")
        said = f"{r.target}'s {metric[row]} would be "
        explicit = reading[row] == "explicit"
        if not r.ok_rec:
            yield Hit(row, "unit", f"{value} read as {r.unit} is impossible at the printed precision: {said}"
                      f"{shown(r.unit, r.lo_rec, r.hi_rec, False, r.at_rec)}; read as {r.other}: "
                      f"{shown(r.other, r.lo_alt, r.hi_alt, True, r.at_alt)} (level {ids[int(r.lrow)]})",
                      r.other, r.unit)
        elif not explicit:
            yield Hit(row, "alternative_unit", f"the alternative reading {r.other} of {value} is impossible at the printed "
                      f"precision: {said}{shown(r.other, r.lo_alt, r.hi_alt, False, r.at_alt)}; read as {r.unit}: "
                      f"{shown(r.unit, r.lo_rec, r.hi_rec, True, r.at_rec)} (level {ids[int(r.lrow)]}); "
                      f"the reading may be recorded explicit", r.unit, r.other, severity=Severity.NOTICE)


@check("L408", "explicit-reading-unsupported", "warning")
def explicit_reading_unsupported(ledger) -> Iterator[Hit]:
    """An explicit pp or relative_percent "%" on a metric that allows both has a quote word that says which ("points", "relative").

    "points", "pp", "percentage points" say pp; "relative", "relatively", "times" say relative. A metric that
    allows no points (latency, cost) makes relative explicit by itself, and so does arithmetic that rules out
    the other reading (L407); otherwise the reading is `ambiguous`, with the other unit in alternative_unit."""
    rows = _unsaid(ledger)
    if not len(rows):
        return
    m = _decisions(ledger)
    decided = set(m["row"].tolist())
    c = ledger.claims
    for row in rows:
        if int(row) in decided:
            continue  # the arithmetic settles it (L407 reports a recorded reading it rules out)
        unit = c["unit"].iat[row]
        other = "relative_percent" if unit == "pp" else "pp"
        yield Hit(int(row), "reading", f"{c['value'].iat[row]}% is read as {unit}, but {c['metric'].iat[row]} allows {other} "
                  f"too and the quote (\"{c['quote'].iat[row]}\") says neither (\"points\" or \"relative\"): record reading "
                  f"ambiguous with alternative_unit {other}", "ambiguous", "explicit")


# Direction words (L409). A quantity word says how the metric's value moved; a merit word says it got better or worse,
# which is up for a higher-is-better metric and down for a lower-is-better one ("improves latency by 23%": -23).
_UP = r"\b(?:higher|more|greater|larger|increas\w*|rise|rises|rose)\b"
_DOWN = r"\b(?:lower|fewer|less|smaller|reduc\w*|decreas\w*|drops?|dropped|declin\w*)\b"
_BETTER = r"\b(?:improv\w*|gains?|outperform\w*|better|faster|surpass\w*|beats?)\b"
_WORSE = r"\b(?:worse|slower|degrad\w*|underperform\w*)\b"




def _clause_contradicts(quote: str, value: str, sign: float, higher: bool, lower: bool) -> bool:
    """For a row the whole quote flags: whether the clause that prints the value still says the other way.
    A quote may hold two clauses ("stays within 0.4 points of X while reducing latency by 38%"); only the
    value's own clause speaks of it. Looked at only for the (few) flagged rows."""
    from ..numbers import read_numbers
    from ..text import CLAUSE_BREAK as _CLAUSE_BREAK

    want = value.lstrip("-+")
    cuts = [0, *(m.start() for m in _CLAUSE_BREAK.finditer(quote)), len(quote)]
    mine = [quote[a:b] for a, b in zip(cuts, cuts[1:]) if any(n.value.lstrip("-+") == want for n in read_numbers(quote[a:b]))]
    if len(mine) != 1:
        return True  # the value is not found in one clause: keep the whole quote's verdict
    text = mine[0]
    up = bool(re.search(_UP, text, re.I)) or (higher and bool(re.search(_BETTER, text, re.I))) or (lower and bool(re.search(_WORSE, text, re.I)))
    down = bool(re.search(_DOWN, text, re.I)) or (lower and bool(re.search(_BETTER, text, re.I))) or (higher and bool(re.search(_WORSE, text, re.I)))
    return (up and not down and sign < 0) or (down and not up and sign > 0)


def _words(quotes, ascii_: np.ndarray, pattern: str) -> np.ndarray:
    """Per quote (an Arrow string array), whether it holds a word of the pattern, case-insensitively. RE2
    (pyarrow) reads \\b and \\w only in ASCII, as Python's re does in an ASCII text: the ASCII quotes are
    searched column-wise, the others (few) with Python's re."""
    import pyarrow.compute as pc

    found = pc.match_substring_regex(quotes, pattern, ignore_case=True).to_numpy(zero_copy_only=False).copy()
    others = np.flatnonzero(~ascii_)
    search = re.compile(pattern, re.I).search
    found[others] = [search(q) is not None for q in pc.take(quotes, others).to_pylist()]
    return found


@check("L409", "sign-contradicts-direction", scope="paper")
def sign_contradicts_direction(ledger) -> Iterator[Hit]:
    """The sign of a pp or relative change agrees with its quote's direction words and the metric's direction.

    The sign is how the metric's value moved, subject minus baseline: "reduces latency by 23%" is -23, "a 60%
    reduction of computational cost" -60, "2.68% higher" accuracy +2.68. "higher", "more", "increases" are up and
    "lower", "fewer", "less", "reduces", "drop", "decrease" down; "improves", "gain", "outperforms", "faster" are
    up on a higher-is-better metric and down on a lower-is-better one. A quote with words both ways says nothing."""
    c, num = ledger.claims, ledger.values["num"].to_numpy(float)
    cand = np.flatnonzero(c["unit"].isin(["pp", "relative_percent"]).to_numpy(bool) & np.isfinite(num) & (num != 0))
    if not len(cand):
        return
    import pyarrow as pa
    import pyarrow.compute as pc

    quotes = pc.take(pa.array(c["quote"], pa.string()), pa.array(cand, pa.int64()))
    ascii_ = pc.string_is_ascii(quotes).to_numpy(zero_copy_only=False)
    directions = {m: spec["direction"] for m, spec in ledger.metrics.items()}
    codes, metric_names = pd.factorize(c["metric"].iloc[cand])  # a dozen metrics: looked up once each
    direction = np.array([directions.get(m, "neutral") for m in metric_names] + ["neutral"], dtype=object)[codes]
    up, down = _words(quotes, ascii_, _UP), _words(quotes, ascii_, _DOWN)
    better, worse = _words(quotes, ascii_, _BETTER), _words(quotes, ascii_, _WORSE)
    hi, lo = direction == "higher", direction == "lower"
    says_up = up | (better & hi) | (worse & lo)
    says_down = down | (better & lo) | (worse & hi)
    sign = np.sign(num[cand])
    wrong = (says_up & ~says_down & (sign < 0)) | (says_down & ~says_up & (sign > 0))
    for i in np.flatnonzero(wrong):
        row = int(cand[i])
        if not _clause_contradicts(c["quote"].iat[row], c["value"].iat[row], sign[i], hi[i], lo[i]):
            continue  # the word is another clause's ("within 0.4 points ... while reducing latency by 38%")
        value = c["value"].iat[row]
        way = "up" if says_up[i] else "down"
        pattern = [p for p, on in ((_UP, up[i]), (_DOWN, down[i]), (_BETTER, better[i]), (_WORSE, worse[i])) if on]
        word = re.search("|".join(pattern), c["quote"].iat[row], re.I).group(0)
        flipped = value[1:] if value.startswith("-") else "-" + value
        yield Hit(row, "value", f"{value} says {c['metric'].iat[row]} went {'down' if way == 'up' else 'up'}, but the quote says "
                  f"\"{word}\" ({c['metric'].iat[row]}: {direction[i]} is better): the change is {way}, so the value is {flipped}",
                  flipped, value)


@check("L410", "reading-alternative")
def reading_alternative(ledger) -> Iterator[Hit]:
    """An ambiguous reading names its alternative_unit, a unit other than `unit` the metric allows; an explicit one leaves it empty.

    A ledger that names no alternative_unit at all (one written before the column; with or without it in the
    header, which is only form) need not name one; nor a claim whose metric allows only its unit (the ambiguity
    is then one of scope, said in notes), nor one of an unknown metric. Ledger-wide, so whether the column is in
    use does not depend on how the claims are partitioned."""
    c, metrics = ledger.claims, ledger.metrics
    named = (c["alternative_unit"] != "").to_numpy(bool)
    explicit, ambiguous = ((c["reading"] == r).to_numpy(bool) for r in ("explicit", "ambiguous"))
    in_use = bool(named.any())
    # the masks column-wise; the cells only of the rows they flag
    flagged = np.flatnonzero((named & (explicit | ambiguous)) | (in_use & ambiguous & ~named))
    alt, unit, metric = ({int(r): x for r, x in zip(flagged, c[k].iloc[flagged].tolist())} for k in ("alternative_unit", "unit", "metric"))
    allowed = {r: metrics[m]["units"] if m in metrics else None for r, m in metric.items()}
    for row in np.flatnonzero(explicit & named):
        yield Hit(int(row), "alternative_unit", f"reading is explicit, so there is no other reading: alternative_unit "
                  f"{alt[row]} should be empty (or the reading ambiguous)", "", alt[row])
    for row in np.flatnonzero(ambiguous & ~named):
        units = allowed.get(row)
        if in_use and units is not None and units - {unit[row]}:
            yield Hit(int(row), "alternative_unit", f"reading is ambiguous but alternative_unit is empty: name the other reading's "
                      f"unit ({metric[row]} allows {', '.join(sorted(units - {unit[row]}))})", " ".join(sorted(units - {unit[row]})), "")
    for row in np.flatnonzero(ambiguous & named & c["alternative_unit"].isin(list(UNITS)).to_numpy(bool)):
        units = allowed[row]
        if alt[row] == unit[row]:
            yield Hit(int(row), "alternative_unit", f"alternative_unit {alt[row]} is the recorded unit: name the other reading's unit",
                      "a unit other than " + unit[row], alt[row])
        elif units is not None and alt[row] not in units:
            yield Hit(int(row), "alternative_unit", f"metric {metric[row]} does not allow the alternative unit {alt[row]} "
                      f"(it allows {', '.join(sorted(units))})", " ".join(sorted(units)), alt[row])
