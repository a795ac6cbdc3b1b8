# %% [markdown]
# # Comparisons across papers: speed-ups, accuracy gains, compression
#
# Every claim that compares a subject with a named baseline, on three charts:
#
# 1. **Speed-ups and efficiency factors** (speed, latency, cost, efficiency, utilisation) as an
#    improvement factor in the metric's better direction: an x-fold ratio R as printed (1/R when lower
#    is better), a relative change r as 1 + r/100 (1/(1 + r/100) when lower is better). A 23% latency
#    reduction is 1/0.77 = 1.30x.
# 2. **Accuracy and score gains** as printed: points (pp) and relative changes (%) never share an axis.
# 3. **Compression ratios** as factors over each claim's own baseline.
# 4. **Levels** (accuracy, mIoU, MFU ...): the levels the papers report (percent or score), one panel per metric.
#
# Each metric has its own panel. Data comes only from the library (`ledger.validate`,
# `ledger.compare.comparable`); the chart builders live in `ledger.html_report`, which puts the same
# charts in the HTML report.

# %%
from pathlib import Path

import ledger
from ledger.compare import comparable
from ledger.html_report import compression_chart, factors_chart, gains_chart, levels_chart
from ledger.notebook import offline_charts

offline_charts()  # each chart shows as its Vega-Lite spec plus an SVG: nothing loads from a CDN
ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "claims.csv").is_file())
CHARTS = ROOT / "build" / "charts"
CHARTS.mkdir(parents=True, exist_ok=True)
table = comparable(ledger.validate(ROOT).ledger)

# %% [markdown]
# Every comparison, with its factor or the reason it has none:

# %%
comparisons = table[table["baseline"] != ""]
comparisons[["claim_id", "metric", "direction", "value", "unit", "qualifier", "reading", "pp",
             "improvement_factor", "factor_lo", "factor_hi", "factor_how", "factor_reason"]]

# %% [markdown]
# ## Speed-ups and efficiency factors

# %%
factors = factors_chart(table)
factors.save(CHARTS / "factors.svg")
factors.save(CHARTS / "factors.png", scale_factor=2)
factors

# %% [markdown]
# ## Accuracy and score gains
#
# A points difference also becomes a factor where the ledger records or implies a level of one side
# (HAWQV3: 77.58% is 2.68 points above an implied 74.90%, a factor of 1.036). Nearly every gain in the
# seed ledger is an *ambiguous* reading: a bare "%" the curator read as points or as relative.

# %%
gains = gains_chart(table)
gains.save(CHARTS / "gains.svg")
gains.save(CHARTS / "gains.png", scale_factor=2)
gains

# %% [markdown]
# ## Compression ratios
#
# "Up to 4x compression" is an upper bound (≤4×, drawn without an interval); "11% higher compression
# ratio" is 1.11×. The baselines differ, so read each row against its own baseline.

# %%
compression = compression_chart(table)
compression.save(CHARTS / "compression.svg")
compression.save(CHARTS / "compression.png", scale_factor=2)
compression

# %% [markdown]
# ## Levels
#
# A level is read on its own metric's scale: 77.58% accuracy and 52.30% MFU are not one axis, so each
# metric is its own panel. An ambiguous reading is marked as such in the tooltip.

# %%
levels = levels_chart(table)
levels.save(CHARTS / "levels.svg")
levels.save(CHARTS / "levels.png", scale_factor=2)
levels
