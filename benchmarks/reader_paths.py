#!/usr/bin/env python3
"""Time the reader's two parse paths on one table file and check they give the same rows and findings.

    python benchmarks/reader_paths.py benchmarks/data/claims-100000/claims.csv [--repeats 3]

The generated ledgers (benchmarks/generate.py) plant a few ragged and blank records in claims.csv: before
the fast path could set those aside, such a file went through the careful (csv module) parser whole.
Prints the median wall time of `parse` (careful), `parse_fast` and `read_table` (decode, parse, frame).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.fmt import spec_for  # noqa: E402
from ledger.reader import parse, parse_fast, read_table  # noqa: E402


def _median(job, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = job()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", type=Path)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    spec, data = spec_for(args.path), args.path.read_bytes()
    text = data.decode("utf-8")
    careful_s, (header, rows, lines, findings) = _median(lambda: parse(text, spec, "f"), args.repeats)
    fast_s, fast = _median(lambda: parse_fast(text, "f", data), args.repeats)
    table_s, _ = _median(lambda: read_table(args.path, spec), args.repeats)
    print(f"{args.path}: {len(data) / 1e6:.1f} MB, {len(rows)} records kept, findings "
          f"{sorted({f.code for f in findings})} ({len(findings)})")
    print(f"  parse (careful)  {careful_s:8.3f} s")
    if fast is None:
        print("  parse_fast       declined (the careful path reads this file)")
    else:
        f_header, frame, f_lines, f_findings = fast
        same = f_header == header and f_lines == lines and f_findings == findings and frame.values.tolist() == rows
        print(f"  parse_fast       {fast_s:8.3f} s  ({careful_s / fast_s:.1f}x), same rows, lines and findings: {same}")
        if not same:
            return 1
    print(f"  read_table       {table_s:8.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
