"""Structure, not semantics: the pandera schemas of each table, and their failures as findings.

Each column check is paired with the rule it reports, so a pandera failure maps to a stable code and
to the physical CSV line the loader recorded (never the pandas index).
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from .findings import Finding
from .numbers import CANONICAL_VALUE_PATTERN
from .reader import Table
from .registry import Rule, rule
from .units import DIRECTIONS, ENTITY_KINDS, QUALIFIERS, READINGS, STATUSES, UNITS

REQUIRED = rule("L101", "required-missing", "error", "A required cell is empty.", "schema")
VALUE_FORMAT = rule("L102", "value-format", "error", "A value is not a canonical decimal string (52.30, 52.6e3, -23).", "schema")
VOCABULARY = rule("L103", "not-in-vocabulary", "error", "A cell is not one of the column's allowed words (unit, qualifier, status, reading…).", "schema")
ID_FORMAT = rule("L104", "id-format", "error", "An identifier does not have its documented form (claim_id slug, arXiv id, metric id).", "schema")
DUPLICATE_KEY = rule("L105", "duplicate-key", "error", "An identifier that must be unique appears on more than one row.", "schema")
UNKNOWN_PAPER = rule("L106", "unknown-paper", "error", "A claim names a paper_id that papers.csv does not hold.", "schema")
UNKNOWN_METRIC = rule("L107", "unknown-metric", "error", "A claim names a metric that vocab/metrics.csv does not define.", "schema")
NUMBER_FORMAT = rule("L108", "number-format", "error", "A year, size or other number cell is not a plain number of the documented form.", "schema")
URL_FORMAT = rule("L109", "url-format", "error", "A URL is not an http(s) address.", "schema")

SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
METRIC_ID = r"[a-z][a-z0-9_]*"
# arXiv ids: new style 2407.12117 (optionally v2), old style hep-th/9901001
ARXIV = r"(?:\d{4}\.\d{4,5}|[a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"


def _matches(pattern: str, r: Rule, what: str):
    import pandera.pandas as pa

    # Empty cells pass here; REQUIRED reports them once instead of twice. \Z, not $: "3\n" is not "3".
    core = pattern.removeprefix("^").removesuffix("$")
    return pa.Check.str_matches(rf"^(?:{core})?\Z", error=f"{what}"), r


def _isin(values, r: Rule, what: str):
    import pandera.pandas as pa

    allowed = set(values)
    return pa.Check(lambda s: s.isin(allowed) | (s == ""), error=what), r


def _units_list(r: Rule):
    import pandera.pandas as pa

    return pa.Check(lambda s: s.map(lambda v: all(u in UNITS for u in v.split())), error="units: space-separated units from the unit vocabulary"), r


def column_checks(table: Table, known: dict[str, set[str]]) -> dict[str, list]:
    """Per column, the (pandera check, rule) pairs for one table. `known` holds the keys of other tables."""
    name = table.spec.name
    checks: dict[str, list] = defaultdict(list)
    if name == "claims":
        checks["claim_id"].append(_matches(SLUG, ID_FORMAT, "claim_id: lowercase slug like memo-mfu-vs-megatron-lm"))
        checks["paper_id"].append(_matches(ARXIV, ID_FORMAT, "paper_id: arXiv id like 2407.12117"))
        if "papers" in known:
            checks["paper_id"].append(_isin(known["papers"], UNKNOWN_PAPER, "paper_id: a paper_id of papers.csv"))
        if "metrics" in known:
            checks["metric"].append(_isin(known["metrics"], UNKNOWN_METRIC, "metric: a metric of vocab/metrics.csv"))
        checks["value"].append(_matches(CANONICAL_VALUE_PATTERN, VALUE_FORMAT, "value: decimal string like 52.30, 52.6e3 or -23"))
        checks["unit"].append(_isin(UNITS, VOCABULARY, "unit: one of " + ", ".join(UNITS)))
        checks["qualifier"].append(_isin(QUALIFIERS, VOCABULARY, "qualifier: one of " + ", ".join(QUALIFIERS)))
        checks["reading"].append(_isin(READINGS, VOCABULARY, "reading: one of " + ", ".join(READINGS)))
        checks["status"].append(_isin(STATUSES, VOCABULARY, "status: one of " + ", ".join(STATUSES)))
    elif name == "papers":
        checks["paper_id"].append(_matches(ARXIV, ID_FORMAT, "paper_id: arXiv id like 2407.12117"))
        checks["year"].append(_matches(r"(?:19|20)\d{2}", NUMBER_FORMAT, "year: four digits"))
        checks["url"].append(_matches(r"https?://\S+", URL_FORMAT, "url: http(s) address"))
    elif name == "metrics":
        checks["metric"].append(_matches(METRIC_ID, ID_FORMAT, "metric: snake_case id"))
        checks["direction"].append(_isin(DIRECTIONS, VOCABULARY, "direction: one of " + ", ".join(DIRECTIONS)))
        checks["units"].append(_units_list(VOCABULARY))
    elif name == "entities":
        checks["kind"].append(_isin(ENTITY_KINDS, VOCABULARY, "kind: one of " + ", ".join(ENTITY_KINDS)))
    elif name == "benchmarks":
        checks["size"].append(_matches(r"[1-9][0-9]{0,11}", NUMBER_FORMAT, "size: a whole number of examples"))
    elif name == "relations":
        checks["relation_id"].append(_matches(SLUG, ID_FORMAT, "relation_id: lowercase slug"))
    elif name == "skips":
        if "papers" in known:
            checks["paper_id"].append(_isin(known["papers"], UNKNOWN_PAPER, "paper_id: a paper_id of papers.csv"))
    return checks


UNIQUE_KEYS = {"claims": "claim_id", "papers": "paper_id", "metrics": "metric", "entities": "entity",
               "benchmarks": "benchmark", "relations": "relation_id"}


def validate_table(table: Table, known: dict[str, set[str]]) -> list[Finding]:
    """Run the table's pandera schema lazily and translate every failure case into a finding."""
    if len(table) == 0:
        return []
    import pandera.pandas as pa

    spec = table.spec
    per_column = column_checks(table, known)
    rules: dict[tuple[str, int], Rule] = {}
    columns = {}
    for col in spec.columns:
        pairs = list(per_column.get(col, []))
        if col in spec.required:
            pairs.insert(0, (pa.Check(lambda s: s.str.strip() != "", error=f"{col}: required"), REQUIRED))
        for i, (_, r) in enumerate(pairs):
            rules[(col, i)] = r
        columns[col] = pa.Column(str, [c for c, _ in pairs], unique=UNIQUE_KEYS.get(spec.name) == col, nullable=False)
    schema = pa.DataFrameSchema(columns, strict=False, name=spec.name)
    try:
        schema.validate(table.frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as err:
        return _translate(err.failure_cases, table, rules)


def _translate(cases: pd.DataFrame, table: Table, rules: dict[tuple[str, int], Rule]) -> list[Finding]:
    frame, spec = table.frame, table.spec
    ids = frame[spec.key] if spec.key == "claim_id" else None
    out: list[Finding] = []
    dup_first: dict[str, int] = {}
    for case in cases.itertuples(index=False):
        if case.index is None or pd.isna(case.index):
            continue  # schema-level failures (dtype) cannot happen: every column is read as text
        row = int(case.index)
        col = case.column
        found = "" if pd.isna(case.failure_case) else str(case.failure_case)
        claim_id = str(ids.iat[row]) if ids is not None else ""
        line = table.lines[row]
        if case.check == "field_uniqueness":
            if found == "":
                continue  # reported as required-missing
            first = dup_first.setdefault(found, line)
            if first == line:
                continue  # the first occurrence is the original; the later ones are the duplicates
            r, msg, expected = DUPLICATE_KEY, f"{col} {found!r} is already used on line {first}", "unique"
        else:
            r = rules[(col, int(case.check_number))]
            msg, expected = (f"{col} is empty or blank" if r is REQUIRED else f"{found!r} is not allowed: expected {case.check.split(': ', 1)[-1]}"), case.check.split(": ", 1)[-1]
        out.append(Finding(r.code, r.name, r.severity, table.file, line, col, claim_id, msg, expected, found))
    return out
