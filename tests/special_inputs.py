"""Hostile inputs that cannot be committed (FIFOs, symlinks to devices or out of the ledger folder, a folder
or an unreadable file where a vocabulary should be, a header of a million columns): each case folder of
tests/hostile/ named here holds only README.md and expected.csv, and its builder makes the input in the
built ledger at test time. `tests/test_reader_inputs.py` runs them through the CLI in a subprocess with a
timeout (a regression would hang or eat memory, which an in-process run cannot survive)."""

from __future__ import annotations

import os
from pathlib import Path

from ledger.layout import CLAIMS

SECRET = "SECRET-CONTENT-must-not-be-echoed"


def _fifo(rel: str):
    def build(root: Path) -> None:
        path = root / rel
        path.unlink(missing_ok=True)
        os.mkfifo(path)
    return build


def _link(rel: str, target):
    def build(root: Path) -> None:
        dest = target(root) if callable(target) else target
        path = root / rel
        path.unlink(missing_ok=True)
        path.symlink_to(dest)
    return build


def _outside(root: Path) -> Path:
    """A readable file beside the ledger folder, holding text that must never reach a report."""
    secret = root.parent / "elsewhere" / "passwd"
    secret.parent.mkdir(exist_ok=True)
    secret.write_text(f"{SECRET},root:x:0:0\n", encoding="utf-8")
    return secret


def _inside(root: Path) -> Path:
    """The base claims moved into a subfolder of the ledger; claims.csv becomes a link to them."""
    real = root / "data" / "claims.csv"
    real.parent.mkdir()
    (root / "claims.csv").rename(real)
    return real


def _folder(rel: str):
    def build(root: Path) -> None:
        path = root / rel
        path.unlink(missing_ok=True)
        path.mkdir()
    return build


def _no_permission(rel: str):
    def build(root: Path) -> None:
        (root / rel).chmod(0)
    return build


def _million_columns(root: Path) -> None:
    """The base claims with a million extra columns, every record padded to match: only the header is wrong."""
    extra = 1_000_000
    path = root / "claims.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0] + "".join(f",x{i}" for i in range(extra))
    pad = "," * extra
    path.write_text("\n".join([header] + [line + pad for line in lines[1:]]) + "\n", encoding="utf-8")


# case -> (builder, whether the run goes on): a required table that cannot be read ends the run with exit 2
SPECIAL = {
    "L001-fail-fifo-claims": (_fifo(CLAIMS.relpath), False),
    "L001-fail-fifo-vocab": (_fifo("vocab/metrics.csv"), True),
    "L001-fail-claims-symlink-to-dev-zero": (_link(CLAIMS.relpath, "/dev/zero"), False),
    "L001-fail-claims-symlink-outside-folder": (_link(CLAIMS.relpath, _outside), False),
    "L001-fail-vocab-symlink-outside-folder": (_link("vocab/entities.csv", _outside), True),
    "L001-pass-symlink-inside-folder": (_link(CLAIMS.relpath, _inside), True),
    "L001-fail-vocab-is-a-folder": (_folder("vocab/entities.csv"), True),
    "L001-fail-vocab-permission-denied": (_no_permission("vocab/metrics.csv"), True),
    "L008-fail-million-column-header": (_million_columns, True),
}
