"""The benchmark's "seed" shape: the bundled ledger replicated validates as the bundled one does, copy by copy,
and its planted errors give exactly the findings planted.csv lists."""

from __future__ import annotations

import collections
import csv
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

BENCH = REPO / "benchmarks"
if not (BENCH / "generate.py").exists():
    pytest.skip("benchmarks/ is not in this checkout", allow_module_level=True)
sys.path.insert(0, str(BENCH))
spec = importlib.util.spec_from_file_location("ledger_bench_generate", BENCH / "generate.py")
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

ARXIV = re.compile(r"\d{4}\.\d{4,5}")


def findings(folder: Path) -> list[dict]:
    r = subprocess.run([sys.executable, "-m", "ledger.cli", "validate", "--format", "json"], cwd=folder,
                       capture_output=True, text=True, check=False)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)["findings"]


def rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_clean_replica_has_the_bundled_findings_times_the_copies(tmp_path):
    n_bundled = len(rows(REPO / "claims.csv"))
    info = gen.replicate(REPO, 3 * n_bundled, tmp_path, plants=False)
    assert info["copies"] == 3 and info["claims"] == 3 * n_bundled
    claims, papers = rows(tmp_path / "claims.csv"), rows(tmp_path / "papers.csv")
    assert len(claims) == 3 * n_bundled and len({c["claim_id"] for c in claims}) == len(claims)
    assert len({p["paper_id"] for p in papers}) == len(papers) == 3 * len(rows(REPO / "papers.csv"))
    assert all(ARXIV.fullmatch(p["paper_id"]) and p["url"].endswith(p["paper_id"]) for p in papers)
    assert {c["paper_id"] for c in claims} <= {p["paper_id"] for p in papers}
    assert {s["paper_id"] for s in rows(tmp_path / "coverage_skips.csv")} <= {p["paper_id"] for p in papers}
    # every {reference} of a relation names a claim of its own copy
    ids = {c["claim_id"] for c in claims}
    for rel in rows(tmp_path / "relations.csv"):
        copy = rel["relation_id"].rsplit("-", 1)[1]
        for ref in re.findall(r"\{([^{}]+)\}", rel["formula"]):
            assert ref in ids and ref.endswith("-" + copy)
    bundled = collections.Counter(f["code"] for f in findings(REPO))
    assert collections.Counter(f["code"] for f in findings(tmp_path)) == collections.Counter(
        {code: 3 * k for code, k in bundled.items()})
    assert (tmp_path / "planted.csv").read_text().strip() == "code,file,line,claim_id,what"


def test_planted_replica_gives_exactly_the_planted_findings(tmp_path):
    n_bundled = len(rows(REPO / "claims.csv"))
    gen.replicate(REPO, 5 * n_bundled, tmp_path)
    planted = {(p["code"], p["file"], int(p["line"])) for p in rows(tmp_path / "planted.csv")}
    assert {code for code, _, _ in planted} >= {"L201", "L202", "L204", "L205", "L501"}
    # the bundled ledger's own notice (L407 on HAWQV3's ambiguous 2.68) comes with every copy; it is not planted
    found = {(f["code"], f["file"], f["line"]) for f in findings(tmp_path) if f["severity"] != "notice"}
    assert found == planted


def test_replica_too_small_to_plant_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="at least 5"):
        gen.replicate(REPO, 10, tmp_path)


def test_seed_paper_ids_are_distinct_and_valid():
    ids = [gen.seed_paper_id(i) for i in (0, 1, 99998, 99999, 12 * 99999, 1_000_000)]
    assert len(set(ids)) == len(ids) and all(ARXIV.fullmatch(i) for i in ids)
    assert ids[:4] == ["0701.00001", "0701.00002", "0701.99999", "0702.00001"]
    with pytest.raises(SystemExit):
        gen.seed_paper_id(93 * 12 * 99999)


def test_seed_cache_follows_the_source(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("claims.csv", "papers.csv", "coverage_skips.csv", "relations.csv"):
        (src / name).write_bytes((REPO / name).read_bytes())
    (src / "vocab").mkdir()
    for p in (REPO / "vocab").glob("*.csv"):
        (src / "vocab" / p.name).write_bytes(p.read_bytes())
    out = tmp_path / "out"
    n = 5 * len(rows(src / "claims.csv"))
    gen.replicate(src, n, out)
    assert gen.seed_is_current(out, n, src)
    assert not gen.seed_is_current(out, n + 1, src)
    with open(src / "papers.csv", "a", encoding="utf-8") as f:
        f.write("2601.00001,A new paper,2026,https://arxiv.org/abs/2601.00001,An abstract.\n")
    assert not gen.seed_is_current(out, n, src)


def _run_module():
    spec = importlib.util.spec_from_file_location("ledger_bench_run", BENCH / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    return run


def test_recall_counts_found_missed_and_unexplained(tmp_path):
    run = _run_module()
    (tmp_path / "planted.csv").write_text("code,file,line,claim_id,what\nL202,claims.csv,3,a,x\nL205,coverage_skips.csv,9,,y\n")
    (tmp_path / "out.json").write_text(json.dumps({"summary": {"error": 2, "warning": 0}, "findings": [
        {"code": "L202", "file": "claims.csv", "line": 3, "claim_id": "a"},
        {"code": "L204", "file": "papers.csv", "line": 4, "claim_id": ""}]}))
    rec = run.recall(tmp_path / "out.json", tmp_path / "planted.csv")
    assert rec["per_code"] == {"L202": [1, 1], "L205": [1, 0]}
    assert [(m["code"], m["line"]) for m in rec["missed"]] == [("L205", "9")]
    assert rec["unexpected"] == {"L204": 1}
