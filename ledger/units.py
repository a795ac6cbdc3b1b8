"""The closed unit vocabulary. Each unit says what kind of number it is and which values it can take,
because the checks (ranges, implied values, normalisation) depend on exactly that.

Two families:
- the typed units (percent, pp, relative_percent, ratio, count, params, tokens, score): each its own kind
  of number, never converted into another;
- the dimensioned units (`FLOP/s`, `ms`, `GiB`, `USD`, ...): a dimension (DIMENSIONS) and a factor to the
  dimension's base unit, so that values compare across prefixes (500 ms == 0.5 s). Their canonical
  spellings are a closed list, written out here with exact factors, so that a ledger that uses only
  canonical units never imports pint. pint (a small registry of our own, DEFINITIONS) reads a unit cell
  that is not canonical, to say which canonical spelling it means (L305), and a test holds every factor of
  the list to pint's. pint reads only the `unit` columns, never free text: the words a quote prints after
  a number are looked up in PRINTED (L203).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

import numpy as np


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str  # level | difference | change | ratio | size
    description: str
    minimum: float | None = None
    maximum: float | None = None
    open_min: bool = False  # the minimum itself is impossible
    integer: bool = False  # counts are whole numbers once the exponent is expanded
    dimension: str = ""  # dimensioned units only: a key of DIMENSIONS
    factor: float = 1.0  # dimensioned units only: one of this unit in the dimension's base unit

    @property
    def bounds(self) -> tuple[float, float]:
        """The least and greatest value the unit can take, as floats: an open minimum is the next float above
        it (a ratio is at least the smallest positive float, so dividing by one never divides by 0)."""
        lo = -math.inf if self.minimum is None else float(self.minimum)
        return (math.nextafter(lo, math.inf) if self.open_min else lo), (math.inf if self.maximum is None else float(self.maximum))


UNITS: dict[str, Unit] = {u.name: u for u in (
    Unit("percent", "level", "a level in percent (accuracy of 77.58%)", 0, 100),
    Unit("pp", "difference", "a difference in percentage points (+2.68 points)", -100, 100),
    Unit("relative_percent", "change", "a relative change in percent of the baseline (-23% latency)", -100, None, open_min=True),
    Unit("ratio", "ratio", "an x-fold ratio subject/baseline (2.42x)", 0, None, open_min=True),
    Unit("count", "size", "a number of things: examples, GPUs, languages", 0, None, integer=True),
    Unit("params", "size", "a number of model parameters", 0, None, integer=True),
    Unit("tokens", "size", "a number of tokens, or a sequence length in tokens", 0, None, integer=True),
    Unit("score", "level", "a level on a scale that is not a percentage"),
)}
TYPED = tuple(UNITS)


@dataclass(frozen=True)
class Dimension:
    name: str
    base: str  # the unit values are compared in
    description: str
    units: tuple[tuple[str, float], ...]  # canonical spelling, factor to the base unit


_SI = (("", 1.0), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18), ("Z", 1e21))
_BINARY = (("Ki", 2.0 ** 10), ("Mi", 2.0 ** 20), ("Gi", 2.0 ** 30), ("Ti", 2.0 ** 40), ("Pi", 2.0 ** 50))

DIMENSIONS: dict[str, Dimension] = {d.name: d for d in (
    Dimension("compute", "FLOP", "an amount of computation in floating-point operations (training compute)",
              tuple((f"{p}FLOP", f) for p, f in _SI)),
    Dimension("compute_rate", "FLOP/s", "floating-point operations per second (hardware or achieved throughput)",
              tuple((f"{p}FLOP/s", f) for p, f in _SI)),
    Dimension("time", "s", "a duration: latency, wall-clock training time",
              (("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3), ("s", 1.0), ("min", 60.0), ("h", 3600.0), ("d", 86400.0))),
    Dimension("gpu_time", "GPU_hour", "accelerator time: GPUs times hours (8 GPUs for 2 h is 16 GPU_hour)",
              (("GPU_hour", 1.0),)),
    Dimension("memory", "B", "a size in bytes (memory, model or file size); bits are not a canonical unit",
              tuple((f"{p}B", f) for p, f in _SI[:6]) + tuple((f"{p}B", f) for p, f in _BINARY)),
    Dimension("token_rate", "token/s", "tokens per second (generation or training throughput)",
              (("token/s", 1.0), ("ktoken/s", 1e3), ("Mtoken/s", 1e6))),
    Dimension("frame_rate", "frame/s", "frames (or images) per second", (("frame/s", 1.0),)),
    Dimension("money", "USD", "an amount of money in US dollars", (("USD", 1.0),)),
)}

for _d in DIMENSIONS.values():
    for _name, _factor in _d.units:
        UNITS[_name] = Unit(_name, "quantity", f"{_d.name}: {_d.description}" if _name == _d.base else f"{_d.name}, {_factor:g} {_d.base}",
                            0, None, dimension=_d.name, factor=_factor)
DIMENSIONED = tuple(n for n in UNITS if n not in TYPED)
_TYPED_FOLDED = frozenset(t.casefold() for t in TYPED)

QUALIFIERS = ("exact", "up_to", "average", "about", "at_least", "maximum")
STATUSES = ("draft", "verified", "disputed", "retracted")
READINGS = ("explicit", "ambiguous")
DIRECTIONS = ("higher", "lower", "neutral")


def unit_bounds(units) -> tuple["np.ndarray", "np.ndarray"]:
    """Per unit name (a pandas Series), its bounds (Unit.bounds); an unknown unit is unbounded (the schema reports it).
    Looked up per distinct name (a million cells are a few units)."""
    from .codes import encode

    [code], names = encode(units)
    lo, hi = zip(*(UNITS[n].bounds if n in UNITS else (-math.inf, math.inf) for n in names)) if names else ((), ())
    return np.asarray(lo, float)[code], np.asarray(hi, float)[code]


def dimension_of(unit: str) -> str:
    """The dimension of a unit, `[time]` style, or "" for a typed or unknown unit."""
    u = UNITS.get(unit)
    return f"[{u.dimension}]" if u is not None and u.dimension else ""


def conversions(units) -> tuple["np.ndarray", "np.ndarray"]:
    """Per unit name (a pandas Series): its dimension (a typed unit, or a word no one reads, is its own
    dimension, with factor 1) and its factor to the dimension's base unit. Worked out once per distinct unit:
    a canonical one from the table; a non-canonical spelling pint reads (L305) as pint reads it."""
    from .codes import encode

    def convert(name):
        if name is None:  # a missing cell: no dimension, no factor
            return "", math.nan
        if name in UNITS:
            return UNITS[name].dimension or name, UNITS[name].factor
        r = read(name)
        return (r.dimension, r.factor) if r is not None and r.dimension else (name, 1.0)

    [code], names = encode(units)
    table = [convert(n) for n in names]
    dim = np.array([d for d, _ in table] or [""], dtype=object)
    factor = np.array([f for _, f in table] or [1.0], dtype=float)
    return dim[code], factor[code]


# pint: the registry that reads a unit cell that is not canonical. Small and of our own: pint's default
# registry reads "Gb" as gigabarn and "B" as bel-something; this one knows only what a claim can mean.
DEFINITIONS = """
kilo- = 1e3 = k- = K-
mega- = 1e6 = M-
giga- = 1e9 = G-
tera- = 1e12 = T-
peta- = 1e15 = P-
exa- = 1e18 = E-
zetta- = 1e21 = Z-
milli- = 1e-3 = m-
micro- = 1e-6 = u- = µ- = μ-
nano- = 1e-9 = n-
kibi- = 2**10 = Ki-
mebi- = 2**20 = Mi-
gibi- = 2**30 = Gi-
tebi- = 2**40 = Ti-
pebi- = 2**50 = Pi-
second = [time] = s = sec
minute = 60 * second = min = mins
hour = 60 * minute = h = hr = hrs
day = 24 * hour = d
byte = [memory] = B = Byte
bit = byte / 8 = b
FLOP = [compute] = flop
FLOPS = FLOP / second = flops
token = [token] = tok
frame = [frame] = img = image
fps = frame / second
GPU = [gpu]
GPU_hour = GPU * hour = GPUh = gpu_hour
USD = [money] = dollar = US_dollar
"""

_READABLE = re.compile(r"[A-Za-zµμ_][A-Za-zµμ_/\- ]{0,39}")  # what may be handed to pint: no digits, no operators but /
# "FLOPs" is a count in some papers (the plural of FLOP) and a rate in others (FLOPS): a unit cell cannot say which
AMBIGUOUS = re.compile(r"(?:[kMGTPEZ]|kilo|mega|giga|tera|peta|exa|zetta)?FLOPs")


@dataclass(frozen=True)
class Reading:
    """How pint reads a unit cell: its dimension (a key of DIMENSIONS, "" if none of ours), its factor to the
    base unit, pint's name for it, and the canonical spelling of the same unit, if the list has one."""
    dimension: str
    factor: float
    pint_name: str
    canonical: str | None


@cache
def registry():
    import pint

    ureg = pint.UnitRegistry(None)
    for line in DEFINITIONS.strip().splitlines():
        ureg.define(line)
    return ureg


@cache
def read(spelling: str) -> Reading | None:
    """pint's reading of a unit cell; None when pint cannot read it (or must not: see _READABLE)."""
    if not _READABLE.fullmatch(spelling) or AMBIGUOUS.fullmatch(spelling) or spelling.casefold() in _TYPED_FOLDED:
        return None
    ureg = registry()
    for candidate in dict.fromkeys((spelling, re.sub(r"[-\s]+", "_", spelling.strip()))):
        try:
            unit = ureg.parse_units(candidate)
            base = (1 * unit).to_base_units()
        except Exception:  # pint raises many kinds on a word it cannot read; none of them is ours to report
            continue
        dims = {_pint_dimension(d.base): d.name for d in DIMENSIONS.values()}
        dimension = dims.get(str(base.dimensionality), "")
        factor = float(base.magnitude) / _pint_base_factor(dimension) if dimension else math.nan
        canonical = next((n for n, f in DIMENSIONS[dimension].units if math.isclose(f, factor, rel_tol=1e-9)), None) if dimension else None
        return Reading(dimension, factor, str(unit), canonical)
    return None


@cache
def _pint_dimension(base: str) -> str:
    return str((1 * registry().parse_units(base)).to_base_units().dimensionality)


@cache
def _pint_base_factor(dimension: str) -> float:
    return float((1 * registry().parse_units(DIMENSIONS[dimension].base)).to_base_units().magnitude)


def spelling_failure(found: str) -> tuple[str, str, str] | None:
    """For a unit cell that is not in the vocabulary: (code, message, expected) when it is a dimensioned
    unit in another spelling (L305, a warning) or an ambiguous one (L103); None for any other word (the
    schema's not-in-vocabulary with its "did you mean")."""
    if AMBIGUOUS.fullmatch(found):
        prefix = found[:-len("FLOPs")]
        prefix = {"kilo": "k", "mega": "M", "giga": "G", "tera": "T", "peta": "P", "exa": "E", "zetta": "Z"}.get(prefix, prefix)
        return "L103", (f"{found!r} is ambiguous: a count of operations ({prefix}FLOP) or a rate ({prefix}FLOP/s); "
                        f"write {prefix + 'FLOP'!r} or {prefix + 'FLOP/s'!r}, as the paper means it"), f"{prefix}FLOP or {prefix}FLOP/s"
    if found.casefold() in _TYPED_FOLDED:
        return None  # a typed unit miscased ('Percent'): the schema's "did you mean", without pint
    r = read(found)
    if r is None or not r.dimension:
        return None
    if "bit" in r.pint_name:
        byte = r.pint_name.replace("bit", "byte")
        same = next((n for n, f in DIMENSIONS["memory"].units if math.isclose(f, r.factor * 8, rel_tol=1e-9)), "B")
        return "L305", (f"{found!r} reads as {r.pint_name}: bits, not bytes (1 {found} = {r.factor:g} B); if the paper means "
                        f"{byte}s write {same!r}, else convert the value to bytes"), same
    if r.canonical:
        return "L305", f"{found!r} reads as {r.pint_name} ({r.dimension}): write the canonical {r.canonical!r}", r.canonical
    base = DIMENSIONS[r.dimension].base
    return "L305", (f"{found!r} reads as {r.pint_name} ({r.dimension}), which has no canonical spelling: convert the value "
                    f"to a canonical unit (1 {found} = {r.factor:g} {base})"), base


# The unit words a quote may print after a number, for L203: spelled as papers print them, each with the
# canonical unit it means (a plain lookup, not pint: pint never reads free text). Case matters ("Gb" is bits).
PRINTED: dict[str, str] = {n: n for n in DIMENSIONED} | {
    **{f"{p}FLOPS": f"{p}FLOP/s" for p, _ in _SI}, **{f"{w}flops": f"{p}FLOP/s" for w, p in (
        ("", ""), ("kilo", "k"), ("mega", "M"), ("giga", "G"), ("tera", "T"), ("peta", "P"), ("exa", "E"))},
    "sec": "s", "secs": "s", "second": "s", "seconds": "s", "msec": "ms", "millisecond": "ms", "milliseconds": "ms",
    "µs": "us", "μs": "us", "microseconds": "us", "nanoseconds": "ns", "mins": "min", "minute": "min", "minutes": "min",
    "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "day": "d", "days": "d", "GPU-hours": "GPU_hour",
    "GPU-hour": "GPU_hour", "GPU hours": "GPU_hour", "GPU_hours": "GPU_hour", "bytes": "B", "KB": "kB",
    "tokens/s": "token/s", "tok/s": "token/s", "tokens per second": "token/s", "frames per second": "frame/s",
    "images/s": "frame/s", "fps": "frame/s", "FPS": "frame/s", "frames/s": "frame/s", "dollars": "USD",
}
PRINTED_BITS = frozenset(f"{p}b" for p in ("k", "K", "M", "G", "T", "P")) | {"bits", "bit"}  # never a byte unit


ENTITY_KINDS = ("method", "model", "dataset", "benchmark", "hardware", "organisation", "task")
