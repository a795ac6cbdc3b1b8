"""L505–L506: the rows of one "respectively" list (the claims' `group` column) pair values and entities
in the order the quote prints them.

"2.42x and 2.26x MFU compared to Megatron-LM and DeepSpeed, respectively" is two rows of one group: the
k-th value printed goes with the k-th entity printed. The column that tells the rows apart (baseline,
subject, a context item, metric, or several of them) is the paired one; each row's value is located in
the quote by the numbers `read_numbers` reads in it (compared on precision keys, as L202 compares them)
and its entity by its name or any alias of vocab/entities.csv. Groups are few: the rows that have one
are taken with a groupby, and the work per group is small (its one quote, read on its own: the Dask
driver, which runs these "ledger"-scope checks, holds no abstracts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from ..contexts import aliases_of
from ..numbers import read_numbers
from ..registry import Hit, check
from ..spans import precision_keys
from ..text import normalise

PAIRED = ("baseline", "subject", "context", "metric")  # the columns a list can pair values with, in report order


@dataclass
class _Group:
    name: str
    rows: list[int]  # positional rows of the claims, in file order


def _grouped(ledger) -> list[_Group]:
    """Every non-empty group id and its rows (a groupby over the few rows that have one)."""
    def run():
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        group = pa.array(ledger.claims["group"], pa.string())  # column-wise: most rows have no group
        rows = np.flatnonzero(pc.not_equal(group, "").to_numpy(zero_copy_only=False))
        if not len(rows):
            return []
        frame = pd.DataFrame({"group": pc.take(group, pa.array(rows, pa.int64())).to_pylist(), "row": rows})
        return [_Group(name, part["row"].tolist()) for name, part in frame.groupby("group", sort=False)]
    return ledger.memo("groups", run)


def _spellings(ledger) -> dict[str, list[str]]:
    """Every name an entity of vocab/entities.csv is printed by (canonical first), keyed by each of them."""
    def run():
        out: dict[str, list[str]] = {}
        if not len(ledger.tables["entities"]):  # no entity list: every name is looked for as written
            return out
        t = ledger.tables["entities"].frame
        for entity, aliases in zip(t["entity"], t["aliases"]):
            names = [entity] + aliases_of(aliases)
            for n in names:
                out.setdefault(n, names)
        return out
    return ledger.memo("entity_spellings", run)


def _occurrences(text: str, names: list[str]) -> list[tuple[int, int]]:
    """(start, end) of every whole-word occurrence of any of the names in text (case-insensitive)."""
    out = []
    for n in dict.fromkeys(normalise(n) for n in names if n):
        out += [(m.start(), m.end()) for m in re.finditer(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.I)]
    return sorted(set(out))


def _cluster(places: list[list[tuple[int, int]]], before: int) -> list[int | None]:
    """One place per item, the items printed together as one list: the narrowest window that holds one
    place of every item found (the latest such window, nearest "respectively"); None for an item not found.
    Places of one item inside a longer place of another item are dropped ("COCO" inside "MS COCO")."""
    spans = [(a, b, i) for i, ps in enumerate(places) for a, b in ps]
    spans = [(a, b, i) for a, b, i in spans if not any(i != j and c <= a and b <= d and (c, d) != (a, b) for c, d, j in spans)]
    found = sorted({i for _, _, i in spans})
    spans.sort()
    best, count, have, lo = None, 0, {}, 0
    for hi in range(len(spans)):  # the smallest range covering one element of each list (two pointers)
        i = spans[hi][2]
        have[i] = have.get(i, 0) + 1
        count += have[i] == 1
        while count == len(found):
            width = spans[hi][0] - spans[lo][0]
            late = spans[hi][0] <= before
            key = (not late, width, -spans[lo][0])
            if best is None or key < best[0]:
                best = (key, lo, hi)
            j = spans[lo][2]
            have[j] -= 1
            count -= have[j] == 0
            lo += 1
    out: list[int | None] = [None] * len(places)
    if best is not None:
        for a, _, i in spans[best[1]: best[2] + 1]:
            if out[i] is None or a > out[i]:
                out[i] = a  # the last place of the item inside the window
    return out


def _respectively(text: str) -> int:
    m = None
    for m in re.finditer(r"\brespectively\b", text, re.I):
        pass
    return m.start() if m else len(text)


def paired_columns(rows: list[dict], quote: str, spellings: dict[str, list[str]]) -> dict[str, list[str]]:
    """The columns that tell a group's rows (dicts of the claims' cells) apart, and each row's entity in
    it. For context, a row's entity is its item that not every row shares (the one the quote prints, if
    several; "" if it has none). `quote` is normalised."""
    out = {}
    for col in ("baseline", "subject", "metric"):
        names = [r.get(col, "") for r in rows]
        if len(set(names)) > 1:
            out[col] = names
    items = [[x.strip() for x in r.get("context", "").split(";") if x.strip()] for r in rows]
    shared = set.intersection(*(set(x) for x in items)) if items else set()
    own = [[x for x in its if x not in shared] for its in items]
    if any(own):
        out["context"] = [next((x for x in xs if _occurrences(quote, spellings.get(x, [x]))), xs[0] if xs else "") for xs in own]
    return out


def names_of(col: str, name: str, spellings: dict[str, list[str]]) -> list[str]:
    """The names an entity of a paired column may be printed by."""
    if col == "metric":  # a metric id as printed: "mfu" is MFU, "top1_accuracy" is "top1 accuracy"
        return [name, name.replace("_", " "), name.replace("_", "-")]
    return spellings.get(name, [name])


def layout(quote: str, value_places: list[list[tuple[int, int]]], entities: dict[str, list[str]],
           spellings: dict[str, list[str]]) -> tuple[list[int | None], dict[str, list[int | None]]]:
    """Where the (normalised) quote prints each row's value (from the places of the mentions that print
    it) and each row's entity of every paired column: one list each, nearest "respectively"."""
    before = _respectively(quote)
    value_at = _cluster(value_places, before)
    entity_at = {col: _cluster([_occurrences(quote, names_of(col, n, spellings)) if n else [] for n in names], before)
                 for col, names in entities.items()}
    return value_at, entity_at


def misorders(value_at: list[int | None], where: list[int | None], names: list[str]) -> list[tuple[int, int]]:
    """(row, the row whose entity the quote pairs with its value) for every row of one paired column whose
    entity is not the one printed in its value's place. Rows with a value or entity not found take no part;
    values printed at one place (equal values) are ordered by their entities, so they never disagree."""
    if len(set(names)) < len(names):
        return []  # two rows name one entity: L506
    ok = [i for i in range(len(names)) if where[i] is not None and value_at[i] is not None]
    if len(ok) < 2:
        return []
    by_value = sorted(ok, key=lambda i: (value_at[i], where[i]))
    by_entity = sorted(ok, key=lambda i: where[i])
    return [(i, e) for i, e in zip(by_value, by_entity) if names[i] != names[e]]


@dataclass
class _Layout:
    """Where the quote prints each row's value and each row's entity of every paired column."""
    quote: str
    value_at: list[int | None]
    printed: list[str]
    entity_at: dict[str, list[int | None]]
    entities: dict[str, list[str]]


def _well_formed(ledger, g: _Group) -> bool:
    """Whether a group is one list of one quote, with at least two rows (L506 reports the others)."""
    paper, quote = ledger.column("claims", "paper_id"), ledger.column("claims", "quote")
    return len(g.rows) > 1 and len({paper[r] for r in g.rows}) == 1 and len({normalise(quote[r]) for r in g.rows}) == 1


def _layouts(ledger) -> dict[str, _Layout]:
    """For every well-formed group with a quote (the schema reports an empty one): its layout. The quote is
    read on its own, as the rows' quote (the Dask driver, which runs this check, holds no abstracts)."""
    def run():
        groups = _grouped(ledger)
        if not groups:
            return {}
        value, quotes = ledger.column("claims", "value"), ledger.column("claims", "quote")
        spellings = _spellings(ledger)
        out, seen = {}, {}
        for g in groups:
            if not _well_formed(ledger, g) or not quotes[g.rows[0]]:
                continue
            cells = [{k: ledger.column("claims", k)[r] for k in PAIRED} for r in g.rows]
            # a layout is a function of the quote, the rows' values and paired cells: a list stated again (a
            # copied table, another version of a paper) is laid out once
            same = (quotes[g.rows[0]], tuple(value[r] for r in g.rows), tuple(tuple(c.values()) for c in cells))
            if same in seen:
                out[g.name] = seen[same]
                continue
            quote = normalise(quotes[g.rows[0]])
            mentions = read_numbers(quote, spellings)
            # a row's value is printed where a mention prints it with its precision (sign aside, as L202 reads)
            keys = precision_keys([m.value for m in mentions] + [value[r] for r in g.rows])
            printed_keys, row_keys = keys[: len(mentions)], keys[len(mentions):]
            places = [[(m.start, m.end) for m, k in zip(mentions, printed_keys) if want is not None and k == want]
                      for want in row_keys]
            entities = paired_columns(cells, quote, spellings)
            value_at, entity_at = layout(quote, places, entities, spellings)
            printed = [next((m.printed for m in mentions if m.start == at), "") for at in value_at]
            out[g.name] = seen[same] = _Layout(quote, value_at, printed, entity_at, entities)
        return out
    return ledger.memo("group_layouts", run)


@check("L505", "group-order")
def group_order(ledger) -> Iterator[Hit]:
    """The rows of one "respectively" list pair each value with the entity printed in the same place of the quote's list."""
    layouts = _layouts(ledger)
    for g in _grouped(ledger):
        lay = layouts.get(g.name)
        if lay is None:
            continue
        for col, where in lay.entity_at.items():
            names = lay.entities[col]
            for i, e in misorders(lay.value_at, where, names):
                yield Hit(g.rows[i], col, f"{lay.printed[i]} is paired with {names[e]} by 'respectively' in group "
                          f"{g.name!r}; this row says {names[i]}", names[e], names[i])


@check("L506", "group-malformed")
def group_malformed(ledger) -> Iterator[Hit]:
    """A group is one "respectively" list: two or more rows of one paper and one quote, told apart by a paired column whose entities and values the quote prints."""
    paper, quote, value = (ledger.column("claims", k) for k in ("paper_id", "quote", "value"))
    layouts = _layouts(ledger)
    for g in _grouped(ledger):
        first = g.rows[0]
        if len(g.rows) == 1:
            yield Hit(first, "group", f"group {g.name!r} has only this row; a 'respectively' list pairs two or more "
                      "values (empty the cell, or add the list's other rows)", "two or more rows", "1 row")
            continue
        if not _well_formed(ledger, g):
            for col, cells, key in (("paper_id", paper, str), ("quote", quote, normalise)):
                keys = [key(cells[r]) for r in g.rows]
                usual = max(keys, key=keys.count)  # the group's most common cell (the first row's on a tie) is the reference
                ref = g.rows[keys.index(usual)]
                for r, k in zip(g.rows, keys):
                    if k != usual:
                        yield Hit(r, col, f"group {g.name!r} is one list of one quote, but this row's {col} differs from "
                                  f"{ledger.column('claims', 'claim_id')[ref]}'s", cells[ref][:120], cells[r][:120])
            continue
        lay = layouts.get(g.name)
        if lay is None:
            continue  # a quote the schema or L201 reports
        if not lay.entities:
            for r in g.rows:
                yield Hit(r, "group", f"the rows of group {g.name!r} do not differ in baseline, subject, context or "
                          "metric: nothing says which value goes with which entity", "a paired column that differs", "")
            continue
        # a value the quote does not print is L202's finding on the same cell: not reported twice
        for col, names in lay.entities.items():
            seen: dict[str, int] = {}
            for i, (r, name) in enumerate(zip(g.rows, names)):
                if not name:
                    what = "no context item that the other rows lack" if col == "context" else f"no {col}"
                    yield Hit(r, col, f"group {g.name!r} pairs values with {col}, and this row has {what}",
                              f"the {col} paired with {value[r]}", "")
                elif name in seen:
                    yield Hit(r, col, f"{name} is the {col} of {ledger.column('claims', 'claim_id')[g.rows[seen[name]]]} "
                              f"too; 'respectively' pairs each value with one entity", "one entity per row", name)
                elif lay.entity_at[col][i] is None:
                    yield Hit(r, col, f"{col} {name!r} of group {g.name!r} is not printed in the quote (by its name or an "
                              "alias of vocab/entities.csv)", "an entity the quote prints", name)
                seen.setdefault(name, i)
