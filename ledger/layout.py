"""What files a ledger is made of, and the columns of each, read from the one declaration of the tables.

The tables are declared once, as data, in `ledger/datapackage.json`: a Frictionless Data Package whose
Table Schemas give every column with its description, required cells, pattern, enum, unique key and
foreign keys. The loader, the columnar schema checks, the pandera models of `ledger.load()`, the hygiene
checks, `fmt`, `diff` and the data dictionary all read these specs; `ledger datapackage` writes the
descriptor of a ledger's own files to its root, for `frictionless validate`.

Beyond the Table Schema standard each field has `ledger:role` (`key`, `name`, `typed`, `prose` or
`text`: which hygiene rules apply), and a pattern or enum its `ledger:rule` (the finding code it reports)
and `ledger:expected` (how the finding says what was expected).

A ledger is a folder: `claims.csv` and `papers.csv` at its root, vocabularies in `vocab/`, and the
curators' side tables (relations, waivers, coverage skips) next to the claims.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DESCRIPTOR = Path(__file__).with_name("datapackage.json")
ROLES = ("key", "name", "typed", "prose", "text")


@dataclass(frozen=True)
class Field:
    name: str
    description: str
    role: str
    required: bool = False
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    unique: bool = False
    rule: str | None = None  # the code a pattern or enum failure reports
    expected: str = ""
    example: str | None = None
    optional: bool = False  # the column may be absent from a file: every cell is then empty


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str  # the referenced table
    key: str  # its column
    rule: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    relpath: str  # where the file sits in a ledger folder
    columns: tuple[str, ...]  # canonical order
    key: str  # the column rows are sorted by
    required: tuple[str, ...]  # cells that must not be empty
    optional: bool = False  # a missing optional file is an empty table, not a finding
    fields: tuple[Field, ...] = ()
    unique: str | None = None  # the column whose values must be distinct (the primary key)
    foreign_keys: tuple[ForeignKey, ...] = ()
    description: str = ""

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def with_role(self, *roles: str) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.role in roles)

    @property
    def optional_columns(self) -> frozenset[str]:
        """Columns a file may leave out (added after files were written without them)."""
        return frozenset(f.name for f in self.fields if f.optional)

    def written_columns(self, header, frame) -> tuple[str, ...]:
        """The columns a table is written with: every column, but an optional one only when the file had
        it or a cell holds something, so a ledger written before the column existed keeps its form."""
        had = set(header)
        return tuple(c for c in self.columns
                     if c not in self.optional_columns or c in had or (frame[c] != "").any())


def _spec(resource: dict) -> TableSpec:
    schema = resource["schema"]
    fields = []
    for d in schema["fields"]:
        c = d.get("constraints", {})
        if d.get("ledger:role") not in ROLES:
            raise ValueError(f"{resource['name']}.{d['name']}: ledger:role must be one of {ROLES}")
        fields.append(Field(d["name"], d.get("description", ""), d["ledger:role"], c.get("required", False),
                            c.get("pattern"), tuple(c["enum"]) if "enum" in c else None, c.get("unique", False),
                            d.get("ledger:rule"), d.get("ledger:expected", ""), d.get("example"),
                            d.get("ledger:optional", False)))
    fks = tuple(ForeignKey(fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0], fk["ledger:rule"])
                for fk in schema.get("foreignKeys", ()))
    primary = schema.get("primaryKey", [None])[0]
    return TableSpec(resource["name"], resource["path"], tuple(f.name for f in fields), resource["ledger:sortKey"],
                     tuple(f.name for f in fields if f.required), resource.get("ledger:optional", False), tuple(fields),
                     primary, fks, resource.get("description", ""))


@cache
def descriptor() -> dict:
    return json.loads(DESCRIPTOR.read_text(encoding="utf-8"))


SPECS: tuple[TableSpec, ...] = tuple(_spec(r) for r in descriptor()["resources"])
SPEC: dict[str, TableSpec] = {s.name: s for s in SPECS}
CLAIMS, PAPERS, METRICS, ENTITIES, BENCHMARKS, RELATIONS, WAIVERS, SKIPS = (
    SPEC[n] for n in ("claims", "papers", "metrics", "entities", "benchmarks", "relations", "waivers", "skips"))


def ledger_descriptor(root: Path) -> dict:
    """The declaration restricted to the tables present in the ledger folder `root` (frictionless
    refuses a resource whose file is missing, and optional tables may be absent)."""
    paths = [r["path"] for r in descriptor()["resources"] if (Path(root) / r["path"]).is_file()]
    return descriptor_for(paths, {p: _header(Path(root) / p) for p in paths})


def _header(path: Path) -> list[str]:
    import csv

    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def descriptor_for(paths, headers: dict[str, list[str]] | None = None) -> dict:
    """The declaration restricted to the tables at `paths` (relative, as the declaration names them),
    with the foreign keys to absent tables dropped, and, where `headers` gives a file's header, the
    optional columns that file leaves out."""
    d = descriptor()
    paths = set(paths)
    present = [r for r in d["resources"] if r["path"] in paths]
    names = {r["name"] for r in present}
    out = []
    for r in present:
        r = json.loads(json.dumps(r))  # a deep copy
        fks = [fk for fk in r["schema"].get("foreignKeys", []) if fk["reference"]["resource"] in names]
        if fks:
            r["schema"]["foreignKeys"] = fks
        else:
            r["schema"].pop("foreignKeys", None)
        if headers is not None and r["path"] in headers:
            had = set(headers[r["path"]])
            r["schema"]["fields"] = [f for f in r["schema"]["fields"] if not f.get("ledger:optional") or f["name"] in had]
        out.append(r)
    return {**d, "resources": out}


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

    @property
    def root(self) -> Path:
        """The ledger folder: the folder of the claims file."""
        return self.paths["claims"].parent

    def display(self, name: str) -> str:
        """The path as findings print it: relative to the working directory when it can be."""
        p = self.paths[name]
        try:  # the folder resolved, not the file: a symlink is shown by its own name, not by its target's
            return str((p.parent.resolve() / p.name).relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(p)
