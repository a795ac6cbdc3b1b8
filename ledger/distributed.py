"""The ledger beyond one machine: Parquet partitioned by paper, validated with Dask.

    write_parquet(".", "build/parquet")                    # once: CSV -> Parquet (one machine)
    findings = validate_dask("build/parquet", client)      # the same findings as ledger.validate(".")

Layout of the Parquet folder:

- `claims/`, `papers/`, `skips/`: one file per bucket, `part.00000.parquet` ... A paper's bucket is the
  CRC-32 of its paper_id modulo the number of buckets, so a bucket holds whole papers: its claims, the
  papers' rows (with the abstracts the provenance checks need) and their coverage skips. Each row keeps
  `_line`, its physical line in the CSV it came from, so findings point at claims.csv lines, and `_bucket`.
- `metrics.parquet`, `entities.parquet`, `benchmarks.parquet`, `relations.parquet`, `waivers.parquet`:
  the small tables, whole (every partition reads them).
- `_ledger.json`: the manifest: number of buckets, per table the file name findings print, whether it
  was present and its header, and the findings of the CSV load itself (L0xx), found when it was converted.

Every cell stays a string, as the loader reads it.

What runs where (`validate_dask`):

- per partition (workers): the pandera schema of its claims, papers and skips (the same pandas schema as
  `ledger validate`; a claim's paper is in the same partition, so `unknown-paper` needs no global list),
  and every check registered with `scope="paper"` (see ledger/registry.py);
- on the driver: the key uniqueness of claims and papers (L105) over the gathered key columns, the schema
  of the small tables, every `scope="ledger"` check over the gathered claim columns it needs
  (GATHERED: every claim column the ledger checks read, not reading, status or notes; of papers only paper_id, never the
  abstracts), the per-column cap of the hygiene checks over all partitions, then the waivers.

The result equals `ledger.engine.validate(...).findings` of the same ledger, in the same order.
Dask is imported only here, by the functions that run on it (the dask extra); write_parquet needs only pyarrow.
"""

from __future__ import annotations

import functools
import json
import math
import shutil
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from .engine import CHECK_ERROR, Result, load, run_rules, waive_selected
from .findings import Finding, Severity, sort_findings
from .layout import SPECS, Layout
from .model import Ledger
from .reader import Table
from .catalogue import checks
from .extras import require
from .registry import RULES, Rule
from .schema import DUPLICATE_KEY, UNIQUE_KEYS, duplicate_findings, validate_table
from .selection import EVERYTHING, Selection

FORMAT = 1
MANIFEST = "_ledger.json"
PARTITIONED = ("claims", "papers", "skips")  # split by paper; every other table is small and kept whole
SMALL = tuple(s.name for s in SPECS if s.name not in PARTITIONED)
CLAIMS_PER_PARTITION = 200_000  # default bucket size when write_parquet is not told how many
LINE, BUCKET = "_line", "_bucket"
# What the "ledger"-scope checks read, gathered on the driver. A check that reads anything else fails
# with KeyError (reported as L000), never silently on a column of blanks.
GATHERED = {
    "claims": ("claim_id", "paper_id", "role", "subject", "metric", "value", "unit", "baseline", "context", "settings", "qualifier",
               "reading", "alternative_unit", "group", "quote"),  # reading, alternative_unit: L401, L402, L407, L408, L410, L501 read both readings
    "papers": ("paper_id",),
}
SPEC = {s.name: s for s in SPECS}
# A finding as one row of a partition's result, with the table it is on and the check that made it ("" for the schema).
_RECORD = ("code", "check", "severity", "file", "line", "column", "claim_id", "message", "expected", "found", "table", "rule")


# ---------------------------------------------------------------------------------------------- writing
def bucket_of(paper_ids: pd.Series, buckets: int) -> np.ndarray:
    """The bucket of each paper_id: CRC-32 of its UTF-8 bytes modulo `buckets` (stable across processes)."""
    ids = paper_ids.astype("str")
    codes, uniques = pd.factorize(ids)
    per_id = np.array([zlib.crc32(u.encode("utf-8")) % buckets for u in uniques], dtype=np.int32)
    return per_id[codes] if len(codes) else np.zeros(0, dtype=np.int32)


def _schema(spec, partitioned: bool):
    import pyarrow as pa

    fields = [pa.field(c, pa.string(), nullable=False) for c in spec.columns] + [pa.field(LINE, pa.int64(), nullable=False)]
    if partitioned:
        fields.append(pa.field(BUCKET, pa.int32(), nullable=False))
    return pa.schema(fields)


def _arrow(frame: pd.DataFrame, schema):
    import pyarrow as pa

    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)


def write_parquet(root=".", out_dir="build/parquet", partitions: int | None = None) -> Path:
    """Convert the ledger folder `root` to the Parquet layout above, in `out_dir`; returns `out_dir`.

    The CSVs are read once, on this machine, by the ordinary loader (so its findings are the ones
    `ledger validate` gives); `partitions` buckets of papers (default: one per CLAIMS_PER_PARTITION claims).
    `out_dir` is replaced only if it is empty or a previous output of this function.
    """
    import pyarrow.parquet as pq

    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise FileExistsError(f"{out} exists and is not a ledger Parquet folder; refusing to replace it")
    ledger, load_findings = load(Layout.find(root=Path(root)))
    n_claims = len(ledger.claims)
    buckets = int(partitions) if partitions else max(1, math.ceil(n_claims / CLAIMS_PER_PARTITION))
    if buckets < 1:
        raise ValueError("partitions must be at least 1")

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name in PARTITIONED:
            table = ledger.tables[name]
            frame = table.frame.copy()
            frame[LINE] = np.asarray(table.lines, dtype=np.int64)
            frame[BUCKET] = bucket_of(frame["paper_id"], buckets)
            frame = frame.sort_values([BUCKET, LINE], kind="stable").reset_index(drop=True)
            bounds = np.searchsorted(frame[BUCKET].to_numpy(), np.arange(buckets + 1))
            schema = _schema(table.spec, partitioned=True)
            (tmp / name).mkdir()
            for k in range(buckets):  # every bucket gets a file, empty or not: partition k of each table is bucket k
                pq.write_table(_arrow(frame.iloc[bounds[k]:bounds[k + 1]], schema), tmp / name / f"part.{k:05d}.parquet")
        for name in SMALL:
            table = ledger.tables[name]
            frame = table.frame.copy()
            frame[LINE] = np.asarray(table.lines, dtype=np.int64)
            pq.write_table(_arrow(frame, _schema(table.spec, partitioned=False)), tmp / f"{name}.parquet")
        manifest = {
            "format": FORMAT,
            "buckets": buckets,
            "tables": {name: {"file": t.file, "present": t.present, "header": list(t.header), "rows": len(t)}
                       for name, t in ledger.tables.items()},
            "load_findings": [f.to_dict() for f in load_findings],
            "incomplete": sorted(ledger.incomplete),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


# ---------------------------------------------------------------------------------------------- reading
def _manifest(src: Path) -> dict:
    m = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    if m.get("format") != FORMAT:
        raise ValueError(f"{src}: Parquet layout format {m.get('format')!r}, expected {FORMAT}; run write_parquet again")
    return m


def _as_text(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """The cells as the loader holds them: pandas' default string dtype, never NA."""
    return pd.DataFrame({c: frame[c].astype("str") for c in columns}, index=range(len(frame)))


def _table(manifest: dict, name: str, frame: pd.DataFrame, columns=None) -> Table:
    info, spec = manifest["tables"][name], SPEC[name]
    frame = frame.sort_values(LINE, kind="stable") if len(frame) else frame
    text = _as_text(frame.reset_index(drop=True), spec.columns if columns is None else columns)
    return Table(spec, info["file"], text, frame[LINE].astype("int64").tolist(), info["present"], list(info["header"]))


def _empty(manifest: dict, name: str) -> Table:
    info = manifest["tables"][name]
    t = Table.empty(SPEC[name], info["file"], info["present"])
    t.header = list(info["header"])
    return t


def _poisoned(manifest: dict, name: str) -> Table:
    """A table the driver did not gather: the right length, no columns (reading one raises KeyError)."""
    info = manifest["tables"][name]
    return Table(SPEC[name], info["file"], pd.DataFrame(index=range(info["rows"])), list(range(info["rows"])),
                 info["present"], list(info["header"]))


@functools.lru_cache(maxsize=8)
def _small_cached(root: str, stamp: int) -> tuple[dict, dict[str, Table]]:
    src = Path(root)
    manifest = _manifest(src)
    return manifest, {name: _table(manifest, name, pd.read_parquet(src / f"{name}.parquet")) for name in SMALL}


def _small(root: str) -> tuple[dict, dict[str, Table]]:
    """The manifest and the small tables, read once per process (and again if the folder is rewritten)."""
    return _small_cached(root, (Path(root) / MANIFEST).stat().st_mtime_ns)


def _ledger(manifest: dict, tables: dict[str, Table]) -> Ledger:
    layout = Layout({name: Path(info["file"]) for name, info in manifest["tables"].items()})
    return Ledger(layout, {spec.name: tables[spec.name] for spec in SPECS}, set(manifest.get("incomplete", ())))


def _known(manifest: dict, ledger: Ledger) -> dict:
    """As engine.schema_findings: the keys of papers and metrics (here: of this partition's papers,
    which are all the papers its claims and skips can name, since they share the paper's bucket)."""
    known = {}
    for name, key in (("papers", "paper_id"), ("metrics", "metric")):
        info = manifest["tables"][name]
        if info["present"] and key in info["header"]:
            known[name] = ledger.tables[name].frame[key]
    return known


def _record(f: Finding, table: str, rule: str) -> tuple:
    return (f.code, f.check, f.severity.value, f.file, -1 if f.line is None else int(f.line), f.column, f.claim_id,
            f.message, f.expected, f.found, table, rule)


def _finding(rec) -> Finding:
    code, check, severity, file, line, column, claim_id, message, expected, found = rec[:10]
    line = int(line)
    return Finding(str(code), str(check), Severity(severity), str(file), None if line < 0 else line, str(column),
                   str(claim_id), str(message), str(expected), str(found))


def _frame(records: list[tuple]) -> pd.DataFrame:
    cols = {c: pd.Series([r[i] for r in records], dtype="int64" if c == "line" else "str") for i, c in enumerate(_RECORD)}
    return pd.DataFrame(cols)


def paper_rules() -> list[Rule]:
    return [r for r in checks() if r.scope == "paper"]


def ledger_rules() -> list[Rule]:
    return [r for r in checks() if r.scope != "paper"]


def partition_findings(manifest: dict, small: dict[str, Table], frames: dict[str, pd.DataFrame]) -> list[tuple[Finding, str, str]]:
    """What one partition (whole papers: their claims, papers and skips rows, with `_line`) contributes:
    its schema findings but key uniqueness, and the hits of the "paper"-scope checks on its own rows."""
    tables = {**small, **{name: _table(manifest, name, frames[name]) for name in PARTITIONED}}
    ledger = _ledger(manifest, tables)
    known = _known(manifest, ledger)
    out = []
    for name in PARTITIONED:
        out += [(f, name, "") for f in validate_table(ledger.tables[name], known) if f.code != DUPLICATE_KEY.code]
    out += [(f, t, code) for f, t, code in run_rules(paper_rules(), ledger) if t in PARTITIONED]
    return out


def _validate_partition(claims: pd.DataFrame, papers: pd.DataFrame, skips: pd.DataFrame, root: str,
                        partition_info=None) -> pd.DataFrame:
    """map_partitions: partition k of claims/, papers/ and skips/ is bucket k of each (checked)."""
    frames = {"claims": claims, "papers": papers, "skips": skips}
    if partition_info is not None:
        k = partition_info["number"]
        for name, frame in frames.items():
            if len(frame) and not (frame[BUCKET] == k).all():
                raise RuntimeError(f"partition {k} of {name} holds rows of another bucket: the Parquet folder is not "
                                   "one file per bucket (was it rewritten by another tool?)")
    if not any(len(f) for f in frames.values()):
        return _frame([])
    manifest, small = _small(root)
    return _frame([_record(*found) for found in partition_findings(manifest, small, frames)])


def _capped_rules() -> dict[str, int]:
    """Checks that list at most MAX_REPEATS cells per table and column, then one row-less hit counting the rest."""
    from .validators import hygiene

    return {r.code: hygiene.MAX_REPEATS for r in paper_rules() if r.func.__module__ == hygiene.__name__}


def _summary_hit(table: str, column: str, cap: int, total: int):
    """The row-less hit the hygiene checks give for `total` matching cells past `cap`: made by their own
    helper, so the message cannot drift from the one-machine run."""
    from .validators import hygiene

    found = hygiene.Cells(pd.Series([""] * total, dtype="str"), [(table, column, 0)], np.zeros(1, dtype=np.int64),
                           np.arange(total, dtype=np.int64))
    return next(h for h in hygiene._hits(found, np.arange(total), lambda c, t: ("", "", "")) if h.row is None)


def merge_capped(records: list[tuple[Finding, str, str]], manifest: dict) -> list[tuple[Finding, str, str]]:
    """Apply the hygiene checks' per-column cap over all partitions: each partition listed its own first
    `cap` cells and counted the rest; the whole ledger lists the first `cap` by line and counts the rest."""
    import re

    capped = _capped_rules()
    keep, groups = [], {}
    for f, table, rule in records:
        if f.code in capped:
            groups.setdefault((f.code, table, f.column), []).append(f)
        else:
            keep.append((f, table, rule))
    for (code, table, column), found in groups.items():
        cap = capped[code]
        listed = sorted((f for f in found if f.line is not None), key=lambda f: f.line)
        more = sum(int(re.match(r"\d+", f.message).group()) for f in found if f.line is None)
        total = len(listed) + more
        keep += [(f, table, code) for f in listed[:cap]]
        if total > cap:
            r, hit = RULES[code], _summary_hit(table, column, cap, total)
            keep.append((r.finding(manifest["tables"][table]["file"], None, hit.column, hit.message, hit.expected, hit.found),
                         table, code))
    return keep


def _unique_keys(manifest: dict, gathered: dict[str, Table]) -> list[Finding]:
    """L105 over the whole key column (a partition cannot see another's duplicates), by the same pandera
    schema: a one-column copy of the table."""
    out = []
    for name in ("claims", "papers"):
        out += duplicate_findings(gathered[name], UNIQUE_KEYS[name])
    return out


def validate_dask(parquet_dir, client=None) -> list[Finding]:
    """Validate a ledger written by write_parquet with Dask; returns the findings `ledger validate` gives.

    `client`: a dask.distributed Client (or any Dask scheduler); None uses Dask's current default.
    """
    return dask_result(parquet_dir, client).findings


def dask_result(parquet_dir, client=None, selection: Selection = EVERYTHING) -> Result:
    """validate_dask as an engine Result (findings, waived count, summary, ok). Its ledger holds only what
    the driver gathered (GATHERED columns), enough for the summary's counts. `selection` (--select,
    --ignore) skips the driver's checks it does not report; the workers' findings are filtered."""
    require("dask")
    import dask
    import dask.dataframe as dd

    src = Path(parquet_dir).resolve()
    manifest, small = _small(str(src))
    parts = {name: dd.read_parquet(str(src / name), split_row_groups=False) for name in PARTITIONED}
    if len({p.npartitions for p in parts.values()}) != 1 or parts["claims"].npartitions != manifest["buckets"]:
        raise RuntimeError(f"{src}: expected {manifest['buckets']} files in each of {', '.join(PARTITIONED)}")
    meta = _frame([])
    per_partition = dd.map_partitions(_validate_partition, parts["claims"], parts["papers"], parts["skips"],
                                      root=str(src), meta=meta, align_dataframes=False, enforce_metadata=False)
    gather = {name: parts[name][[*cols, LINE]] for name, cols in GATHERED.items()}
    scheduler = {"scheduler": client} if client is not None else {}
    found, *frames = dask.compute(per_partition, *gather.values(), **scheduler)
    found = found[list(_RECORD)]

    # driver: the whole-ledger work
    gathered = {name: _table(manifest, name, frame, GATHERED[name]) for name, frame in zip(gather, frames)}
    records = merge_capped([(_finding(r), r[10], r[11]) for r in found.itertuples(index=False, name=None)], manifest)
    whole = _ledger(manifest, {**small, **gathered, "skips": _poisoned(manifest, "skips")})
    side = _ledger(manifest, {**small, **{name: _empty(manifest, name) for name in PARTITIONED}})

    # the engine's order: load, schema (per table), checks (in code order), then waivers
    findings = [Finding(d["code"], d["check"], Severity(d["severity"]), d["file"], d["line"], d["column"], d["claim_id"],
                        d["message"], d["expected"], d["found"]) for d in manifest["load_findings"]]
    findings += _unique_keys(manifest, gathered)
    findings += [f for f, _, rule in records if not rule]
    known = {k: v for k, v in _known(manifest, side).items() if k == "metrics"}  # papers' keys: only claims and skips use them
    for name in SMALL:
        findings += validate_table(small[name], known)

    by_rule: dict[str, list[Finding]] = {}
    checked = run_rules(selection.rules(ledger_rules()), whole)
    checked += [(f, t, rule) for f, t, rule in records if rule]
    # the "paper"-scope checks' hits on the small tables: once, on a ledger of the small tables alone
    checked += [(f, t, rule) for f, t, rule in run_rules(paper_rules(), side) if t not in PARTITIONED or f.code == CHECK_ERROR.code]
    for f, _, rule in checked:
        by_rule.setdefault(rule, []).append(f)
    for r in checks():
        mine = by_rule.pop(r.code, [])
        failed = [f for f in mine if f.code == CHECK_ERROR.code]
        # a check that fails gives one check-error and nothing else, as in the engine (once, not once per partition)
        findings += failed[:1] if failed else mine
    findings, waived = waive_selected(findings, whole, selection)
    return Result(whole, sort_findings(findings), waived)


def run_on_cluster(parquet_dir, scheduler: str | None = None, workers: int | None = None,
                   selection: Selection = EVERYTHING) -> Result:
    """dask_result on a running scheduler, on a local cluster of `workers` processes, or (neither) in-process."""
    if not (scheduler or workers):
        return dask_result(parquet_dir, selection=selection)
    require("dask")
    from dask.distributed import Client, LocalCluster

    cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                  host="127.0.0.1", dashboard_address=None)
    try:
        with Client(scheduler or cluster) as client:
            return dask_result(parquet_dir, client, selection)
    finally:
        if cluster is not None:
            cluster.close()


__all__ = ["bucket_of", "dask_result", "ledger_rules", "paper_rules", "partition_findings", "run_on_cluster", "validate_dask", "write_parquet"]
