"""The Dask path (ledger/distributed.py): Parquet partitioned by paper, the "paper"-scope checks per
partition, the rest on the driver; its findings must equal the one-machine run's, in the same order."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, TESTS, build_ledger

from ledger import Layout, validate
from ledger.distributed import (
    LINE,
    PARTITIONED,
    _small,
    bucket_of,
    paper_rules,
    partition_findings,
    validate_dask,
    write_parquet,
)
from ledger.engine import load, run_checks
from ledger.catalogue import checks

# dask's own parquet reader calls reset_index(inplace=True), which pandas 3.1 deprecates: not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index")

GENERATOR = REPO / "benchmarks" / "generate.py"
SCOPES = {  # the scope each check is registered with; a new check must be added here on purpose
    "paper": {"L201", "L202", "L203", "L204", "L205", "L206", "L301", "L302", "L303", "L404", "L503", "L504", "L508", "L509",
              "L409", "L701", "L702", "L704", "L705", "L706"},
    "ledger": {"L304", "L401", "L402", "L403", "L405", "L406", "L407", "L408", "L410", "L501", "L502", "L505", "L506", "L507", "L411", "L412",
               "L703"},  # L304: one quantity across papers
}


def _edit_csv(path: Path, edit) -> None:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
        header = list(rows[0].keys())
    rows = edit(rows) or rows
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def mutated_ledger(dest: Path) -> Path:
    """The bundled ledger with errors of both scopes planted across papers, and more hygiene findings than
    the per-column cap (20), spread over every paper."""
    dest.mkdir(parents=True)
    for name in ("claims.csv", "papers.csv", "coverage_skips.csv", "relations.csv", "vocab"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        elif src.exists():
            shutil.copyfile(src, dest / name)

    def claims(rows):
        rows[0]["quote"] += " and more"  # L201
        rows[3]["value"] = "9999"  # L202
        rows[5]["unit"] = "tokens"  # L203 / L303
        rows[7]["claim_id"] = rows[40]["claim_id"]  # L105 across papers
        rows.append(dict(rows[12], claim_id=rows[12]["claim_id"] + "-copy"))  # L502 (a later line, same paper)
        for i, row in enumerate(rows):
            if i % 2:
                row["notes"] += " "  # L705: 30-odd cells of one column, over the cap
            if i % 9 == 4:
                row["notes"] = "=HYPERLINK(1)"  # L706
        del rows[20]  # its numbers become uncovered: L204

    def skips(rows):
        rows[2]["context"] = "a context no abstract prints"  # L205

    _edit_csv(dest / "claims.csv", claims)
    _edit_csv(dest / "coverage_skips.csv", skips)
    return dest


def test_every_check_declares_a_scope_on_purpose():
    got = {"paper": set(), "ledger": set()}
    for r in checks():
        got[r.scope].add(r.code)
    assert got == SCOPES


def test_bucket_of_is_stable():
    """Pinned values (CRC-32 of the UTF-8 id, modulo the bucket count): a per-process hash such as hash() would
    give other numbers here, and in every worker process another."""
    ids = pd.Series(["2407.12117", "1409.0685", "2407.12117", ""], dtype="str")
    assert bucket_of(ids, 7).tolist() == [4, 5, 4, 0]
    assert bucket_of(ids[:2], 1000).tolist() == [172, 217]
    assert bucket_of(ids, 1).tolist() == [0, 0, 0, 0]


def test_paper_scope_checks_give_the_same_findings_per_paper(tmp_path):
    """Run with one paper per partition (no Dask needed), the "paper"-scope checks and the schema (but key
    uniqueness) find on claims, papers and skips exactly what they find on the whole ledger."""
    root = mutated_ledger(tmp_path / "ledger")
    out = write_parquet(root, tmp_path / "pq", partitions=1)
    manifest, small = _small(str(out))
    frames = {name: pd.read_parquet(out / name / "part.00000.parquet") for name in PARTITIONED}

    per_paper = []
    for pid in frames["papers"]["paper_id"]:
        mine = {name: f[f["paper_id"] == pid] for name, f in frames.items()}
        per_paper += [f for f, table, rule in partition_findings(manifest, small, mine) if rule]

    ledger, _ = load(Layout.find(root=root))
    paper_codes = {r.code for r in paper_rules()} - {"L701", "L702", "L704", "L705", "L706"}  # capped: see below
    whole = [f for f in run_checks(ledger) if f.code in paper_codes]
    assert sorted(whole, key=lambda f: f.sort_key) == sorted((f for f in per_paper if f.code in paper_codes), key=lambda f: f.sort_key)
    assert {"L201", "L202", "L204", "L205"} <= {f.code for f in whole}


@pytest.mark.parametrize("partitions", [1, 3, 25])
def test_dask_equals_one_machine_on_a_small_ledger(tmp_path, monkeypatch, partitions):
    """Every partition count, on the synchronous scheduler: the same findings, in the same order, with the
    hygiene cap applied over all partitions (25 partitions: no partition reaches the cap on its own)."""
    dask = pytest.importorskip("dask")
    root = mutated_ledger(tmp_path / "ledger")
    monkeypatch.chdir(root)
    single = validate(".").findings
    write_parquet(".", tmp_path / "pq", partitions=partitions)
    with dask.config.set(scheduler="synchronous"):
        found = validate_dask(tmp_path / "pq")
    assert found == single
    codes = {f.code for f in single}
    assert {"L105", "L201", "L204", "L205", "L502", "L705", "L706"} <= codes
    assert any(f.code == "L705" and f.line is None for f in single)  # the "N more cells" summary


FAIL_CASES = sorted(p for p in (TESTS / "cases").iterdir() if p.is_dir() and "-fail-" in p.name and not p.name.startswith("L0"))


@pytest.mark.parametrize("case", FAIL_CASES, ids=[c.name for c in FAIL_CASES])
def test_dask_equals_one_machine_on_the_fixture_corpus(case, tmp_path, monkeypatch):
    dask = pytest.importorskip("dask")
    root = build_ledger(tmp_path / "ledger", case)
    monkeypatch.chdir(root)
    single = validate(".").findings
    write_parquet(".", tmp_path / "pq", partitions=2)
    with dask.config.set(scheduler="synchronous"):
        assert validate_dask(tmp_path / "pq") == single


def test_write_parquet_refuses_to_replace_a_foreign_folder(tmp_path):
    (tmp_path / "pq").mkdir()
    (tmp_path / "pq" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        write_parquet(REPO, tmp_path / "pq")
    assert (tmp_path / "pq" / "keep.txt").exists()


def test_parquet_keeps_text_and_lines(tmp_path):
    out = write_parquet(REPO, tmp_path / "pq", partitions=3)
    claims = pd.concat([pd.read_parquet(p) for p in sorted((out / "claims").glob("*.parquet"))])
    ledger, _ = load(Layout.find(root=REPO))
    back = claims.sort_values(LINE)
    assert back[LINE].tolist() == ledger.tables["claims"].lines
    assert back["value"].astype("str").tolist() == ledger.claims["value"].tolist()  # "52.30" stays "52.30"
    papers = pd.concat([pd.read_parquet(p).assign(part=i) for i, p in enumerate(sorted((out / "papers").glob("*.parquet")))])
    where = dict(zip(papers["paper_id"], papers["part"]))
    assert all(where[pid] == b for pid, b in zip(claims["paper_id"], claims["_bucket"]))  # abstracts beside their claims


def _generated(tmp_path: Path) -> Path:
    if not GENERATOR.exists():
        pytest.skip("benchmarks/generate.py is not in this checkout")
    spec = importlib.util.spec_from_file_location("ledger_bench_generate", GENERATOR)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    root = tmp_path / "generated"
    gen.generate(3000, root, seed=7, error_rate=0.01)
    return root


def test_local_cluster_equals_one_machine(tmp_path):
    """A local Dask cluster of two worker processes (loopback only) on a generated ledger with planted
    errors of every code: the same findings as `ledger validate`."""
    distributed = pytest.importorskip("dask.distributed")
    root = _generated(tmp_path)
    single = validate(root).findings
    out = write_parquet(root, tmp_path / "pq", partitions=6)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        found = validate_dask(out, client)
    assert single, "the generated ledger has planted errors"
    assert found == single
    codes = {f.code for f in found}
    assert codes & SCOPES["paper"] and codes & SCOPES["ledger"]
