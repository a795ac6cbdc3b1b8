"""Read the numbers research abstracts print, keeping the precision they were printed with.

General-purpose quantity parsers misread this text (`52.6k` as kelvin, `1.04B` as bytes), so this is a
small reader built for it: one compiled scanning regex plus an anchored one for the marker after a number,
both free of nested repetition, so reading is linear in the text and never raises on a str.

A value is stored as a canonical decimal string: `52.30` keeps its trailing zero, `52.6k` becomes
`52.6e3` (the printed significant digits, then the multiplier's exponent). The last printed digit sets the
rounding interval used to compare numbers (statcheck's method): `52.30` stands for [52.295, 52.305].
Pure standard library, so importing it is cheap.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation, localcontext, MAX_EMAX, MIN_EMIN

__all__ = ["CANONICAL_VALUE_PATTERN", "Mention", "canonical", "interval", "is_canonical", "parse_value", "read_numbers", "reads_on", "word_names"]

# The exponent has at most three digits and no leading zero: one spelling per value, and no
# value a float cannot hold the magnitude of (1e999 overflows to inf and is reported, not computed).
CANONICAL_VALUE_PATTERN = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?(e[1-9][0-9]{0,2})?$"
_CANONICAL = re.compile(CANONICAL_VALUE_PATTERN)


@dataclass(frozen=True, slots=True)
class Mention:
    start: int  # span of the whole mention: text[start:end] == printed
    end: int
    printed: str  # as printed: "52.6k", "1.45times", "60\\%", "2.9 million", "three"
    value: str  # canonical decimal string: "52.6e3", "52.30", "3"
    marker: str  # "x" (x-fold), "%" (percent), "pp" (percentage points), "" otherwise
    word: bool  # written in words ("three", "a thousand")


# Nouns of change after "N-point": "a 3-point gain" is points, "a 5-point Likert scale" or "8-point algorithm" is not.
CHANGE_WORDS = tuple(
    f"{w}s?" for w in "gain improvement increase boost drop decrease decline reduction lead margin jump rise difference gap advantage loss".split()
)

_SCALE = {"k": 3, "thousand": 3, "m": 6, "million": 6, "b": 9, "billion": 9, "t": 12, "trillion": 12}
_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen"
    " eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD_VALUE = {w: i for i, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}


def _alt(words) -> str:
    # Longest first, so "seventeen" is tried before "seven" (the end-of-word check would reject it anyway).
    return "|".join(sorted(words, key=len, reverse=True))


_SCALE_WORDS = "thousand|million|billion|trillion"


def _cased(words) -> str:
    """Each word as a number word may be printed: lowercase, Capitalised or ALL CAPS. "ZeRO" is a name, not
    "zero", so the number words match case-sensitively (each part of "Twenty-five" on its own)."""
    return _alt({form for w in words for form in (w, w.capitalize(), w.upper())})


_CASED_SCALES = _cased(_SCALE_WORDS.split("|"))

_NUMBER = re.compile(
    rf"""
    (?P<num>
        # A minus counts only where it cannot be a hyphen: not after a word, a digit or a closing bracket
        # ("GPT-4" is 4, "2-3" is 2 and 3, "(-2.3" is -2.3).
        (?P<sign>(?<![\w.)\]}}%\-\u2212])[-\u2212])?
        (?:
            # Thousands separators only in groups of exactly three digits: "ell_{{2,1}}" is 2 and 1, not 21.
            (?P<int>[0-9]{{1,3}}(?:,[0-9]{{3}}(?![0-9]))+|[0-9]+)(?:\.(?P<frac>[0-9]+))?
          | (?<![\w.])\.(?P<frac0>[0-9]+)          # ".05" as in "p < .05"
        )
        (?:[eE](?P<exp>[-+\u2212]?[0-9]{{1,3}})(?![0-9]))?   # 1e-4, 1.2e3; at most 3 exponent digits
        (?:
            (?P<gmult>[kKMBT])(?!\w)                # glued: 52.6k, 1.04B, OPT-125M (not 10MB, 5ms)
          | [\s-]?(?P<nmult>(?i:{_SCALE_WORDS}))(?!\w)   # 2.9 million, 1-million (any Unicode space)
        )?
    )
  | (?P<word>
        (?<!\w)                                      # whole words only: not "one" in "someone"
        (?:
            (?P<wbase>(?:{_cased(_TENS)})(?:-(?:{_cased(_UNITS[1:10])}))?|{_cased(_UNITS)})
          | (?P<wa>{_cased(["a", "an"])})(?=[\s-](?:{_cased(["hundred", "dozen"])}|{_CASED_SCALES})(?!\w))  # "a dozen"
        )
        (?:[\s-](?:(?P<whund>{_cased(["hundred"])})|(?P<wdoz>{_cased(["dozen"])}))(?!\w))?
        (?:[\s-](?P<wmult>{_CASED_SCALES})(?!\w))?
        (?=(?i:fold)(?!\w)|(?!\w))                  # end of word, or glued "fold" as in "twofold"
    )
    """,
    re.VERBOSE,
)

# What follows a number, tried at its end. Order matters: "% points" is pp, not %.
_MARKER = re.compile(
    r"""
    (?P<pp>
        \s?\\{0,2}%[\s-]?(?i:points?)(?!\w)          # 3.4% points
      | [\s-](?i:percentage[\s-]points?)(?!\w)        # 3.4 percentage points, a 3.4-percentage-point gain
      | [\s-]?(?i:pp|p\.p\.)(?!\w)                    # 3.4pp, 3.4 p.p.
      | \s(?i:points?)(?!\w)                          # 3.4 points ("5-point Likert" is a scale: see below)
      | -(?i:points?)(?=[\s-](?i:{CHANGE_WORDS})(?!\w))   # a 3-point gain (the change word is not part of it)
    )
  | (?P<pct>
        \s?\\{0,2}%                                   # 52.30%, 60\% (LaTeX-escaped), 5 %
      | [\s-]?(?i:percent|per[\s-]?cent)(?!\w)
    )
  | (?P<x>
        [xX\u00d7](?:-?(?i:fold))?(?!\w)              # 2.42x, 2x-fold, 3×; not 3x3 or 8x7B
      | [\s-]?(?i:times|fold)(?!\w)                   # 1.45times, 3 times, 3-fold, twofold
    )
    """.replace("{CHANGE_WORDS}", "|".join(CHANGE_WORDS)),
    re.VERBOSE,
)
# "a 7.1-point gain": a scale has whole points, so a hyphenated "point" after a fraction is always pp.
_FRACTION_POINT = re.compile(r"-(?i:points?)(?!\w)")

# A list of numbers that shares the marker of its last one: "by 3.8 and 2.2 points", "3.8, 2.1 and 2.2 points",
# "from 3 to 5%". The link into the marked number is a word; commas only join numbers further back.
_WORD_JOINER = re.compile(r",?\s+(?:and|or|to)\s+")
_JOINER = re.compile(r"\s*,\s*|,?\s+(?:and|or|to)\s+")
_CHANGE_AHEAD = re.compile(r"[\s-](?i:%s)(?!\w)" % "|".join(CHANGE_WORDS))
_GLUED = re.compile(r"[\w-]")  # a number right after a word or hyphen is part of a name (GPT-4): it shares nothing


def _digits_value(sign: str, int_part: str, frac: str | None, exp: int) -> str:
    """Canonical string for sign, integer digits, fraction digits and a decimal exponent."""
    int_part = int_part.replace(",", "").lstrip("0") or "0"
    frac = frac or ""
    minus = "-" if sign else ""
    if exp >= 0:
        return minus + int_part + ("." + frac if frac else "") + (f"e{exp}" if exp else "")
    # A negative exponent is written out (the canonical form has none), keeping every printed digit.
    digits = int_part + frac
    point = len(int_part) + exp
    if point <= 0:
        return f"{minus}0.{'0' * -point}{digits}"
    return f"{minus}{digits[:point].lstrip('0') or '0'}.{digits[point:]}"


# Letters that Python's case-insensitive matching equates with ASCII ones but .lower() keeps apart
# ("thouſand", "fıve" match the number words): folded before the words are looked up.
_ASCII_FOLD = str.maketrans("\u017f\u0131\u0130\u212a", "siik")


def _value(m: re.Match) -> str:
    if m.group("num") is not None:
        exp = int(m.group("exp").replace("\u2212", "-")) if m.group("exp") else 0
        mult = m.group("gmult") or m.group("nmult")
        exp += _SCALE[mult.translate(_ASCII_FOLD).lower()] if mult else 0
        int_part = m.group("int") if m.group("int") is not None else "0"
        return _digits_value(m.group("sign") or "", int_part, m.group("frac") or m.group("frac0"), exp)
    base = m.group("wbase")
    if base is None:  # "a"/"an" before hundred/dozen/thousand/...
        n = 1
    else:
        tens, _, unit = base.lower().partition("-")
        n = _WORD_VALUE[tens] + (_WORD_VALUE[unit] if unit else 0)
    if m.group("whund"):
        n *= 100  # "a hundred" is 100, like "twenty" is 20: only scale words give an exponent
    if m.group("wdoz"):
        n *= 12
    exp = _SCALE[m.group("wmult").lower()] if m.group("wmult") else 0
    return f"{n}e{exp}" if exp else str(n)


# Every place a number can start: a digit, a point, a minus sign, or a word that begins a number word.
# read_numbers tries the full pattern only there (a superset of _NUMBER's match starts), which is several
# times faster than letting _NUMBER.search try every character.
_START = re.compile(rf"[0-9.\-\u2212]|(?<!\w)(?i:{_alt(_UNITS + _TENS)}|an?)")


def read_numbers(text: str, names: Iterable[str] = ()) -> list[Mention]:
    """Every number-bearing token of `text`, in order. Never raises on a str; linear time.

    A number word inside an occurrence of one of `names` (entity names as printed, case-sensitive:
    "ONE-PEACE") is part of the name, not a number."""
    out: list[Mention] = []
    pos = 0
    for c in _START.finditer(text):
        if c.start() < pos or (m := _NUMBER.match(text, c.start())) is None:
            continue
        end = m.end()
        marker = ""
        k = _MARKER.match(text, end)
        if k is None and (m.group("frac") or m.group("frac0")) and not (m.group("exp") or m.group("gmult") or m.group("nmult")):
            k = _FRACTION_POINT.match(text, end)
        if k is not None:
            marker = "pp" if k.re is _FRACTION_POINT or k.group("pp") else "%" if k.group("pct") else "x"
            end = k.end()
        start = m.start()
        out.append(Mention(start, end, text[start:end], _value(m), marker, m.group("word") is not None))
        pos = end
    if names and (inside := _name_spans(text, names)):
        out = [m for m in out if not (m.word and any(a <= m.start < b for a, b in inside))]
    return _share_list_markers(text, out)


def _share_list_markers(text: str, out: list[Mention]) -> list[Mention]:
    """A bare number of a list takes the marker of the list's last number (printed span unchanged)."""
    inherited = False  # whether out[i + 1] took its marker from the number after it
    for i in range(len(out) - 2, -1, -1):
        m, nxt = out[i], out[i + 1]
        joiner = _JOINER if inherited else _WORD_JOINER
        inherited = bool(not m.marker and nxt.marker and not (m.start and _GLUED.match(text, m.start - 1))
                         and joiner.fullmatch(text, m.end, nxt.start))
        if inherited:
            out[i] = replace(m, marker=nxt.marker)
    return out


@functools.lru_cache(maxsize=64)
def word_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """The names the reader would read a number word in ("ONE-PEACE"): only these can hide a number."""
    return tuple(n for n in dict.fromkeys(names) if n and any(m.word for m in read_numbers(n)))


def _name_spans(text: str, names: Iterable[str]) -> list[tuple[int, int]]:
    spans = []
    for name in word_names(tuple(names)):
        i = text.find(name)
        while i != -1:
            spans.append((i, i + len(name)))
            i = text.find(name, i + 1)
    return spans


def reads_on(text: str, pos: int, last_end: int | None, next_start: int | None) -> bool:
    """Whether the text from `pos` on can change how the numbers before it read: a change word after a
    "-point" ("a 3-point| gain"), or a list joiner from the last number before pos (ending at last_end)
    to the next one after it ("by 3.8| and 2.2 points")."""
    if _CHANGE_AHEAD.match(text, pos):
        return True
    return last_end is not None and next_start is not None and _JOINER.fullmatch(text, last_end, next_start) is not None


def canonical(printed_number: str) -> str | None:
    """Canonical value of one printed number ("52.6k" -> "52.6e3", "52.30%" -> "52.30"); None if it isn't one."""
    if not isinstance(printed_number, str):
        return None
    s = printed_number.strip()
    if is_canonical(s):
        return s  # already canonical: reading it back gives itself (a property test holds the reader to that)
    if s[:1] == "+" and s[1:2] not in ("-", "\u2212"):
        s = s[1:]  # an explicit plus is just a positive number
    found = read_numbers(s)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(s):
        return found[0].value
    return None


def is_canonical(value: str) -> bool:
    """True if `value` is a canonical decimal string (user-written exponents like 1.2e3 accepted)."""
    return isinstance(value, str) and _CANONICAL.fullmatch(value) is not None


def parse_value(value: str) -> tuple[Decimal, int] | None:
    """Canonical string -> (exact Decimal, exponent q of the last printed digit); None if not canonical."""
    if not is_canonical(value):
        return None
    mantissa, _, exp = value.partition("e")
    _, _, frac = mantissa.partition(".")
    try:
        q = (int(exp) if exp else 0) - len(frac)
        return Decimal(value), q
    except (ValueError, ArithmeticError):  # an exponent beyond what int() or Decimal take
        return None


def interval(value: str) -> tuple[float, float]:
    """Rounding interval [v - 0.5*10^q, v + 0.5*10^q] of a canonical value; ValueError if not canonical."""
    parsed = parse_value(value)
    if parsed is None:
        raise ValueError(f"not a canonical value: {value!r}")
    v, q = parsed
    # Enough precision for v +- half to be exact, whatever the exponent.
    with localcontext(prec=max(28, v.adjusted() - q + 3), Emax=MAX_EMAX, Emin=MIN_EMIN):
        try:
            half = Decimal(5).scaleb(q - 1)
            return float(v - half), float(v + half)
        except (InvalidOperation, ArithmeticError):
            raise ValueError(f"value out of range: {value!r}") from None
