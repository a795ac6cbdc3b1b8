"""The report's charts: a panel per metric of levels, a paper palette that stays distinct past ten
papers, legends that list every paper whole, and full paper titles on hover."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from conftest import REPO
from ledger import Layout
from ledger.compare import comparable
from ledger.engine import validate
from ledger.html_report import PAPER_COLORS, build_charts, claim_marks, levels_chart, svg_inline


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return comparable(validate(Layout.find(root=REPO)).ledger)


def panels(spec: dict) -> list[tuple[str, pd.DataFrame]]:
    datasets = spec.get("datasets", {})
    return [(p["title"]["text"], pd.DataFrame(datasets[p.get("data", spec.get("data"))["name"]])) for p in spec["vconcat"]]


def test_levels_have_one_panel_per_metric_and_unit(table):
    spec = levels_chart(table).to_dict()
    found = panels(spec)
    assert [title for title, _ in found] == ["accuracy (percent, higher is better)", "layer_share (percent, no better direction)",
                                             "mfu (percent, higher is better)"]
    for title, rows in found:
        mine = table.set_index("claim_id").loc[rows["claim_id"]]
        assert mine["metric"].nunique() == 1 and mine["unit"].nunique() == 1, title
    shown = {cid for _, rows in found for cid in rows["claim_id"]}
    levels = set(table.loc[table["unit"].isin(["percent", "score"]), "claim_id"])
    assert shown == levels and len(shown) == 4
    assert not shown & set(table.loc[table["unit"] == "pp", "claim_id"])  # a gain in points is not a level


def test_a_level_chart_of_no_levels_is_a_note(table):
    spec = levels_chart(table[table["unit"] == "ratio"]).to_dict()
    assert "No levels" in str(spec)


def many_papers(table: pd.DataFrame, n: int) -> pd.DataFrame:
    """n copies of one level claim, each from its own paper with a long title."""
    one = table[table["claim_id"] == "memo-mfu"]
    rows = []
    for i in range(n):
        r = one.copy()
        r["paper_id"], r["claim_id"], r["subject"] = f"2401.{i:05d}", f"claim-{i}", f"Method{i}"
        r["paper"] = f"Paper {i:02d} on a long subject: with a subtitle that would not fit in a legend at all"
        r["num"] = 40.0 + i
        r["lo"], r["hi"], r["value"] = r["num"] - 0.005, r["num"] + 0.005, f"{40 + i}.00"
        rows.append(r)
    return pd.concat(rows, ignore_index=True)


def point_fills(svg: str) -> list[str]:
    return re.findall(r'aria-roledescription="point"[^>]*fill="(#[0-9a-f]{6})"', svg) or \
        re.findall(r'fill="(#[0-9a-f]{6})"[^>]*aria-roledescription="point"', svg)


def test_twenty_papers_get_twenty_colours_and_a_legend_that_names_each(table):
    svg = svg_inline(levels_chart(many_papers(table, 20)), "levels")
    assert len(PAPER_COLORS) == len(set(PAPER_COLORS)) == 20
    fills = point_fills(svg)
    assert len(fills) == 20 and len(set(fills)) == 20  # Vega's default ten colours would repeat after the tenth
    short = set(claim_marks(many_papers(table, 20))["paper_short"])
    legend = set(re.findall(r"<text[^>]*>(Paper \d\d[^<]*)</text>", svg))
    assert legend == short  # every paper, and each short name whole: not cut again by the legend


def test_the_first_ten_colours_are_the_strong_ones(table):
    fills = point_fills(svg_inline(levels_chart(many_papers(table, 10)), "levels"))
    assert set(fills) == set(PAPER_COLORS[:10])


def test_hovering_a_mark_shows_the_full_paper_title(table):
    svg = svg_inline(levels_chart(many_papers(table, 3)), "levels")
    assert "paper: Paper 01 on a long subject: with a subtitle that would not fit in a legend at all" in svg
    full = "Efficiently Training 7B LLM with 1 Million Sequence Length on 8 GPUs"
    page_svgs = [svg_inline(c, n) for n, c in build_charts(validate(Layout.find(root=REPO))).items() if n in ("factors", "levels")]
    assert all(f"paper: {full}" in s for s in page_svgs)


def paper_colours(spec):
    """Every colour encoding by paper in a chart's spec."""
    if isinstance(spec, dict):
        if spec.get("field") == "paper_short" and "legend" in spec:
            yield spec
        for v in spec.values():
            yield from paper_colours(v)
    elif isinstance(spec, list):
        for v in spec:
            yield from paper_colours(v)


def test_every_paper_legend_lists_all_papers_whole():
    charts = build_charts(validate(Layout.find(root=REPO)))
    found = [(name, c) for name, chart in charts.items() for c in paper_colours(chart.to_dict())]
    assert {name for name, _ in found} >= {"factors", "gains", "levels", "scale"}
    for name, c in found:
        assert c["legend"]["symbolLimit"] == 0 and c["legend"]["labelLimit"] >= 300, name
        assert c["scale"]["range"] == PAPER_COLORS, name
