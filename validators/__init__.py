"""The consistency checks, one small pure function per rule, registered on import.

Shipped as `ledger.validators` (see pyproject.toml): a top-level `validators` package would
collide with the PyPI distribution of that name.
"""

from . import arithmetic, coverage, cross_claims, groups, hygiene, provenance, ranges, readings, vocabulary  # noqa: F401  (registers the checks)
