#!/usr/bin/env python3
"""Time ledger.mentions.mention_table against the per-text read_numbers loop it replaces.

    .venv/bin/python benchmarks/mentions.py [--claims 100000] [--out /tmp/mentions-bench] [--mb 50] [--repeats 3]

Two corpora: the abstracts of a generated ledger (`generate.py --claims N --out OUT`, generated when
OUT/papers.csv is missing) and the bundled papers.csv abstracts replicated to about --mb MB of text.
Both readers run in this process on the same list of str; each is timed in CPU seconds
(time.process_time, which counts every polars thread) and wall seconds, best of --repeats. The outputs
are checked equal row for row before anything is printed.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from ledger.mentions import _patterns, exact_path, mention_table  # noqa: E402
from ledger.numbers import read_numbers  # noqa: E402

csv.field_size_limit(1 << 30)


def abstracts(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        return [row["abstract"] for row in csv.DictReader(f)]


def loop(texts):
    return [
        (i, m.start, m.end, m.printed, m.value, m.marker, m.word) for i, t in enumerate(texts) for m in read_numbers(t)
    ]


def best(f, repeats):
    cpu, wall, out = [], [], None
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        out = f()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return min(cpu), min(wall), out


def run(name, texts, repeats):
    chars = sum(map(len, texts))
    t_cpu, t_wall, table = best(lambda: mention_table(texts), repeats)
    l_cpu, l_wall, want = best(lambda: loop(texts), repeats)
    cols = [table.column(n).to_pylist() for n in ("text", "start", "end", "printed", "value", "marker", "word")]
    if list(zip(*cols)) != want:
        sys.exit(f"{name}: mention_table differs from read_numbers")
    exact = len(exact_path(texts))
    print(
        f"{name}: {len(texts)} texts, {chars / 1e6:.1f} M chars, {table.num_rows} mentions; "
        f"exact path {exact} texts ({100 * exact / max(1, len(texts)):.2f}%)\n"
        f"  read_numbers loop  cpu {l_cpu:7.3f} s  wall {l_wall:7.3f} s\n"
        f"  mention_table      cpu {t_cpu:7.3f} s  wall {t_wall:7.3f} s\n"
        f"  ratio (loop / table)  cpu {l_cpu / t_cpu:5.1f}x  wall {l_wall / t_wall:5.1f}x"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=Path("/tmp/mentions-bench"))
    ap.add_argument("--mb", type=float, default=50.0, help="size of the replicated bundled corpus, in MB of text")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    if not (args.out / "papers.csv").exists():
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), "--claims", str(args.claims), "--out", str(args.out)],
            check=True, stdout=subprocess.DEVNULL,
        )
    c0 = time.process_time()
    _patterns()  # one-off: classifying the BMP and building the regexes
    print(f"first-call setup (patterns): cpu {time.process_time() - c0:.3f} s")
    mention_table(["warm 1"])  # polars import and first regex compile, outside the timings

    run(f"generated ({args.out})", abstracts(args.out / "papers.csv"), args.repeats)
    bundled = abstracts(HERE.parent / "papers.csv")
    size = sum(map(len, bundled))
    run(f"bundled x{int(args.mb * 1e6 // size) + 1}", bundled * (int(args.mb * 1e6 // size) + 1), args.repeats)


if __name__ == "__main__":
    main()
