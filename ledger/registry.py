"""The rule types: a Rule (code, name, severity, summary, stage), a check's Hit, and `@check`, which
registers a consistency check. Non-check rules are declared as data in ledger/rules.py; the catalogue
(ledger/catalogue.py) discovers both.

Codes are stable: never renumber or reuse one (retired codes are listed in RETIRED).
Families: L0xx file and CSV structure, L1xx schema, L2xx provenance, L3xx ranges,
L4xx arithmetic (intervals, implied values, relations, granularity), L5xx cross-claim, L6xx waivers,
L7xx cell hygiene, L8xx the claim lifecycle between two revisions (`ledger diff --check`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from .findings import Finding, Severity

if TYPE_CHECKING:
    from .model import Ledger

RETIRED: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Hit:
    """A check's raw result: a row of one table (positional index) and what is wrong with it."""

    row: int | None
    column: str
    message: str
    expected: str = ""
    found: str = ""
    table: str = "claims"
    severity: Severity | None = None  # None: the rule's; a rule whose finding is weaker in one case says so (L407)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    stage: str  # "load", "schema", "check", "waiver", "lifecycle"
    func: Callable[["Ledger"], Iterable[Hit]] | None = None
    scope: str = "ledger"  # checks only: "paper" or "ledger" (see SCOPES)
    needs: tuple[str, ...] = ()  # checks only: tables that must load whole, or the check's findings would be noise

    def finding(self, file: str, line: int | None, column: str, message: str, expected: str = "", found: str = "",
                claim_id: str = "", severity: Severity | None = None) -> Finding:
        """A finding of this rule: the rule gives code, name and severity (unless a hit names its own)."""
        return Finding(self.code, self.name, Severity(severity) if severity else self.severity, file, line, column, claim_id,
                       message, expected, found)


RULES: dict[str, Rule] = {}

# What a check needs to see, for the Dask path (ledger/distributed.py), which partitions claims, papers and
# coverage skips by paper and keeps the vocabularies and side tables whole in every partition:
# - "paper": its hits on a claim, paper or skip row depend only on the rows of that row's paper and the
#   unpartitioned tables (vocabularies, relations, waivers); its hits on an unpartitioned table depend only
#   on the unpartitioned tables. It runs once per partition and gives the findings it gives on the whole ledger
#   (a cap on how many cells a column lists, as the hygiene checks have, is applied again over all partitions).
# - "ledger" (the default, and the safe choice): it may compare rows of different papers, so it runs once,
#   on the whole ledger.
SCOPES = ("paper", "ledger")


def _register(r: Rule) -> Rule:
    if r.code in RULES or r.code in RETIRED:
        raise ValueError(f"rule code {r.code} is registered twice or retired")
    if any(other.name == r.name for other in RULES.values()):
        raise ValueError(f"rule name {r.name} is registered twice")
    RULES[r.code] = r
    return r


def rule(code: str, name: str, severity: Severity | str, summary: str, stage: str) -> Rule:
    """Declare a rule raised by the loader or the schema (no function of its own)."""
    return _register(Rule(code, name, Severity(severity), summary, stage))


def check(code: str, name: str, severity: Severity | str = Severity.ERROR, scope: str = "ledger", needs: tuple[str, ...] = ()):
    """Register a consistency check: a pure function from a loaded ledger to hits.

    The first line of the docstring is the rule's one-line summary in the catalogue. `scope` is what the
    check needs to see (see SCOPES): "paper" only when its findings cannot depend on other papers' rows.
    `needs` names the tables the check must see whole: when one of them lost rows to a load error, the
    check does not run (a coverage check on half the claims would report every number of the other half).
    """
    if scope not in SCOPES:
        raise ValueError(f"check {code}: scope must be one of {', '.join(SCOPES)}, not {scope!r}")

    def decorate(func: Callable[["Ledger"], Iterator[Hit]]):
        summary = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else ""
        if not summary:
            raise ValueError(f"check {code} needs a docstring: its first line is the rule")
        func.rule = _register(Rule(code, name, Severity(severity), summary, "check", func, scope, tuple(needs)))
        return func

    return decorate
