"""L204–L205: every number an abstract prints is either a claim or a deliberate skip (coverage_skips.csv)."""

from __future__ import annotations

from typing import Iterator

from ..coverage import account
from ..registry import Hit, check


def _accounting(ledger):
    """One pass over every abstract, shared by both checks."""
    def run():
        col = ledger.column
        return account(list(zip(col("papers", "paper_id"), col("papers", "abstract"))),
                       list(zip(col("claims", "paper_id"), col("claims", "claim_id"), col("claims", "value"), col("claims", "quote"))),
                       list(zip(col("skips", "paper_id"), col("skips", "number"), col("skips", "context"), col("skips", "reason"))))
    return ledger.memo("coverage", run)


@check("L204", "number-uncovered", "warning", scope="paper")
def number_uncovered(ledger) -> Iterator[Hit]:
    """Every number an abstract prints is stated by a claim (quote spans it, value equals it) or listed in coverage_skips.csv."""
    uses, _ = _accounting(ledger)
    row_of = {pid: i for i, pid in enumerate(ledger.column("papers", "paper_id"))}
    abstracts = ledger.column("papers", "abstract")
    for u in uses:
        if u.covered_by or u.skipped_by is not None:
            continue
        context = abstracts[row_of[u.paper_id]][max(0, u.start - 30):u.end + 30].replace("\n", " ")
        yield Hit(row_of[u.paper_id], "abstract", f"{u.printed!r} at character {u.start + 1} (…{context}…) is neither a claim nor skipped",
                  "a claim or a coverage_skips.csv row", u.printed, table="papers")


@check("L205", "skip-stale", "warning", scope="paper")
def skip_stale(ledger) -> Iterator[Hit]:
    """Every row of coverage_skips.csv names a number its paper's abstract prints (context and number both found)."""
    _, stale = _accounting(ledger)
    skips = ledger["skips"]
    for row in stale:
        yield Hit(row, "context", f"skip of {skips['number'].iat[row]!r} in {skips['paper_id'].iat[row]} matches no number of the abstract",
                  "a context found in the abstract, containing the number", skips["context"].iat[row], table="skips")
