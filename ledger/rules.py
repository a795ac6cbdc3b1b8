"""Every rule that is not a check function, as data: the loader's (L0xx), the schema's (L1xx), the
engine's and the waivers' (L6xx), and the claim lifecycle between two revisions (L8xx). The checks declare themselves with `@check` in validators/; the
catalogue (ledger/catalogue.py) lists both. Codes are stable: never renumber or reuse one."""

from __future__ import annotations

from .registry import rule

# File and CSV structure (ledger/reader.py)
FILE_MISSING = rule("L001", "file-missing", "error", "A required ledger file does not exist or cannot be opened.", "load")
ENCODING = rule("L002", "encoding-invalid", "error", "The file is not valid UTF-8 (UTF-16 and other encodings included).", "load")
BOM = rule("L003", "utf8-bom", "warning", "The file starts with a UTF-8 byte-order mark; `ledger fmt` removes it.", "load")
NUL = rule("L004", "nul-byte", "error", "A line holds a NUL byte, which no text tool shows.", "load")
CSV_SYNTAX = rule("L005", "csv-syntax", "error", "The CSV cannot be parsed from this record on (e.g. an unterminated quote).", "load")
FIELD_COUNT = rule("L006", "field-count", "error", "A record has more or fewer fields than the header; the record is not loaded.", "load")
HEADER_MISSING = rule("L007", "header-missing-column", "error", "The header lacks a column the table requires.", "load")
HEADER_UNKNOWN = rule("L008", "header-unknown-column", "error", "The header has a column the table does not define.", "load")
HEADER_DUPLICATE = rule("L009", "header-duplicate-column", "error", "A column name appears twice in the header.", "load")
BLANK_ROW = rule("L010", "blank-row", "warning", "An empty record (blank line or only separators) is ignored.", "load")
CONFLICT_MARKER = rule("L011", "conflict-marker", "error", "A git merge-conflict marker is left in the file; resolve the conflict.", "load")
EMPTY_FILE = rule("L012", "empty-file", "error", "The file is empty: not even a header.", "load")
LINE_ENDINGS = rule("L013", "line-endings", "warning", "The file uses CR or CRLF line endings; the canonical form is LF.", "load")

# Schema: the declaration of ledger/datapackage.json (ledger/schema.py)
REQUIRED = rule("L101", "required-missing", "error", "A required cell is empty.", "schema")
VALUE_FORMAT = rule("L102", "value-format", "error", "A value is not a canonical decimal string (52.30, 52.6e3, -23).", "schema")
VOCABULARY = rule("L103", "not-in-vocabulary", "error", "A cell is not one of the column's allowed words (unit, qualifier, status, reading…).", "schema")
ID_FORMAT = rule("L104", "id-format", "error", "An identifier does not have its documented form (claim_id slug, arXiv id, metric id).", "schema")
DUPLICATE_KEY = rule("L105", "duplicate-key", "error", "An identifier that must be unique appears on more than one row.", "schema")
UNKNOWN_PAPER = rule("L106", "unknown-paper", "error", "A claim names a paper_id that papers.csv does not hold.", "schema")
UNKNOWN_METRIC = rule("L107", "unknown-metric", "error", "A claim names a metric that vocab/metrics.csv does not define.", "schema")
NUMBER_FORMAT = rule("L108", "number-format", "error", "A year, size or other number cell is not a plain number of the documented form.", "schema")
UNIT_SPELLING = rule("L305", "unit-spelling", "warning", "A dimensioned unit is in its canonical spelling (TFLOP/s, not TFLOPS; GB is bytes, Gb bits): the message names the canonical one.", "schema")
URL_FORMAT = rule("L109", "url-format", "error", "A URL is not an http(s) address.", "schema")

# The engine
NO_VOCABULARY = rule("L014", "vocabulary-missing", "warning", "The ledger has no vocab/metrics.csv, so metrics and their units are not checked.", "load")
CHECK_ERROR = rule("L000", "check-error", "error", "A check could not run on this ledger (a bug or a bad side table); the message says why.", "check")

# Waivers (ledger/waivers.py)
UNMATCHED = rule("L601", "waiver-unmatched", "warning", "A waiver matches no finding any more; remove it.", "waiver")
UNKNOWN_CODE = rule("L602", "waiver-unknown-code", "error", "A waiver names a code that is not in the catalogue, or one that cannot be waived.", "waiver")

# The claim lifecycle, between two revisions of the ledger (ledger/lifecycle.py, `ledger diff --check`). A claim
# leaves `draft` once reviewed; from then on its row is the record of what was reviewed: corrections are new claims.
REVIEWED_REMOVED = rule("L801", "reviewed-claim-removed", "error", "A claim that is verified, disputed or retracted on the base is gone from the head; keep the row and mark it disputed or retracted. The line is the base's.", "lifecycle")
REVIEWED_RENAMED = rule("L802", "reviewed-claim-renamed", "error", "A claim that is verified, disputed or retracted on the base has a new claim_id in the head; claim_ids are stable once reviewed: keep the old id.", "lifecycle")
REVIEWED_EDITED = rule("L803", "reviewed-claim-edited", "error", "A claim that is verified, disputed or retracted on the base changed its paper_id, value, unit or quote; mark it disputed or retracted and add the corrected claim under a new claim_id.", "lifecycle")
STATUS_TRANSITION = rule("L804", "status-transition", "error", "A claim's status moved backwards: verified may become only disputed or retracted, disputed only verified or retracted, and retracted is final.", "lifecycle")
