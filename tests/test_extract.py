"""`ledger extract` and `ledger add-paper`, on abstracts written for these tests (made-up papers)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import urllib.error
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.engine import validate
from ledger.layout import CLAIMS, Layout

REPO = Path(__file__).resolve().parent.parent

ABSTRACTS = {
    # levels, a pp gain, a relative reduction, a speed-up, sizes, a setting, names and a citation
    "2601.00001": ("QuillNet: Fast Vision Transformers",
                   "Vision transformers are slow (Doe et al., 2021). We present QuillNet, a hybrid network. "
                   "QuillNet reaches an accuracy of 81.4% on ImageNet, which is 3.2% higher than ResNet50, and "
                   "reduces latency by 35% compared to DeiT. On CIFAR-10 it trains up to 2.5x faster than DeiT. "
                   "We train on 1.2 million images using 16 GPUs and release two models at 1B and 3B parameters. "
                   "Code: https://github.com/quill9/quillnet."),
    # a list mapped by "respectively", an average, list markers, a rhetorical number word, from A to B
    "2601.00002": ("Tally: Counting Benchmarks",
                   "We introduce Tally, a benchmark of 4,200 questions in 9 languages. Our contributions are: "
                   "(1) a new split and (2) an analysis of the two main failure modes. Fine-tuning on Tally "
                   "improves an average of 4.1% and 2.7% accuracy over ZetaLM on TallyQA and TallyMath, "
                   "respectively. On TallyQA the accuracy rises from 60.1% to 65.3%, a gain of 5.2 points."),
    # a number word with a marker, a decrease written as "lowers", a section reference, an at-least level
    "2601.00003": ("Oriole: speech recognition",
                   "We propose Oriole, a recognizer trained on 10,000 hours of audio. Oriole lowers the error rate "
                   "by 12% relative to Whisper. It runs about three times faster on an A100 GPU. Over 90% of the "
                   "utterances are transcribed correctly (Section 4)."),
    # sizes of one model family glued to its name (claims), and one sized model name on its own (a name)
    "2601.00004": ("Wren: small language models",
                   "We study quantization of the WrenLM-350M, WrenLM-1.3B and WrenLM-7B models and compare them "
                   "with Kestrel-70B."),
    # a new name (not in the vocabulary), a decrease shared by a list, a bound, words that say pp or relative
    "2601.00005": ("Magpie: sparse decoding",
                   "Magpie stays within 0.4 points of dense decoding while reducing prefill latency by 38% and "
                   "decoding latency by 22%. Trained with Llama-3-8B, it reaches 51.6% pass@1, an absolute "
                   "improvement of 4.4% over greedy search, and its error rate falls by 19%, a relative "
                   "reduction of 19%."),
    # a one-name title, "over" as a preposition, a metric word of another clause, "such as", "degrades"
    "2601.00006": ("Plover",
                   "Plover is a benchmark of 8,400 questions over 1,260 charts. Training is 1.7 times faster than "
                   "Heron Net, and peak memory drops by 31%. Models such as ZetaLM reach 58.2% accuracy, and "
                   "accuracy degrades by 12% relative on rotated charts."),
    # years, an asymptotic bound, "over" after a noun
    "2601.00007": ("A review of sparse training",
                   "We review 214 papers published between 2019 and 2025. Sparse training converges at a rate of "
                   "O(1/sqrt(T)). The best method reaches a 9x compression ratio over 32-bit weights."),
    # dimensioned units as printed: a rate, a duration, GPU time, memory, money
    "2601.00008": ("Kestrel: serving",
                   "Kestrel serves 92 tokens/s, cuts latency from 130 ms to 48 ms, trains in 2.4k GPU hours on 80 GB "
                   "cards and saves $1.5M."),
}
ENTITIES = [
    ("CIFAR-10", "dataset", ""), ("DeiT", "method", ""), ("ImageNet", "dataset", ""), ("QuillNet", "method", ""),
    ("ResNet50", "model", ""), ("Oriole", "method", ""), ("Whisper", "model", ""), ("A100", "hardware", ""), ("Tally", "benchmark", ""), ("TallyMath", "benchmark", ""),
    ("TallyQA", "benchmark", ""), ("ZetaLM", "model", "Zeta-LM"),
]


def _write_csv(path: Path, columns, rows) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


@pytest.fixture
def own(tmp_path, monkeypatch):
    """A ledger of the made-up papers: no claims, no skips, the repository's metric vocabulary."""
    root = tmp_path / "own"
    (root / "vocab").mkdir(parents=True)
    shutil.copyfile(REPO / "vocab" / "metrics.csv", root / "vocab" / "metrics.csv")
    _write_csv(root / "vocab" / "entities.csv", ("entity", "kind", "aliases"), sorted(ENTITIES))
    _write_csv(root / "papers.csv", ("paper_id", "title", "year", "url", "abstract"),
               [(pid, title, "2026", f"https://arxiv.org/abs/{pid}", text) for pid, (title, text) in ABSTRACTS.items()])
    _write_csv(root / "claims.csv", CLAIMS.columns, [])
    monkeypatch.chdir(root)
    return root


def run(*args):
    return CliRunner().invoke(main, list(args))


def drafts(*args) -> list[dict]:
    r = run("extract", *args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def by_value(rows):
    return {(r["paper_id"], r["value"], r["unit"]): r for r in rows}


def test_claims_of_a_results_abstract(own):
    rows = by_value(drafts("2601.00001"))
    acc = rows["2601.00001", "81.4", "percent"]
    assert (acc["subject"], acc["metric"], acc["qualifier"], acc["reading"]) == ("QuillNet", "accuracy", "exact", "explicit")
    assert "ImageNet" in acc["context"]
    gain = rows["2601.00001", "3.2", "pp"]  # "% higher" on a %-valued metric: pp, but the text leaves it open
    assert (gain["baseline"], gain["reading"]) == ("ResNet50", "ambiguous")
    assert gain["alternative_unit"] == "relative_percent"  # the other reading, so the draft passes L410
    lat = rows["2601.00001", "-35", "relative_percent"]  # a reduction is negative
    assert (lat["metric"], lat["baseline"], lat["reading"]) == ("latency", "DeiT", "explicit")
    speed = rows["2601.00001", "2.5", "ratio"]
    assert (speed["metric"], speed["baseline"], speed["qualifier"]) == ("speed", "DeiT", "up_to")
    assert rows["2601.00001", "1.2e6", "count"]["metric"] == "dataset_size"
    assert rows["2601.00001", "16", "count"]["metric"] == "gpu_count"
    sizes = [rows["2601.00001", v, "params"] for v in ("1e9", "3e9")]
    assert {r["metric"] for r in sizes} == {"model_size"}
    assert sizes[0]["context"] != sizes[1]["context"]  # one quantity, two values: the contexts tell them apart
    assert all(r["status"] == "draft" for r in rows.values())
    # every quote is a verbatim clause of the abstract that prints its number, cut at word edges
    text = ABSTRACTS["2601.00001"][1]
    for r in rows.values():
        assert r["quote"] in text and r["quote"] != text
        start = text.index(r["quote"])
        end = start + len(r["quote"])
        assert not (start and text[start - 1].isalnum()) and not (end < len(text) and text[end].isalnum())
    # numbers in names, a URL and a citation are not claims
    assert set(rows) == {("2601.00001", v, u) for v, u in [("81.4", "percent"), ("3.2", "pp"), ("-35", "relative_percent"),
                                                            ("2.5", "ratio"), ("1.2e6", "count"), ("16", "count"),
                                                            ("1e9", "params"), ("3e9", "params"), ("2", "count")]}
    assert rows["2601.00001", "2", "count"]["metric"] == "model_count"  # "two models" sizes what is released


def test_non_claims_become_skips_with_a_category(own):
    r = run("extract", "--all", "--table", "skips")
    skips = list(csv.DictReader(io.StringIO(r.stdout)))
    got = {(s["paper_id"], s["number"], s["reason"].split(":")[0]) for s in skips}
    assert ("2601.00001", "2021", "non-claim") in got  # citation year
    assert ("2601.00001", "10", "name") in got  # CIFAR-10
    assert ("2601.00001", "50", "name") in got  # ResNet50
    assert ("2601.00001", "9", "name") in got  # the URL
    assert ("2601.00002", "1", "ordinal") in got and ("2601.00002", "2", "ordinal") in got
    assert ("2601.00002", "two", "non-claim") in got  # "the two main failure modes"
    for s in skips:  # each context is a verbatim span that occurs once
        assert ABSTRACTS[s["paper_id"]][1].count(s["context"]) == 1


def test_sizes_of_a_model_family_are_claims_and_one_sized_name_is_a_skip(own):
    rows = by_value(drafts("2601.00004"))
    sizes = {v: rows["2601.00004", v, "params"] for v in ("350e6", "1.3e9", "7e9")}
    assert {(r["subject"], r["metric"]) for r in sizes.values()} == {
        ("WrenLM-350M", "model_size"), ("WrenLM-1.3B", "model_size"), ("WrenLM-7B", "model_size")}
    assert not any(v == "70e9" for _, v, _ in rows)
    skips = list(csv.DictReader(io.StringIO(run("extract", "2601.00004", "--table", "skips").stdout)))
    assert [(s["number"], s["reason"].split(":")[0]) for s in skips] == [("70B", "name")]


def test_direction_bounds_and_the_words_that_say_pp_or_relative(own):
    rows = by_value(drafts("2601.00005"))
    assert {r["subject"] for r in rows.values()} == {"Magpie"}  # the title's new name is the paper's own
    bound = rows["2601.00005", "0.4", "pp"]  # "within": a bound, and no change word: not a decrease
    assert bound["qualifier"] == "up_to"
    assert {("2601.00005", "-38", "relative_percent"), ("2601.00005", "-22", "relative_percent")} <= set(rows)
    gain = rows["2601.00005", "4.4", "pp"]  # "absolute": pp, and the text says so
    assert gain["reading"] == "explicit"
    assert rows["2601.00005", "-19", "relative_percent"]["reading"] == "explicit"  # "relative reduction"
    skips = list(csv.DictReader(io.StringIO(run("extract", "2601.00005", "--table", "skips").stdout)))
    reasons = {s["number"]: s["reason"].split(":")[0] for s in skips}
    assert reasons == {"3": "name", "8B": "name", "1": "notation"}  # Llama-3-8B, pass@1


def test_titles_prepositions_clauses_and_examples(own):
    rows = by_value(drafts("2601.00006"))
    assert rows["2601.00006", "8400", "count"]["subject"] == "Plover"  # the title is one new name
    assert rows["2601.00006", "1260", "count"]["qualifier"] == "exact"  # "questions over 1,260 charts"
    assert rows["2601.00006", "1.7", "ratio"]["baseline"] == "Heron Net"  # a name not in the vocabulary
    assert rows["2601.00006", "-31", "relative_percent"]["metric"] != "speed"  # "faster" is another clause's
    assert rows["2601.00006", "58.2", "percent"]["subject"] == "ZetaLM"  # "such as" gives an example, not a baseline
    assert ("2601.00006", "-12", "relative_percent") in rows  # "degrades by 12% relative"


def test_years_bounds_and_over_after_a_noun(own):
    rows = by_value(drafts("2601.00007"))
    assert set(rows) == {("2601.00007", "214", "count"), ("2601.00007", "9", "ratio"), ("2601.00007", "32", "count")}
    assert rows["2601.00007", "32", "count"]["qualifier"] == "exact"  # "a ratio over 32-bit weights"
    skips = list(csv.DictReader(io.StringIO(run("extract", "2601.00007", "--table", "skips").stdout)))
    assert {(s["number"], s["reason"].split(":")[0]) for s in skips} == {
        ("2019", "non-claim"), ("2025", "non-claim"), ("1", "notation")}


def test_dimensioned_units_are_drafted_as_printed(own):
    rows = by_value(drafts("2601.00008"))
    assert {(v, u) for _, v, u in rows} >= {("92", "token/s"), ("130", "ms"), ("48", "ms"), ("2.4e3", "GPU_hour"),
                                             ("80", "GB"), ("1.5e6", "USD")}
    assert rows["2601.00008", "130", "ms"]["metric"] == "latency"  # latency allows [time]
    assert all(r["claim_id"] == r["claim_id"].lower() and "/" not in r["claim_id"] for r in rows.values())


def test_respectively_maps_a_list_and_from_to_gives_a_relation(own):
    rows = by_value(drafts("2601.00002"))
    qa, math = rows["2601.00002", "4.1", "pp"], rows["2601.00002", "2.7", "pp"]
    assert (qa["baseline"], qa["qualifier"], math["qualifier"]) == ("ZetaLM", "average", "average")
    assert qa["context"].startswith("TallyQA") and math["context"].startswith("TallyMath")
    assert qa["quote"].endswith("respectively")
    assert qa["group"] == math["group"] == "tally-accuracy-respectively"  # one list, one group id (L505/L506)
    assert rows["2601.00002", "4200", "count"]["metric"] == "dataset_size"
    assert rows["2601.00002", "9", "count"]["metric"] == "language_count"
    assert rows["2601.00002", "5.2", "pp"]["reading"] == "explicit"  # "points" says it
    r = run("extract", "2601.00002", "--table", "relations")
    rel = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rel) == 1 and " - " in rel[0]["formula"] and "==" in rel[0]["formula"]


def test_spelled_ratios_decreases_and_references(own):
    rows = by_value(drafts("2601.00003"))
    assert rows["2601.00003", "3", "ratio"]["qualifier"] == "about"  # "about three times faster"
    assert rows["2601.00003", "-12", "relative_percent"]["baseline"] == "Whisper"
    assert rows["2601.00003", "90", "percent"]["qualifier"] == "at_least"
    assert rows["2601.00003", "10000", "h"]["metric"] == "dataset_size"  # "10,000 hours of audio": a size in hours
    skips = list(csv.DictReader(io.StringIO(run("extract", "2601.00003", "--table", "skips").stdout)))
    assert {(s["number"], s["reason"].split(":")[0]) for s in skips} == {("100", "name"), ("4", "non-claim")}


def test_write_gives_a_ledger_that_validates_and_is_canonical(own):
    before = (own / "claims.csv").read_bytes()
    r = run("extract", "--all", "--write")
    assert r.exit_code == 0, r.output
    assert (own / "claims.csv").read_bytes().startswith(before)  # the header (and every old row) untouched
    result = validate(Layout.find(root=own))
    assert not [f for f in result.findings if f.code in ("L201", "L202", "L203", "L204")]
    # the only errors are where a draft leaves the metric or the subject empty (nothing of the vocabulary
    # fits, and a survey has no method of its own), for a curator to fill
    unnamed = {r["claim_id"] for r in csv.DictReader(open(own / "claims.csv", encoding="utf-8"))
               if not r["metric"] or not r["subject"]}
    errors = [f for f in result.findings if f.severity.value == "error"]
    assert unnamed and {f.claim_id for f in errors} <= unnamed, errors
    assert {(f.code, f.column) for f in errors} <= {("L101", "metric"), ("L101", "subject")}
    assert run("fmt", "--check").exit_code == 0
    assert run("coverage").exit_code == 0
    # nothing left to draft, and a second run adds nothing
    again = run("extract", "--all", "--write")
    assert again.exit_code == 0 and again.stdout.strip() == ",".join(CLAIMS.columns)
    assert "0 claims, 0 skips, 0 relations" in again.stderr


def test_write_never_changes_an_existing_row(own):
    assert run("extract", "2601.00001", "--write").exit_code == 0
    old = (own / "claims.csv").read_text(encoding="utf-8").splitlines()
    assert run("extract", "2601.00002", "--write").exit_code == 0
    new = (own / "claims.csv").read_text(encoding="utf-8").splitlines()
    assert set(old) <= set(new) and len(new) > len(old)
    ids = [row["claim_id"] for row in csv.DictReader(open(own / "claims.csv", encoding="utf-8"))]
    assert len(ids) == len(set(ids))


def test_write_refuses_a_table_not_in_canonical_form(own):
    messy = (own / "claims.csv").read_text(encoding="utf-8").replace("\n", "\r\n")
    (own / "claims.csv").write_bytes(messy.encode("utf-8"))
    r = run("extract", "--all", "--write")
    assert r.exit_code == 1
    assert "not in canonical form" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert (own / "claims.csv").read_bytes() == messy.encode("utf-8")
    assert not (own / "coverage_skips.csv").exists()  # refused before anything was written


def test_extract_output_on_the_bundled_ledger_passes_provenance(tmp_path, monkeypatch):
    root = tmp_path / "bundled"
    root.mkdir()
    for name in ("papers.csv", "coverage_skips.csv"):  # not relations.csv: it names the curated claims
        shutil.copyfile(REPO / name, root / name)
    shutil.copytree(REPO / "vocab", root / "vocab")
    _write_csv(root / "claims.csv", CLAIMS.columns, [])
    monkeypatch.chdir(root)
    r = run("extract", "--all", "--write")
    assert r.exit_code == 0, r.output
    result = validate(Layout.find(root=root))
    assert result.ok and not [f for f in result.findings if f.code in ("L201", "L202", "L203", "L204")]


def test_usage_errors(own):
    assert run("extract").exit_code == 2
    assert run("extract", "2601.00001", "--all").exit_code == 2
    r = run("extract", "2699.99999")
    assert r.exit_code == 2 and "not in papers.csv" in r.output
    assert drafts("2601.00001") and run("extract", "2601.00001").stdout.startswith("claim_id,paper_id,")


# add-paper


ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>arXiv Query: id_list=2602.01234</title>
  <entry>
    <id>http://arxiv.org/abs/2602.01234v2</id>
    <published>2026-02-03T10:00:00Z</published>
    <title>Sparrow: Small Models
      that Count</title>
    <summary>  We present Sparrow, a 350M parameter model.
  Sparrow reaches 71.2% accuracy on TallyQA, 4.5x faster than ZetaLM,  with
  an average of 3 runs.
</summary>
    <arxiv:primary_category term="cs.CL"/>
  </entry>
</feed>
"""
ERROR_ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_2602.1</id>
<title>Error</title><summary>incorrect id format for 2602.1</summary></entry></feed>"""
EMPTY_ATOM = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>none</title></feed>'


def test_add_paper_from_a_saved_response(own):
    (own / "feed.xml").write_text(ATOM, encoding="utf-8")
    r = run("add-paper", "2602.01234v2", "--atom", "feed.xml")
    assert r.exit_code == 0, r.output
    row = next(p for p in csv.DictReader(open(own / "papers.csv", encoding="utf-8")) if p["paper_id"] == "2602.01234")
    assert row["title"] == "Sparrow: Small Models that Count"
    # line breaks folded with the white space around them; the double space inside a line is kept
    assert row["abstract"] == ("We present Sparrow, a 350M parameter model. Sparrow reaches 71.2% accuracy on TallyQA, "
                               "4.5x faster than ZetaLM,  with an average of 3 runs.")
    assert (row["year"], row["url"]) == ("2026", "https://arxiv.org/abs/2602.01234")
    printed = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {(d["value"], d["unit"]) for d in printed} >= {("71.2", "percent"), ("4.5", "ratio"), ("350e6", "params")}
    assert run("fmt", "--check").exit_code == 0
    assert not [f for f in validate(Layout.find(root=own)).findings if f.file == "papers.csv" and f.code != "L204"]
    again = run("add-paper", "2602.01234", "--atom", "feed.xml")
    assert again.exit_code == 1 and "already in" in again.stderr


@pytest.mark.parametrize("feed, message", [(ERROR_ATOM, "arXiv error"), (EMPTY_ATOM, "has no paper"),
                                           ("<html>busy</html>", "not an Atom feed"), ("<feed", "not valid XML")])
def test_add_paper_refuses_a_feed_without_the_paper(own, feed, message):
    (own / "feed.xml").write_text(feed, encoding="utf-8")
    before = (own / "papers.csv").read_bytes()
    r = run("add-paper", "2602.01234", "--atom", "feed.xml")
    assert r.exit_code == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert (own / "papers.csv").read_bytes() == before


def test_add_paper_offline_is_one_line_and_exit_2(own, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    r = run("add-paper", "2602.01234")
    assert r.exit_code == 2
    assert r.stderr.strip() == ("ledger add-paper: cannot reach arXiv (https://export.arxiv.org/api/query): "
                                "Temporary failure in name resolution")

    def slow(*args, **kwargs):
        assert kwargs["timeout"] == 5
        raise TimeoutError("timed out")

    monkeypatch.setattr("urllib.request.urlopen", slow)
    r = run("add-paper", "2602.01234", "--timeout", "5")
    assert r.exit_code == 2 and "did not answer within 5 s" in r.stderr


def test_add_paper_rejects_a_malformed_id(own):
    r = run("add-paper", "not-an-id")
    assert r.exit_code == 2 and "is not an arXiv id" in r.output
    r = run("add-paper", "2401.00001", "--atom", "missing.xml")
    assert r.exit_code == 2
