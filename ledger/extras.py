"""Optional dependencies: the base install validates, formats, diffs and exports; charts and Dask are extras.

`require(extra)` is called where an extra's modules are first needed. When one cannot be imported it
raises MissingExtra (an ImportError, so library callers can catch it as one), which the `ledger` command
prints as one line naming the extra to install, exit 2.
"""

from __future__ import annotations

import importlib

# The modules each extra of pyproject.toml brings that the ledger imports.
EXTRAS = {
    "report": ("altair", "vl_convert"),
    "dask": ("dask", "dask.dataframe", "distributed"),
}


class MissingExtra(ImportError):
    def __init__(self, extra: str, module: str, reason: str):
        self.extra = extra
        super().__init__(f"needs the '{extra}' extra: pip install -e \".[{extra}]\" in the repository ({reason})",
                         name=module)


def require(extra: str) -> None:
    """Import every module of `extra`, or raise MissingExtra naming the first that fails."""
    for module in EXTRAS[extra]:
        try:
            importlib.import_module(module)
        except ImportError as e:
            raise MissingExtra(extra, module, str(e)) from e
