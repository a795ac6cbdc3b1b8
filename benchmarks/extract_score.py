"""Score `ledger extract` against a curated ledger (default: the bundled one).

    .venv/bin/python benchmarks/extract_score.py [LEDGER] [--keep-skips | --no-skips] [--json] [--show]

The ledger is copied to a temporary folder, its claims.csv emptied (header only), and
`ledger extract --all --format json` run on the copy, as a user would. The drafts are compared with
the curated claims:

- on (paper_id, value, unit), as multisets: recall = matched / curated, precision = matched / drafted;
- on full rows: a draft and a curated claim of the same (paper_id, value, unit) are paired (the pairing
  that agrees on most fields), and the row counts as right when metric, subject, baseline and qualifier
  all agree; precision, recall and F1 of those.

Two settings: `keep` keeps coverage_skips.csv (a curator's skips account for the non-claim numbers, so
only the claims are left to draft) and `empty` empties it too (the drafter must also tell names,
notation and list markers from claims). Both are reported unless one is asked for.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIELDS = ("metric", "subject", "baseline", "qualifier")


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _empty(path: Path) -> None:
    header = path.read_text(encoding="utf-8").split("\n", 1)[0]
    path.write_text(header + "\n", encoding="utf-8")


def drafts_for(ledger: Path, keep_skips: bool) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "ledger"
        shutil.copytree(ledger, work, ignore=shutil.ignore_patterns("build", ".git", ".venv", "*.egg-info"))
        _empty(work / "claims.csv")
        if not keep_skips and (work / "coverage_skips.csv").exists():
            _empty(work / "coverage_skips.csv")
        ledger_cmd = Path(sys.executable).with_name("ledger")
        cmd = [str(ledger_cmd) if ledger_cmd.exists() else "ledger", "extract", "--all", "--format", "json"]
        run = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"extract failed ({run.returncode}): {run.stderr.strip()}")
        return json.loads(run.stdout)


def _key(r: dict) -> tuple[str, str, str]:
    return r["paper_id"], r["value"], r["unit"]


def score(curated: list[dict], drafts: list[dict]) -> dict:
    want, got = Counter(map(_key, curated)), Counter(map(_key, drafts))
    matched = sum((want & got).values())
    # full rows: within each (paper, value, unit), pair greedily by the number of agreeing fields
    right = 0
    by_key: dict[tuple, tuple[list, list]] = {}
    for r in curated:
        by_key.setdefault(_key(r), ([], []))[0].append(r)
    for r in drafts:
        by_key.setdefault(_key(r), ([], []))[1].append(r)
    pairs = []
    for cur, dra in by_key.values():
        cand = sorted(((sum(c[f] == d[f] for f in FIELDS), i, j) for i, c in enumerate(cur) for j, d in enumerate(dra)),
                      reverse=True)
        used_c, used_d = set(), set()
        for agree, i, j in cand:
            if i in used_c or j in used_d:
                continue
            used_c.add(i), used_d.add(j)
            pairs.append((cur[i], dra[j]))
            right += agree == len(FIELDS)
    field_agree = {f: sum(c[f] == d[f] for c, d in pairs) / len(pairs) if pairs else 0.0 for f in FIELDS}
    p = right / len(drafts) if drafts else 0.0
    r = right / len(curated) if curated else 0.0
    return {
        "pairs": pairs,
        "curated": len(curated), "drafted": len(drafts), "matched": matched,
        "recall": matched / len(curated) if curated else 0.0,
        "precision": matched / len(drafts) if drafts else 0.0,
        "row_recall": r, "row_precision": p, "row_f1": 2 * p * r / (p + r) if p + r else 0.0,
        "field_agreement": field_agree,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ledger", nargs="?", type=Path, default=REPO)
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--keep-skips", action="store_true", help="only the setting that keeps coverage_skips.csv")
    group.add_argument("--no-skips", action="store_true", help="only the setting that empties coverage_skips.csv")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    ap.add_argument("--show", action="store_true", help="list the unmatched curated claims and drafts")
    args = ap.parse_args(argv)
    curated = _rows(args.ledger / "claims.csv")
    settings = ["keep"] if args.keep_skips else ["empty"] if args.no_skips else ["keep", "empty"]
    results = {}
    for s in settings:
        drafts = drafts_for(args.ledger, keep_skips=s == "keep")
        results[s] = score(curated, drafts)
        if args.show:
            want, got = Counter(map(_key, curated)), Counter(map(_key, drafts))
            print(f"[{s}] missed: {sorted((want - got).elements())}", file=sys.stderr)
            print(f"[{s}] extra:  {sorted((got - want).elements())}", file=sys.stderr)
            for c, d in results[s]["pairs"]:
                if any(c[f] != d[f] for f in FIELDS):
                    diff = ", ".join(f"{f}: {d[f]!r} (curated {c[f]!r})" for f in FIELDS if c[f] != d[f])
                    print(f"[{s}] {d['claim_id']}: {diff}", file=sys.stderr)
    for r in results.values():
        del r["pairs"]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        out = io.StringIO()
        out.write("skips   curated drafted matched  recall  precision | rows: recall precision  F1\n")
        for s, r in results.items():
            out.write(f"{s:7} {r['curated']:7} {r['drafted']:7} {r['matched']:7}  {r['recall']:6.3f}  {r['precision']:9.3f} |"
                      f"       {r['row_recall']:6.3f} {r['row_precision']:9.3f} {r['row_f1']:5.3f}\n")
        for s, r in results.items():
            out.write(f"{s}: field agreement on matched pairs: "
                      + ", ".join(f"{f} {v:.2f}" for f, v in r["field_agreement"].items()) + "\n")
        print(out.getvalue(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
