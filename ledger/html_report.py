"""The analyst report: Altair charts of the comparable claims, and one self-contained HTML page.

The chart builders take the `ledger.compare.comparable` table and return Altair charts; the notebooks
show and export them, and `write_report` inlines them as SVG rendered offline by vl-convert. The page
loads nothing from the network: inline CSS, inline SVG and a few lines of plain JS for the table filter.
Every string from the data is escaped.

Chart rules: every claim mark carries a tooltip with claim_id, paper, qualifier and quote; claims of a
different metric or unit family never share an axis (a separate panel, or left out and counted in the
subtitle); ambiguous readings are drawn as triangles (or dashed outlines) with a legend.
"""

from __future__ import annotations

import html
import io
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import check_target, make_dirs, write_atomic
from .extras import require

require("report")  # altair and vl-convert come with the report extra; without it, one line names it
import altair as alt  # noqa: E402

from .compare import comparable
from .units import UNITS

__all__ = ["CHARTS", "PAPER_COLORS", "build_charts", "claim_marks", "compression_chart", "export_charts", "factors_chart",
           "gains_chart", "health_chart", "health_frames", "levels_chart", "log_domain", "render_page", "scale_chart", "svg_inline",
           "write_charts", "write_report"]

# Which metrics go to which chart. Everything else that has an improvement factor lands in the factors chart.
GAIN_METRICS = {"accuracy", "miou", "performance", "f1", "bleu", "rouge", "exact_match", "win_rate"}
COMPRESSION_METRICS = {"compression_ratio"}
SCALE_METRICS = {"dataset_size", "model_size", "sequence_length", "annotation_count"}

QUALIFIER_MARK = {"up_to": "≤", "at_least": "≥", "about": "≈", "average": "avg ", "maximum": "max ", "exact": ""}
READING = alt.Scale(domain=["explicit", "ambiguous"], range=["circle", "triangle-up"])
READING_DASH = alt.Scale(domain=["explicit", "ambiguous"], range=[[1, 0], [4, 3]])
READING_LEGEND = alt.Legend(symbolType="square", symbolFillColor="#9ecae1", symbolStrokeWidth=1.5, symbolSize=200)  # bars
# (field, title) of every claim mark's tooltip; the same lines become the mark's description, which the
# inline SVG of the report shows as a native hover title
TOOLTIP = [("claim_id", "claim_id"), ("paper", "paper"), ("qualifier", "qualifier"), ("quote", "quote"),
           ("printed", "value"), ("context", "context"), ("reading", "reading")]
WIDTH = 360
# One colour per paper, distinct for twenty papers: Tableau's twenty colours, the ten strong ones first, so
# that a chart of a few papers gets colours far apart and the lighter partners only come after the tenth.
PAPER_COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#79706e",
                "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d", "#f1ce63", "#d4a6c8", "#fabfd2", "#d7b5a6", "#bab0ac"]
PAPER_LEGEND = alt.Legend(labelLimit=300, symbolLimit=0)  # every paper listed, its short name whole (at most 34 characters)
LEVEL_UNITS = [name for name, u in UNITS.items() if u.kind == "level"]  # percent, score


# --- data for the charts ----------------------------------------------------------------------------

def _paper_short(title: str) -> str:
    head = re.split(r":| - ", title, maxsplit=1)[0].strip()
    return head if len(head) <= 34 else head[:33] + "…"


def _text(values: pd.Series, fmt) -> pd.Series:
    """fmt applied to each value, as a str column even when there are no rows."""
    return pd.Series([fmt(v) for v in values], index=values.index, dtype="str")


def claim_marks(t: pd.DataFrame) -> pd.DataFrame:
    """The columns every claim mark needs: paper_short, printed value, label ("subject vs baseline", with the first
    part of the context where two claims would otherwise read the same), and the qualifier's mark (≤, ≥, ≈, avg)."""
    m = t.copy()
    m["paper_short"] = _text(m["paper"], _paper_short).where(m["paper"] != "", m["paper_id"])
    m["printed"] = m["value"] + " " + m["unit"]
    m["context0"] = m["context"].str.split(";").str[0].str.strip()
    m["plain"] = np.where(m["baseline"] != "", m["subject"] + " vs " + m["baseline"], m["subject"])
    m["label"] = _disambiguate(m)
    m["mark"] = _text(m["qualifier"], lambda q: QUALIFIER_MARK.get(q, ""))
    return m


def _disambiguate(m: pd.DataFrame, from_part: int = 0) -> pd.Series:
    """One distinct label per claim: the plain label, else with a part of the context (the first, from
    `from_part` on), else with its last part, else with the claim id."""
    parts = [[x.strip() for x in c.split(";")] for c in m["context"]]
    first = pd.Series([p[from_part] if len(p) > from_part else "" for p in parts], index=m.index, dtype="str")
    last = pd.Series([p[-1] if len(p) > from_part + 1 else "" for p in parts], index=m.index, dtype="str")
    label = m["plain"].copy()
    for extra in (first, last, m["claim_id"]):
        same = label.duplicated(keep=False)
        if not same.any():
            break
        label = label.where(~same | (extra == ""), m["plain"] + " · " + extra)
    return label


def _hover(d: pd.DataFrame, fields: list[tuple[str, str]]) -> tuple[pd.DataFrame, dict]:
    """The tooltip and description encodings for `fields`, and `d` with the description column."""
    def describe(row: dict) -> str:
        return "\n".join(f"{title}: {row[f]}" for f, title in fields if isinstance(row[f], str) and row[f])

    desc = pd.Series([describe(r) for r in d.to_dict("records")], index=d.index, dtype="str")
    enc = {"tooltip": [alt.Tooltip(f"{f}:N", title=title) for f, title in fields], "description": alt.Description("desc:N")}
    return d.assign(desc=desc), enc


def _finite(s: pd.Series) -> pd.Series:
    return s.where(np.isfinite(s.astype("float64")))


def _left_out(parts: list[tuple[pd.Series, str]]) -> list[str]:
    """Subtitle lines 'Left out: 2 claims …', one per (mask, what) pair; what follows the word claim(s)."""
    said = [f"{_n(int(mask.sum()), 'claim')} {what}" for mask, what in parts if mask.any()]
    return [f"Left out: {x}." for x in said] or ["Nothing left out."]


def _n(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _placeholder(title: str, subtitle: list[str], text: str) -> alt.Chart:
    return alt.Chart(pd.DataFrame({"text": [text]}), title=alt.Title(title, subtitle=subtitle, anchor="start")).mark_text(
        align="left", fontSize=13, color="#555").encode(text="text:N").properties(width=WIDTH, height=40)


def log_domain(values: pd.Series, reference: float | None = None, pad: float = 1.0,
               room: float = 1.0) -> tuple[list[float], list[float]]:
    """A log-axis domain and its ticks. Wide ranges snap to whole decades with a tick per decade; a range inside
    two decades keeps a margin of `pad` (a factor) and ticks at 1-1.5-2-3-5-7 multiples. `room` widens the top
    (for the labels right of the points) after the ticks are chosen."""
    v = values[np.isfinite(values) & (values > 0)].astype("float64")
    if reference is not None:
        v = pd.concat([v, pd.Series([reference])])
    lo, hi = float(v.min()), float(v.max())
    a, b = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
    if b - a > 2:
        return [10.0 ** a, 10.0 ** b * room], [10.0 ** k for k in range(a, b + 1)]
    dlo, dhi = lo / pad, hi * pad * room
    ticks = [m * 10.0 ** k for k in range(a - 1, b + 1) for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 7)]
    return [dlo, dhi], [x for x in ticks if dlo <= x <= dhi]


def _lin_domain(values: pd.Series, reference: float | None) -> list[float]:
    v = values[np.isfinite(values)].astype("float64")
    lo, hi = float(min(v.min(), reference if reference is not None else v.min())), float(v.max())
    span = (hi - lo) or abs(hi) or 1.0
    return [lo - 0.05 * span if lo < 0 else lo, hi + 0.3 * span]


OPEN_MINIMA = sorted({u.bounds[0] for u in UNITS.values() if u.open_min})


def _marks_frame(d: pd.DataFrame, x: str, lo: str, hi: str, log: bool) -> pd.DataFrame:
    """Add bar_lo/bar_hi (a two-sided finite interval, else empty: a one-sided bound is in the label) and
    text_x (labels sit right of the interval, or of the point)."""
    d = d.assign(bar_lo=_finite(d[lo]), bar_hi=_finite(d[hi]))
    # a bound at a unit's open minimum ("up to 4x" is (0, 4.5]) is no lower bound: the bar is one-sided
    d.loc[d["bar_lo"].isin(OPEN_MINIMA), "bar_lo"] = np.nan
    if log:
        d["bar_lo"] = d["bar_lo"].where(d["bar_lo"] > 0)
    one_sided = d["bar_lo"].isna() | d["bar_hi"].isna()
    d.loc[one_sided, ["bar_lo", "bar_hi"]] = np.nan
    d["text_x"] = d["bar_hi"].fillna(d[x])
    return d


def _panel(d: pd.DataFrame, x: str, domain: list[float], ticks: list[float] | None, axis_title: str, log: bool,
           reference: float | None, text: str, fields: list, si: bool = False) -> alt.LayerChart:
    """One panel: a row per claim, its interval as a rule, the value as a point, the printed value as text."""
    scale = alt.Scale(type="log" if log else "linear", domain=domain, nice=False, zero=False)
    axis = alt.Axis(values=ticks, **({"labelExpr": _SI_EXPR} if si else {})) if ticks else alt.Axis()
    xenc = alt.X(f"{x}:Q", title=axis_title, scale=scale, axis=axis)
    y = alt.Y("label:N", title=None, sort=alt.EncodingSortField(x, order="descending"), axis=alt.Axis(labelLimit=320))
    d, hover = _hover(d, fields)
    base = alt.Chart().encode(y=y, **hover)
    layers = []
    if reference is not None:
        layers.append(alt.Chart().mark_rule(color="#999", strokeDash=[2, 2]).encode(x=alt.datum(reference)))
    layers += [
        base.mark_rule(strokeWidth=2, color="#777").encode(
            x=alt.X("bar_lo:Q", scale=scale, axis=axis, title=axis_title), x2="bar_hi:Q",
            strokeDash=alt.StrokeDash("reading:N", scale=READING_DASH, title="reading")),
        base.mark_point(filled=True, size=100, opacity=0.9).encode(
            x=xenc, color=alt.Color("paper_short:N", title="paper", scale=alt.Scale(range=PAPER_COLORS), legend=PAPER_LEGEND),
            shape=alt.Shape("reading:N", scale=READING, title="reading")),
        base.mark_text(align="left", dx=8, fontSize=11).encode(
            x=alt.X("text_x:Q", scale=scale, axis=axis, title=axis_title), text=f"{text}:N"),
    ]
    title = alt.Title(d["panel"].iat[0], anchor="start", frame="group", fontSize=12, fontWeight="bold", offset=4)
    return alt.layer(*layers, data=d, title=title).properties(width=WIDTH, height=alt.Step(22))


_SI_EXPR = " : ".join([*(f"datum.value >= {x} ? format(datum.value / {x}, '~g') + '{s}'"  # 1e9 -> 1B, not 1G
                          for x, s in (("1e12", "T"), ("1e9", "B"), ("1e6", "M"), ("1e3", "k"))), "format(datum.value, '~g')"])


def _ambiguous_note(d: pd.DataFrame) -> str:
    n = int(d["ambiguous"].sum())
    if not n:
        return "No claim here has an ambiguous reading."
    verb = "has" if n == 1 else "have"
    return (f"{n} of {_n(len(d), 'claim')} {verb} an ambiguous reading (triangle, dashed interval): "
            "the unit was a curator's choice.")


def _stack(panels: list, title: str, subtitle: list[str]):
    return alt.vconcat(*panels, spacing=18, title=alt.Title(title, subtitle=subtitle, anchor="start")).resolve_scale(
        x="independent", y="independent", color="shared", shape="shared", strokeDash="shared")


def _with_labels(d: pd.DataFrame, from_part: int = 0) -> pd.DataFrame:
    """Labels disambiguated within each panel only (two panels may both hold "HAWQV3 vs INT8 quantization")."""
    d = d.copy()
    for _, g in d.groupby("panel"):
        d.loc[g.index, "label"] = _disambiguate(g, from_part)
    return d


def _factor_frame(t: pd.DataFrame) -> pd.DataFrame:
    d = claim_marks(t)
    d["panel"] = d["metric"] + " (" + d["direction"] + " is better)"
    computed = _text(d["improvement_factor"], lambda f: f"{f:#.3g}")  # 1.30: three digits, zeros kept
    d["factor"] = d["mark"] + computed.where(d["factor_how"] != "R as printed", d["value"]) + "×"
    return d


def _factor_panels(d: pd.DataFrame, axis_title: str) -> list:
    d = _marks_frame(d, "improvement_factor", "factor_lo", "factor_hi", log=True)
    values = pd.concat([d["improvement_factor"], d["bar_lo"], d["bar_hi"]])
    domain, ticks = log_domain(values, reference=1.0, pad=1.08, room=1.25)
    tip = TOOLTIP + [("factor", "factor"), ("factor_how", "how")]
    groups = [g for _, g in d.groupby("panel", sort=True)]
    last = len(groups) - 1  # one shared scale: the axis title only under the last panel
    return [_panel(g, "improvement_factor", domain, ticks, axis_title if i == last else "", True, 1.0, "factor", tip)
            for i, g in enumerate(groups)]


# --- the charts -------------------------------------------------------------------------------------

def factors_chart(t: pd.DataFrame):
    """Speed-ups and efficiency factors: improvement factor per claim, one panel per metric, log scale."""
    other = t["metric"].isin(GAIN_METRICS | COMPRESSION_METRICS)
    has = t["improvement_factor"].notna()
    d = _with_labels(_factor_frame(t[has & ~other]))
    ratio_like = t["unit"].isin(["ratio", "relative_percent"]) & ~other & ~has
    title = (f"Speed-ups and efficiency factors: {_n(len(d), 'claim')}, {_n(d['metric'].nunique(), 'metric')}, "
             f"{_n(d['paper_id'].nunique(), 'paper')}")
    sub = ["Improvement factor in each metric's better direction, one panel per metric (log scale; dashed line: no change).",
           "A lower-is-better ratio R counts as 1/R, a relative change r as 1 + r/100, or 1/(1 + r/100) if lower is better.",
           *_left_out([(ratio_like, "comparing by ratio or relative change with no factor (neutral metric or no baseline)"),
                      (has & other, "on accuracy, score or compression (their own charts)")])]
    sub.append(_ambiguous_note(d))
    if d.empty:
        return _placeholder(title, sub, "No speed-up or efficiency claims.")
    return _stack(_factor_panels(d, "improvement factor (×)"), title, sub)


def gains_chart(t: pd.DataFrame):
    """Accuracy and score gains over a baseline: points (pp) and relative changes (%) in separate panels."""
    gain = t["unit"].isin(["pp", "relative_percent"]) & (t["baseline"] != "") & t["direction"].isin(["higher", "lower"])
    mine = t["metric"].isin(GAIN_METRICS) | (t["unit"] == "pp")
    d = claim_marks(t[gain & mine])
    kind = np.where(d["unit"] == "pp", "points (pp)", "relative change (%)")
    d["panel"] = d["metric"] + " — " + kind + " (" + d["direction"] + " is better)"
    signed = _text(d["value"], lambda v: v if v.startswith("-") else "+" + v)  # the printed digits: +5.0, not +5
    d["shown"] = d["mark"] + signed + np.where(d["unit"] == "pp", " pp", "%")
    d["factor"] = _text(d["improvement_factor"], lambda f: "" if np.isnan(f) else f"{f:#.3g}×")
    d["factor_note"] = np.where(d["factor"] != "", d["factor"] + " (" + d["factor_how"] + ")", d["factor_reason"])
    d = _with_labels(d)
    comparisons = t["unit"].isin(["pp", "relative_percent"])
    neutral = comparisons & (t["direction"] == "neutral")
    nobase = comparisons & (t["baseline"] == "") & ~neutral
    levels = t["metric"].isin(GAIN_METRICS) & (t["unit"].isin(["percent", "score"]))
    title = (f"Accuracy and score gains: {_n(len(d), 'claim')}, {_n(d['metric'].nunique(), 'metric')}, "
             f"{_n(d['paper_id'].nunique(), 'paper')}")
    sub = ["Gain over the named baseline as printed. Points and relative changes never share an axis;",
           "panels of one unit share their scale.",
           *_left_out([(neutral, "of a difference on a metric with no better direction (performance_gap …)"),
                      (nobase, "of a difference without a baseline"),
                      (levels, "of a level, not a gain (the levels chart; a level anchors a gain's factor: see the tooltip)")])]
    sub.append(_ambiguous_note(d))
    if d.empty:
        return _placeholder(title, sub, "No accuracy or score gains.")
    tip = TOOLTIP + [("factor_note", "factor")]
    panels = []
    for unit, axis_title in (("pp", "gain (percentage points)"), ("relative_percent", "relative gain (%)")):
        u = _marks_frame(d[d["unit"] == unit], "num", "lo", "hi", log=False)
        if u.empty:
            continue
        domain = _lin_domain(pd.concat([u["num"], u["bar_lo"], u["bar_hi"]]), 0.0)
        groups = [g for _, g in u.groupby("panel", sort=True)]
        panels += [_panel(g, "num", domain, None, axis_title if i == len(groups) - 1 else "", False, 0.0, "shown", tip)
                   for i, g in enumerate(groups)]
    return _stack(panels, title, sub)


def _level_domain(values: pd.Series, unit: str) -> list[float]:
    """A linear domain around the levels of one panel, with room right of the points for their labels; a
    percent level never gets an axis below 0."""
    v = values[np.isfinite(values)].astype("float64")
    lo, hi = float(v.min()), float(v.max())
    span = max(hi - lo, abs(hi) * 0.1, 1.0)
    left = lo - 0.15 * span
    return [max(left, 0.0) if unit == "percent" and lo >= 0 else left, hi + 0.45 * span]


def levels_chart(t: pd.DataFrame):
    """Levels (accuracy, mIoU, MFU … in percent, or scores): one panel and axis per metric and unit."""
    level = t["unit"].isin(LEVEL_UNITS)
    d = claim_marks(t[level])
    d["plain"] = d["subject"] + np.where(d["context0"] != "", " · " + d["context0"], "")
    better = d["direction"].map({"higher": "higher is better", "lower": "lower is better"}).fillna("no better direction")
    d["panel"] = d["metric"] + " (" + d["unit"] + ", " + better + ")"
    d = _with_labels(d, from_part=1)  # the first part of the context is in every label already
    d["shown"] = d["mark"] + d["value"] + np.where(d["unit"] == "percent", "%", "")
    title = (f"Levels: {_n(len(d), 'claim')}, {_n(d['metric'].nunique(), 'metric')}, "
             f"{_n(d['paper_id'].nunique(), 'paper')}")
    sub = ["The level each claim states (accuracy, mIoU, MFU … in percent, or a score), one panel and axis per metric and unit:",
           "levels of different metrics, or of one metric on different benchmarks, are not a ranking. Bars: the printed rounding.",
           *_left_out([])]
    sub.append(_ambiguous_note(d))
    if d.empty:
        return _placeholder(title, sub, "No levels (percent or score).")
    tip = TOOLTIP + [("direction", "better")]
    panels = []
    for _, g in _marks_frame(d, "num", "lo", "hi", log=False).groupby("panel", sort=True):
        unit = g["unit"].iat[0]
        domain = _level_domain(pd.concat([g["num"], g["bar_lo"], g["bar_hi"]]), unit)
        panels.append(_panel(g, "num", domain, None, "level (%)" if unit == "percent" else "score", False, None, "shown", tip))
    return _stack(panels, title, sub)


def compression_chart(t: pd.DataFrame):
    """Compression ratios as factors over each claim's own baseline."""
    comp = t["metric"].isin(COMPRESSION_METRICS)
    d = _with_labels(_factor_frame(t[comp & t["improvement_factor"].notna()]))
    title = f"Compression ratios: {_n(len(d), 'claim')}, {_n(d['paper_id'].nunique(), 'paper')}"
    sub = ["Compression as a factor over the claim's own baseline: an x-fold ratio as printed, a relative change as 1 + r/100.",
           "Baselines differ (e.g. FP16 weights vs other methods): read a row against its own baseline.",
           *_left_out([(comp & t["improvement_factor"].isna(), "without a factor")])]
    sub.append(_ambiguous_note(d))
    if d.empty:
        return _placeholder(title, sub, "No compression claims.")
    return _stack(_factor_panels(d, "compression factor (×)"), title, sub)


def scale_chart(t: pd.DataFrame):
    """Dataset and model scale: sizes on log axes, one panel (and axis) per metric and unit."""
    size = t["unit_family"] == "size"
    mine = size & t["metric"].isin(SCALE_METRICS)
    d = claim_marks(t[mine])
    d["plain"] = d["subject"] + np.where(d["context0"] != "", " · " + d["context0"], "")
    d["panel"] = d["metric"] + " (" + d["unit"] + ")"
    d = _with_labels(d, from_part=1)  # the first part of the context is in every label already
    d["shown"] = d["mark"] + d["size_label"]
    title = (f"Dataset and model scale: {_n(len(d), 'claim')}, {_n(d['panel'].nunique(), 'panel')}, "
             f"{_n(d['paper_id'].nunique(), 'paper')}")
    sub = ["Sizes on log axes; each metric and unit has its own panel and axis. Bars: the interval the printed digits allow",
           "(\"7B\" is 6.5B to 7.5B; \"about a thousand\" is 450 to 1,550).",
           *_left_out([(size & ~mine, "of a small count that describes a setting (bit width, k, shots, GPUs, …)")])]
    sub.append(_ambiguous_note(d))
    if d.empty:
        return _placeholder(title, sub, "No dataset or model sizes.")
    tip = TOOLTIP + [("size_label", "size")]
    panels = []
    for _, g in _marks_frame(d, "size_value", "lo", "hi", log=True).groupby("panel", sort=True):
        values = pd.concat([g["size_value"], g["bar_lo"], g["bar_hi"]])
        if values.max() / values.min() < 100:  # a lone size or a narrow range: show it within two decades
            mid = np.sqrt(values.min() * values.max())
            values = pd.Series([mid / 10, mid * 10])
        domain, ticks = log_domain(values, room=3)
        panels.append(_panel(g, "size_value", domain, ticks, "size (log scale)", True, None, "shown", tip, si=True))
    return _stack(panels, title, sub)


def health_frames(result) -> dict[str, pd.DataFrame]:
    """claims (one row per claim), findings (one row per finding, with its claim) and coverage (one row per
    number of an abstract: claimed, skipped or missing), for the health chart and the report."""
    from .coverage import uses_of
    from .validators.coverage import accounting

    led = result.ledger
    claims = claim_marks(comparable(led))
    claims["paper_row"] = claims["paper_id"] + " · " + claims["paper_short"]
    by_id = claims.drop_duplicates("claim_id").set_index("claim_id")  # a duplicate id (L105) must not stop the page
    columns = ["code", "check", "severity", "file", "line", "column", "claim_id", "message", "expected", "found"]
    f = pd.DataFrame([x.to_dict() for x in listed_findings(result.findings)[0]], columns=columns)
    f["line"] = f["line"].astype("Int64").astype("str").replace("<NA>", "")
    f["rule"] = f["code"] + " " + f["check"]
    for col in ("paper", "qualifier", "quote"):
        f[col] = f["claim_id"].map(by_id[col]).fillna("").astype("str") if len(by_id) else ""
    papers = led["papers"].set_index("paper_id")
    # the accounting validate already made (L204/L205), not a second one
    uses = uses_of(accounting(led), led.column("claims", "claim_id"), led.column("skips", "reason"))
    rows = []
    for u in uses:
        abstract = papers["abstract"].get(u.paper_id, "")
        first = u.covered_by[0] if u.covered_by else ""
        state = "claimed" if u.covered_by else ("skipped" if u.skipped_by else "missing")
        excerpt = "…" + abstract[max(0, u.start - 50):u.end + 50].replace("\n", " ") + "…"
        rows.append({"paper_id": u.paper_id, "number": u.printed, "state": state, "claim_id": " ".join(u.covered_by),
                     "qualifier": by_id["qualifier"].get(first, "") if first else "",
                     "quote": by_id["quote"].get(first, "") if first else excerpt,
                     "reason": u.skipped_by or ""})
    cov = pd.DataFrame(rows, columns=["paper_id", "number", "state", "claim_id", "qualifier", "quote", "reason"])
    titles = papers["title"] if len(papers) else pd.Series(dtype="str")
    cov["paper"] = cov["paper_id"].map(titles).fillna("").astype("str")
    cov["paper_row"] = cov["paper_id"] + " · " + _text(cov["paper"], _paper_short)
    return {"claims": claims, "findings": f, "coverage": cov}


def health_chart(result):
    """Ledger health: claims per paper by status, findings per check, and abstract coverage per paper."""
    h = health_frames(result)
    claims, findings, cov = h["claims"], h["findings"], h["coverage"]
    n_papers = len(result.ledger["papers"])
    claims, claim_hover = _hover(claims, TOOLTIP + [("status", "status")])
    seg = alt.Chart(claims, title=alt.Title(
        f"Claims per paper: {len(claims)} claims in {claims['paper_id'].nunique()} of {n_papers} papers",
        subtitle="One segment per claim, coloured by review status; dashed outline: ambiguous reading.", anchor="start"))
    per_paper = seg.mark_bar(strokeWidth=1.5).encode(
        x=alt.X("count():Q", title="claims"),
        y=alt.Y("paper_row:N", title=None, sort="-x", axis=alt.Axis(labelLimit=300)),
        color=alt.Color("status:N", scale=alt.Scale(domain=["draft", "verified", "disputed", "retracted"],
                                                    range=["#9ecae1", "#31a354", "#fd8d3c", "#bdbdbd"]), title="status"),
        stroke=alt.Stroke("reading:N", scale=alt.Scale(domain=["explicit", "ambiguous"], range=["white", "black"]),
                          title="reading", legend=READING_LEGEND),
        strokeDash=alt.StrokeDash("reading:N", scale=READING_DASH, title="reading", legend=READING_LEGEND),
        detail="claim_id:N", **claim_hover,
    ).properties(width=WIDTH, height=alt.Step(16))

    sev = result.summary()
    f_title = (f"Findings per check: {len(findings)} findings ({sev['error']} errors, {sev['warning']} warnings, "
               f"{sev['notice']} notices; {sev['waived']} waived)")
    findings, finding_hover = _hover(findings, TOOLTIP[:4] + [("message", "message"), ("file", "file"), ("line", "line")])
    if findings.empty:
        per_check = _placeholder(f_title, ["One segment per finding, coloured by severity."], "No findings: every check passes.")
    else:
        per_check = alt.Chart(findings, title=alt.Title(f_title, subtitle="One segment per finding, coloured by severity.",
                                                        anchor="start")).mark_bar(stroke="white").encode(
            x=alt.X("count():Q", title="findings"), y=alt.Y("rule:N", title=None, sort="-x", axis=alt.Axis(labelLimit=300)),
            color=alt.Color("severity:N", scale=alt.Scale(domain=["error", "warning", "notice"],
                                                          range=["#d62728", "#ff7f0e", "#1f77b4"]), title="severity"),
            detail="line:N", **finding_hover,
        ).properties(width=WIDTH, height=alt.Step(16))

    states = cov["state"].value_counts()
    cov, cov_hover = _hover(cov, TOOLTIP[:4] + [("number", "number"), ("state", "state"), ("reason", "reason")])
    coverage = alt.Chart(cov, title=alt.Title(
        f"Abstract coverage: {len(cov)} numbers; {states.get('claimed', 0)} claimed, {states.get('skipped', 0)} skipped, "
        f"{states.get('missing', 0)} missing", subtitle="One segment per number printed in an abstract.", anchor="start")
    ).mark_bar(stroke="white", strokeWidth=0.5).encode(
        x=alt.X("count():Q", title="numbers in the abstract"),
        y=alt.Y("paper_row:N", title=None, sort="-x", axis=alt.Axis(labelLimit=300)),
        color=alt.Color("state:N", title="number", scale=alt.Scale(domain=["claimed", "skipped", "missing"],
                                                                   range=["#31a354", "#bdbdbd", "#d62728"])),
        order=alt.Order("state:N", sort="ascending"), detail="number:N", **cov_hover,
    ).properties(width=WIDTH, height=alt.Step(16))
    return alt.vconcat(per_paper, per_check, coverage, spacing=28).resolve_scale(color="independent", stroke="independent",
                                                                                  strokeDash="independent")


CHARTS = ("factors", "gains", "levels", "compression", "scale", "health")


def build_charts(result) -> dict[str, alt.TopLevelMixin]:
    """Every chart of the report, by the file name the notebooks export it under (see CHARTS)."""
    t = comparable(result.ledger)
    return {"factors": factors_chart(t), "gains": gains_chart(t), "levels": levels_chart(t), "compression": compression_chart(t),
            "scale": scale_chart(t), "health": health_chart(result)}


# --- the page ---------------------------------------------------------------------------------------

_MARK = re.compile(r'<(path|line|rect|circle|text|image)\b([^<>]*?)(/?)>')
_LABEL = re.compile(r'\baria-label="([^"]*)"')


def _titled_mark(m: re.Match) -> str:
    """A mark with a description gets it as a <title> child (axes and legends, described too, do not)."""
    tag, attrs, closing = m[1], m[2], m[3]
    label = _LABEL.search(attrs)
    if not label or 'role="graphics-symbol"' not in attrs or 'aria-roledescription="axis' in attrs:
        return m[0]
    title = f"<title>{label[1]}</title>"
    return f"<{tag}{attrs}>{title}</{tag}>" if closing else f"<{tag}{attrs}>{title}"


def svg_inline(chart, name: str) -> str:
    """The chart as inline SVG: rendered offline by vl-convert, ids made unique to the chart, and each mark's
    description (its fields, as Vega wrote them, already escaped) added as a <title> so hovering shows it."""
    buf = io.StringIO()
    chart.save(buf, format="svg")
    svg = buf.getvalue()
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', rf'url(#{name}-\1)', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{name}-\1"', svg)
    svg = _MARK.sub(_titled_mark, svg)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(name)} chart" ', 1)


CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1400px;padding:1rem 2rem;color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
.summary{color:#555}.ok{color:#2a7b2a}.failed{color:#b00}
figure{margin:1.2rem 0;overflow-x:auto}figcaption{color:#555;font-size:.9rem}
table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{border-bottom:1px solid #eee;padding:.3rem .4rem;
text-align:left;vertical-align:top}th{background:#f6f6f6;position:sticky;top:0}
table.counts{width:auto}td.num{text-align:right}
.quote{font-style:italic}.scroll{overflow-x:auto}.id{font-family:ui-monospace,monospace;white-space:nowrap}
table.fixed{table-layout:fixed}table.fixed td{overflow-wrap:anywhere}table.fixed .id{white-space:normal}
.ambiguous{background:#fff4d6;border-radius:3px;padding:0 .25rem}
.severity-error{color:#b00}.severity-warning{color:#b25d00}.severity-notice{color:#1f5fa8}
#claim-filter{font-size:1rem;padding:.35rem .5rem;width:24rem;max-width:100%}#claim-count{margin-left:1rem;color:#555}
"""

JS = """
const box = document.getElementById("claim-filter");
const rows = Array.from(document.querySelectorAll("#claims tbody tr"));
const texts = rows.map(row => Array.from(row.cells, cell => cell.textContent).join(" ").toLowerCase());
const count = document.getElementById("claim-count");
function filterClaims() {
  const q = box.value.trim().toLowerCase();
  let shown = 0;
  rows.forEach((row, i) => {
    const hit = q === "" || texts[i].includes(q);
    row.hidden = !hit;
    if (hit) shown++;
  });
  count.textContent = shown + " of " + rows.length + " claims";
}
box.addEventListener("input", filterClaims);
filterClaims();
"""

CAPTIONS = {
    "factors": "Speed-ups and efficiency factors across papers.",
    "gains": "Accuracy and score gains over named baselines.",
    "levels": "Levels: accuracy, MFU and other percentages or scores, one panel per metric.",
    "compression": "Compression ratios.",
    "scale": "Dataset and model scale.",
    "health": "Ledger health: claims per paper, findings per check, abstract coverage.",
}


def _e(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def _table(headers: list[str], rows: list[list[str]], attrs: str = "", widths: list[float] | None = None) -> str:
    """An HTML table; the cells are already HTML (escaped by the caller). With `widths` (percentages of the
    page, one per column) the layout is fixed and a long cell wraps, breaking a long id or quote anywhere,
    instead of widening the table past the page."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    cols = ""
    if widths is not None:
        cols = "<colgroup>" + "".join(f'<col style="width:{w:g}%">' for w in widths) + "</colgroup>"
        attrs += ' class="fixed"'
    return f"<table{attrs}>{cols}<thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


# Column widths (percent) of the findings and the claims tables: the message and the quote get the room.
FINDING_WIDTHS = [6, 9, 15, 14, 7, 49]
CLAIM_WIDTHS = [11, 14, 7, 7.5, 6.5, 6.5, 10.5, 5.5, 5.5, 4.5, 7.5, 14]


def _paper_link(url: str, title: str, paper_id: str) -> str:
    text = f"{_e(paper_id)}<br>{_e(title)}"
    if re.match(r"^https?://[^\s\"'<>]+$", url or ""):  # only plain http(s) links, never javascript: or data:
        return f'<a href="{_e(url)}">{text}</a>'
    return text


PAGE_FINDINGS_PER_CODE = 200  # the page lists this many findings of a code; the counts and `validate` have them all


def listed_findings(findings) -> tuple[list, Counter]:
    """The findings the page lists (the first PAGE_FINDINGS_PER_CODE of each code) and how many of each
    code it leaves out: a ledger with 50,000 warnings still makes a page a browser opens."""
    seen: Counter = Counter()
    listed = []
    for f in findings:
        seen[f.code] += 1
        if seen[f.code] <= PAGE_FINDINGS_PER_CODE:
            listed.append(f)
    return listed, Counter({c: n - PAGE_FINDINGS_PER_CODE for c, n in seen.items() if n > PAGE_FINDINGS_PER_CODE})


def _findings_html(result) -> str:
    findings = result.findings
    s = result.summary()
    severities = [[f'<span class="severity-{k}">{k}</span>', str(s[k])] for k in ("error", "warning", "notice")]
    sev = _table(["severity", "findings"], severities + [["waived", str(s["waived"])]], ' class="counts"')
    per_check = Counter((f.code, f.check, f.severity.value) for f in findings)
    rows = [[_e(c), _e(n), f'<span class="severity-{_e(v)}">{_e(v)}</span>', str(k)] for (c, n, v), k in sorted(per_check.items())]
    checks = _table(["code", "check", "severity", "findings"], rows, ' class="counts"') if rows else ""
    if findings:
        listed, left_out = listed_findings(findings)
        rows = [[f'<span class="severity-{_e(f.severity.value)}">{_e(f.severity.value)}</span>',
                 f'<span class="id">{_e(f.file)}{":" + str(f.line) if f.line is not None else ""}</span>',
                 f'<span class="id">{_e(f.code)}</span> {_e(f.check)}', f'<span class="id">{_e(f.claim_id)}</span>',
                 _e(f.column), _e(f.message)] for f in listed]
        table = _table(["severity", "location", "check", "claim", "column", "message"], rows, ' id="findings"', FINDING_WIDTHS)
        if left_out:
            more = ", ".join(f"{n} of {_e(c)}" for c, n in sorted(left_out.items()))
            table += f"\n<p>Not listed here: {more} (the counts above include them; `ledger validate --format json` lists all).</p>"
    else:
        table = "<p>No findings: every check passes.</p>"
    return f"{sev}\n{checks}\n{table}"


def _claims_html(t: pd.DataFrame, urls: dict[str, str]) -> str:
    rows = []
    for r in t.itertuples():
        if np.isnan(r.improvement_factor):
            factor = f"<small>{_e(r.factor_reason)}</small>"
        else:
            factor = f"{r.improvement_factor:#.3g}× <small>({_e(r.factor_how)})</small>"
        reading = f'<span class="ambiguous">{_e(r.reading)}</span>' if r.ambiguous else _e(r.reading)
        rows.append([f'<span class="id" id="claim-{_e(r.claim_id)}">{_e(r.claim_id)}</span>',
                     _paper_link(urls.get(r.paper_id, ""), r.paper, r.paper_id), _e(r.subject), _e(r.metric),
                     f'<span class="id">{_e(r.value)}</span> {_e(r.unit)}', _e(r.baseline), _e(r.context), _e(r.qualifier),
                     reading, _e(r.status), factor, f'<span class="quote">“{_e(r.quote)}”</span>'])
    table = _table(["claim", "paper", "subject", "metric", "value", "baseline", "context", "qualifier", "reading",
                    "status", "factor", "quote"], rows, ' id="claims"', CLAIM_WIDTHS)
    return f'<div class="scroll">{table}</div>'


def render_page(result, charts: dict[str, str]) -> str:
    """The whole page as a string; `charts` maps a chart name to its inline SVG."""
    from .report import summary_line

    t = comparable(result.ledger)
    urls = dict(zip(result.ledger["papers"]["paper_id"], result.ledger["papers"]["url"]))
    summary = summary_line(result.summary())
    verdict = "failed" if not result.ok else "ok"
    figures = "\n".join(f'<figure id="chart-{_e(n)}">{svg}<figcaption>{_e(CAPTIONS.get(n, n))}</figcaption></figure>'
                        for n, svg in charts.items())
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Claims ledger report</title>
<style>{CSS}</style>
</head>
<body>
<h1>Claims ledger report</h1>
<p class="summary {verdict}">{_e(summary)}</p>
<nav><a href="#charts">Charts</a> · <a href="#findings-summary">Findings</a> · <a href="#claims-section">Claims</a></nav>
<h2 id="charts">Charts</h2>
<p class="summary">Hover a mark for its claim. Triangles and dashed lines are ambiguous readings; ≤, ≥, ≈ and “avg” mark
the claim's qualifier.</p>
{figures}
<h2 id="findings-summary">Findings</h2>
{_findings_html(result)}
<h2 id="claims-section">Claims</h2>
<p><label for="claim-filter">Filter claims: </label>
<input id="claim-filter" type="search" placeholder="id, paper, metric, words of the quote…" autocomplete="off">
<span id="claim-count"></span></p>
{_claims_html(t, urls)}
<script>{JS}</script>
</body>
</html>
"""


def _validate(root: Path):
    from .engine import validate
    from .layout import Layout

    return validate(Layout.find(root=Path(root)))


def chart_bytes(chart, fmt: str) -> bytes:
    """The chart as SVG or PNG bytes, rendered offline by vl-convert."""
    buf = io.BytesIO() if fmt == "png" else io.StringIO()
    chart.save(buf, format=fmt, **({"scale_factor": 2} if fmt == "png" else {}))
    data = buf.getvalue()
    return data if isinstance(data, bytes) else data.encode("utf-8")


def write_charts(result, out_dir: Path, formats: tuple[str, ...] = ("svg", "png")) -> list[Path]:
    """Write every chart of a validation result as out_dir/NAME.svg and NAME.png, each atomically."""
    out_dir = Path(out_dir)
    make_dirs(out_dir)
    written = []
    for name, chart in build_charts(result).items():
        for fmt in formats:
            path = out_dir / f"{name}.{fmt}"
            write_atomic(path, chart_bytes(chart, fmt))
            written.append(path)
    return written


def export_charts(root: Path, out_dir: Path, formats: tuple[str, ...] = ("svg", "png")) -> list[Path]:
    """Write every chart of the ledger at `root` as out_dir/NAME.svg and NAME.png (offline, vl-convert), the
    files the notebooks export, without running them; returns the paths written."""
    return write_charts(_validate(root), out_dir, formats)


def report_html(result) -> str:
    """The self-contained page for a validation result: inline SVG charts, findings, searchable claims."""
    charts = {name: svg_inline(chart, name) for name, chart in build_charts(result).items()}
    return render_page(result, charts)


def write_report(root: Path, out: Path, result=None) -> Path:
    """Validate the ledger at `root` (unless `result` is given) and write the HTML report to `out`; returns `out`."""
    out = Path(out)
    make_dirs(out.parent)
    check_target(out)  # a bad --out fails before the charts are rendered
    result = result if result is not None else _validate(root)
    write_atomic(out, report_html(result).encode("utf-8"))
    return out
