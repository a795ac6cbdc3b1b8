"""Accepted findings. A reviewer waives a (code, claim_id) pair with a reason in waivers.csv;
a waiver that no longer matches any finding is itself reported, so waivers cannot outlive their cause."""

from __future__ import annotations

from collections.abc import Callable

from .findings import Finding
from .model import Ledger
from .registry import RULES
from .rules import UNKNOWN_CODE, UNMATCHED


# Structural problems cannot be waived: a file that does not load would make every other check lie. Lifecycle
# findings are about a change, not the ledger: no waiver row can accept one.
UNWAIVABLE_STAGES = ("load", "lifecycle")


def _every_code(code: str) -> bool:
    return True


def apply_waivers(findings: list[Finding], ledger: Ledger, reported: Callable[[str], bool] = _every_code) -> tuple[list[Finding], int]:
    """Drop the waived findings; returns the rest with the waivers' own findings, and how many were waived.
    A waiver whose code is not `reported` (--ignore, --select) is set aside: its check may not have run."""
    table = ledger.tables["waivers"]
    if not len(table):
        return findings, 0
    waivers: dict[tuple[str, str], int] = {}
    out: list[Finding] = []
    for row, (code, claim_id) in enumerate(zip(table.frame["code"], table.frame["claim_id"])):
        r = RULES.get(code)
        if r is None or r.stage in UNWAIVABLE_STAGES or r.code.startswith("L6"):
            out.append(UNKNOWN_CODE.finding(table.file, table.lines[row], "code", f"{code!r} cannot be waived",
                                            "a check code from docs/checks.md", code, claim_id))
            continue
        if reported(code):
            waivers[(code, claim_id)] = row
    used: set[tuple[str, str]] = set()
    waived = 0
    for f in findings:
        key = (f.code, f.claim_id)
        if key in waivers and f.claim_id:
            used.add(key)
            waived += 1
        else:
            out.append(f)
    for key, row in waivers.items():
        if key not in used and "claims" not in ledger.incomplete:  # a claim that did not load cannot be matched
            out.append(UNMATCHED.finding(table.file, table.lines[row], "code", f"waiver for {key[0]} on {key[1]!r} matches no finding",
                                         "", key[0], key[1]))
    return out, waived
