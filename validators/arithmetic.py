"""L4xx: arithmetic between claims: implied values, explicit relations, reachable accuracies.

All of it runs on rounding intervals (ledger/intervals.py): two numbers agree when their intervals meet.
"""

from __future__ import annotations

import re
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..codes import encode
from ..derive import alternative_units, derivations, group_rows, recorded_matches
from ..intervals import Interval, below, disjoint
from ..registry import Hit, check
from ..relations import UNCHECKED, VIOLATED, verdicts
from ..units import DIMENSIONED, UNITS


def _quote(ledger, row: int) -> str:
    c = ledger.claims
    return f'{c["claim_id"].iat[row]} ("{c["quote"].iat[row]}")'


def _outside(d):
    """Which implied values lie outside their unit's range."""
    lo, hi = d["lo"].to_numpy(float), d["hi"].to_numpy(float)
    [unit], names = encode(d["unit"])  # each unit's range looked up once, not per value
    units = [UNITS[n] for n in names]
    unit_min = np.array([-np.inf if u.minimum is None else u.minimum for u in units], float)[unit]
    unit_max = np.array([np.inf if u.maximum is None else u.maximum for u in units], float)[unit]
    open_min = np.array([u.open_min for u in units], bool)[unit]
    return np.where(open_min, below(hi, unit_min, True), disjoint(lo, hi, unit_min, np.inf)) | disjoint(lo, hi, -np.inf, unit_max)


def _alternative(ledger):
    """The values implied under the alternative readings, by (kind, source group, via group) there, and each
    claim row's group there (-1: not read). Cached."""
    def run():
        from ..derive import _kept
        d = derivations(ledger, alt=True)
        _, keep, gid = _kept(ledger, True)
        group = np.full(len(ledger.claims), -1, np.int64)
        group[keep] = gid
        found = {(k, int(sg), int(vg)): (Interval(float(lo), float(hi)), i)
                 for i, (k, sg, vg, lo, hi) in enumerate(zip(d["kind"], d["source_group"], d["via_group"], d["lo"], d["hi"]))}
        return found, group
    return ledger.memo("alternative_by_groups", run)


def _under_alternative(ledger, kind: str, source: int, via: int, judge) -> str:
    """What becomes of a finding of the recorded reading when its ambiguous claims are read with their
    alternative_unit: '' when none of its claims has another reading, else a sentence that says whether the
    alternative reading gives the same finding (judge(interval, index) -> True when it does)."""
    other = alternative_units(ledger)
    ids = ledger.claims["claim_id"]
    read = [f"{ids.iat[r]} as {other[r]}" for r in dict.fromkeys((source, via)) if other[r]]
    if not read:
        return ""
    found, group = _alternative(ledger)
    alt = found.get((kind, int(group[source]), int(group[via])))
    if alt is None:
        return f"; under the alternative reading ({', '.join(read)}) no such value is implied, so this finding does not arise"
    if judge(*alt):
        return f"; under the alternative reading ({', '.join(read)}) too (it implies {alt[0]})"
    return (f"; under the alternative reading ({', '.join(read)}) it implies {alt[0]} and this finding does not arise: "
            "check which reading the paper means")


@check("L401", "implied-out-of-range")
def implied_out_of_range(ledger) -> Iterator[Hit]:
    """A value implied by two claims (a level and a ratio, points or relative change) lies in its unit's range."""
    d = derivations(ledger)
    if d.empty:
        return
    bad = d[_outside(d)]
    if bad.empty:
        return
    alt = derivations(ledger, alt=True)
    alt_outside = _outside(alt) if len(alt) else np.zeros(0, bool)
    for r, vias in zip(bad.itertuples(), group_rows(ledger, bad["via_group"])):
        note = _under_alternative(ledger, r.kind, int(r.source), int(r.via), lambda _, i: bool(alt_outside[i]))
        for via in vias:  # every claim of the comparison's group
            yield Hit(int(via), "value", f"implies {r.metric} of {r.target} = {Interval(r.lo, r.hi)} {r.unit}, outside its range "
                      f"(from {r.how}; {_quote(ledger, int(r.source))}){note}", f"{r.unit} within its range", str(Interval(r.lo, r.hi)))


@check("L402", "implied-conflict")
def implied_conflict(ledger) -> Iterator[Hit]:
    """A value implied by two claims agrees, within rounding, with a claim that records the same quantity.

    Reported on the comparison that implies it and on the claim it contradicts."""
    d = derivations(ledger)
    if d.empty:
        return
    m = recorded_matches(ledger, d)
    at = m["d"].to_numpy()
    apart = disjoint(d["lo"].to_numpy(float)[at], d["hi"].to_numpy(float)[at], m["lo_r"].to_numpy(float), m["hi_r"].to_numpy(float))
    seen: set[frozenset] = set()
    found = m[apart]
    hits = d.iloc[found["d"].to_numpy()].reset_index(drop=True).assign(
        row=found["row"].to_numpy(), lo_r=found["lo_r"].to_numpy(), hi_r=found["hi_r"].to_numpy())
    values = ledger.claims["value"]
    for r, vias in zip(hits.itertuples(), group_rows(ledger, hits["via_group"])):
        rows = frozenset({int(r.source), int(r.via), int(r.row)})
        if rows in seen:
            continue  # the same three claims seen from the other side
        seen.add(rows)
        implied = Interval(float(r.lo), float(r.hi))
        unit = f" {r.unit}" if r.unit in DIMENSIONED else ""  # a recorded value of another prefix is shown converted
        recorded_at = Interval(float(r.lo_r), float(r.hi_r))
        value = values.iat[int(r.row)]
        note = _under_alternative(ledger, r.kind, int(r.source), int(r.via), lambda i, _: not i.meets(recorded_at))
        message = (f"implies {r.metric} of {r.target} = {implied}{unit} (from {r.how}), but {_quote(ledger, int(r.row))} records "
                   f"{value} = {recorded_at}{unit}; quotes: {_quote(ledger, int(r.source))}, {_quote(ledger, int(r.via))}{note}")
        for via in vias:
            yield Hit(int(via), "value", message, str(implied), value)
        recorded = ledger.claims["claim_id"]
        yield Hit(int(r.row), "value", f"{value} of {recorded.iat[int(r.row)]} = {recorded_at}{unit} contradicts "
                  f"{r.metric} of {r.target} = {implied}{unit} implied by {r.how}{note}", str(implied), value)


def _relation_hits(ledger, v) -> Iterator[Hit]:
    """A violated relation: on its row of relations.csv and on each claim it names, where a pull request changes them."""
    message = f"relation {v.relation_id} ({v.kind}) fails: {v.reason.removeprefix('cannot hold: ')}"
    yield Hit(v.row, "formula", message, "comparisons that can hold", v.reason.removeprefix("cannot hold: "), table="relations")
    for row in v.rows:
        yield Hit(row, "value", f"{message} (relations.csv line {ledger.tables['relations'].lines[v.row]})",
                  "comparisons that can hold", ledger.claims["value"].iat[row])


@check("L403", "relation-violated")
def relation_violated(ledger) -> Iterator[Hit]:
    """A relation of relations.csv that is a fact (e.g. {a} + {b} == {c}) holds for some values inside the claims' rounding intervals."""
    for v in verdicts(ledger).unsettled:
        if v.verdict == VIOLATED and v.kind != "assumption":
            yield from _relation_hits(ledger, v)


@check("L412", "assumption-violated", severity="warning")
def assumption_violated(ledger) -> Iterator[Hit]:
    """A relation of kind assumption (the curator's reading, not the paper's words) holds for some values inside the claims' intervals.

    A warning, not an error: the reading may be wrong rather than the claims; fix the claims or the relation."""
    for v in verdicts(ledger).unsettled:
        if v.verdict == VIOLATED and v.kind == "assumption":
            yield from _relation_hits(ledger, v)


@check("L405", "relation-invalid")
def relation_invalid(ledger) -> Iterator[Hit]:
    """A relation parses (numbers, {claim_id}, + - * /, min max abs, comparisons, and or not, parentheses) and names only existing claims."""
    for v in verdicts(ledger).unsettled:  # a relation that holds is none of these
        if v.error is not None:
            yield Hit(v.row, "formula", f"relation {v.relation_id} does not parse: {v.error}", "a formula like {a} + {b} == {c}",
                      v.formula[(v.error.offset or 1) - 1:][:20], table="relations")
        elif v.unknown:
            yield Hit(v.row, "formula", f"relation {v.relation_id} names unknown claims: {', '.join(v.unknown)}", "existing claim_ids",
                      ", ".join(v.unknown), table="relations")
        elif v.verdict == UNCHECKED and not v.malformed:  # a malformed value: the schema reports it
            yield Hit(v.row, "formula", f"relation {v.relation_id}: {v.reason}", "a relation that can be computed", "", table="relations")


@check("L411", "relation-undocumented", severity="warning")
def relation_undocumented(ledger) -> Iterator[Hit]:
    """A relation's description says what it checks and which words it rests on; one whose claims come from several papers names each paper_id.

    A relation between papers needs its reason written down (two papers restating one result, say): without
    it, a reviewer cannot tell a real link from two numbers that happen to agree."""
    judged = verdicts(ledger)
    blank = np.array([not d.strip() for d in judged.descriptions], bool)
    for v in judged.at(np.flatnonzero(blank | judged.several_papers)):  # the others have nothing to say
        if not v.description.strip():
            yield Hit(v.row, "description", f"relation {v.relation_id} has no description: say what it checks and quote the words "
                      "of the abstract it rests on", "a description", "", table="relations")
        elif len(v.papers) > 1:
            unnamed = [p for p in v.papers if p not in v.description]
            if unnamed:
                yield Hit(v.row, "description", f"relation {v.relation_id} joins claims of papers {', '.join(v.papers)}; its description "
                          f"does not name {', '.join(unnamed)} (say why the papers' numbers are linked)",
                          "each paper_id named", ", ".join(unnamed), table="relations")


_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # what str.strip() strips
_SIZE = re.compile(r"[1-9][0-9]{0,11}")  # the schema reports any other size (number-format)


def _benchmarks(ledger) -> dict[str, tuple[int, set[str], int]]:
    t = ledger.tables["benchmarks"].frame
    out = {}
    for row, (name, size, metrics) in enumerate(zip(t["benchmark"], t["size"], t["metrics"])):
        if _SIZE.fullmatch(size):
            out[name] = (int(size), set(metrics.split()), row)
    return out


@check("L404", "accuracy-not-reachable", scope="paper")
def accuracy_not_reachable(ledger) -> Iterator[Hit]:
    """A percent level on a benchmark of known size N is k/N for some whole k, within rounding (GRIM)."""
    bench = _benchmarks(ledger)
    if not bench:
        return
    c, v = ledger.claims, ledger.values
    lo, hi = v["lo"].to_numpy(float), v["hi"].to_numpy(float)
    candidates = np.flatnonzero((c["unit"] == "percent").to_numpy() & (c["qualifier"] == "exact").to_numpy() & np.isfinite(lo) & np.isfinite(hi))
    # the candidates' context items (split at ";", stripped as str.strip does), each with its claim's row
    lists = pc.split_pattern(pa.array(c["context"], pa.large_string()).take(candidates), ";")
    items = pc.utf8_trim(pc.list_flatten(lists), characters=_WHITESPACE)
    names = pa.array(list(bench), pa.large_string())
    at = pc.index_in(items, value_set=names).to_numpy(zero_copy_only=False)  # the item's benchmark, NaN for none
    on = ~np.isnan(at)
    if not on.any():
        return
    rows, at = candidates[pc.list_parent_indices(lists).to_numpy()][on], at[on].astype(np.int64)
    n = np.array([size for size, _, _ in bench.values()], float)[at]
    shares = pa.array([f"{name}|{metric}" for name, (_, metrics, _) in bench.items() for metric in metrics], pa.large_string())
    metric = pa.array(c["metric"], pa.large_string()).take(rows)
    applies = pc.is_in(pc.binary_join_element_wise(names.take(at), metric, pa.scalar("|", pa.large_string())), value_set=shares).to_numpy(zero_copy_only=False)
    k_lo, k_hi = np.ceil(lo[rows] * n / 100 - 1e-9), np.floor(hi[rows] * n / 100 + 1e-9)
    fail = applies & (k_lo > k_hi)
    for row, name, size, a, b in zip(rows[fail], names.take(at[fail]).to_pylist(), n[fail].astype(int), k_hi[fail].astype(int), k_lo[fail].astype(int)):
        near = ", ".join(f"{k}/{size} = {100 * k / size:.4g}%" for k in (a, b))
        yield Hit(int(row), "value", f"{c['value'].iat[row]}% is not k/{size} for any whole k on {name} ({near})", f"k/{size}", c["value"].iat[row])


@check("L406", "benchmark-size-mismatch")
def benchmark_size_mismatch(ledger) -> Iterator[Hit]:
    """A benchmark size in vocab/benchmarks.csv names its source (a claim_id whose value agrees, or a URL)."""
    t = ledger.tables["benchmarks"].frame
    ids = ledger.rows_of(t["source"])
    for row, (name, size, source) in enumerate(zip(t["benchmark"], t["size"], t["source"])):
        if source and source not in ids and not source.startswith(("http://", "https://")):
            yield Hit(row, "source", f"{name}: source {source!r} is neither a claim_id nor a URL", "a claim_id or an http(s) URL",
                      source, table="benchmarks")
        elif source in ids and _SIZE.fullmatch(size):
            claimed = ledger.interval(ids[source])
            if not claimed.meets(Interval.point(float(size))):
                yield Hit(row, "size", f"{name} has size {size}, but claim {source} says {ledger.claims['value'].iat[ids[source]]}",
                          ledger.claims["value"].iat[ids[source]], size, table="benchmarks")
