"""The HTML report in a real browser: opened from disk in headless Chromium, the charts render, the claims
table filters as one types, nothing is fetched from the network and the console stays clean.

Needs the `playwright` Python package and a Chromium binary (Debian: `apt-get install chromium`); it never
downloads a browser. Skipped when either is missing. CHROMIUM=/path/to/chromium picks another binary.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from ledger.html_report import CHARTS, write_report

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason=f"no Chromium at {CHROMIUM}")


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    """The bundled ledger's report, open in headless Chromium, with its console messages and requests."""
    report = write_report(REPO, tmp_path_factory.mktemp("report") / "report.html")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        log = {"console": [], "errors": [], "requests": []}
        page.on("console", lambda m: log["console"].append((m.type, m.text)))
        page.on("pageerror", lambda e: log["errors"].append(str(e)))
        page.on("request", lambda r: log["requests"].append(r.url))
        page.goto(report.as_uri(), wait_until="load")
        yield page, log
        browser.close()


def visible_rows(page) -> list[str]:
    """The claim id and text of each row shown, cells separated by spaces."""
    return page.eval_on_selector_all(
        "#claims tbody tr", "rows => rows.filter(r => !r.hidden).map(r => Array.from(r.cells, c => c.textContent).join(' '))")


def test_charts_render(browser_page):
    page, _ = browser_page
    for name in CHARTS:
        svg = page.locator(f"#chart-{name} svg")
        assert svg.count() == 1, name
        box = svg.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, name
        assert page.locator(f"#chart-{name} svg [role='graphics-symbol'] title").count() > 0, name  # hover titles
    assert page.locator("#chart-factors svg path[aria-roledescription='point']").count() >= 6


def test_the_table_filters_as_you_type(browser_page):
    page, _ = browser_page
    assert len(visible_rows(page)) == 69
    assert page.locator("#claim-count").text_content() == "69 of 69 claims"
    page.locator("#claim-filter").press_sequentially("latency")
    rows = visible_rows(page)
    assert 0 < len(rows) < 69 and all("latency" in r.lower() for r in rows)
    assert page.locator("#claim-count").text_content() == f"{len(rows)} of 69 claims"
    page.locator("#claim-filter").fill("reduce INT8 latency by 23%")  # words of a quote
    assert [r.split()[0] for r in visible_rows(page)] == ["hawqv3-mixed-precision-latency-vs-int8"]
    page.locator("#claim-filter").fill("int82011")  # cells do not run together
    assert visible_rows(page) == []
    page.locator("#claim-filter").fill("no claim says this")
    assert visible_rows(page) == [] and page.locator("#claim-count").text_content() == "0 of 69 claims"
    page.locator("#claim-filter").fill("")
    assert len(visible_rows(page)) == 69


def test_no_console_errors_and_no_network(browser_page):
    page, log = browser_page
    page.reload(wait_until="load")
    assert log["errors"] == []
    assert [m for m in log["console"] if m[0] in ("error", "warning")] == []
    assert [u for u in log["requests"] if not u.startswith("file:")] == []


def page_width(page) -> dict:
    """How wide the page and its tables are laid out, against the viewport."""
    return page.evaluate("""() => ({
        viewport: window.innerWidth, page: document.documentElement.scrollWidth,
        tables: Array.from(document.querySelectorAll('#claims, #findings'), t =>
            [t.id, Math.ceil(t.getBoundingClientRect().right), t.scrollWidth, t.parentElement.scrollWidth, t.parentElement.clientWidth])})""")


def test_the_tables_wrap_within_the_page_at_1400_px(browser_page):
    page, _ = browser_page
    w = page_width(page)
    assert w["viewport"] == 1400 and w["page"] <= 1400
    assert w["tables"] and all(right <= 1400 and inner <= outer for _, right, _, inner, outer in w["tables"]), w


def test_long_quotes_and_ids_wrap_too(browser_page, tmp_path):
    """A quote, context and claim id without a space to break at, and long findings about them, still fit."""
    from conftest import build_ledger

    root = build_ledger(tmp_path / "ledger")
    claims = root / "claims.csv"
    long_id = "fastnet-" + "-".join(["accuracyaccuracyaccuracy"] * 6)
    claims.write_text(claims.read_text(encoding="utf-8").replace("fastnet-accuracy,", f"{long_id},", 1)
                      .replace("reaches an accuracy of 77.58% on BenchA", "x" * 400)
                      .replace(",BenchA,exact,explicit,2.68", "," + "B" * 300 + ",exact,explicit,2.68"), encoding="utf-8")
    report = write_report(root, tmp_path / "long.html")
    page = browser_page[0].context.browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(report.as_uri(), wait_until="load")
    w = page_width(page)
    assert {t[0] for t in w["tables"]} == {"claims", "findings"}  # the broken quote is a finding
    assert w["page"] <= 1400 and all(right <= 1400 and inner <= outer for _, right, _, inner, outer in w["tables"]), w
    page.close()


def test_the_levels_chart_renders_a_panel_per_metric(browser_page):
    page, _ = browser_page
    svg = page.locator("#chart-levels svg")
    text = svg.text_content()
    for panel in ("accuracy (percent, higher is better)", "mfu (percent, higher is better)", "layer_share (percent"):
        assert panel in text
    assert page.locator("#chart-levels svg path[aria-roledescription='point']").count() == 4
