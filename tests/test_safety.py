"""Nothing in a ledger can run code or hang the checks.

1. Relation formulas are parsed by ledger/formula.py, never `eval`: payloads that would run code under eval
   are refused as L405 relation-invalid findings, and an audit hook proves nothing was compiled, executed or
   spawned from them.
2. A bounded fuzz run (hypothesis, about 20 s in all on a 2-core machine, deadline-free) over the number
   reader, the formula parser and the whole engine (the loader's is in test_properties.py): no exception, no crashed check (L000), no hang.
"""

from __future__ import annotations

import csv
import inspect
import io
import math
import re
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import BASE, build_ledger
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import Layout, formula
from ledger.engine import validate
from ledger.formula import FormulaError, holds, parse_relation, refs
from ledger.intervals import Interval
from ledger.layout import CLAIMS
from ledger.numbers import canonical, interval, is_canonical, parse_value, read_numbers

FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck))

# ---------------------------------------------------------------- formulas that would run code under eval

PAYLOADS = [
    "__import__('os').system('touch PWNED')",
    "__import__('pathlib').Path('PWNED').touch() == 1",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "{fastnet-accuracy}.__class__ == 1",
    "{a}.__class__",
    "lambda: 1 == 1",
    "(lambda x: x)(1) == 1",
    "[c for c in ().__class__.__base__.__subclasses__()] == 1",
    "open('PWNED', 'w') == 1",
    "exec('import os') == 1",
    "eval('1') == 1",
    "1 if 1 else 0 == 1",
    "{fastnet-accuracy} ** 2 == 1",
    "{fastnet-accuracy} == 1; import os",
    "1e999999 == {fastnet-accuracy}",
    "(" * 5000 + "1" + ")" * 5000 + " == 1",  # very long
    "(" * 60 + "1" + ")" * 60 + " == 1",  # deeply nested, short
    "-" * 1500 + "1 == 1",  # deep unary chain
    "{" + "x" * 3000 + "} == 1",
    "\u202e{fastnet-accuracy} == 1",
]
# Fragments only the payloads contain (pandas and namedtuple compile code of their own while validating).
_MARKERS = ("__import__", "__class__", "__subclasses__", "PWNED", "lambda: 1", "lambda x: x", "exec('import os')", "eval('1')",
            "import os", "1 if 1 else 0")


def _relations_csv(formulas) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["relation_id", "formula", "description"])
    writer.writerows([f"payload-{i}", f, "hostile"] for i, f in enumerate(formulas))
    return out.getvalue()


class _Audit:
    """Records, while armed, every compile of payload text and every process or shell the interpreter starts."""

    armed = False
    seen: ClassVar[list] = []
    _installed = False

    @classmethod
    def install(cls):
        if not cls._installed:
            sys.addaudithook(cls.hook)  # cannot be removed: it does nothing while disarmed
            cls._installed = True

    @classmethod
    def hook(cls, event, args):
        if not cls.armed:
            return
        if event == "compile":
            source = args[0]
            text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source if isinstance(source, str) else ""
            if any(m in text for m in _MARKERS):
                cls.seen.append((event, text[:80]))
        elif event in ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "pty.spawn"):
            cls.seen.append((event, repr(args)[:80]))


def test_formula_module_has_no_eval():
    source = inspect.getsource(formula)
    assert not re.search(r"(?<![.\w])(eval|exec|compile|__import__|getattr|globals|locals)\s*\(", source)


@pytest.mark.parametrize("text", PAYLOADS, ids=[p[:40] for p in PAYLOADS])
def test_payload_is_refused_by_the_parser(text):
    with pytest.raises(FormulaError):
        parse_relation(text)


def test_payloads_become_relation_invalid_findings_and_never_run(tmp_path, monkeypatch):
    root = build_ledger(tmp_path / "ledger")
    (root / "relations.csv").write_text(_relations_csv(PAYLOADS), encoding="utf-8")
    monkeypatch.chdir(root)
    validate(Layout.find(root=Path(".")))  # warm up: imports and pandas' own code generation happen here
    _Audit.install()
    _Audit.seen = []
    _Audit.armed = True
    try:
        result = validate(Layout.find(root=Path(".")))
    finally:
        _Audit.armed = False
    assert _Audit.seen == []
    assert not (root / "PWNED").exists()
    by_line = {}
    for f in result.findings:
        if f.file == "relations.csv" and f.column == "formula" and f.code.startswith("L4"):
            by_line.setdefault(f.line, set()).add(f.code)
    assert by_line == {line: {"L405"} for line in range(2, len(PAYLOADS) + 2)}
    assert not [f for f in result.findings if f.code == "L000"]


def test_long_operator_chain_is_refused_not_a_crash(tmp_path, monkeypatch):
    root = build_ledger(tmp_path / "ledger")
    formulas = ["1+" * 995 + "1 == 1", "{fastnet-accuracy} == 77.58", "{fastnet-accuracy} == 50"]
    (root / "relations.csv").write_text(_relations_csv(formulas), encoding="utf-8")
    monkeypatch.chdir(root)
    result = validate(Layout.find(root=Path(".")))
    found = sorted((f.file, f.line, f.code) for f in result.findings)
    # the failing relation is reported on its row and on the claim it names
    assert found == [("claims.csv", 2, "L403"), ("relations.csv", 2, "L405"), ("relations.csv", 4, "L403")]


@pytest.mark.parametrize("text", ["{fastnet-accuracy} * 1e999 == 1e999", "1e308 * 1e308 == 1e308 * 1e308 * 2",
                                  "{fastnet-accuracy} == \uff17\uff17.\uff15\uff18", "\u0665 == 5"])
def test_non_finite_or_non_ascii_numbers_are_refused(text):
    with pytest.raises((FormulaError, OverflowError)):  # refused when parsed, or when a side overflows
        rel = parse_relation(text)
        env = {r: Interval(77.575, 77.585) for r in refs(rel)}
        _, left, right = holds(rel, env)
        if not all(map(_finite, (left.lo, left.hi, right.lo, right.hi))):
            raise AssertionError("evaluated to a non-finite side and was accepted")


def _finite(x: float) -> bool:
    return math.isfinite(x)


# ---------------------------------------------------------------- bounded fuzz

TOKENS = ["{fastnet-accuracy}", "{slownet-params}", "{unknown}", "1", "0", "2.5", "1e3", "1e999", "+", "-", "*", "/", "(", ")",
          "==", "=", "<=", ">=", "<", ">", " ", "{", "}", ".", "e", "**", "__class__", "\u2212", "\uff11", ""]


@settings(FUZZ, max_examples=400)
@given(st.one_of(st.lists(st.sampled_from(TOKENS), max_size=60).map("".join), st.text(max_size=80)))
def test_fuzz_formula_parser(text):
    env_value = Interval(77.575, 77.585)
    try:
        rel = parse_relation(text)
    except FormulaError:
        return
    env = {r: env_value for r in refs(rel)}
    try:
        holds(rel, env)
    except ZeroDivisionError:
        pass


@settings(FUZZ, max_examples=400)
@given(st.text(max_size=200))
def test_fuzz_number_reader(text):
    for m in read_numbers(text):
        assert text[m.start:m.end] == m.printed and is_canonical(m.value)
    canonical(text)
    parsed = parse_value(text)
    if parsed is not None:
        try:
            interval(text)
        except ValueError:
            pass


# The loader's byte fuzz is test_properties.test_loader_never_raises_on_bytes_and_says_why.


_SCRATCH: list[str] = []


def _scratch() -> str:
    if not _SCRATCH:
        import tempfile

        _SCRATCH.append(tempfile.mkdtemp(prefix="ledger-fuzz-"))
    return _SCRATCH[0]


with open(BASE / "claims.csv", newline="", encoding="utf-8") as _fh:
    _BASE_ROWS = list(csv.DictReader(_fh))

# Cells that have broken parsers before, mixed with valid ones so that rows get deep into the checks.
HOSTILE_CELLS = ["", " ", "nan", "NaN", "None", "null", "-", "-0", "0", "1e999999", "1e99999999999999999999", "1e400", "1e308", "9" * 400, "0x10", "inf", "1,000", "\u0665",
                 "\u00b2", "=1+1", "\u202e", "a\u200bb", "F\u0430stNet", "2401.10020", "x" * 3000, "\u2212" + "23", "1e3", "52.30",
                 "100", "100.01", "-100", "-99.99", "1e-3", '"', "\r", "\n", "\t", "\x85", "percent", "ratio", "count", "pp",
                 "relative_percent", "up_to", "about", "at_least", "ambiguous", "verified", "FastNet", "SlowNet", "BenchA",
                 "accuracy", "latency", "dataset_size", "2401.00001", "2401.00002", "9" * 5000, "setting", "result", "list-1", "a;b", "\uff17\uff17.\uff15\uff18"]


def _cell(column: str):
    valid = sorted({r.get(column, "") for r in _BASE_ROWS})  # the base ledger leaves the optional columns out
    return st.one_of(st.sampled_from(valid), st.sampled_from(HOSTILE_CELLS), st.text(max_size=12))


_ROW = st.fixed_dictionaries({c: _cell(c) for c in CLAIMS.columns})
_FORMULA = st.lists(st.sampled_from([t for t in TOKENS if t not in ("1e999", "\uff11")]), min_size=1, max_size=30).map("".join)


@settings(FUZZ, max_examples=40)
@given(rows=st.lists(_ROW, min_size=1, max_size=8), formulas=st.lists(_FORMULA, max_size=3),
       sizes=st.lists(st.sampled_from(["", "0", "1", "7", "100", "525", "1000", "abc", "1e3", "-5"]), max_size=2))
def test_fuzz_engine_never_crashes_a_check(rows, formulas, sizes):
    root = Path(_scratch()) / "engine"
    if not root.exists():
        build_ledger(root)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CLAIMS.columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(_BASE_ROWS + rows)
    (root / "claims.csv").write_text(out.getvalue(), encoding="utf-8")
    (root / "relations.csv").write_text(_relations_csv(formulas), encoding="utf-8")
    bench = "benchmark,size,metrics,source\n" + "".join(f"Bench{i},{s},accuracy,fastnet-accuracy\n" for i, s in enumerate(sizes))
    (root / "vocab" / "benchmarks.csv").write_text(bench.replace("Bench0", "BenchA"), encoding="utf-8")
    result = validate(Layout.find(root=root))
    crashed = [f.message for f in result.findings if f.code == "L000"]
    assert not crashed
