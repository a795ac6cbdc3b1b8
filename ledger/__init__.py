"""Claims ledger: a schema-validated ledger of the quantitative claims research papers make.

Library first: `validate(root)` returns a Result with findings; the `ledger` command only renders them.
`load(root)` gives the typed tables, checked by pandera models built from the same declaration
(ledger/datapackage.json) that the columnar checks of `validate` are compiled from.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .findings import Finding, Severity
from .layout import Layout

if TYPE_CHECKING:
    from .engine import Result
    from .model import Ledger

__all__ = ["Finding", "Layout", "Result", "Severity", "__version__", "load", "validate"]

StrPath = str | os.PathLike[str]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("claims-ledger")
    except PackageNotFoundError:  # a source checkout on sys.path, never installed: the version it declares
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "0+unknown"


__version__ = _version()


def __getattr__(name: str):
    # Result lives in the engine, which imports pandas: only on first use, so `import ledger` stays light
    if name == "Result":
        from .engine import Result

        return Result
    raise AttributeError(f"module 'ledger' has no attribute {name!r}")


def validate(root: StrPath = ".", *, claims: StrPath | None = None, papers: StrPath | None = None,
             select: str | Sequence[str] | None = None, ignore: str | Sequence[str] | None = None) -> Result:
    """Validate the ledger folder `root` (or explicit claims=/papers= paths, side tables next to the
    claims file); returns a Result: `.findings`, `.ok`, `.summary()`, `.ledger`. `select` / `ignore`: finding
    codes or prefixes ("L2", ["L202", "L5"]) to report or not, as `ledger validate --select/--ignore`
    (ledger/selection.py); an unknown one raises ledger.selection.UnknownCode, a ValueError."""
    from .engine import validate as run

    return run(Layout.find(claims=claims, papers=papers, root=None if claims else root), select=select, ignore=ignore)


def load(root: StrPath = ".") -> tuple[Ledger, list[Finding]]:
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
