"""load -> schema -> checks -> waivers: one pass over a ledger folder, returning findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from .findings import Finding, Severity, count_by_severity, sort_findings
from .layout import SPECS, Layout
from .catalogue import checks
from .model import Ledger
from .reader import UnreadableFile, read_table
from .registry import Hit, Rule
from .schema import schema_findings as table_schema_findings
from .rules import CHECK_ERROR, NO_VOCABULARY
from .selection import EVERYTHING, Selection, UnknownCode



# Load findings after which a table lacks all its rows, every row after some line, or a column: checks that
# need the whole table (coverage) would then report what is merely missing. A record dropped for its field
# count (L006) is not among them: the rest of the table stands, and the dropped record is reported itself.
LOSSY = frozenset({"L001", "L002", "L004", "L005", "L007", "L009", "L011", "L012"})


@dataclass
class Result:
    ledger: Ledger | None
    findings: list[Finding] = field(default_factory=list)
    waived: int = 0

    @property
    def ok(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)

    def failed(self, strict: bool = False) -> bool:
        """The verdict: an error fails the run; with `strict`, a warning does too."""
        return not self.ok or (strict and any(f.severity is Severity.WARNING for f in self.findings))

    def summary(self, strict: bool = False) -> dict:
        """Counts and the verdict (`failed`, under `strict` when the run was strict), for the renderers."""
        s = {"claims": len(self.ledger.claims) if self.ledger else 0,
             "papers": len(self.ledger["papers"]) if self.ledger else 0,
             "findings": len(self.findings), **count_by_severity(self.findings), "waived": self.waived,
             "strict": strict, "failed": self.failed(strict)}
        return s


def _quiet(stage: str) -> None:
    pass


def load(layout: Layout, progress=_quiet) -> tuple[Ledger, list[Finding]]:
    """Read every table of the ledger; raises UnreadableFile only when claims or papers cannot be opened."""
    ledger = Ledger(layout)
    findings: list[Finding] = []
    for spec in SPECS:
        progress(f"reading {spec.relpath}")
        table, found = read_table(layout.paths[spec.name], spec, layout.display(spec.name))
        ledger.tables[spec.name] = table
        codes = {f.code for f in found}
        if codes & LOSSY or ("L006" in codes and not len(table)):  # ... or every record was dropped
            ledger.incomplete.add(spec.name)
        findings += found
    if not ledger.tables["metrics"].present:
        findings.append(NO_VOCABULARY.finding(layout.display("metrics"), None, "",
                                              "no metric vocabulary: metrics and units are not checked", "vocab/metrics.csv"))
    return ledger, findings


def schema_findings(ledger: Ledger) -> list[Finding]:
    return table_schema_findings(ledger.tables)


def to_finding(r: Rule, hit: Hit, ledger: Ledger) -> Finding:
    table = ledger.tables[hit.table]
    line = table.lines[hit.row] if hit.row is not None else None
    claim_id = ""
    if hit.row is not None and "claim_id" in table.frame.columns:
        claim_id = str(table.frame["claim_id"].iat[hit.row])
    return r.finding(table.file, line, hit.column, hit.message, hit.expected, hit.found, claim_id, hit.severity)


# The last check (in code order) that reads each result the checks share through Ledger.memo or a cached
# property of Ledger: after it, run_rules releases the result (at a million claims the shared results are
# most of the memory: the abstracts' mention table, the quotes' matches, column lists). A result asked
# for after its release is computed again, so this table can only cost time, never change a finding;
# tests/test_engine.py holds it to what the checks read.
LAST_USE = {
    "quote_matches": "L203",
    "column:skips.context": "L205", "column:skips.number": "L205", "column:skips.paper_id": "L205",
    "coverage": "L205",
    "abstracts": "L206", "anchored": "L206", "column:entities.aliases": "L206", "column:papers.abstract": "L206",
    "column:papers.paper_id": "L206", "quote_in_last_abstract": "L206", "sources": "L206",
    "unit_fit": "L304",
    "alternative_by_groups": "L402", "claim_groups:False": "L402", "claim_groups:True": "L402",
    "claim_groups_all:False": "L402", "claims_kept:False": "L402", "claims_kept:True": "L402",
    "derivations:False": "L402", "derivations:True": "L402",
    "column:claims.reading": "L407",
    "reading_decisions": "L408", "readings_unsaid": "L408",
    "metrics": "L410",
    "_bounds": "L412", "relation_verdicts": "L412", "rows_by_id": "L412",
    "alternative_units": "L501", "claim_codes": "L501", "column:claims.unit": "L501", "context_keys": "L501", "values": "L501",
    "column:entities.entity": "L504", "entity_names": "L504",
    "column:claims.baseline": "L506", "column:claims.context": "L506", "column:claims.group": "L506",
    "column:claims.metric": "L506", "column:claims.quote": "L506", "column:claims.subject": "L506",
    "column:claims.value": "L506", "entity_spellings": "L506", "group_layouts": "L506", "groups": "L506",
    "column:claims.claim_id": "L507", "column:claims.paper_id": "L507", "column:claims.role": "L507",
    "context_codes": "L509", "context_items": "L509", "entity_index": "L509", "entity_inline_spellings": "L509",
    "hygiene_suspects": "L706",
}


def run_rules(rules: list[Rule], ledger: Ledger, progress=_quiet) -> list[tuple[Finding, str, str]]:
    """Run checks on a loaded ledger: (finding, the table it points into, the check's code) for each hit."""
    out = []
    for i, r in enumerate(rules, 1):
        progress(f"check {i}/{len(rules)} {r.code} {r.name}")
        if not ledger.incomplete.intersection(r.needs):  # else its table lost rows to a load error, which is
            try:                                         # reported; the check would only echo it
                out += [(to_finding(r, hit, ledger), hit.table, r.code) for hit in r.func(ledger)]
            except Exception as e:  # a broken check must not hide every other check's findings
                failed = CHECK_ERROR.finding(ledger.tables["claims"].file, None, "", f"check {r.code} {r.name} failed: {type(e).__name__}: {e}")
                out.append((failed, "claims", r.code))
        ledger.release([k for k, last in LAST_USE.items() if last <= r.code])
    return out


def run_checks(ledger: Ledger, progress=_quiet, selection: Selection = EVERYTHING) -> list[Finding]:
    """Run the checks the selection reports; the others are skipped."""
    return [f for f, _, _ in run_rules(selection.rules(checks()), ledger, progress)]


def waive_selected(findings: list[Finding], ledger: Ledger, selection: Selection = EVERYTHING) -> tuple[list[Finding], int]:
    """The findings the selection reports, less the waived ones (and the count of those), with the
    waivers' own findings: the last step of both the engine and the Dask path."""
    from .waivers import apply_waivers

    findings, waived = apply_waivers(selection.findings(findings), ledger, selection.reports)
    return selection.findings(findings), waived


def validate(layout: Layout, progress=_quiet, select=None, ignore=None) -> Result:
    """The whole job. Raises UnreadableFile when a required file cannot be opened at all. `progress` is
    called with the name of each stage (see ledger/progress.py). `select` / `ignore`: the codes or
    prefixes to report (ledger/selection.py); an unknown one raises UnknownCode before anything is read."""
    selection = Selection.of(select, ignore)
    ledger, findings = load(layout, progress)
    progress("schema")
    findings += schema_findings(ledger)
    findings += run_checks(ledger, progress, selection)
    progress("waivers")
    findings, waived = waive_selected(findings, ledger, selection)
    return Result(ledger, sort_findings(findings), waived)


__all__ = ["Result", "UnknownCode", "UnreadableFile", "load", "validate"]
