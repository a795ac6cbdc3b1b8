#!/usr/bin/env python3
"""Scale benchmark of `ledger validate` and `ledger diff`, as whole processes, on two ledger shapes.

    .venv/bin/python benchmarks/run.py --sizes 10000 100000 1000000 [--shape light|seed|both] [--data DIR]

Shapes (benchmarks/generate.py): `light`, the synthetic ledger with planted errors of every code; `seed`, the
bundled ledger (repository root) replicated to N claims, renamed per copy, with four planted errors.
For each shape and size: generate (or reuse, from --data) the ledger, then time, in the same run and
interleaved repetition by repetition so machine noise hits every tool alike:

  floor         pyarrow.csv.read_csv of claims.csv + papers.csv in a fresh `python -c` (import included)
  csv-module    the stdlib csv.reader over the same two files (what a pure-Python loader cannot beat)
  ledger        `ledger validate --format json`, end to end
  frictionless  `frictionless validate` of an equivalent Data Package (types, required, unique, enum,
                pattern, foreign keys: what a Table Schema can express), in its own venv
  diff          `ledger diff OLD NEW` of the ledger and a copy with ~1% of claims edited, when
                `ledger --help` lists a diff command; compared with one `ledger validate` of the same ledger

Then the bundled ledger is validated cold, interleaved with a bare `python -c "import pyarrow.csv"`.
Wall time is time.perf_counter around the child; peak RSS is the child's maximum RSS (GNU time).
The ledger's JSON findings are compared with the generator's planted.csv: recall per code. A planted
error that `ledger validate` misses fails the run (exit 1). The table is printed and written to
benchmarks/results.md (and the raw numbers to benchmarks/results.json).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate


# Targets (issue "Columnar engine", README.md): checked per shape on the largest size run.
TARGET_FLOOR_RATIO = 4.0  # validate over the pyarrow read of claims.csv + papers.csv
TARGET_FRICTIONLESS_SPEEDUP = 20.0  # frictionless over validate
TARGET_PEAK_MB = 2048  # validate, and diff
TARGET_LINEAR_EXPONENT = 1.15  # time ~ N**e between the two largest sizes
TARGET_DIFF_VALIDATE_RATIO = 2.0  # diff of two ledgers over one validate of one of them
TARGET_COLD_IMPORT_RATIO = 2.0  # cold validate of the bundled ledger over a bare `import pyarrow.csv` process


# ---------------------------------------------------------------------------- measuring a process
class Run:
    def __init__(self, wall: float, peak_mb: float, rc: int | None, timed_out: bool, out: Path | None, err: str):
        self.wall, self.peak_mb, self.rc, self.timed_out, self.out, self.err = wall, peak_mb, rc, timed_out, out, err


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def measure(cmd: list[str], cwd: Path, timeout: float, out: Path | None = None, env: dict | None = None) -> Run:
    """Run cmd as a whole process; wall time by perf_counter around it, peak RSS by GNU time's %M.

    ru_maxrss of a forked child counts the pages it shared with this (large) parent before exec, so the
    child is started by /usr/bin/time, whose own child's maximum RSS is the command's alone. Without
    /usr/bin/time, wait4's ru_maxrss is used (an upper bound)."""
    rss_file = None
    if GNU_TIME:
        fd, rss_file = tempfile.mkstemp(prefix="rss-", suffix=".txt")
        os.close(fd)
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_file, *cmd]
    timed_out = threading.Event()
    with contextlib.ExitStack() as stack:
        stdout = stack.enter_context(open(out, "wb")) if out else subprocess.DEVNULL
        errfile = stack.enter_context(open(os.devnull if out is None else str(out) + ".stderr", "wb"))
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=errfile, env=env, start_new_session=True)

        def kill():
            timed_out.set()
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
    err = ""
    if out is not None:
        errpath = Path(str(out) + ".stderr")
        err = errpath.read_text(errors="replace")[-2000:]
        errpath.unlink(missing_ok=True)
    peak_kb = usage.ru_maxrss
    if rss_file:
        try:
            peak_kb = int(Path(rss_file).read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            pass  # killed by the timeout: GNU time wrote nothing
        os.unlink(rss_file)
    return Run(wall, peak_kb / 1024, p.returncode, timed_out.is_set(), out, err)


# ---------------------------------------------------------------------------- the tools
FLOORS = ("floor", "csv-module")

def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def floor_cmd(python: str, dirs: list[Path]) -> list[str]:
    # every column of the file's own header as string (a seed-shape ledger carries the optional columns too)
    files = [(str(d / name), _header(d / name)) for d in dirs for name in ("claims.csv", "papers.csv")]
    code = (
        "import pyarrow as pa, pyarrow.csv as c\n"
        f"for path, cols in {files!r}:\n"
        "    t = c.read_csv(path, convert_options=c.ConvertOptions(column_types={k: pa.string() for k in cols}),\n"
        "                   parse_options=c.ParseOptions(newlines_in_values=True, invalid_row_handler=lambda r: 'skip'))\n"
        "    assert t.num_rows > 0\n"
    )
    return [python, "-c", code]


def csv_module_cmd(python: str, d: Path) -> list[str]:
    code = (
        "import csv\n"
        f"for path in ({str(d / 'claims.csv')!r}, {str(d / 'papers.csv')!r}):\n"
        "    with open(path, encoding='utf-8', newline='') as f:\n"
        "        rows = list(csv.reader(f))\n"
    )
    return [python, "-c", code]


def ledger_cmd(ledger: str) -> list[str]:
    return [ledger, "validate", "--format", "json"]


def write_datapackage(d: Path) -> Path:
    """The Table Schema equivalent of what the ledger's schema stage checks, as far as it can be said."""
    from ledger.numbers import CANONICAL_VALUE_PATTERN
    from ledger.schema import ARXIV, METRIC_ID, SLUG
    from ledger.units import DIRECTIONS, QUALIFIERS, READINGS, STATUSES, UNITS

    def core(p: str) -> str:
        return p.removeprefix("^").removesuffix("$")

    def field(name, required=False, unique=False, pattern=None, enum=None):
        c = {}
        if required:
            c["required"] = True
        if unique:
            c["unique"] = True
        if pattern:
            c["pattern"] = core(pattern)
        if enum:
            c["enum"] = list(enum)
        return {"name": name, "type": "string", **({"constraints": c} if c else {})}

    def resource(name, path, fields, primary=None, fks=()):
        schema = {"fields": fields}
        if primary:
            schema["primaryKey"] = [primary]
        if fks:
            schema["foreignKeys"] = [{"fields": [f], "reference": {"resource": r, "fields": [k]}} for f, r, k in fks]
        return {"name": name, "type": "table", "path": path, "scheme": "file", "format": "csv", "mediatype": "text/csv",
                "encoding": "utf-8", "schema": schema}

    claims = resource("claims", "claims.csv", [
        field("claim_id", True, True, SLUG), field("paper_id", True, pattern=ARXIV), field("subject", True),
        field("metric", True, pattern=METRIC_ID), field("value", True, pattern=CANONICAL_VALUE_PATTERN),
        field("unit", True, enum=UNITS), field("baseline"), field("context"), field("qualifier", True, enum=QUALIFIERS),
        field("reading", True, enum=READINGS), field("quote", True), field("status", True, enum=STATUSES), field("notes"),
    ], "claim_id", [("paper_id", "papers", "paper_id"), ("metric", "metrics", "metric"),
                    ("subject", "entities", "entity"), ("baseline", "entities", "entity")])
    papers = resource("papers", "papers.csv", [
        field("paper_id", True, True, ARXIV), field("title", True), field("year", True, pattern=r"(?:19|20)\d{2}"),
        field("url", pattern=r"https?://\S+"), field("abstract", True)], "paper_id")
    metrics = resource("metrics", "vocab/metrics.csv", [
        field("metric", True, True, METRIC_ID), field("direction", True, enum=DIRECTIONS), field("units", True),
        field("description")], "metric")
    entities = resource("entities", "vocab/entities.csv", [
        field("entity", True, True), field("kind", True), field("aliases")], "entity")
    pkg = {"name": "claims-ledger", "resources": [claims, papers, metrics, entities]}
    path = d / "datapackage.json"
    path.write_text(json.dumps(pkg, indent=1) + "\n")
    return path


def frictionless_cmd(exe: str, d: Path) -> list[str]:
    return [exe, "validate", str(d / "datapackage.json"), "--json", "--limit-errors", "1000000000"]


def source_digest() -> str:
    """A short hash of the package's Python sources (ledger/ and ledger.validators), to tell when the code
    under test changed during a run (an editable install picks up every edit at once)."""
    import hashlib

    import ledger.validators

    import ledger

    h = hashlib.sha256()
    for pkg in (ledger, ledger.validators):
        for f in sorted(Path(pkg.__file__).parent.glob("*.py")):
            h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:10]


def has_diff(ledger: str) -> bool:
    try:
        out = subprocess.run([ledger, "--help"], check=False, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return any(line.split()[:1] == ["diff"] for line in out.splitlines())


# ---------------------------------------------------------------------------- recall
def catalogue_codes(ledger: str) -> set[str] | None:
    """The finding codes this version of the ledger knows (`ledger checks`)."""
    try:
        out = subprocess.run([ledger, "checks"], check=False, capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    codes = {line.split()[0] for line in out.splitlines() if line[:1] == "L"}
    return codes or None


def recall(findings_json: Path, planted_csv: Path, known: set[str] | None = None) -> dict:
    """Planted errors found by (code, file, line); findings no plant explains, by code.

    A plant whose code the ledger's catalogue does not hold (a check not built yet) is listed apart, not missed."""
    data = json.loads(findings_json.read_text())
    found = {(f["code"], f["file"], f["line"]) for f in data["findings"]}
    by_claim = {(f["code"], f["claim_id"]) for f in data["findings"] if f["claim_id"]}
    per_code: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    missed = []
    unknown: collections.Counter = collections.Counter()
    planted_keys = set()
    with open(planted_csv, newline="", encoding="utf-8") as fh:
        for p in csv.DictReader(fh):
            key = (p["code"], p["file"], int(p["line"]))
            planted_keys.add(key)
            hit = key in found or (p["claim_id"] and p["code"] not in ("L105",) and (p["code"], p["claim_id"]) in by_claim
                                   and p["file"] == "claims.csv")
            if known is not None and p["code"] not in known:
                unknown[p["code"]] += 1
                continue
            per_code[p["code"]][0] += 1
            per_code[p["code"]][1] += bool(hit)
            if not hit:
                missed.append(p)
    unexpected = collections.Counter(f["code"] for f in data["findings"] if (f["code"], f["file"], f["line"]) not in planted_keys)
    return {"summary": data["summary"], "per_code": {k: per_code[k] for k in sorted(per_code)}, "missed": missed,
            "unexpected": dict(sorted(unexpected.items())), "not_in_catalogue": dict(sorted(unknown.items()))}


# ---------------------------------------------------------------------------- reporting
def fmt_s(runs: list[Run], timeout: float) -> str:
    if any(r.timed_out for r in runs):
        return f">{timeout:.0f}"
    return f"{median(runs):.2f}"


def median(runs: list[Run]) -> float:
    return statistics.median(r.wall for r in runs)


def peak(runs: list[Run]) -> float:
    return max(r.peak_mb for r in runs)


def env_info(args, ledger: str) -> dict:
    def version(mod):
        try:
            return __import__(mod).__version__
        except Exception:  # noqa: BLE001
            return "?"

    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "ledger", "validators"], check=False,
                               capture_output=True, text=True).stdout.strip()
        rev += " (+ uncommitted changes in ledger/ or validators/)" if dirty else ""
    except OSError:
        rev = "?"
    mem = ""
    try:
        mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1]
        mem = f"{int(mem) / 1024 / 1024:.0f} GB"
    except (OSError, StopIteration):
        pass
    return {"date": dt.datetime.now().isoformat(timespec="seconds"), "host": platform.node(),
            "cpus": os.cpu_count(), "memory": mem, "python": platform.python_version(), "git": rev,
            "pandas": version("pandas"), "pandera": version("pandera"), "pyarrow": version("pyarrow"),
            "ledger_exe": ledger, "frictionless_exe": args.frictionless or "not available",
            "load_start": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def prepare(shape: str, n: int, args) -> Path:
    """The ledger folder of this shape and size under --data, generated unless a current copy is there."""
    d = (args.data / f"{shape}-{n}").resolve()
    if shape == "light":
        current = generate.is_current(d, n, args.seed, args.skew, args.error_rate)
    else:
        current = generate.seed_is_current(d, n, args.bundled)
    if not current:
        if d.exists():
            shutil.rmtree(d)
        print(f"generating {shape} ledger of {n} claims -> {d}", flush=True)
        t0 = time.perf_counter()
        info = (generate.generate(n, d, args.seed, args.skew, args.error_rate) if shape == "light"
                else generate.replicate(args.bundled, n, d))
        print(f"   {json.dumps(info)} ({time.perf_counter() - t0:.1f} s)", flush=True)
    return d


def prepare_edited(d: Path) -> Path:
    """The copy of `d` with ~1% of its claims edited, for `ledger diff`."""
    e = d.with_name(d.name + "-edited")
    try:
        params = json.loads((e / "params.json").read_text())
        current = params.get("edited_from") == str(d) and params.get("edit_version") == generate.EDIT_VERSION \
            and (e / "claims.csv").stat().st_mtime >= (d / "claims.csv").stat().st_mtime
    except (OSError, ValueError):
        current = False
    if not current:
        if e.exists():
            shutil.rmtree(e)
        print("  edited copy:", json.dumps(generate.edit_copy(d, e)), flush=True)
    return e


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--shape", choices=("light", "seed", "both"), default="both",
                    help="light: the synthetic ledger of generate.py; seed: the bundled ledger replicated; both (default)")
    ap.add_argument("--repeats", type=int, default=3, help="repetitions below --large (default 3)")
    ap.add_argument("--repeats-large", type=int, default=1, help="repetitions at or above --large (default 1)")
    ap.add_argument("--large", type=int, default=1000000)
    ap.add_argument("--data", "--data-dir", dest="data", type=Path, default=HERE / "data",
                    help="where generated ledgers are kept and reused (default benchmarks/data)")
    ap.add_argument("--generate-only", action="store_true",
                    help="only generate (or check) the ledgers, edited copies and Data Packages, measure nothing")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skew", type=float, default=2.0)
    ap.add_argument("--error-rate", type=float, default=0.005)
    ap.add_argument("--ledger", default=None, help="the ledger console script (default: next to this python, else on PATH)")
    ap.add_argument("--python", default=sys.executable, help="python for the read floors (needs pyarrow)")
    ap.add_argument("--frictionless", default=os.environ.get("FRICTIONLESS"),
                    help="frictionless executable (default $FRICTIONLESS, else /tmp/fl-venv/bin/frictionless, else PATH)")
    ap.add_argument("--no-frictionless", action="store_true")
    ap.add_argument("--timeout", type=float, default=3600, help="per ledger run, seconds")
    ap.add_argument("--frictionless-timeout", type=float, default=1200)
    ap.add_argument("--diff-args", default="diff {old} {new}", help="ledger arguments of the diff run ({old}, {new} folders)")
    ap.add_argument("--bundled", type=Path, default=REPO,
                    help="the bundled ledger: timed cold, and the source of the seed shape (default: the repository root)")
    ap.add_argument("--cold-repeats", type=int, default=5)
    ap.add_argument("--results", type=Path, default=HERE / "results.md")
    args = ap.parse_args(argv)
    args.bundled = args.bundled.resolve()
    shapes = ["light", "seed"] if args.shape == "both" else [args.shape]

    ledger = args.ledger or str(Path(sys.executable).with_name("ledger"))
    if not Path(ledger).exists():
        ledger = shutil.which("ledger") or ledger
    if args.no_frictionless:
        args.frictionless = None
    elif not args.frictionless:
        default = Path("/tmp/fl-venv/bin/frictionless")
        args.frictionless = str(default) if default.exists() else shutil.which("frictionless")
    if not args.frictionless:
        print("frictionless: not available (pip install frictionless into a venv and pass --frictionless); column skipped")
    diff_ok = has_diff(ledger)
    if not diff_ok:
        print("ledger diff: `ledger --help` lists no diff command; diff timing skipped")
    try:
        args.data.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        print(f"--data {args.data}: {e}", file=sys.stderr)
        return 2

    if args.generate_only:
        t0 = time.perf_counter()
        for shape in shapes:
            for n in sorted(args.sizes):
                d = prepare(shape, n, args)
                write_datapackage(d)
                if diff_ok:
                    prepare_edited(d)
                print(f"{shape} {n}: {d} ready", flush=True)
        print(f"generation took {time.perf_counter() - t0:.1f} s")
        return 0

    info = env_info(args, ledger)
    known = catalogue_codes(ledger)
    rows, recalls, raw, failures, crashes = [], {}, {"env": info, "sizes": {}}, [], []
    digests = {}
    for shape in shapes:
        for n in sorted(args.sizes):
            key = f"{shape}-{n}"
            digest_start = source_digest()
            d = prepare(shape, n, args)
            params = json.loads((d / "params.json").read_text())
            claims = params["claims"]
            reps = args.repeats_large if n >= args.large else args.repeats
            tools: dict[str, tuple[list[str], Path, float]] = {
                "floor": (floor_cmd(args.python, [d]), d, args.timeout),
                "csv-module": (csv_module_cmd(args.python, d), d, args.timeout),
                "ledger": (ledger_cmd(ledger), d, args.timeout),
            }
            if args.frictionless:
                write_datapackage(d)
                tools["frictionless"] = (frictionless_cmd(args.frictionless, d), d, args.frictionless_timeout)
            if diff_ok:
                e = prepare_edited(d)
                diff_cmd = [ledger, *[a.format(old=str(d), new=str(e)) for a in args.diff_args.split()]]
                tools["diff"] = (diff_cmd, d, args.timeout)
            runs: dict[str, list[Run]] = {t: [] for t in tools}
            skip: set[str] = set()
            # The floors take a second or two: they get at least --repeats runs at every size, so that a ratio
            # never rests on one noisy read.
            want = {t: max(reps, args.repeats) if t in FLOORS else reps for t in tools}
            for rep in range(max(want.values())):
                for tool, (cmd, cwd, timeout) in tools.items():
                    if tool in skip or rep >= want[tool]:
                        continue
                    out = args.data / f"out-{key}-{tool}-{rep}.json" if tool in ("ledger", "frictionless", "diff") else None
                    r = measure(cmd, cwd, timeout, out)
                    attempts = 1
                    while tool in FLOORS and (r.rc < 0 or r.rc >= 128) and attempts < 3:
                        # pyarrow's threaded reader aborts now and then at exit ("terminate called without an
                        # active exception", about 1 run in 20 here): a crashed floor is not a measurement.
                        crashes.append(f"{tool} at {key}: exit {r.rc} after {r.wall:.2f} s, retried")
                        r = measure(cmd, cwd, timeout, out)
                        attempts += 1
                    runs[tool].append(r)
                    status = "TIMEOUT" if r.timed_out else f"rc={r.rc}"
                    print(f"  {shape:5} {n:>8} {tool:13} rep {rep + 1}/{want[tool]}: {r.wall:8.2f} s {r.peak_mb:8.0f} MB {status}",
                          flush=True)
                    if r.timed_out:
                        skip.add(tool)  # one timeout is enough: do not spend another
                    elif (tool == "ledger" and r.rc not in (0, 1)) or (tool not in ("ledger", "frictionless", "diff") and r.rc != 0):
                        failures.append(f"{tool} at {key}: exit {r.rc}: {r.err.strip()[-500:]}")
                        skip.add(tool)
                    elif tool == "diff" and r.rc not in (0, 1):
                        failures.append(f"diff at {key}: exit {r.rc}: {r.err.strip()[-500:]}")
                        skip.add(tool)
            # recall, from the first ledger run
            first = next((r for r in runs["ledger"] if not r.timed_out and r.rc in (0, 1)), None)
            if first:
                rec = recall(first.out, d / "planted.csv", known)
                recalls[(shape, n)] = rec
                if rec["missed"]:
                    failures.append(f"ledger validate missed {len(rec['missed'])} planted errors at {key}: "
                                    + ", ".join(f"{m['code']} {m['file']}:{m['line']}" for m in rec["missed"][:10]))
            else:
                failures.append(f"ledger validate did not complete at {key}; recall not measured")
            fl_errors = None
            if runs.get("frictionless") and not runs["frictionless"][0].timed_out:
                fl_errors = frictionless_error_counts(runs["frictionless"][0].out)
            floor = median(runs["floor"]) if runs["floor"] else float("nan")
            led = median(runs["ledger"]) if runs["ledger"] else float("nan")
            raw["sizes"][key] = {"shape": shape, "size": n, "params": params, "frictionless_errors": fl_errors,
                                 "runs": {t: [{"wall": r.wall, "peak_mb": r.peak_mb, "rc": r.rc, "timed_out": r.timed_out} for r in rs]
                                          for t, rs in runs.items()}}
            for tool, rs in runs.items():
                if not rs:
                    continue
                timed_out = rs[-1].timed_out
                x_floor = "" if tool == "floor" else (f">{rs[0].wall / floor:.0f}" if timed_out else f"{median(rs) / floor:.1f}")
                x_led = ""
                if tool in ("frictionless", "diff"):
                    x_led = f">{tools[tool][2] / led:.0f}" if timed_out else f"{median(rs) / led:.1f}"
                rows.append((shape, n, claims, tool, len(rs), fmt_s(rs, tools[tool][2]), f"{min(r.wall for r in rs):.2f}",
                             f"{peak(rs):.0f}", x_floor, x_led))
            digests[key] = (digest_start, source_digest())
            raw["sizes"][key]["source_digest"] = digests[key]
            # keep the data dir small: drop the large outputs of the later repetitions
            for p in args.data.glob(f"out-{key}-*-[1-9].json"):
                p.unlink()

    # bundled ledger, cold: fresh processes, interleaved with a bare `import pyarrow.csv` of the same python
    bundled, imports = [], []
    for _ in range(args.cold_repeats):
        bundled.append(measure([ledger, "validate"], args.bundled, 120))
        imports.append(measure([args.python, "-c", "import pyarrow.csv"], args.bundled, 120))
    if any(r.rc not in (0, 1) for r in bundled):
        failures.append(f"cold ledger validate of {args.bundled}: exit {bundled[0].rc}")
    info["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())

    info["source_digests"] = digests
    info["crashes"] = crashes
    raw["bundled"] = {"validate": [r.wall for r in bundled], "import_pyarrow_csv": [r.wall for r in imports]}
    table = render(rows, recalls, bundled, imports, info, args, diff_ok, raw)
    print()
    print(table)
    args.results.write_text(table)
    args.results.with_suffix(".json").write_text(json.dumps(raw, indent=1, default=str) + "\n")
    if failures:
        print("\nFAILED:")
        for f in failures:
            print("  " + f)
        return 1
    return 0


def frictionless_error_counts(path: Path) -> dict | None:
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    counts = collections.Counter()
    for task in report.get("tasks", []):
        for e in task.get("errors", []):
            counts[f"{task.get('name', '?')}:{e.get('type', '?')}"] += 1
    for e in report.get("errors", []):
        counts[f"package:{e.get('type', '?')}"] += 1
    return dict(sorted(counts.items()))


def _num(s) -> float:
    try:
        return float(str(s).lstrip(">"))
    except ValueError:
        return float("nan")


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def render(rows, recalls, bundled, imports, info, args, diff_ok, raw) -> str:
    import math

    out = ["# Scale benchmark results", "",
           (f"`{' '.join(['benchmarks/run.py', '--shape', args.shape, '--sizes', *map(str, args.sizes)])}` — {info['date']} on {info['host']} "
           f"({info['cpus']} CPUs, {info['memory']}; load average {info['load_start']} at start, {info['load_end']} at end). "
           f"ledger at git {info['git']}; Python {info['python']}, pandas {info['pandas']}, pandera {info['pandera']}, "
           f"pyarrow {info['pyarrow']}; frictionless: `{info['frictionless_exe']}`."), "",
           ("Wall seconds are medians of the repetitions (min alongside); peak MB is the largest RSS of the child process. "
           "`x floor` divides by the pyarrow read of the same claims.csv + papers.csv measured in the same run; "
           "`x validate` divides frictionless and diff by `ledger validate` of the same ledger in the same run "
           "(frictionless: how many times slower it is; diff: how many validate runs it costs)."), "",
           "| shape | size | claims | tool | runs | wall s | min s | peak MB | x floor | x validate |",
           "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    out += [f"| {shape} | {n:,} | {claims:,} | {tool} | {k} | {w} | {mn} | {pk} | {xf} | {xv} |"
            for shape, n, claims, tool, k, w, mn, pk, xf, xv in rows]
    digests = info.get("source_digests", {})
    if len({x for pair in digests.values() for x in pair}) > 1:
        out += ["", "**Warning: the package sources changed during this run** (an editable install runs every edit at once); "
                    "sizes were measured on different code, so compare ratios within a size, not across sizes: "
                    + "; ".join(f"{k}: {a}" + (f" -> {b}" if b != a else "") for k, (a, b) in digests.items())]
    elif digests:
        out += ["", f"Package sources (ledger/, validators/) unchanged during the run: digest {next(iter(digests.values()))[0]}."]
    if info.get("crashes"):
        out += ["", "Floor runs that crashed and were repeated: " + "; ".join(info["crashes"]) + "."]
    if not args.frictionless:
        out += ["", "frictionless was not available: its rows are missing."]
    if not diff_ok:
        out += ["", "`ledger --help` lists no `diff` command yet: the diff rows are missing."]
    cold = bool(bundled)  # --cold-repeats 0: not measured in this run
    b = statistics.median(r.wall for r in bundled) if cold else float("nan")
    imp = statistics.median(r.wall for r in imports) if cold else float("nan")
    cold_ratio = b / imp if cold and imp else float("nan")
    out += [""] if not cold else ["", (f"Bundled ledger (`ledger validate` in {args.bundled}), {len(bundled)} fresh processes interleaved with "
                 f"`python -c \"import pyarrow.csv\"`: validate median {b:.2f} s (first {bundled[0].wall:.2f} s, "
                 f"peak {max(r.peak_mb for r in bundled):.0f} MB), import median {imp:.2f} s: {cold_ratio:.1f}x.")]

    # targets, per shape on the largest size measured
    by = {(shape, n, tool): (claims, w, pk, xf, xv) for shape, n, claims, tool, _, w, _, pk, xf, xv in rows}
    out += ["", "## Targets", "", "| shape | target | measured | verdict |", "|---|---|---|---|"]
    for shape in dict.fromkeys(r[0] for r in rows):
        sizes = sorted({n for s, n, *_ in rows if s == shape})
        top = sizes[-1]
        note = "" if top >= 1000000 else f" (at {top:,}: 1M not run)"
        if (shape, top, "ledger") in by:
            _c, _w, pk, xf, _ = by[(shape, top, "ledger")]
            out.append(f"| {shape} | validate <= {TARGET_FLOOR_RATIO:g}x the pyarrow read{note} | {xf}x | {_verdict(_num(xf) <= TARGET_FLOOR_RATIO)} |")
            out.append(f"| {shape} | validate peak memory < {TARGET_PEAK_MB} MB{note} | {pk} MB | {_verdict(_num(pk) < TARGET_PEAK_MB)} |")
        if (shape, top, "frictionless") in by:
            xv = by[(shape, top, "frictionless")][4]
            out.append(f"| {shape} | >= {TARGET_FRICTIONLESS_SPEEDUP:g}x faster than frictionless{note} | {xv}x | "
                       f"{_verdict(_num(xv) >= TARGET_FRICTIONLESS_SPEEDUP)} |")
        if (shape, top, "diff") in by:
            _c, _w, pk, _xf, xv = by[(shape, top, "diff")]
            ok = _num(xv) <= TARGET_DIFF_VALIDATE_RATIO and _num(pk) < TARGET_PEAK_MB and not xv.startswith(">")
            out.append(f"| {shape} | diff <= {TARGET_DIFF_VALIDATE_RATIO:g}x one validate and < {TARGET_PEAK_MB} MB{note} | "
                       f"{xv}x, {pk} MB | {_verdict(ok)} |")
        elif diff_ok:
            out.append(f"| {shape} | diff <= {TARGET_DIFF_VALIDATE_RATIO:g}x one validate | not measured | - |")
        have = [n for n in sizes if (shape, n, "ledger") in by]
        if len(have) >= 2:
            (c1, t1), (c2, t2) = [(by[(shape, n, "ledger")][0], _num(by[(shape, n, "ledger")][1])) for n in have[-2:]]
            e = math.log(t2 / t1) / math.log(c2 / c1)
            per = [f"{by[(shape, n, 'ledger')][0]:,}: {_num(by[(shape, n, 'ledger')][1]) / by[(shape, n, 'ledger')][0] * 1e6:.0f} µs/claim"
                   for n in have]
            out.append(f"| {shape} | time linear in N (exponent <= {TARGET_LINEAR_EXPONENT} from {c1:,} to {c2:,} claims) | "
                       f"N^{e:.2f}; {'; '.join(per)} | {_verdict(e <= TARGET_LINEAR_EXPONENT)} |")
    if cold:
        out.append(f"| bundled | cold validate <= {TARGET_COLD_IMPORT_RATIO:g}x a bare `import pyarrow.csv` process | "
                   f"{cold_ratio:.1f}x ({b:.2f} s vs {imp:.2f} s) | {_verdict(cold_ratio <= TARGET_COLD_IMPORT_RATIO)} |")

    # recall
    out += ["", "## Planted errors found by `ledger validate`", ""]
    if recalls:
        codes = sorted({c for r in recalls.values() for c in r["per_code"]})
        keys = list(recalls)
        out += ["| code | " + " | ".join(f"{s} {n:,}" for s, n in keys) + " |", "|---|" + "---:|" * len(keys)]
        for c in codes:
            cells = []
            for k in keys:
                p, f = recalls[k]["per_code"].get(c, [0, 0])
                cells.append("" if p == 0 else f"{f}/{p}" + ("" if f == p else " **MISSED**"))
            out.append(f"| {c} | " + " | ".join(cells) + " |")
        for (shape, n), r in recalls.items():
            s = r["summary"]
            out += ["", f"{shape} {n:,}: {s['error']} errors, {s['warning']} warnings in all; findings no plant explains: "
                        + (", ".join(f"{k} x{v}" for k, v in r["unexpected"].items()) or "none") + "."
                        + (" Planted for checks this ledger does not have (not counted): "
                           + ", ".join(f"{k} x{v}" for k, v in r["not_in_catalogue"].items()) if r["not_in_catalogue"] else "")]
            for m in r["missed"][:20]:
                out.append(f"- missed {m['code']} {m['file']}:{m['line']} {m['claim_id']} ({m['what']})")
    for key, v in raw["sizes"].items():
        if v.get("frictionless_errors"):
            out += ["", f"frictionless errors on {key} (what a Table Schema catches): "
                        + ", ".join(f"{k} x{c}" for k, c in v["frictionless_errors"].items())]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    generate.run_script(main)
