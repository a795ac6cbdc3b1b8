"""The dimensioned units: the canonical table against pint, how a unit cell is read (L305/L103), the
conversion to base units, and that pint is imported only by a ledger that needs it."""

from __future__ import annotations

import math
import subprocess
import sys

import pandas as pd
import pytest

from ledger.units import DIMENSIONED, DIMENSIONS, PRINTED, TYPED, UNITS, conversions, dimension_of, read, registry, spelling_failure


@pytest.mark.parametrize("name", DIMENSIONED)
def test_every_canonical_factor_is_pints(name):
    """The table's exact factors (what a ledger of canonical units uses, without pint) are pint's."""
    u = UNITS[name]
    base = DIMENSIONS[u.dimension].base
    assert math.isclose(registry().Quantity(1, name).to(base).magnitude, u.factor, rel_tol=1e-12)
    r = read(name)
    assert (r.dimension, r.canonical) == (u.dimension, name)


def test_every_dimension_has_its_base_unit_with_factor_one():
    for d in DIMENSIONS.values():
        assert dict(d.units)[d.base] == 1.0


@pytest.mark.parametrize("found, code, canonical", [
    ("TFLOPS", "L305", "TFLOP/s"), ("petaflops", "L305", "PFLOP/s"), ("GFLOPS", "L305", "GFLOP/s"),
    ("sec", "L305", "s"), ("seconds", "L305", "s"), ("hours", "L305", "h"), ("hr", "L305", "h"), ("msec", "L305", "ms"),
    ("µs", "L305", "us"), ("GPU-hours", "L305", "GPU_hour"), ("GPU hours", "L305", "GPU_hour"), ("KB", "L305", "kB"),
    ("gigabytes", "L305", "GB"), ("tokens/s", "L305", "token/s"), ("fps", "L305", "frame/s"),
    ("dollar", "L305", "USD"),
    ("Gb", "L305", "GB"), ("Mb", "L305", "MB"),  # bits, not bytes: the message says so, and GB only if bytes were meant
    ("FLOPs", "L103", "FLOP or FLOP/s"), ("TFLOPs", "L103", "TFLOP or TFLOP/s"), ("petaFLOPs", "L103", "PFLOP or PFLOP/s"),
])
def test_second_spellings(found, code, canonical):
    got = spelling_failure(found)
    assert got is not None and (got[0], got[2]) == (code, canonical)


def test_bits_are_named_as_bits():
    code, message, expected = spelling_failure("Gb")
    assert "bits, not bytes" in message and "1.25e+08 B" in message


def test_a_spelling_with_no_canonical_unit_says_the_factor():
    code, message, expected = spelling_failure("Mbit")
    assert code == "L305" and "bits" in message
    code, message, expected = spelling_failure("week") or (None, "", "")
    assert code is None  # not a unit of the registry: the schema's L103 with "did you mean"


@pytest.mark.parametrize("found", ["mss", "Percent", "percent", "3", "2**99999", "s" * 60, "m", "(s", "1/s", "", "x"])
def test_words_that_are_no_dimensioned_unit(found):
    assert spelling_failure(found) is None


def test_conversions_per_distinct_unit():
    units = pd.Series(["ms", "s", "percent", "TFLOP/s", "PFLOP/s", "TFLOPS", "nonsense", "GiB", "kB"])
    dim, factor = conversions(units)
    assert list(dim) == ["time", "time", "percent", "compute_rate", "compute_rate", "compute_rate", "nonsense", "memory", "memory"]
    assert list(factor) == [1e-3, 1.0, 1.0, 1e12, 1e15, 1e12, 1.0, 2.0 ** 30, 1e3]


def test_dimension_of():
    assert (dimension_of("ms"), dimension_of("GPU_hour"), dimension_of("percent"), dimension_of("TFLOPS")) == ("[time]", "[gpu_time]", "", "")


def test_dimensioned_values_are_never_negative():
    assert all(UNITS[n].minimum == 0 and UNITS[n].maximum is None and not UNITS[n].open_min for n in DIMENSIONED)
    assert set(TYPED) == {"percent", "pp", "relative_percent", "ratio", "count", "params", "tokens", "score"}


def test_printed_words_name_canonical_units():
    assert set(PRINTED.values()) <= set(DIMENSIONED)
    assert (PRINTED["TFLOPS"], PRINTED["seconds"], PRINTED["GPU hours"], PRINTED["frames per second"]) == ("TFLOP/s", "s", "GPU_hour", "frame/s")


def _imported(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_pint_is_not_imported_for_a_ledger_without_second_spellings(ledger_dir):
    """The cold start of a ledger of canonical units (dimensioned or not) pays no pint import."""
    mods = _imported("from pathlib import Path\nfrom ledger import Layout\nfrom ledger.engine import validate\n"
                     "r = validate(Layout.find(root=Path('.')))\nassert not r.findings, r.findings")
    assert "pint" not in mods


def test_pint_is_imported_for_a_second_spelling(ledger_dir):
    text = (ledger_dir / "claims.csv").read_text()
    (ledger_dir / "claims.csv").write_text(text.replace(",percent,", ",Percent,", 1))
    assert "pint" not in _imported("from pathlib import Path\nfrom ledger import Layout\nfrom ledger.engine import validate\n"
                                   "validate(Layout.find(root=Path('.')))")  # a miscased typed unit: no pint either
    (ledger_dir / "claims.csv").write_text(text.replace(",percent,", ",TFLOPS,", 1))
    assert "pint" in _imported("from pathlib import Path\nfrom ledger import Layout\nfrom ledger.engine import validate\n"
                               "validate(Layout.find(root=Path('.')))")


def test_pint_is_not_imported_for_canonical_dimensioned_units(tmp_path, monkeypatch):
    from conftest import TESTS, build_ledger

    root = build_ledger(tmp_path / "ledger", TESTS / "cases" / "L305-pass-canonical-spellings")
    monkeypatch.chdir(root)
    mods = _imported("from pathlib import Path\nfrom ledger import Layout\nfrom ledger.engine import validate\n"
                     "r = validate(Layout.find(root=Path('.')))\nassert not r.findings, r.findings\n"
                     "assert (r.ledger.claims['unit'] == 'TFLOP/s').any()")
    assert "pint" not in mods
