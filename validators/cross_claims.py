"""L5xx: claims against each other: conflicting values, duplicate rows, second spellings of an entity,
links to setting claims and entity names inside contexts."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

from ..contexts import canonical_of, context_codes, entity_index, inline_entities
from ..codes import groups, repeated
from ..derive import alternative_units, claim_codes, unit_dimensions
from ..intervals import disjoint
from ..registry import Hit, check
from ..suggest import Suggestions
from ..text import normalise
from ..units import DIMENSIONED, conversions

QUANTITY = ["subject", "metric", "context", "unit", "baseline", "qualifier"]
_CODE = {"context": "context_key"}  # the claim_codes column a QUANTITY column is compared by
ROW = ["paper_id", "subject", "metric", "value", "unit", "baseline", "context", "qualifier", "quote"]


@check("L501", "value-conflict")
def value_conflict(ledger) -> Iterator[Hit]:
    """Claims of one quantity (subject, metric, context, unit, baseline, qualifier) agree within rounding.

    Units of one dimension are one unit here: 500 ms and 0.5 s are compared in seconds.

    Reported on every claim involved: a pull request that adds the disagreeing claim is annotated on its
    own line, and the claim it contradicts is annotated too."""
    c, v = ledger.claims, ledger.values
    # contexts compare as sets of items with entity aliases folded (ledger/contexts.py); dimensioned units
    # compare in their dimension's base unit (500 ms is 0.5 s), rounding intervals scaled alike
    codes = claim_codes(ledger)
    _, _, dimension, factor = unit_dimensions(c["unit"])
    rows = np.flatnonzero(v["num"].notna().to_numpy())
    quantity = groups(*(dimension[rows] if k == "unit" else codes[_CODE.get(k, k)][rows] for k in QUANTITY))
    _, first_at = np.unique(quantity, return_index=True)
    dup = np.bincount(quantity)[quantity] > 1
    row, first = rows[dup], rows[first_at][quantity[dup]]  # each claim of a shared quantity, the quantity's first claim
    lo, hi = v["lo"].to_numpy(float) * factor, v["hi"].to_numpy(float) * factor
    apart = disjoint(lo[row], hi[row], lo[first], hi[first])
    if not apart.any():
        return
    value, quote, ids, unit = (c[k] for k in ("value", "quote", "claim_id", "unit"))
    other = alternative_units(ledger)

    def shown(x: int) -> str:  # "500 ms conflicts with 0.4 s"
        return f"{value.iat[x]} {unit.iat[x]}" if unit.iat[x] in DIMENSIONED else value.iat[x]

    def note(a: int, b: int) -> str:
        """What the alternative reading of an ambiguous claim makes of the conflict (see CONTRIBUTING.md, Readings)."""
        said = ", ".join(f"{ids.iat[x]} as {other[x]}" for x in (a, b) if other[x])
        if not said:
            return ""
        if (other[a] or unit.iat[a]) != (other[b] or unit.iat[b]):  # the units under the alternative readings
            return f"; under the alternative reading ({said}) they are different quantities and the conflict does not arise"
        return f"; under the alternative reading ({said}) too"
    against: dict[int, list[int]] = {}
    for r, fr in zip(row[apart].tolist(), first[apart].tolist()):
        yield Hit(r, "value", f"{shown(r)} conflicts with {shown(fr)} of {ids.iat[fr]} for the same quantity; "
                  f"quotes: \"{quote.iat[r]}\" vs \"{quote.iat[fr]}\"{note(r, fr)}", value.iat[fr], value.iat[r])
        against.setdefault(fr, []).append(r)
    for fr, rs in against.items():
        others = ", ".join(f"{shown(r)} of {ids.iat[r]}" for r in rs)
        yield Hit(fr, "value", f"{shown(fr)} conflicts with {others} for the same quantity; quotes: \"{quote.iat[fr]}\" vs "
                  + ", ".join(f"\"{quote.iat[r]}\"" for r in rs) + "".join(dict.fromkeys(note(fr, r) for r in rs)),
                  " ".join(value.iat[r] for r in rs), value.iat[fr])


@check("L502", "duplicate-claim")
def duplicate_claim(ledger) -> Iterator[Hit]:
    """No two rows record the same claim (same paper, quantity, value and quote) under different ids."""
    c = ledger.claims
    same = ROW[:-1]  # everything but the quote, which is compared normalised (spacing is not a difference)
    candidates = c.iloc[repeated(c, ["value", *(k for k in same if k != "value")])]  # the most telling column first: fewer rows to narrow
    if candidates.empty:
        return
    first_row: dict[tuple, int] = {}
    for row, key in zip(candidates.index, candidates[same].itertuples(index=False, name=None)):
        key = (*key, normalise(c["quote"].iat[row]))
        orig = first_row.setdefault(key, row)
        if orig != row:
            yield Hit(row, "claim_id", f"same claim as {c['claim_id'].iat[orig]} (line {ledger.tables['claims'].lines[orig]})",
                      "one row per claim", c["claim_id"].iat[orig])


def _names(ledger) -> list[tuple[int, str, str, str | None]]:
    """(row, column, name, the canonical entity it spells or None) for subjects and baselines that are
    not a canonical spelling. Nothing when the ledger has no entity list. Computed once per ledger."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def run():
        if not len(ledger.tables["entities"]):
            return []
        canonical, spelling = entity_index(ledger)
        listed = pa.array(list(canonical), pa.string())
        out = []
        for column in ("subject", "baseline"):
            cells = pa.array(ledger.claims[column], pa.string())
            other = pc.and_(pc.not_equal(cells, ""), pc.invert(pc.is_in(cells, value_set=listed)))
            rows = np.flatnonzero(other.to_numpy(zero_copy_only=False))
            names = pc.take(cells, pa.array(rows, pa.int64())).to_pylist()  # only the cells not listed as they are
            known = {n: canonical_of(n, canonical, spelling) for n in set(names)}
            out += [(int(r), column, n, known[n]) for r, n in zip(rows.tolist(), names)]
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




@check("L507", "setting-link-invalid")
def setting_link_invalid(ledger) -> Iterator[Hit]:
    """Each id in `settings` is another claim of the same paper whose role is `setting`; a context names no claim_id."""
    c = ledger.claims
    links = c["settings"]
    links = links[(links != "").to_numpy(bool)].astype(str)
    if len(links):
        yield from _bad_links(ledger, links)
    # claim ids written into a context: the link is data, not prose. In Arrow, on the distinct contexts: the
    # runs of slug characters of each, the hyphenated ones, looked up among the claim ids.
    import pyarrow as pa
    import pyarrow.compute as pc

    distinct, codes = context_codes(ledger)
    runs = pc.split_pattern_regex(pa.array(distinct, pa.string()), r"[^a-z0-9-]+")
    which, words = pc.list_parent_indices(runs), pc.utf8_trim(pc.list_flatten(runs), "-")
    slug = pc.match_substring_regex(words, r"^[a-z0-9]+(?:-[a-z0-9]+)+$")
    which, words = which.filter(slug), words.filter(slug)
    if not len(words):
        return
    # the few candidate words are hashed and the million ids probed, not the other way round
    ids = pa.array(c["claim_id"], pa.string())
    named = pc.is_in(words, value_set=pc.unique(ids.filter(pc.is_in(ids, value_set=pc.unique(words)))))
    ids_in: dict[int, list[str]] = {}  # distinct context -> the claim ids it names, in order
    for i, cid in zip(which.filter(named).to_pylist(), words.filter(named).to_pylist()):
        ids_in.setdefault(i, []).append(cid)
    for r in np.flatnonzero(np.isin(codes, list(ids_in))).tolist():
        for cid in ids_in[int(codes[r])]:
            yield Hit(r, "context", f"context names claim {cid!r}: move it to settings (or drop it) and keep the context "
                      "to datasets, hardware and conditions", "no claim_id in context", cid)


def _bad_links(ledger, links) -> Iterator[Hit]:
    """L507's findings on the `settings` cells (non-empty ones, indexed by row)."""
    ids = np.asarray(ledger.column("claims", "claim_id"), dtype=object)
    paper = np.asarray(ledger.column("claims", "paper_id"), dtype=object)
    role = np.asarray(ledger.column("claims", "role"), dtype=object)
    at = pd.Series(np.arange(len(ids)), index=pd.Index(ids)).groupby(level=0).first()  # a duplicate id is L105's
    hints = None
    links = links.str.split(";").explode().str.strip()
    links = links[(links != "").to_numpy()]  # index: the claim's row
    if not len(links):
        return
    rows = links.index.to_numpy(np.int64)
    target = links.map(at).to_numpy(dtype="float64")
    known = ~np.isnan(target)
    t = np.where(known, target, 0).astype(np.int64)
    bad = ~known | (t == rows) | (paper[t] != paper[rows]) | (role[t] != "setting")
    for r, link, ok, tr in zip(rows[bad].tolist(), links.to_numpy(dtype=object)[bad].tolist(), known[bad].tolist(), t[bad].tolist()):
        if not ok:
            if hints is None:
                hints = Suggestions(ids[role == "setting"].tolist() or ids.tolist())
            hint = hints.hint(link, list_up_to=0)
            why = f"{link!r} is not a claim_id of this ledger" + (f"; {hint}" if hint else "")
        elif tr == r:
            why = f"{link!r} is this claim itself: a claim does not list itself as its setting"
        elif paper[tr] != paper[r]:
            why = f"{link!r} is a claim of paper {paper[tr]}, not of {paper[r]}: a setting holds within its paper"
        else:
            why = f"{link!r} has role {role[tr] or 'result (empty)'}, not setting: mark it role=setting or link its setting"
        yield Hit(r, "settings", why, "claim_ids of setting claims of the same paper", link)


def _context_items(ledger) -> tuple[list[list[tuple[str, str | None]]], np.ndarray]:
    """Per distinct context cell (ledger.contexts.context_codes), (item, canonical entity or None) for each
    of its items that is not a canonical entity name; and per claim row the index of its cell. Computed on
    the distinct cells, which a million claims share. No items without an entity list."""
    def run():
        distinct, codes = context_codes(ledger)
        if not len(ledger.tables["entities"]):
            return [[] for _ in distinct], codes
        canonical, spelling = entity_index(ledger)
        parts = pd.Series(distinct, dtype="str")
        parts = parts[(parts != "").to_numpy()].str.split(";").explode().str.strip()
        known = {p: canonical_of(p, canonical, spelling) for p in set(parts.tolist())}
        found: list[list[tuple[str, str | None]]] = [[] for _ in distinct]
        for i, p in zip(parts.index.tolist(), parts.tolist()):
            if p != "" and p not in canonical:
                found[i].append((p, known[p]))
        return found, codes
    return ledger.memo("context_items", run)


def _rows_with(found: list[list], codes: np.ndarray, flagged) -> Iterator[tuple[int, list]]:
    """(row, what its context cell holds) for the claim rows whose cell is flagged, in row order."""
    wanted = [i for i, f in enumerate(found) if flagged(f)]
    for row in np.flatnonzero(np.isin(codes, wanted)).tolist():
        yield row, found[int(codes[row])]


@check("L508", "context-entity-spelling", "warning", scope="paper")
def context_entity_spelling(ledger) -> Iterator[Hit]:
    """A context item that names an entity uses its one spelling of vocab/entities.csv, not an alias or a variant."""
    found, codes = _context_items(ledger)
    for row, cell in _rows_with(found, codes, lambda cell: any(known for _, known in cell)):
        for item, known in cell:
            if known:
                yield Hit(row, "context", f"context item {item!r} is a second spelling of {known!r}: write {known!r}", known, item)


@check("L509", "context-entity-inline", "warning", scope="paper")
def context_entity_inline(ledger) -> Iterator[Hit]:
    """A context item is an entity name or free text without one: an entity is an item of its own, a number a setting claim."""
    found, codes = _context_items(ledger)
    inline = {item: inline_entities(ledger, item) for item in {item for cell in found for item, known in cell if not known}}
    for row, cell in _rows_with(found, codes, lambda cell: any(not known and inline[item] for item, known in cell)):
        for item, known in cell:
            if not known and inline[item]:
                names = ", ".join(repr(e) if s == e else f"{s!r} (for {e!r})" for s, e in inline[item])
                yield Hit(row, "context", f"context item {item!r} holds {names} among other words: make each entity an item "
                          "of its own (and a number in the item a setting claim, linked in settings)",
                          "; ".join(dict.fromkeys(e for _, e in inline[item])), item)
