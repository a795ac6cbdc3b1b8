"""ledger.html_report: the charts keep their rules, the page is self-contained and escapes the data, and
the notebooks that show the charts are stored as in-sync, output-free jupytext pairs."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import jupytext
import nbformat
import pandas as pd
import pytest

from conftest import REPO, build_ledger
from ledger import Layout
from ledger.compare import comparable
from ledger.engine import validate
from ledger.html_report import CHARTS, build_charts, export_charts, log_domain, svg_inline, write_report

PLANTED = "<script>alert(1)</script>"
PLANTED_ATTR = '"><img src=x onerror=alert(2)>'


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    out = write_report(REPO, tmp_path_factory.mktemp("report") / "report.html")
    return out.read_text(encoding="utf-8")


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's parser sees them."""

    def __init__(self, page: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def resource_references(page: str) -> list[str]:
    """Everything that would make a browser fetch: a src attribute, a <link href>, CSS url() and @import.
    Links the reader clicks (<a href>) are not resources; escaped text and attribute values are not tags."""
    tags = Tags(page).tags
    refs = [a["src"] for _, a in tags if "src" in a]
    refs += [a.get("href", "") for t, a in tags if t == "link"]
    refs += re.findall(r"""url\(\s*["']?([^)"']+)""", page)
    refs += re.findall(r"""@import\s+["']?([^"';]+)""", page)
    return [r for r in refs if not r.startswith("#")]


def test_the_page_is_written_with_charts_findings_and_claims(page):
    assert page.startswith("<!DOCTYPE html>")
    for name in CHARTS:
        assert f'<figure id="chart-{name}"><svg ' in page
    assert page.count("<svg ") == len(CHARTS)
    assert "ok: 69 claims, 20 papers; 0 errors, 0 warnings, 1 notices" in page
    assert 'id="claim-filter"' in page and 'id="claims"' in page
    claims = sum(1 for _ in open(REPO / "claims.csv", encoding="utf-8")) - 1  # one record a line: no quote holds a line break
    assert page.count('<span class="id" id="claim-') == claims  # every claim is a row, with its id visible
    assert "our mixed-precision INT4/8 quantization can reduce INT8 latency by 23%" in page  # quotes are visible
    assert "1.30×" in page  # the factor of the 23% latency reduction


def test_the_page_loads_nothing_from_the_network(page):
    assert resource_references(page) == []
    tags = Tags(page).tags
    assert [t for t, _ in tags if t in ("link", "iframe", "img", "object", "embed")] == []
    assert [a for t, a in tags if t == "script"] == [{}]  # one inline script, no src
    external = [(t, a) for t, a in tags for k in ("href", "src", "xlink:href") if re.match(r"https?:", a.get(k) or "")]
    assert external and {t for t, _ in external} == {"a"}  # only plain links the reader clicks, e.g. to arXiv


def test_marks_have_hover_titles_and_ids_are_unique(page):
    titles = re.findall(r"<title>([^<]*)</title>", page)
    assert sum("claim_id: hawqv3-mixed-precision-latency-vs-int8" in t for t in titles) >= 2  # point and label
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """The base ledger with markup planted in a quote, a context, a paper title and a paper URL."""
    root = build_ledger(tmp_path_factory.mktemp("planted") / "ledger")
    claims = root / "claims.csv"
    text = claims.read_text(encoding="utf-8")
    text = text.replace("It trains 2.42x faster than SlowNet", f"It trains 2.42x faster {PLANTED}")
    text = text.replace("fastnet-examples,2401.00001,FastNet,dataset_size,52.6e3,count,,,",
                        f'fastnet-examples,2401.00001,FastNet,dataset_size,52.6e3,count,,"{PLANTED_ATTR.replace(chr(34), chr(34) * 2)}",')
    claims.write_text(text, encoding="utf-8")
    papers = root / "papers.csv"
    text = papers.read_text(encoding="utf-8")
    text = text.replace("FastNet: a fixture paper", f"FastNet {PLANTED}").replace(
        "https://arxiv.org/abs/2401.00002", "javascript:alert(3)")
    papers.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def planted_page(planted, tmp_path_factory) -> str:
    return write_report(planted, tmp_path_factory.mktemp("out") / "r.html").read_text(encoding="utf-8")


def test_data_is_escaped_everywhere(planted, planted_page):
    page = planted_page
    assert not validate(Layout.find(root=planted)).ok  # the edited quote is not in the abstract: a finding quotes it
    assert page.count("<script") == 1  # only the page's own filter script
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "onerror=alert(2)>" not in page
    tags = Tags(page).tags
    assert [t for t, _ in tags if t in ("script", "img")] == ["script"]
    assert not any(k.startswith("on") for _, a in tags for k in a)  # no event handler attribute got in
    assert not any((a.get("href") or "").startswith("javascript:") for _, a in tags)  # a non-http URL is not linked
    assert resource_references(page) == []


def test_findings_are_summarised_per_severity_and_check(planted_page):
    page = planted_page
    assert "FAILED:" in page and 'class="summary failed"' in page
    assert re.search(r'<td><span class="severity-error">error</span></td><td>[1-9]', page)
    assert "L201" in page and 'id="findings"' in page


def test_an_empty_kind_of_chart_becomes_a_note(planted_page):
    # the base fixture has no compression claims: the chart says so instead of failing
    assert "No compression claims." in planted_page and planted_page.count("<svg ") == len(CHARTS)


def test_export_charts_writes_the_notebooks_files(planted, tmp_path):
    written = export_charts(planted, tmp_path / "charts", formats=("svg",))
    assert [p.name for p in written] == [f"{name}.svg" for name in CHARTS]
    assert all(p.read_text(encoding="utf-8").startswith("<svg") for p in written)


# --- the chart rules, read from the Vega-Lite specs ----------------------------------------------------

def unit_specs(spec: dict):
    """Every single-view spec (one mark) inside a (v/h)concat or layer spec."""
    if "mark" in spec:
        yield spec
    for key in ("vconcat", "hconcat", "concat", "layer"):
        for sub in spec.get(key, []):
            yield from unit_specs(sub)
    if "spec" in spec:
        yield from unit_specs(spec["spec"])


def data_marks(spec: dict) -> list[dict]:
    """Marks drawn from claim data: not the reference rule (a datum) and not a placeholder text."""
    out = []
    for u in unit_specs(spec):
        enc = u.get("encoding", {})
        fields = {v.get("field") for v in enc.values() if isinstance(v, dict)}
        if fields - {None, "text"}:
            out.append(u)
    return out


@pytest.fixture(scope="module")
def specs() -> dict[str, dict]:
    """The Vega-Lite spec of every chart of the bundled ledger."""
    return {name: chart.to_dict() for name, chart in build_charts(validate(Layout.find(root=REPO))).items()}


def test_every_claim_mark_has_the_tooltip(specs, planted):
    # the planted ledger has findings, so its health chart draws the findings bars too
    planted_specs = {name: chart.to_dict() for name, chart in build_charts(validate(Layout.find(root=planted))).items()}
    assert any(u["encoding"]["y"]["field"] == "rule" for u in data_marks(planted_specs["health"]))
    for name, spec in [*specs.items(), *planted_specs.items()]:
        marks = data_marks(spec)
        assert marks or name == "compression", name  # the base fixture has no compression claims
        for u in marks:
            tip = {t["field"] for t in u["encoding"]["tooltip"]}
            assert {"claim_id", "paper", "qualifier", "quote"} <= tip, (name, u["mark"])
            assert u["encoding"]["description"]["field"] == "desc"  # the hover title of the inline SVG


def test_ambiguous_readings_are_marked_with_a_legend(specs):
    for name in ("factors", "gains", "levels", "compression", "scale", "health"):
        readings = [u["encoding"][ch] for u in data_marks(specs[name]) for ch in ("shape", "strokeDash")
                    if u["encoding"].get(ch, {}).get("field") == "reading"]
        assert readings, name
        assert all(r.get("legend", {}) is not None for r in readings)
        assert all(r["scale"]["domain"] == ["explicit", "ambiguous"] for r in readings)  # legend shows both


def test_a_panel_holds_one_metric_and_one_unit_family(specs):
    t = comparable(validate(Layout.find(root=REPO)).ledger).set_index("claim_id")
    for name in ("factors", "gains", "levels", "compression", "scale"):
        spec = specs[name]
        datasets = spec.get("datasets", {})
        for panel in spec["vconcat"]:
            data = panel.get("data", spec.get("data"))  # Altair hoists the data of a lone panel
            rows = pd.DataFrame(datasets[data["name"]])
            ids = rows["claim_id"]
            assert t.loc[ids, "metric"].nunique() == 1, (name, panel["title"])
            assert t.loc[ids, "unit_family"].nunique() == 1, (name, panel["title"])
            if name == "scale":
                assert t.loc[ids, "unit"].nunique() == 1  # tokens, parameters and examples apart


def test_titles_count_what_is_left_out(specs):
    subtitle = " ".join(specs["gains"]["title"]["subtitle"])
    assert "Left out: 1 claim of a difference on a metric with no better direction" in subtitle
    assert "7 of 7 claims have an ambiguous reading" in subtitle
    assert "Left out: 27 claims of a small count" in " ".join(specs["scale"]["title"]["subtitle"])


def test_log_domain():
    assert log_domain(pd.Series([525.0, 52.93e6])) == ([100.0, 1e8], [100.0, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8])
    domain, ticks = log_domain(pd.Series([1.11, 4.5]), reference=1.0, pad=1.1)
    assert domain == pytest.approx([1 / 1.1, 4.95]) and ticks[0] == 1 and 4 in ticks and 5 not in ticks


def test_svg_inline_prefixes_ids_and_adds_titles():
    import altair as alt

    df = pd.DataFrame({"x": [1, 2], "claim_id": ["a", "b<c"]})
    chart = alt.Chart(df).mark_point(clip=True).encode(x="x:Q", description="claim_id:N")
    svg = svg_inline(chart, "demo")
    assert re.findall(r'\bid="([^"]+)"', svg) and all(i.startswith("demo-") for i in re.findall(r'\bid="([^"]+)"', svg))
    assert "<title>b&lt;c</title>" in svg


# --- the notebooks: jupytext pairs, outputs stripped ---------------------------------------------------

NOTEBOOKS = REPO / "notebooks"


def test_every_notebook_is_a_pair():
    py = {p.stem for p in NOTEBOOKS.glob("*.py")}
    ipynb = {p.stem for p in NOTEBOOKS.glob("*.ipynb")}
    assert py and py == ipynb


@pytest.mark.parametrize("source", sorted(NOTEBOOKS.glob("*.py")), ids=lambda p: p.name)
def test_notebook_pair_is_in_sync_and_stripped(source: Path):
    from_py = jupytext.read(source)
    stored = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    assert [(c.cell_type, c.source) for c in stored.cells] == [(c.cell_type, c.source) for c in from_py.cells], (
        f"{source.name} and its .ipynb differ: run `jupytext --sync notebooks/*.py`")
    for cell in stored.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{source.name}: outputs not stripped"


def test_the_page_lists_a_bounded_number_of_findings_per_code():
    from ledger.findings import Finding, Severity
    from ledger.html_report import PAGE_FINDINGS_PER_CODE, listed_findings

    many = [Finding("L204", "number-uncovered", Severity.WARNING, "papers.csv", i, "abstract", "", "m") for i in range(2, 5000)]
    few = [Finding("L201", "quote-not-in-source", Severity.ERROR, "claims.csv", 2, "quote", "c", "m")]
    listed, left_out = listed_findings(few + many)
    assert len(listed) == 1 + PAGE_FINDINGS_PER_CODE and left_out == {"L204": len(many) - PAGE_FINDINGS_PER_CODE}
    assert listed_findings(few) == (few, {})
