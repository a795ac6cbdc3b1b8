"""What files a ledger is made of, and the columns of each.

A ledger is a folder: `claims.csv` and `papers.csv` at its root, vocabularies in `vocab/`, and
the curators' side tables (relations, waivers, coverage skips) next to the claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TableSpec:
    name: str
    relpath: str  # where the file sits in a ledger folder
    columns: tuple[str, ...]  # canonical order
    key: str  # the column that names a row; rows are sorted by it
    required: tuple[str, ...]  # cells that must not be empty
    optional: bool = False  # a missing optional file is an empty table, not a finding


CLAIMS = TableSpec(
    "claims",
    "claims.csv",
    ("claim_id", "paper_id", "subject", "metric", "value", "unit", "baseline", "context",
     "qualifier", "reading", "quote", "status", "notes"),
    key="claim_id",
    required=("claim_id", "paper_id", "subject", "metric", "value", "unit", "qualifier",
              "reading", "quote", "status"),
)
PAPERS = TableSpec(
    "papers", "papers.csv", ("paper_id", "title", "year", "url", "abstract"),
    key="paper_id", required=("paper_id", "title", "year", "abstract"),
)
METRICS = TableSpec(
    "metrics", "vocab/metrics.csv", ("metric", "direction", "units", "description"),
    key="metric", required=("metric", "direction", "units"), optional=True,
)
ENTITIES = TableSpec(
    "entities", "vocab/entities.csv", ("entity", "kind", "aliases"),
    key="entity", required=("entity", "kind"), optional=True,
)
BENCHMARKS = TableSpec(
    "benchmarks", "vocab/benchmarks.csv", ("benchmark", "size", "metrics", "source"),
    key="benchmark", required=("benchmark", "size", "source"), optional=True,
)
RELATIONS = TableSpec(
    "relations", "relations.csv", ("relation_id", "formula", "description"),
    key="relation_id", required=("relation_id", "formula"), optional=True,
)
WAIVERS = TableSpec(
    "waivers", "waivers.csv", ("code", "claim_id", "reason", "reviewer"),
    key="claim_id", required=("code", "claim_id", "reason"), optional=True,
)
SKIPS = TableSpec(
    "skips", "coverage_skips.csv", ("paper_id", "number", "context", "reason"),
    key="paper_id", required=("paper_id", "number", "context", "reason"), optional=True,
)

SPECS: tuple[TableSpec, ...] = (CLAIMS, PAPERS, METRICS, ENTITIES, BENCHMARKS, RELATIONS, WAIVERS, SKIPS)


@dataclass(frozen=True)
class Layout:
    """Where each table of one ledger lives. Side tables sit relative to the claims file."""

    paths: dict[str, Path]

    @classmethod
    def find(cls, claims: Path | None = None, papers: Path | None = None, root: Path | None = None) -> "Layout":
        root = Path(root) if root else (Path(claims).parent if claims else Path.cwd())
        paths = {spec.name: root / spec.relpath for spec in SPECS}
        if claims:
            paths["claims"] = Path(claims)
        if papers:
            paths["papers"] = Path(papers)
        return cls(paths)

    def display(self, name: str) -> str:
        """The path as findings print it: relative to the working directory when it can be."""
        p = self.paths[name]
        try:  # the folder resolved, not the file: a symlink is shown by its own name, not by its target's
            return str((p.parent.resolve() / p.name).relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(p)
