"""What every stage produces: findings that point at a file, a line and a column."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTICE: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, located at the physical line of the record that holds it."""

    code: str
    check: str
    severity: Severity
    file: str
    line: int | None  # physical line of the record's start (header = 1); None for the whole file
    column: str
    claim_id: str
    message: str
    expected: str = ""
    found: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["severity"] = self.severity.value
        return d

    @property
    def sort_key(self) -> tuple:
        return (SEVERITY_ORDER[self.severity], self.file, self.line or 0, self.code, self.column, self.claim_id)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then by file and line, so the first annotations GitHub shows are the ones that fail."""
    return sorted(findings, key=lambda f: f.sort_key)


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    counts = {s.value: 0 for s in Severity}
    for f in findings:
        counts[f.severity.value] += 1
    return counts
