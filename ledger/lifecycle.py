"""The claim lifecycle: what a change (base -> head) may do to a claim that has been reviewed.

A claim enters as `draft`; a second reviewer promotes it to `verified`; a verified claim found wrong becomes
`disputed` or `retracted`. Once a claim has left draft its row is the record of what was reviewed, so on the base
side of a change a verified, disputed or retracted claim
- may not disappear (L801): `retracted` is the tombstone, the row stays;
- may not change its claim_id (L802): other tables, papers and readers refer to it;
- may not change what was checked against the abstract, its paper_id, value, unit or quote (L803): a correction
  is a new claim under a new id, and the old one is marked disputed or retracted;
- may move its status only forwards (L804), as TRANSITIONS says.
Draft claims may change in any way. The rules are data in ledger/rules.py (L8xx).

Only the rows the diff reports as removed, renamed or changed are looked at: an unchanged claim cannot break a rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .findings import Finding, sort_findings
from .layout import CLAIMS
from .reader import Table
from .rules import REVIEWED_EDITED, REVIEWED_REMOVED, REVIEWED_RENAMED, STATUS_TRANSITION

FILE = CLAIMS.relpath  # findings name files by their place in the ledger, as the diff relabels them
# What a reviewer checked against the abstract; frozen once the claim is reviewed.
FROZEN = ("paper_id", "value", "unit", "quote")
# status on the base -> the statuses the head may give it (a status outside this table is the schema's L103)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("draft", "verified", "disputed", "retracted"),
    "verified": ("verified", "disputed", "retracted"),
    "disputed": ("disputed", "verified", "retracted"),  # a dispute may be resolved by a new review
    "retracted": ("retracted",),
}
REVIEWED = tuple(s for s in TRANSITIONS if s != "draft")
# Findings located on the base's claims.csv (the row is gone from the head): an annotation cannot point at it.
BASE_LOCATED = (REVIEWED_REMOVED.code,)


def lifecycle_findings(base: Table | None, head: Table | None, claims) -> list[Finding]:
    """The lifecycle errors of a change, from the claims' TableDiff (ledger.diff) and the two claims tables (for
    lines only). A removed claim is located at its base line, any other at its head line."""
    removed = [r for r in claims.removed if r.get("status") in REVIEWED]
    out: list[tuple[str, str, str, tuple]] = []  # (side, claim_id, rule args...) until the lines are known
    for row in removed:
        out.append(("base", row["claim_id"], REVIEWED_REMOVED, (
            "claim_id", f"{row['claim_id']} is {row['status']} on the base and gone from the head: keep the row "
            "and mark it disputed or retracted", "the row, marked disputed or retracted", "no row")))
    for change in claims.renamed:
        old_status, new_status = _statuses(change)
        if old_status in REVIEWED:
            out.append(("head", change.new, REVIEWED_RENAMED, (
                "claim_id", f"{change.old} is {old_status} on the base and renamed {change.new}: a reviewed claim "
                f"keeps its claim_id; rename it back to {change.old}", change.old, change.new)))
        out += _transition("head", change.new, old_status, new_status)
    for change in claims.changed:
        old_status, new_status = _statuses(change)
        if old_status in REVIEWED:
            out += [("head", change.key, REVIEWED_EDITED, (
                f.column, f"{f.column} of a claim {old_status} on the base changed: mark it disputed or retracted "
                "and add the corrected claim under a new claim_id", f.old, f.new))
                for f in change.fields if f.column in FROZEN]
        out += _transition("head", change.key, old_status, new_status)
    if not out:
        return []
    lines = {side: _lines(table, sorted({cid for s, cid, _, _ in out if s == side}))
             for side, table in (("base", base), ("head", head))}
    found_at: dict[str, list[Finding]] = {"head": [], "base": []}
    for side, cid, rule, (column, message, expected, found) in out:
        line = lines[side].get(cid)
        if side == "base" and line is not None:
            message += f" (line {line} of the base's {FILE})"  # the location's line is not the head's
        found_at[side].append(rule.finding(FILE, line, column, message, expected, found, cid))
    return sort_findings(found_at["head"]) + sort_findings(found_at["base"])  # head lines first, then the base's


def _statuses(change) -> tuple[str, str]:
    """(base status, head status) of a changed or renamed claim: a status that did not change is shown beside it."""
    for f in change.fields:
        if f.column == "status":
            return f.old, f.new
    same = dict(change.beside).get("status", "")
    return same, same


def _transition(side: str, claim_id: str, old: str, new: str) -> list:
    allowed = TRANSITIONS.get(old)
    if allowed is None or new not in TRANSITIONS or new in allowed:
        return []
    onwards = " or ".join(s for s in allowed if s != old)
    may = f"{old} is final" if not onwards else f"{old} may become only {onwards}"
    message = f"{old} -> {new} is not allowed: {may}"
    return [(side, claim_id, STATUS_TRANSITION, ("status", message, " or ".join(allowed), new))]


def _lines(table: Table | None, claim_ids: list[str]) -> dict[str, int]:
    """The physical line of each claim_id's first row in the table (vectorised; an id not in it is left out)."""
    if table is None or not claim_ids or not len(table.frame):
        return {}
    ids = table.frame["claim_id"].astype("str")
    first = np.flatnonzero(~ids.duplicated().to_numpy())
    at = pd.Index(ids.take(first).to_numpy()).get_indexer(claim_ids)
    lines = np.asarray(table.lines, dtype=np.int64)
    return {cid: int(lines[first[i]]) for cid, i in zip(claim_ids, at) if i >= 0}
