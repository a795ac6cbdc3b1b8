"""Renderers: findings in, text out. They decide nothing; the engine already did."""

from __future__ import annotations

import json
import re

from .findings import Finding, Severity

GITHUB_ANNOTATION_LIMIT = 10  # GitHub shows at most 10 annotations per severity and step


_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def visible(s: str) -> str:
    """Control, zero-width and bidi characters as <U+XXXX>: a terminal or a PR page must not hide or reorder them."""
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", s)


def location(f: Finding) -> str:
    return f"{f.file}:{f.line}" if f.line is not None else f.file


def text_line(f: Finding) -> str:
    where = " ".join(x for x in (f.claim_id, f.column) if x)
    bracket = f" [{where}]" if where else ""
    return visible(f"{location(f)}: {f.code} {f.check}{bracket} {f.message}").replace("\n", " ")


def summary_line(summary: dict) -> str:
    """The verdict and the counts. The verdict is the summary's `failed` (under --strict a warning fails
    the run, and the line must not say ok), or, for a summary without one, whether there are errors."""
    failed = summary["failed"] if "failed" in summary else bool(summary.get("error"))
    waived = f", {summary['waived']} waived" if summary.get("waived") else ""
    why = " (--strict: warnings fail)" if failed and summary.get("strict") and not summary.get("error") else ""
    return (f"{'FAILED' if failed else 'ok'}: {summary['claims']} claims, {summary['papers']} papers; "
            f"{summary['error']} errors, {summary['warning']} warnings, {summary['notice']} notices{waived}{why}")


def render_text(findings: list[Finding], summary: dict) -> str:
    return "\n".join([*(text_line(f) for f in findings), summary_line(summary)]) + "\n"


# The version of the `--format json` document, described by docs/findings.schema.json. It changes (to "2")
# only when a consumer could break: a key removed or renamed, a type or a value's meaning changed. A key
# or a finding code added is no change: consumers ignore keys they do not know, and so does the schema.
FINDINGS_SCHEMA_VERSION = "1"


def render_json(findings: list[Finding], summary: dict) -> str:
    doc = {"schema_version": FINDINGS_SCHEMA_VERSION, "findings": [f.to_dict() for f in findings], "summary": summary}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


_MD_SPECIAL = re.compile(r"([\\|<>&])")


def _md_cell(s: str) -> str:
    """A Markdown table cell that shows the text as stored: line breaks become spaces, invisible characters
    <U+XXXX>, and the characters that make HTML (`<details>`, `<b>`, `&lt;`) or end the cell are
    backslash-escaped (so `<U+202E>` shows as written too)."""
    return _MD_SPECIAL.sub(r"\\\1", visible(s.replace("\r", " ").replace("\n", " ")))


def render_markdown(findings: list[Finding], summary: dict) -> str:
    out = [f"**ledger validate** — {summary_line(summary)}", ""]
    if findings:
        out += ["| severity | location | code | claim | column | message |", "|---|---|---|---|---|---|"]
        for f in findings:
            out.append("| " + " | ".join(_md_cell(x) for x in (
                f.severity.value, location(f), f"{f.code} {f.check}", f.claim_id, f.column, f.message)) + " |")
    return "\n".join(out) + "\n"


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github_command(f: Finding) -> str:
    kind = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}[f.severity]
    props = [f"file={_escape_property(f.file)}"]
    if f.line is not None:
        props.append(f"line={f.line}")
    props.append(f"title={_escape_property(f'{f.code} {f.check}')}")
    where = " ".join(x for x in (f.claim_id, f.column) if x)
    msg = visible(f"{where}: {f.message}" if where else f.message)
    return f"::{kind} {','.join(props)}::{_escape_data(msg)}"


def render_github(findings: list[Finding], summary: dict) -> str:
    """Workflow commands for the first findings of each severity, then the plain text of all of them."""
    out, shown = [], {s: 0 for s in Severity}
    for f in findings:
        if shown[f.severity] < GITHUB_ANNOTATION_LIMIT:
            out.append(github_command(f))
        shown[f.severity] += 1
    hidden = sum(max(0, n - GITHUB_ANNOTATION_LIMIT) for n in shown.values())
    if hidden:
        out.append(f"::notice title=ledger validate::{hidden} more findings are not annotated; see the job summary or the text below")
    return "\n".join(out) + ("\n" if out else "") + render_text(findings, summary)


# SARIF 2.1.0 (OASIS), for code scanning (github/codeql-action/upload-sarif) and SARIF viewers

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "note"}


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("claims-ledger")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def _sarif_rule(r) -> dict:
    from .catalogue import STAGES

    return {"id": r.code, "name": r.name, "shortDescription": {"text": r.summary},
            "fullDescription": {"text": f"{STAGES[r.stage]}: {r.summary}"},
            "help": {"text": f"{r.summary} The catalogue of every code is docs/checks.md (`ledger checks`)."},
            "defaultConfiguration": {"level": SARIF_LEVEL[r.severity]}, "properties": {"stage": r.stage}}


def _artifact_location(file: str) -> dict:
    """A relative path as a URI reference against %SRCROOT% (the checkout, for code scanning); a path that
    is not under the working directory as a file: URI."""
    from pathlib import Path
    from urllib.parse import quote

    path = Path(file)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}


def _sarif_result(f: Finding, index: dict[str, int]) -> dict:
    # Finding.column is a column *name*, not a character position: it goes into the message and the
    # properties, never into region.startColumn.
    where = " ".join(x for x in (f.claim_id, f.column) if x)
    out: dict = {"ruleId": f.code}
    if f.code in index:
        out["ruleIndex"] = index[f.code]
    out |= {"level": SARIF_LEVEL[f.severity], "message": {"text": visible(f"{where}: {f.message}" if where else f.message)}}
    if f.file:
        physical: dict = {"artifactLocation": _artifact_location(f.file)}
        if f.line is not None:
            physical["region"] = {"startLine": f.line}
        out["locations"] = [{"physicalLocation": physical}]
    props = {"check": f.check, "claimId": f.claim_id, "column": f.column, "expected": f.expected, "found": f.found}
    out["properties"] = {k: v for k, v in props.items() if v}
    return out


def render_sarif(findings: list[Finding], summary: dict) -> str:
    """One SARIF run: every rule of the catalogue, one result per finding; the summary in the run's properties."""
    from .catalogue import catalogue

    rules = catalogue()
    index = {r.code: i for i, r in enumerate(rules)}
    run = {"tool": {"driver": {"name": "ledger", "fullName": "claims ledger (ledger validate)", "version": _package_version(),
                               "rules": [_sarif_rule(r) for r in rules]}},
           "results": [_sarif_result(f, index) for f in findings],
           "properties": {"summary": summary}}
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "github": render_github, "markdown": render_markdown,
             "sarif": render_sarif}
