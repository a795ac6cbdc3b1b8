"""Claims ledger: a schema-validated ledger of the quantitative claims research papers make.

Library first: `validate(Layout.find())` returns findings; the `ledger` command only renders them.
"""

from .findings import Finding, Severity
from .layout import Layout

__all__ = ["Finding", "Layout", "Severity", "validate", "load"]


def validate(root=".", **paths):
    """Validate the ledger folder `root` (or explicit claims=/papers= paths); returns an engine Result."""
    from .engine import validate as run

    return run(Layout.find(root=root, **paths) if not paths else Layout.find(**paths))


def load(root="."):
    """Load the ledger folder `root` as typed tables; returns (Ledger, findings)."""
    from .engine import load as run

    return run(Layout.find(root=root))
