#!/usr/bin/env python3
"""Profile `ledger validate` on a generated ledger: where the time goes, by function and by check.

    .venv/bin/python benchmarks/profile_validate.py --claims 100000 [--shape light|seed] [--data DIR] [--top 15]

Runs `python -m cProfile -o benchmarks/data/validate-N.prof -m ledger.cli validate --format json` in a
fresh process inside the generated ledger folder, then prints the top functions by cumulative and by
own (tottime) time, and the time of each stage and each registered check.
"""

from __future__ import annotations

import argparse
import json
import pstats
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate

STAGES = [  # (label, file suffix, function name) of the engine's stages and helpers worth a line each
    ("load (all tables)", "ledger/engine.py", "load"),
    ("  read_table", "ledger/reader.py", "read_table"),
    ("  parse (csv module)", "ledger/reader.py", "parse"),
    ("schema (declaration)", "ledger/engine.py", "schema_findings"),
    ("checks (all)", "ledger/engine.py", "run_checks"),
    ("  derivations", "ledger/derive.py", "derivations"),
    ("  recorded_matches", "ledger/derive.py", "recorded_matches"),
    ("  read_numbers", "ledger/numbers.py", "read_numbers"),
    ("  normalise", "ledger/text.py", "normalise"),
    ("waivers", "ledger/waivers.py", "apply_waivers"),
    ("sort findings", "ledger/findings.py", "sort_findings"),
    ("render json", "ledger/report.py", "render_json"),
]


def fn_time(stats: pstats.Stats, suffix: str, name: str) -> tuple[float, float, int]:
    """(cumulative, own, calls) summed over functions `name` defined in a file ending with `suffix`."""
    cum = own = 0.0
    calls = 0
    for (file, _, func), (cc, nc, tt, ct, _) in stats.stats.items():
        if func == name and file.replace("\\", "/").endswith(suffix):
            cum, own, calls = cum + ct, own + tt, calls + nc
    return cum, own, calls


TIMED = r"""
import json, sys, time
t0 = time.process_time()
from ledger import engine
from ledger.layout import Layout
from ledger.catalogue import checks
from ledger.waivers import apply_waivers
from ledger.findings import sort_findings
from ledger.report import render_json
from ledger.findings import count_by_severity
out = {"import": time.process_time() - t0}
t = time.process_time(); ledger, findings = engine.load(Layout.find()); out["load"] = time.process_time() - t
t = time.process_time(); findings += engine.schema_findings(ledger); out["schema"] = time.process_time() - t
per = {}
for r in checks():
    t = time.process_time()
    try:
        findings += [engine.to_finding(r, h, ledger) for h in r.func(ledger)]
    except Exception as e:
        per[r.code + " (failed: " + type(e).__name__ + ")"] = 0.0
    per[r.code + " " + r.name] = time.process_time() - t
out["checks"] = per
t = time.process_time(); findings, _ = apply_waivers(findings, ledger); findings = sort_findings(findings); out["waivers+sort"] = time.process_time() - t
t = time.process_time(); render_json(findings, {"claims": 0, "papers": 0, **count_by_severity(findings)}); out["render json"] = time.process_time() - t
out["total"] = time.process_time() - t0
print(json.dumps(out))
"""


def timed(python: str, d: Path) -> dict | None:
    """CPU time (all threads) of each stage and each check, in a fresh process, without profiler overhead:
    CPU seconds, not wall time, because the machines are shared."""
    r = subprocess.run([python, "-c", TIMED], check=False, cwd=d, capture_output=True, text=True)
    if r.returncode != 0:
        print("timed breakdown failed (the engine API changed?):", r.stderr.strip()[-500:])
        return None
    return json.loads(r.stdout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, default=100000)
    ap.add_argument("--data", "--data-dir", dest="data_dir", type=Path, default=HERE / "data",
                    help="where generated ledgers are kept (default benchmarks/data; run.py --data shares it)")
    ap.add_argument("--shape", choices=("light", "seed"), default="light",
                    help="light: the synthetic ledger (default); seed: the bundled ledger replicated")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--no-run", action="store_true", help="only print the stats of an existing .prof")
    args = ap.parse_args(argv)

    # the folder names of run.py, so that both reuse one generated ledger
    d = (args.data_dir / f"{args.shape}-{args.claims}").resolve()
    if args.shape == "seed":
        current = generate.seed_is_current(d, args.claims, HERE.parent)
    else:
        current = generate.is_current(d, args.claims, args.seed, 2.0, 0.005)
    if not current:
        if d.exists():
            shutil.rmtree(d)
        info = generate.replicate(HERE.parent, args.claims, d) if args.shape == "seed" else generate.generate(args.claims, d, args.seed)
        print(json.dumps(info), flush=True)
    prof = args.data_dir.resolve() / f"validate-{args.shape}-{args.claims}.prof"
    if not args.no_run:
        t = timed(args.python, d)
        if t:
            print(f"CPU time without profiler (fresh process, {t['total']:.2f} s in all):")
            for k in ("import", "load", "schema"):
                print(f"  {k:34} {t[k]:7.2f} s  ({100 * t[k] / t['total']:4.1f}%)")
            for k, v in sorted(t["checks"].items(), key=lambda kv: -kv[1]):
                print(f"  check {k:28} {v:7.2f} s  ({100 * v / t['total']:4.1f}%)")
            for k in ("waivers+sort", "render json"):
                print(f"  {k:34} {t[k]:7.2f} s  ({100 * t[k] / t['total']:4.1f}%)")
            print()
        t0 = time.perf_counter()
        with open(args.data_dir / f"profile-{args.shape}-{args.claims}.json", "wb") as out:
            rc = subprocess.run([args.python, "-m", "cProfile", "-o", str(prof), "-m", "ledger.cli", "validate", "--format", "json"], check=False,
                                cwd=d, stdout=out).returncode
        print(f"ledger validate under cProfile: {time.perf_counter() - t0:.1f} s wall, exit {rc}\n")
    stats = pstats.Stats(str(prof))
    total = max(ct for (_, _, _), (_, _, _, ct, _) in stats.stats.items())
    print(f"total profiled: {total:.2f} s\n")

    print("stages:")
    for label, suffix, name in STAGES:
        cum, own, calls = fn_time(stats, suffix, name)
        print(f"  {label:24} {cum:8.2f} s cumulative  {own:7.2f} s own  {calls:>9} calls  ({100 * cum / total:4.1f}%)")

    print("\nchecks (registered functions, cumulative):")
    sys.path.insert(0, str(HERE.parent))
    from ledger.catalogue import checks

    rows = []
    for r in checks():
        code = r.func.__code__
        cum = sum(ct for (file, line, func), (_, _, _, ct, _) in stats.stats.items()
                  if func == code.co_name and line == code.co_firstlineno and file.endswith(Path(code.co_filename).name))
        rows.append((cum, r.code, r.name))
    for cum, code, name in sorted(rows, reverse=True):
        print(f"  {code} {name:30} {cum:8.2f} s  ({100 * cum / total:4.1f}%)")

    # Own listing: the wrappers that hold (nearly) everything (exec, runpy, click, cli, engine.validate) are
    # left out of the cumulative table, so its top rows say something.
    entries = []
    for (file, line, func), (cc, nc, tt, ct, _) in stats.stats.items():
        short = f"{Path(file).parent.name}/{Path(file).name}:{line}({func})" if file != "~" else func
        entries.append((short, nc, tt, ct))
    for key, idx in (("cumulative", 3), ("tottime", 2)):
        rows = [e for e in entries if not (key == "cumulative" and e[3] >= 0.97 * total)]
        rows.sort(key=lambda e: -e[idx])
        print(f"\ntop {args.top} by {key} (s):")
        print(f"  {'calls':>10} {'own':>8} {'cumul':>8}  function")
        for short, nc, tt, ct in rows[:args.top]:
            print(f"  {nc:>10} {tt:8.2f} {ct:8.2f}  {short}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
