"""The notebooks run from a fresh kernel, and every chart they show draws offline.

This is where the test command runs the notebooks (once each, through nbclient, the executor nbmake
uses): a cell that raises fails here, and the executed outputs are then read. Altair's default HTML
output loads vega from a CDN and shows a blank chart offline and on GitHub; each chart must carry an
SVG or PNG beside its spec, and no output may load a script from a remote host.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO

NOTEBOOKS = REPO / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("*.ipynb"))
IMAGES = ("image/svg+xml", "image/png")
# A script loaded from another host, a CDN, or a requirejs config pointing at one.
REMOTE = re.compile(r"""<script[^>]*\bsrc\s*=\s*["']?(https?:)?//|cdn\.jsdelivr|unpkg\.com|requirejs\.config|require\.config""",
                    re.IGNORECASE)


def run(path: Path) -> nbformat.NotebookNode:
    """Execute the notebook in its own folder, as nbmake does; a cell error raises CellExecutionError."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.validate(nb)  # the executed notebook must be savable: every output bundle valid
    return nb


@pytest.fixture(scope="module", params=SOURCES, ids=lambda p: p.name)
def executed(request) -> nbformat.NotebookNode:
    return run(request.param)


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def is_chart(out: dict) -> bool:
    """A chart output in any form Altair writes: its spec mimetype, or HTML that embeds vega."""
    data = out.get("data", {})
    return any(k.startswith(("application/vnd.vegalite", "application/vnd.vega.")) for k in data) or \
        "vega" in str(data.get("text/html", "")).lower()


def test_every_chart_carries_a_static_image(executed):
    charts = [out for out in outputs(executed) if is_chart(out)]
    assert charts, "the notebook shows no chart"
    for out in charts:
        data = out["data"]
        assert any(k in data for k in IMAGES), f"a chart with no static image: {sorted(data)}"
        assert "text/html" not in data, "a chart as HTML, which loads vega from a CDN"
        svg = data.get("image/svg+xml", "")
        assert svg.lstrip().startswith("<svg") and "<path" in svg, "the SVG is not a drawn chart"
        spec = next(v for k, v in data.items() if k.startswith("application/vnd.vegalite"))
        assert "vega-lite" in spec["$schema"], "the interactive spec is missing beside the image"


def test_no_output_loads_a_remote_script(executed):
    for out in outputs(executed):
        text = json.dumps(out)
        assert not REMOTE.search(text), f"an output loads a remote script: {REMOTE.search(text)[0]!r}"


def test_remote_pattern_catches_altairs_default_html():
    """The check above is only as good as its pattern: Altair's own HTML output must trip it."""
    import altair as alt
    import pandas as pd

    chart = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x")
    with alt.renderers.enable("html"):
        html = chart._repr_mimebundle_()["text/html"]
    assert REMOTE.search(html) and is_chart({"data": {"text/html": html}})


def test_committed_notebooks_are_as_nbstripout_writes_them():
    """The pre-commit hook strips outputs, counts, cell ids and volatile metadata; --verify changes nothing."""
    done = subprocess.run([sys.executable, "-m", "nbstripout", "--verify", *map(str, SOURCES)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"run `nbstripout notebooks/*.ipynb`: {done.stdout}{done.stderr}"
