"""The mention table: every number of many texts, column-wise (stand-in: the exact reader per text)."""

from __future__ import annotations

from .numbers import read_numbers


def mention_table(texts):
    """(text, start, end, printed, value, marker, word) for every number of every text, ordered by (text, start)."""
    import pyarrow as pa

    rows = [(i, m) for i, t in enumerate(texts) for m in read_numbers(t)]
    return pa.table({
        "text": pa.array([i for i, _ in rows], pa.int64()),
        "start": pa.array([m.start for _, m in rows], pa.int64()),
        "end": pa.array([m.end for _, m in rows], pa.int64()),
        "printed": pa.array([m.printed for _, m in rows], pa.string()),
        "value": pa.array([m.value for _, m in rows], pa.string()),
        "marker": pa.array([m.marker for _, m in rows], pa.string()),
        "word": pa.array([m.word for _, m in rows], pa.bool_()),
    })
