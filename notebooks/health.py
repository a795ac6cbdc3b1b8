# %% [markdown]
# # Ledger health
#
# Claims per paper (one segment per claim, coloured by review status, ambiguous readings outlined),
# findings per check from `ledger.validate`, and coverage: every number printed in an abstract is
# either a claim, a documented skip, or missing.

# %%
from pathlib import Path

import ledger
from ledger.html_report import health_chart, health_frames
from ledger.notebook import offline_charts

offline_charts()  # each chart shows as its Vega-Lite spec plus an SVG: nothing loads from a CDN
ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "claims.csv").is_file())
CHARTS = ROOT / "build" / "charts"
CHARTS.mkdir(parents=True, exist_ok=True)
result = ledger.validate(ROOT)
frames = health_frames(result)
result.summary()

# %%
frames["claims"].groupby(["status", "reading"]).size().unstack(fill_value=0)

# %%
frames["findings"].groupby(["severity", "rule"]).size() if len(frames["findings"]) else "no findings"

# %%
frames["coverage"].groupby(["paper_id", "state"]).size().unstack(fill_value=0)

# %%
chart = health_chart(result)
chart.save(CHARTS / "health.svg")
chart.save(CHARTS / "health.png", scale_factor=2)
chart
