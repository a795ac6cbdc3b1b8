"""Claims ledger: a schema-validated ledger of the quantitative claims research papers make.

Library first: `validate(root)` returns a Result with findings; the `ledger` command only renders them.
`load(root)` gives the typed tables, checked by pandera models built from the same declaration
(ledger/datapackage.json) that the columnar checks of `validate` are compiled from.
"""

from .findings import Finding, Severity
from .layout import Layout

__all__ = ["Finding", "Layout", "Severity", "validate", "load"]


def validate(root=".", *, claims=None, papers=None, select=None, ignore=None):
    """Validate the ledger folder `root` (or explicit claims=/papers= paths, side tables next to the
    claims file); returns an engine Result. `select` / `ignore`: finding codes or prefixes ("L2",
    ["L202", "L5"]) to report or not, as `ledger validate --select/--ignore` (ledger/selection.py);
    an unknown one raises ledger.selection.UnknownCode, a ValueError."""
    from .engine import validate as run

    return run(Layout.find(claims=claims, papers=papers, root=None if claims else root), select=select, ignore=ignore)


def load(root="."):
    """Load the ledger folder `root`: (Ledger, findings). Every table is a pandas frame of text columns
    (`ledger["claims"]`), validated by its pandera model (`ledger.schema.pandera_schema`); the findings are
    the load and schema findings, as `validate` reports them."""
    from .engine import load as run
    from .schema import known_keys, pandera_findings

    ledger, findings = run(Layout.find(root=root))
    known = known_keys(ledger.tables)
    for table in ledger.tables.values():
        findings += pandera_findings(table, known)
    return ledger, findings
