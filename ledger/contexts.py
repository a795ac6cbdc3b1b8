"""Contexts as data: a `context` cell is a `; `-separated set of items, and an item that spells an entity of
vocab/entities.csv stands for that entity whatever its spelling.

- `items(context)`: the items of one cell, stripped, empty ones dropped.
- `entity_index(ledger)`: the canonical names and every spelling (alias, and the folded form of each).
- `context_keys(ledger)`: one comparison key per claim row: the set of its context items, each folded to its
  entity's canonical name, sorted and joined. Two claims whose contexts differ only in the order of their
  items or in the spelling of an entity get one key (L501, ledger/derive.py and so ledger/compare.py
  group claims by it). Computed on the distinct contexts only and mapped back, once per ledger.
- `inline_entities(item, ...)`: the entity names a free-text item holds among other words (L509).

Matching inside an item (L509) is deliberately narrower than matching a whole item (L508):
- whole tokens only: a name must not continue into a letter or digit on either side (`GPT-4` is not found
  in `GPT-4o`, `BERT` not in `HingBERT`); of overlapping names the longest, leftmost one wins (`OPT-125M`,
  not `OPT`);
- case-sensitive and as listed (no folding): a folded match inside prose would find `Memo` in "memo" or
  `BLEnD` in "blend";
- a spelling with no capital letter and no digit (`other methods`, `supervised fine-tuning`) is a phrase of
  common words, not a name: it counts only as a whole item;
- a spelling of one or two characters (`T4`) counts only between spaces, commas or the ends of the item,
  not next to a hyphen, slash or dot (`T4-like`, `a/b`).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .text import distinct_codes

__all__ = ["aliases_of", "context_codes", "context_keys", "entity_index", "entity_names", "fold", "fold_many", "inline_entities", "items"]

_TOKEN = re.compile(r"[^\W_]+")  # a run of letters and digits (any script)
MAX_TOKENS = 8  # the longest entity spelling looked for inside an item, in tokens


def fold(name: str) -> str:
    """The spelling-insensitive form of a name: NFKC, case-folded, without spaces, hyphens and dots."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def fold_many(names: list[str]) -> list[str]:
    """fold() of each name; the plain ASCII ones column-wise (there NFKC changes nothing, case folding is
    lower-casing and the letters and digits are [a-z0-9])."""
    arr = pa.array(names, pa.string())
    out = pc.replace_substring_regex(pc.utf8_lower(arr), "[^a-z0-9]", "").to_pylist()
    for i in np.flatnonzero(~pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)).tolist():
        out[i] = fold(names[i])
    return out


def items(context: str) -> list[str]:
    """The items of a context cell: split at `;`, stripped, empty ones dropped."""
    return [p.strip() for p in context.split(";") if p.strip()]


def aliases_of(cell: str) -> list[str]:
    """The aliases an `aliases` cell of vocab/entities.csv lists: split at `|`, stripped, empty ones dropped."""
    return [a.strip() for a in cell.split("|") if a.strip()] if cell else []


def entity_names(frame) -> tuple[list[str], list[str]]:
    """Every name vocab/entities.csv lists (each entity, then its aliases, row by row) and the entity it names.
    Two flat lists, not one list per entity: a hundred thousand small lists cost more in garbage collection
    than in building them."""
    entities, aliases = (pa.array(frame[k], pa.string()).to_pylist() for k in ("entity", "aliases"))
    names, owners = [], []
    for entity, listed in zip(entities, aliases):
        names.append(entity)
        owners.append(entity)
        for alias in aliases_of(listed):
            names.append(alias)
            owners.append(entity)
    return names, owners


def _index(frame):
    names, owners = entity_names(frame)
    spelling: dict[str, str] = {}
    for name, entity, folded in zip(names, owners, fold_many(names)):
        spelling.setdefault(name, entity)
        spelling.setdefault(folded, entity)
    return set(owners), spelling


def entity_index(ledger) -> tuple[set[str], dict[str, str]]:
    """(canonical names, spelling -> canonical name), the spellings being every name and alias as listed
    and folded (see fold). Empty when the ledger has no entity list. Computed once per ledger."""
    return ledger.memo("entity_index", lambda: _index(ledger.tables["entities"].frame))


def canonical_of(item: str, canonical: set[str], spelling: dict[str, str]) -> str | None:
    """The entity a whole item spells, or None."""
    if item in canonical:
        return item
    return spelling.get(item) or spelling.get(fold(item))


def context_codes(ledger) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct context cells, per claim row the index of its cell among them): what is computed of a
    context is computed once per distinct text (a million contexts are a few thousand). Once per ledger."""
    return ledger.memo("context_codes", lambda: distinct_codes(pa.array(ledger.claims["context"], pa.string())))


def context_keys(ledger) -> np.ndarray:
    """Per claim row, the order- and spelling-insensitive form of its context (see the module docstring)."""
    def run():
        canonical, spelling = entity_index(ledger)
        distinct, codes = context_codes(ledger)
        keys = np.array(["; ".join(sorted({canonical_of(p, canonical, spelling) or p for p in items(c)}))
                         for c in distinct.tolist()], dtype=object)
        return keys[codes]
    return ledger.memo("context_keys", run)


def _inline_spellings(ledger) -> dict[str, str]:
    """The spellings L509 looks for inside an item: as listed (not folded), with a capital or a digit."""
    def run():
        names, owners = entity_names(ledger.tables["entities"].frame)
        arr = pa.array(names, pa.string())
        # column-wise for the ASCII names (a capital or digit; a letter or digit at both ends), in Python for the rest
        ascii_ = pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)
        named = pc.and_(pc.match_substring_regex(arr, "[A-Z0-9]"),
                        pc.match_substring_regex(arr, "(?s)^[A-Za-z0-9](?:.*[A-Za-z0-9])?$")).to_numpy(zero_copy_only=False)
        out: dict[str, str] = {}
        for i in np.flatnonzero(named | ~ascii_).tolist():
            name, entity = names[i], owners[i]
            if ascii_[i] or (any(ch.isupper() or ch.isdigit() for ch in name) and _TOKEN.match(name) and _TOKEN.search(name[-1])):
                out.setdefault(name, entity)
        return out
    return ledger.memo("entity_inline_spellings", run)


def _short_ok(item: str, start: int, end: int) -> bool:
    """A name of one or two characters stands between spaces, commas or the item's ends."""
    before = item[start - 1] if start else " "
    after = item[end] if end < len(item) else " "
    return before in " ,(" and after in " ,)"


def inline_entities(ledger, item: str) -> list[tuple[str, str]]:
    """(spelling, canonical entity) of each entity name the item holds among other words, left to right."""
    spellings = _inline_spellings(ledger)
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(item)]
    found, i = [], 0
    while i < len(tokens):
        hit = None
        for j in range(min(len(tokens), i + MAX_TOKENS) - 1, i - 1, -1):  # longest first
            start, end = tokens[i][0], tokens[j][1]
            name = item[start:end]
            if name in spellings and (end - start > 2 or _short_ok(item, start, end)):
                hit = (j, name)
                break
        if hit:
            found.append((hit[1], spellings[hit[1]]))
            i = hit[0] + 1
        else:
            i += 1
    return found
