"""L5xx: claims against each other: conflicting values, duplicate rows, second spellings of an entity."""

from __future__ import annotations

import unicodedata
from typing import Iterator

import numpy as np

from ..derive import alternative_units
from ..intervals import disjoint
from ..registry import Hit, check
from ..suggest import Suggestions
from ..text import normalise

QUANTITY = ["subject", "metric", "context", "unit", "baseline", "qualifier"]
ROW = ["paper_id", "subject", "metric", "value", "unit", "baseline", "context", "qualifier", "quote"]


@check("L501", "value-conflict")
def value_conflict(ledger) -> Iterator[Hit]:
    """Claims of one quantity (subject, metric, context, unit, baseline, qualifier) agree within rounding.

    Reported on every claim involved: a pull request that adds the disagreeing claim is annotated on its
    own line, and the claim it contradicts is annotated too."""
    c, v = ledger.claims, ledger.values
    frame = c[QUANTITY].assign(lo=v["lo"].to_numpy(), hi=v["hi"].to_numpy(), row=np.arange(len(c)))
    frame = frame[v["num"].notna().to_numpy()]
    dup = frame[frame.duplicated(QUANTITY, keep=False)]
    if dup.empty:
        return
    first = dup.groupby(QUANTITY, sort=False)[["lo", "hi", "row"]].transform("first")
    apart = disjoint(dup["lo"].to_numpy(float), dup["hi"].to_numpy(float), first["lo"].to_numpy(float), first["hi"].to_numpy(float))
    value, quote, ids = (np.asarray(ledger.column("claims", k), dtype=object) for k in ("value", "quote", "claim_id"))
    against: dict[int, list[int]] = {}
    other = alternative_units(ledger)
    units = np.asarray(ledger.column("claims", "unit"), dtype=object)
    read_as = np.where(other != "", other, units)  # the unit under the alternative readings

    def note(a: int, b: int) -> str:
        """What the alternative reading of an ambiguous claim makes of the conflict (see CONTRIBUTING.md, Readings)."""
        said = ", ".join(f"{ids[x]} as {other[x]}" for x in (a, b) if other[x])
        if not said:
            return ""
        if read_as[a] != read_as[b]:
            return f"; under the alternative reading ({said}) they are different quantities and the conflict does not arise"
        return f"; under the alternative reading ({said}) too"
    for r, fr in zip(dup["row"].to_numpy()[apart].tolist(), first["row"].to_numpy()[apart].tolist()):
        yield Hit(r, "value", f"{value[r]} conflicts with {value[fr]} of {ids[fr]} for the same quantity; "
                  f"quotes: \"{quote[r]}\" vs \"{quote[fr]}\"{note(r, fr)}", value[fr], value[r])
        against.setdefault(fr, []).append(r)
    for fr, rows in against.items():
        others = ", ".join(f"{value[r]} of {ids[r]}" for r in rows)
        yield Hit(fr, "value", f"{value[fr]} conflicts with {others} for the same quantity; quotes: \"{quote[fr]}\" vs "
                  + ", ".join(f"\"{quote[r]}\"" for r in rows) + "".join(dict.fromkeys(note(fr, r) for r in rows)),
                  " ".join(value[r] for r in rows), value[fr])


@check("L502", "duplicate-claim")
def duplicate_claim(ledger) -> Iterator[Hit]:
    """No two rows record the same claim (same paper, quantity, value and quote) under different ids."""
    c = ledger.claims
    same = ROW[:-1]  # everything but the quote, which is compared normalised (spacing is not a difference)
    candidates = c[c.duplicated(same, keep=False).to_numpy()]
    if candidates.empty:
        return
    first_row: dict[tuple, int] = {}
    for row, key in zip(candidates.index, candidates[same].itertuples(index=False, name=None)):
        key = (*key, normalise(c["quote"].iat[row]))
        orig = first_row.setdefault(key, row)
        if orig != row:
            yield Hit(row, "claim_id", f"same claim as {c['claim_id'].iat[orig]} (line {ledger.tables['claims'].lines[orig]})",
                      "one row per claim", c["claim_id"].iat[orig])


def _fold(name: str) -> str:
    """The spelling-insensitive form of a name: NFKC, case-folded, without spaces, hyphens and dots."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def _entity_index(ledger):
    t = ledger.tables["entities"].frame
    canonical = set(t["entity"])
    spelling = {}
    for entity, aliases in zip(t["entity"], t["aliases"]):
        for alias in [a.strip() for a in aliases.split("|") if a.strip()] + [entity]:
            spelling.setdefault(alias, entity)
            spelling.setdefault(_fold(alias), entity)
    return canonical, spelling


def _names(ledger) -> list[tuple[int, str, str, str | None]]:
    """(row, column, name, the canonical entity it spells or None) for subjects and baselines that are
    not a canonical spelling. Nothing when the ledger has no entity list. Computed once per ledger."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def run():
        if not len(ledger.tables["entities"]):
            return []
        canonical, spelling = _entity_index(ledger)
        out = []
        for column in ("subject", "baseline"):
            names = np.asarray(ledger.column("claims", column), dtype=object)
            listed = pc.is_in(pa.array(names, pa.string()), value_set=pa.array(list(canonical), pa.string()))
            rows = np.flatnonzero((names != "") & ~listed.to_numpy(zero_copy_only=False))
            known = {n: spelling.get(n) or spelling.get(_fold(n)) for n in set(names[rows].tolist())}
            out += [(int(r), column, names[r], known[names[r]]) for r in rows]
        return sorted(out, key=lambda t: (t[1] != "subject", t[0]))
    return ledger.memo("entity_names", run)


@check("L503", "entity-second-spelling", "warning", scope="paper")
def entity_second_spelling(ledger) -> Iterator[Hit]:
    """A subject or baseline uses the one spelling of vocab/entities.csv, not an alias or a variant of it."""
    for row, column, name, known in _names(ledger):
        if known:
            yield Hit(row, column, f"{name!r} is a second spelling of {known!r}", known, name)


@check("L504", "entity-unknown", "warning", scope="paper")
def entity_unknown(ledger) -> Iterator[Hit]:
    """A subject or baseline is listed in vocab/entities.csv, so that every spelling can be checked."""
    unknown = [(row, column, name) for row, column, name, known in _names(ledger) if not known]
    hints = Suggestions(ledger.column("entities", "entity")) if unknown else None
    for row, column, name in unknown:
        hint = hints.hint(name, list_up_to=0)  # a new entity is no typo: the list would not help
        yield Hit(row, column, f"{name!r} is not in vocab/entities.csv" + (f"; {hint}" if hint else ""), "a listed entity", name)
