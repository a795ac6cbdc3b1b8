"""Notebook charts that draw without a network.

Altair's default renderer writes HTML that loads vega from a CDN, so offline, and on GitHub's notebook
view, every chart is blank. `offline_charts()` switches to a renderer whose output carries two forms of
each chart: its Vega-Lite spec (a mimetype that frontends with vega built in draw interactively, no
script tag) and an SVG rendered here by vl-convert, which every other viewer shows.
"""

from __future__ import annotations

import altair as alt
from altair.vegalite.v6.display import svg_renderer

__all__ = ["OFFLINE_RENDERER", "VEGALITE_MIMETYPE", "offline_bundle", "offline_charts"]

OFFLINE_RENDERER = "ledger-offline"
# Altair 6's own "mimetype" renderer writes the key application/vnd.vegalite.v6.json, which nbformat
# rejects (a JSON value needs a key ending in +json), so saving the executed notebook fails; frontends
# that draw Vega-Lite 6 read the +json form.
VEGALITE_MIMETYPE = f"application/vnd.vegalite.v{alt.VEGALITE_VERSION.split('.')[0]}+json"


def offline_bundle(spec: dict, **options) -> tuple[dict, dict]:
    """The display bundle of a chart: the interactive spec, an SVG beside it, and a line of text; options
    (such as embed_options) go with the spec as its metadata, as in Altair's own mimetype renderer."""
    bundle = {VEGALITE_MIMETYPE: spec, **svg_renderer(spec), "text/plain": "<Altair chart>"}
    return bundle, ({VEGALITE_MIMETYPE: options} if options else {})


def offline_charts(**options) -> None:
    """Show every chart from here on as `offline_bundle`."""
    alt.renderers.register(OFFLINE_RENDERER, offline_bundle)
    alt.renderers.enable(OFFLINE_RENDERER, **options)
