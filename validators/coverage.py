"""L204–L205: every number an abstract prints is either a claim or a deliberate skip (coverage_skips.csv)."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..registry import Hit, check
from ..spans import account, sources

MAX_PER_ABSTRACT = 20  # past this, one finding says how many more numbers of that abstract are not accounted for


def accounting(ledger):
    """One accounting of every abstract, shared by both checks (and `ledger coverage`)."""
    col = ledger.column
    return ledger.memo("coverage", lambda: account(
        sources(ledger), {k: col("claims", k) for k in ("paper_id", "value", "quote")},
        {k: col("skips", k) for k in ("paper_id", "number", "context")}))


@check("L204", "number-uncovered", "warning", scope="paper", needs=("claims", "papers", "skips"))
def number_uncovered(ledger) -> Iterator[Hit]:
    """Every number an abstract prints is stated by a claim (quote spans it, value equals it) or listed in coverage_skips.csv."""
    acc = accounting(ledger)
    m, paper_ids = acc.sources.mentions, acc.sources.paper_ids
    row_of = {pid: i for i, pid in enumerate(paper_ids)}
    abstracts = ledger.column("papers", "abstract")
    loose = np.flatnonzero(~acc.covered & ~acc.skipped)
    per_text = np.unique(m.text[loose], return_counts=True) if len(loose) else ([], [])
    listed = {}
    for i in loose.tolist():
        t = int(m.text[i])
        listed[t] = listed.get(t, 0) + 1
        row = row_of[paper_ids[t]]
        if listed[t] > MAX_PER_ABSTRACT:
            continue
        start, end = int(m.start[i]), int(m.end[i])
        context = abstracts[row][max(0, start - 30):end + 30].replace("\n", " ")
        yield Hit(row, "abstract", f"{m.printed[i]!r} at character {start + 1} (…{context}…) is neither a claim nor skipped",
                  "a claim or a coverage_skips.csv row", m.printed[i], table="papers")
    for t, n in zip(*per_text):
        if n > MAX_PER_ABSTRACT:
            yield Hit(row_of[paper_ids[int(t)]], "abstract", f"{n - MAX_PER_ABSTRACT} more numbers of this abstract are "
                      "neither a claim nor skipped", "", "", table="papers")


@check("L205", "skip-stale", "warning", scope="paper", needs=("papers", "skips"))
def skip_stale(ledger) -> Iterator[Hit]:
    """Every row of coverage_skips.csv names a number its paper's abstract prints (context and number both found)."""
    number, paper, context = (ledger.column("skips", c) for c in ("number", "paper_id", "context"))
    for row in accounting(ledger).stale_skips.tolist():
        yield Hit(row, "context", f"skip of {number[row]!r} in {paper[row]} matches no number of the abstract",
                  "a context found in the abstract, containing the number", context[row], table="skips")
