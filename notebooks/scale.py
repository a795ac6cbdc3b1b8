# %% [markdown]
# # Dataset and model scale
#
# Sizes on one float scale (`size_value`) with the printed digits kept (`value`, and `size_label` such as
# 52.6k or 1.04B), on log axes. Each metric and unit gets its own panel: tokens are not examples, and
# parameters are not either. Small counts that describe a setting (bit width, k, number of GPUs) are left out.

# %%
from pathlib import Path

import ledger
from ledger.compare import comparable
from ledger.html_report import scale_chart
from ledger.notebook import offline_charts

offline_charts()  # each chart shows as its Vega-Lite spec plus an SVG: nothing loads from a CDN
ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "claims.csv").is_file())
CHARTS = ROOT / "build" / "charts"
CHARTS.mkdir(parents=True, exist_ok=True)
table = comparable(ledger.validate(ROOT).ledger)

# %%
sizes = table[table["unit_family"] == "size"].sort_values("size_value", ascending=False)
sizes[["claim_id", "metric", "unit", "value", "size_label", "size_value", "lo", "hi", "qualifier", "context"]]

# %%
chart = scale_chart(table)
chart.save(CHARTS / "scale.svg")
chart.save(CHARTS / "scale.png", scale_factor=2)
chart
