"""Which finding codes a run reports: `--select` / `--ignore`, ruff's convention.

Each is a list of codes (`L202`) or prefixes that stand for a family (`L2` is provenance, `L20` its first
ten codes). A finding is reported when its code starts with a selected prefix (no `select` means all) and
with no ignored one, so `ignore` wins over `select` for the same finding. A code or prefix that matches no
rule of the catalogue is refused (UnknownCode), with the codes it was closest to.

Checks that are not reported are skipped, not run and then dropped: checks are independent pure functions.
The load and the schema always run (every check needs the tables, and whether a table lost rows, which
`Ledger.incomplete` records from every load finding, decides which checks may run), and their findings are
filtered. A check that fails (L000) is reported whatever `select` says, unless L000 is ignored: it means a
selected check did not run, and a clean summary would lie. Waivers apply to the reported findings only, and
a waiver of a code that is not reported is neither used nor reported unmatched (L601).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from .findings import Finding
from .registry import Rule
from .rules import CHECK_ERROR


class UnknownCode(ValueError):
    """A select or ignore entry that matches no code of the catalogue."""

    def __init__(self, option: str, entry: str, closest: list[str]):
        self.option, self.entry, self.closest = option, entry, closest
        hint = f"; closest: {', '.join(closest)}" if closest else "; `ledger checks` lists them"
        self.detail = f"{entry!r} matches no finding code{hint}"
        super().__init__(f"{option}: {self.detail}")


def _entries(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """`"L2,L301"`, `["L2", "L301"]` or `("L2,L3", "L4")` -> ("L2", "L301", ...)."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(part.strip() for item in items for part in item.split(",") if part.strip())


def _known(entries: tuple[str, ...], option: str) -> tuple[str, ...]:
    """The entries upper-cased (l2 is L2), each checked against the catalogue."""
    from .catalogue import catalogue

    rules = catalogue()
    codes = [r.code for r in rules]
    for entry in entries:
        if any(code.startswith(entry.upper()) for code in codes):
            continue
        by_name = [r.code for r in rules if r.name == entry.lower()]  # a check's name where its code belongs
        raise UnknownCode(option, entry, by_name or difflib.get_close_matches(entry.upper(), codes, n=3, cutoff=0.5))
    return tuple(e.upper() for e in entries)


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...] = ()  # empty: every code
    ignore: tuple[str, ...] = ()

    @classmethod
    def of(cls, select: str | Iterable[str] | None = None, ignore: str | Iterable[str] | None = None) -> "Selection":
        """Parse and check the entries (comma-separated strings or lists of them); raises UnknownCode."""
        return cls(_known(_entries(select), "select"), _known(_entries(ignore), "ignore"))

    @property
    def everything(self) -> bool:
        return not self.select and not self.ignore

    def reports(self, code: str) -> bool:
        if any(code.startswith(p) for p in self.ignore):
            return False
        return not self.select or code == CHECK_ERROR.code or any(code.startswith(p) for p in self.select)

    def rules(self, rules: Iterable[Rule]) -> list[Rule]:
        return [r for r in rules if self.reports(r.code)]

    def findings(self, findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in findings if self.reports(f.code)]


EVERYTHING = Selection()

__all__ = ["EVERYTHING", "Selection", "UnknownCode"]
