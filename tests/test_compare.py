"""ledger.compare: claims on comparable scales (improvement factors, unit families, sizes)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from ledger import Layout
from ledger.engine import load as load_tables
from ledger.compare import comparable, improvement_factors, size_label, stated_bounds, unit_family


def load(root):
    # the engine-level load: returns (Ledger, findings)
    return load_tables(Layout.find(root=root))[0]


def frame(*rows, levels=False):
    cols = ["unit", "direction", "baseline", "num", "lo", "hi"]
    if levels:
        cols += ["s_num", "s_lo", "s_hi", "b_num", "b_lo", "b_hi"]
    return pd.DataFrame([r + (np.nan,) * (len(cols) - len(r)) for r in rows], columns=cols)


def test_ratio_is_kept_when_higher_is_better_and_inverted_when_lower():
    f = improvement_factors(frame(("ratio", "higher", "B", 2.42, 2.415, 2.425), ("ratio", "lower", "B", 0.5, 0.45, 0.55)))
    assert f["improvement_factor"].tolist() == pytest.approx([2.42, 2.0])
    assert f[["factor_lo", "factor_hi"]].iloc[0].tolist() == pytest.approx([2.415, 2.425])
    assert f[["factor_lo", "factor_hi"]].iloc[1].tolist() == pytest.approx([1 / 0.55, 1 / 0.45])
    assert f["factor_reason"].tolist() == ["", ""]


def test_relative_change_becomes_a_factor_in_the_better_direction():
    f = improvement_factors(frame(
        ("relative_percent", "lower", "B", -23, -23.5, -22.5),  # 23% less latency
        ("relative_percent", "lower", "B", -60, -60.5, -59.5),  # 60% less cost
        ("relative_percent", "higher", "B", 26, 25.5, 26.5),  # 26% gain
        ("relative_percent", "higher", "B", -10, -10.5, -9.5),  # a loss is a factor below 1
    ))
    assert f["improvement_factor"].round(2).tolist() == [1.30, 2.5, 1.26, 0.9]
    assert f["factor_lo"].iloc[0] == pytest.approx(1 / 0.775) and f["factor_hi"].iloc[0] == pytest.approx(1 / 0.765)
    assert (f["factor_lo"] <= f["improvement_factor"]).all() and (f["improvement_factor"] <= f["factor_hi"]).all()


def test_one_sided_bounds_stay_one_sided():
    # "up to 4x" is (0, 4.5]; on a lower-is-better metric its factor is at least 1/4.5
    f = improvement_factors(frame(("ratio", "higher", "B", 4, 0.0, 4.5), ("ratio", "lower", "B", 4, 0.0, 4.5)))
    assert f[["factor_lo", "factor_hi"]].iloc[0].tolist() == [0.0, 4.5]
    assert f["factor_lo"].iloc[1] == pytest.approx(1 / 4.5) and math.isinf(f["factor_hi"].iloc[1])


def test_points_need_a_level_to_become_a_factor():
    f = improvement_factors(frame(
        ("pp", "higher", "B", 2.68, 2.675, 2.685, 77.58, 77.575, 77.585, 74.90, 74.895, 74.905),
        ("pp", "lower", "B", -2.0, -2.05, -1.95, 8.0, 7.95, 8.05, 10.0, 9.95, 10.05),  # error rate 10% -> 8%
        ("pp", "higher", "B", 5.0, 4.95, 5.05),
        levels=True))
    assert f["improvement_factor"].iloc[0] == pytest.approx(77.58 / 74.90)
    assert f["factor_lo"].iloc[0] == pytest.approx(77.575 / 74.905)
    assert f["improvement_factor"].iloc[1] == pytest.approx(1.25)
    assert f["factor_lo"].iloc[1] == pytest.approx(9.95 / 8.05) and f["factor_hi"].iloc[1] == pytest.approx(10.05 / 7.95)
    assert math.isnan(f["improvement_factor"].iloc[2])
    assert f["factor_reason"].iloc[2] == "points difference; no level of either side recorded or implied"


def test_points_without_level_columns_get_the_reason():
    f = improvement_factors(frame(("pp", "higher", "B", 5.0, 4.95, 5.05)))
    assert math.isnan(f["improvement_factor"].iloc[0]) and f["factor_reason"].iloc[0].startswith("points difference")


@pytest.mark.parametrize("row, reason", [
    (("ratio", "neutral", "B", 2.0, 1.5, 2.5), "no better direction"),
    (("pp", "neutral", "", 57.34, -100, 57.345), "no better direction"),
    (("percent", "higher", "", 77.58, 77.575, 77.585), "a level, not a comparison"),
    (("score", "higher", "", 7.1, 7.05, 7.15), "a level, not a comparison"),
    (("count", "neutral", "", 525, 524.5, 525.5), "a size, not a comparison"),
    (("params", "neutral", "", 7e9, 6.5e9, 7.5e9), "a size, not a comparison"),
    (("ratio", "higher", "", 2.0, 1.5, 2.5), "no baseline"),
    (("ratio", "", "B", 2.0, 1.5, 2.5), "metric not in the vocabulary"),
    (("ratio", "higher", "B", np.nan, np.nan, np.nan), "value is not a number"),
])
def test_no_factor_says_why(row, reason):
    f = improvement_factors(frame(row))
    assert math.isnan(f["improvement_factor"].iloc[0]) and math.isnan(f["factor_lo"].iloc[0])
    assert f["factor_reason"].iloc[0] == reason and f["factor_how"].iloc[0] == ""


@pytest.mark.parametrize("value, label", [
    ("52.6e3", "52.6k"), ("1.04e9", "1.04B"), ("52.93e6", "52.93M"), ("7e9", "7B"), ("13e9", "13B"),
    ("1e6", "1M"), ("1e3", "1k"), ("221247", "221,247"), ("525", "525"), ("5e4", "50k"), ("1.5e7", "15M"),
    ("2.50", "2.50"),
])
def test_size_label_keeps_the_printed_digits(value, label):
    assert size_label(value) == label


def test_unit_families():
    units = pd.Series(["percent", "pp", "relative_percent", "ratio", "count", "params", "tokens", "score", "furlongs"])
    assert unit_family(units).tolist() == ["fraction", "fraction", "ratio", "ratio", "size", "size", "size", "score", ""]


def test_stated_bounds_clip_to_the_unit_range():
    v = pd.DataFrame({"blo": [-np.inf, -np.inf, 94.05, 0.5], "bhi": [4.5, 12.5, 104.95, np.inf]})
    lo, hi = stated_bounds(v, pd.Series(["ratio", "relative_percent", "percent", "count"]))
    assert lo.tolist() == [math.ulp(0.0), math.nextafter(-100.0, 0), 94.05, 0.5]  # open minima: just above 0 and -100
    assert hi.tolist() == [4.5, 12.5, 100.0, np.inf]


# --- the bundled ledger -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundled():
    led = load(REPO)
    return comparable(led).set_index("claim_id")


def test_one_row_per_claim_with_the_claim_columns(bundled):
    led = load(REPO)
    assert list(bundled.index) == list(led.claims["claim_id"])
    assert set(led.claims.columns) - {"claim_id"} <= set(bundled.columns)
    for col in ["paper", "year", "direction", "unit_family", "num", "lo", "hi", "ambiguous", "pp", "improvement_factor",
                "factor_lo", "factor_hi", "factor_how", "factor_reason", "size_value", "size_label"]:
        assert col in bundled.columns


def test_bundled_factors(bundled):
    f = bundled["improvement_factor"]
    assert round(f["hawqv3-mixed-precision-latency-vs-int8"], 2) == 1.30  # 23% less latency
    assert f["rarts-computational-cost-vs-second-order-darts"] == pytest.approx(2.5)  # 60% less cost
    assert f["memo-mfu-vs-megatron-lm"] == pytest.approx(2.42)
    assert f["hawqv3-speedup-vs-int8"] == pytest.approx(1.45)
    assert f["cptquant-tdmpq-compression-vs-other-methods"] == pytest.approx(1.30)
    # 2.68 points over an implied 74.90% baseline: 77.58 / 74.90
    hawq = bundled.loc["hawqv3-int8-accuracy-vs-prior-integer-only"]
    assert hawq["pp"] == 2.68 and hawq["improvement_factor"] == pytest.approx(77.58 / 74.90)
    assert hawq["factor_lo"] < 77.58 / 74.90 < hawq["factor_hi"] and "hawqv3-int8-accuracy" in hawq["factor_how"]


def test_bundled_reasons(bundled):
    r = bundled["factor_reason"]
    assert r["mixreorg-miou-gain-ade20k"].startswith("points difference")
    assert r["blend-gpt-4-culture-gap"] == "no better direction"
    assert r["memo-mfu"] == "a level, not a comparison"
    assert r["memo-model-size"] == "a size, not a comparison"
    has_factor = bundled["improvement_factor"].notna()
    assert (has_factor == (r == "")).all()  # every row has either a factor or a reason
    assert (bundled.loc[has_factor, "factor_lo"] <= bundled.loc[has_factor, "improvement_factor"]).all()
    assert (bundled.loc[has_factor, "improvement_factor"] <= bundled.loc[has_factor, "factor_hi"]).all()


def test_bundled_papers_sizes_and_readings(bundled):
    memo = bundled.loc["memo-model-size"]
    assert memo["paper"].startswith("Efficiently Training 7B LLM") and memo["year"] == 2024
    assert (memo["unit_family"], memo["size_value"], memo["size_label"], memo["value"]) == ("size", 7e9, "7B", "7e9")
    assert bundled.loc["hingcorpus-token-count", "size_label"] == "1.04B"
    assert bundled.loc["mixreorg-miou-gain-coco", "ambiguous"] and not bundled.loc["memo-mfu", "ambiguous"]
    assert bundled.loc["cptquant-compression-vs-fp16", ["lo", "hi"]].tolist() == [math.ulp(0.0), 4.5]  # "up to 4x": (0, 4.5]
    assert bundled["size_value"].isna().equals(bundled["unit_family"] != "size")


def test_recorded_baseline_level_gives_the_factor(ledger_dir):
    # the base fixture records both levels (77.58 and 74.90) next to the 2.68 points
    t = comparable(load(ledger_dir)).set_index("claim_id")
    assert t.loc["fastnet-accuracy-vs-slownet", "improvement_factor"] == pytest.approx(77.58 / 74.90)
    assert round(t.loc["fastnet-latency-vs-slownet", "improvement_factor"], 2) == 1.30


def test_a_broken_ledger_still_compares(ledger_dir):
    claims = ledger_dir / "claims.csv"
    text = claims.read_text().replace("fastnet-speed-vs-slownet,2401.00001,FastNet,training_speed,2.42",
                                      "fastnet-speed-vs-slownet,2401.00001,FastNet,no_such_metric,2.4.2")
    claims.write_text(text)
    t = comparable(load(ledger_dir)).set_index("claim_id")
    assert t.loc["fastnet-speed-vs-slownet", "factor_reason"] == "metric not in the vocabulary"


def test_contexts_combine_as_sets_of_canonical_items(ledger_dir):
    # the points difference says "zero-shot; Bench-A", the levels "BenchA; zero-shot": one context
    claims = ledger_dir / "claims.csv"
    text = claims.read_text().replace(",SlowNet,BenchA,", ",SlowNet,zero-shot; Bench-A,").replace(
        ",,BenchA,", ",,BenchA; zero-shot,")
    claims.write_text(text)
    t = comparable(load(ledger_dir)).set_index("claim_id")
    assert t.loc["fastnet-accuracy-vs-slownet", "improvement_factor"] == pytest.approx(77.58 / 74.90)


def test_contexts_that_differ_in_an_item_do_not_combine(ledger_dir):
    claims = ledger_dir / "claims.csv"
    claims.write_text(claims.read_text().replace(",SlowNet,BenchA,", ",SlowNet,BenchA; few-shot,"))
    t = comparable(load(ledger_dir)).set_index("claim_id")
    assert np.isnan(t.loc["fastnet-accuracy-vs-slownet", "improvement_factor"])
