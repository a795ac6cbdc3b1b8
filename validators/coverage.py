"""L204–L205: every number an abstract prints is either a claim or a deliberate skip (coverage_skips.csv)."""

from __future__ import annotations

from typing import Iterator

from ..coverage import number_uses, uncovered, unused_skips
from ..registry import Hit, check


def _records(frame) -> list[dict]:
    return frame.to_dict("records")


@check("L204", "number-uncovered", "warning")
def number_uncovered(ledger) -> Iterator[Hit]:
    """Every number an abstract prints is stated by a claim (quote spans it, value equals it) or listed in coverage_skips.csv."""
    papers = ledger["papers"]
    row_of = {pid: i for i, pid in enumerate(papers["paper_id"])}
    uses = number_uses(_records(papers), _records(ledger.claims), _records(ledger["skips"]))
    for u in uncovered(uses):
        abstract = papers["abstract"].iat[row_of[u.paper_id]]
        context = abstract[max(0, u.start - 30):u.end + 30].replace("\n", " ")
        yield Hit(row_of[u.paper_id], "abstract", f"{u.printed!r} at character {u.start + 1} (…{context}…) is neither a claim nor skipped",
                  "a claim or a coverage_skips.csv row", u.printed, table="papers")


@check("L205", "skip-stale", "warning")
def skip_stale(ledger) -> Iterator[Hit]:
    """Every row of coverage_skips.csv names a number its paper's abstract prints (context and number both found)."""
    skips = ledger["skips"]
    if not len(skips):
        return
    records = _records(skips)
    stale = {id(s) for s in unused_skips(_records(ledger["papers"]), records)}
    for row, s in enumerate(records):
        if id(s) in stale:
            yield Hit(row, "context", f"skip of {s['number']!r} in {s['paper_id']} matches no number of the abstract",
                      "a context found in the abstract, containing the number", s["context"], table="skips")
