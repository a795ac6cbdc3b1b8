"""The hostile-input corpus: tests/hostile/<case>/ overlays the base ledger with broken, tricky or malicious
files (ragged CSV, bad encodings, Trojan-Source characters, homoglyphs, spreadsheet formulas, absurd numbers)
and lists in expected.csv exactly the findings (file, line, code, column) `validate` must produce.

Every case runs through the CLI (`ledger validate --format json`: one run gives the findings and the exit
code): it must exit 0 (only warnings) or 1 (errors), never with a traceback. Each case's README.md says
what the input is and, where a choice had to be made, what was decided.

The special inputs of `special_inputs.SPECIAL` (FIFOs, device links: a regression would hang this process)
are left to tests/test_reader_inputs.py, which runs them in a subprocess with a timeout.

KNOWN_ISSUES lists the cases whose expected.csv is the behaviour that SHOULD happen but does not yet (the
fix belongs to a file this test does not own); they run as non-strict xfail, so the fix shows up as XPASS
and the entry can then be deleted.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import BASE, TESTS, build_ledger, found_tuples, read_expected
from special_inputs import SPECIAL  # FIFOs, device links...: run in a subprocess by test_reader_inputs.py
from ledger.validators import hygiene  # registers L701–L706 until validators/__init__.py imports it

from ledger import Layout
from ledger.cli import main
from ledger.engine import validate
from ledger.findings import Severity
from ledger.layout import CLAIMS, ENTITIES, PAPERS
from ledger.reader import read_table
from ledger.registry import RULES
from ledger.report import RENDERERS

HOSTILE = TESTS / "hostile"
CASES = sorted(p for p in HOSTILE.iterdir() if p.is_dir())

# case -> what is wrong today and where the fix belongs; such cases run as non-strict xfail
KNOWN_ISSUES: dict[str, str] = {}


def _big_cell(root: Path) -> None:
    """A 1 MiB notes cell: generated here, a fixture that size would trip check-added-large-files."""
    with open(BASE / "claims.csv", newline="", encoding="utf-8") as fh:
        records = list(csv.reader(fh))
    records[1][records[0].index("notes")] = "x" * (1 << 20)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    (root / "claims.csv").write_text(out.getvalue(), encoding="utf-8")


BUILDERS = {"L005-fail-1mb-cell": _big_cell}

# Byte-level fixtures an editor, a pre-commit hook or git's eol conversion could silently "fix": check
# they still hold what they test (tests/hostile/ needs `-text` in .gitattributes and a pre-commit exclude).
RAW = {
    "L004-fail-nul-byte": lambda b: b"\x00" in b,
    "L002-fail-invalid-utf8": lambda b: b"\xe9" in b,
    "L002-fail-utf16-le-with-bom": lambda b: b.startswith(b"\xff\xfe"),
    "L002-fail-utf16-be-with-bom": lambda b: b.startswith(b"\xfe\xff"),
    "L002-fail-utf16-le-without-bom": lambda b: b[1:2] == b"\x00" and b[:1] != b"\x00",
    "L002-fail-utf16-be-without-bom": lambda b: b[:1] == b"\x00" and b[1:2] != b"\x00",
    "L003-fail-utf8-bom": lambda b: b.startswith(b"\xef\xbb\xbf"),
    "L003-fail-bom-only-file": lambda b: b.startswith(b"\xef\xbb\xbf"),
    "L013-fail-crlf": lambda b: b.count(b"\r\n") == b.count(b"\n") > 1,
    "L013-fail-mixed-line-endings": lambda b: b"\r\n" in b and b"\n" in b.replace(b"\r\n", b""),
    "L013-fail-cr-only-line-numbers": lambda b: b"\r" in b and b"\n" not in b,
    "L012-fail-empty-file": lambda b: b == b"",
    "L005-fail-truncated-quoted-last-cell": lambda b: not b.endswith(b"\n") and b.count(b'"') % 2 == 1,
    "L005-fail-doubled-quote-then-text": lambda b: b'""x' in b,
    "L013-fail-cr-only-with-cr-in-quoted-cell": lambda b: b'"first\rsecond"' in b and b"\n" not in b,
    "L702-fail-lone-cr-before-formula": lambda b: b"ok\r=1+1" in b,
}


def _validate_cli(case: Path, tmp_path: Path, monkeypatch, fmt: str = "json"):
    root = build_ledger(tmp_path / "ledger", case)
    if case.name in BUILDERS:
        BUILDERS[case.name](root)
    monkeypatch.chdir(root)
    return CliRunner().invoke(main, ["validate", "--format", fmt])


def _params():
    for case in CASES:
        if case.name in SPECIAL:
            continue
        marks = [pytest.mark.xfail(reason=KNOWN_ISSUES[case.name], strict=False)] if case.name in KNOWN_ISSUES else []
        yield pytest.param(case, id=case.name, marks=marks)


def test_corpus_is_big_enough():
    assert len(CASES) >= 40
    assert set(KNOWN_ISSUES) <= {c.name for c in CASES}
    assert set(RAW) <= {c.name for c in CASES} and set(BUILDERS) | set(SPECIAL) <= {c.name for c in CASES}
    for case in CASES:
        assert (case / "expected.csv").is_file() and (case / "README.md").is_file(), case.name


@pytest.mark.parametrize("case", list(_params()))
def test_hostile_case(case, tmp_path, monkeypatch):
    if case.name in RAW:
        assert RAW[case.name]((case / "claims.csv").read_bytes()), f"{case.name}/claims.csv was rewritten"
    cli = _validate_cli(case, tmp_path, monkeypatch)
    assert cli.exception is None or isinstance(cli.exception, SystemExit), cli.exception
    assert "Traceback" not in cli.output
    findings = [SimpleNamespace(**f) for f in json.loads(cli.stdout)["findings"]]
    assert found_tuples(findings) == read_expected(case)
    errors = any(RULES[code].severity is Severity.ERROR for _, _, code, _ in read_expected(case))
    assert cli.exit_code == (1 if errors else 0)


# Every hygiene rule's rejecting and accepting case: test_cases.test_every_rule_has_a_rejecting_and_an_accepting_case,
# which reads this corpus too.


# Text that must load as exactly that text: nothing guessed into NaN, a float, or a trimmed string.
VERBATIM = [
    ("L101-pass-na-none-null-nan-are-text", CLAIMS, "fastnet-latency-vs-slownet", "notes", "NA"),
    ("L101-pass-na-none-null-nan-are-text", CLAIMS, "fastnet-accuracy", "notes", "N/A"),
    ("L101-pass-na-none-null-nan-are-text", CLAIMS, "fastnet-tokens", "context", "null"),
    ("L101-pass-na-none-null-nan-are-text", CLAIMS, "slownet-params", "notes", "None"),
    ("L101-pass-na-none-null-nan-are-text", CLAIMS, "slownet-params", "context", "nan"),
    ("L101-pass-na-none-null-nan-are-text", ENTITIES, "nan", "aliases", "NaN"),
    ("L101-pass-na-none-null-nan-are-text", ENTITIES, "None", "aliases", "null|NULL"),
    ("L101-pass-na-none-null-nan-are-text", PAPERS, "2401.00002", "title", "None"),
    ("L104-pass-arxiv-ids-with-trailing-zeros", PAPERS, "2401.10020", "paper_id", "2401.10020"),
    ("L104-pass-arxiv-ids-with-trailing-zeros", PAPERS, "2410.16450", "paper_id", "2410.16450"),
    ("L104-pass-arxiv-ids-with-trailing-zeros", CLAIMS, "slownet-params", "paper_id", "2410.16450"),
    ("L005-pass-stray-quote-inside-bare-cell", CLAIMS, "fastnet-latency-vs-slownet", "notes", '% read as "relative" 2"'),
    ("L705-pass-inner-whitespace", CLAIMS, "fastnet-accuracy-vs-slownet", "notes", "tab\tinside"),
]


@pytest.mark.parametrize("case, spec, key, column, text", VERBATIM, ids=[f"{v[0]}:{v[2]}.{v[3]}" for v in VERBATIM])
def test_cell_loads_verbatim(case, spec, key, column, text, tmp_path):
    root = build_ledger(tmp_path / "ledger", HOSTILE / case)
    table, _ = read_table(root / spec.relpath, spec)
    cell = table.frame.loc[table.frame[spec.key] == key, column]
    assert cell.tolist() == [text]
    assert isinstance(cell.iat[0], str)


# Reports must not carry the characters they warn about: a bidi override echoed raw into a terminal or a
# GitHub annotation reorders the report itself.
_RAW_CONTROL = re.compile(f"[{hygiene.INVISIBLE}\x00-\x08\x0b-\x1f\x7f-\x9f]")


ECHO_CASES = ["L701-fail-zero-width-in-claim-id", "L701-fail-bidi-override-in-quote-and-abstract",
              "L701-fail-bidi-isolate-in-entity-and-subject", "L702-fail-control-characters"]
@pytest.mark.parametrize("case", ECHO_CASES)
def test_reports_do_not_echo_invisible_characters(case, tmp_path, monkeypatch):
    root = build_ledger(tmp_path / "ledger", HOSTILE / case)
    monkeypatch.chdir(root)
    result = validate(Layout.find(root=Path(".")))
    for fmt in ("text", "github", "markdown"):
        out = RENDERERS[fmt](result.findings, result.summary())
        assert not [m.group() for m in _RAW_CONTROL.finditer(out)], fmt


# The hygiene checks themselves, on a ledger built in memory.


def _ledger_with(column: str, cells: list[str]):
    from ledger.model import Ledger
    from ledger.reader import Table

    rows = [{c: "" for c in CLAIMS.columns} | {"claim_id": f"c{i}", column: v} for i, v in enumerate(cells)]
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(CLAIMS.columns), dtype="str")
    ledger = Ledger(Layout({}))
    ledger.tables["claims"] = Table(CLAIMS, "claims.csv", frame, list(range(2, len(cells) + 2)))
    return ledger


def test_hygiene_lists_at_most_max_repeats_then_counts():
    ledger = _ledger_with("notes", ["trailing "] * (hygiene.MAX_REPEATS + 5))
    hits = list(hygiene.edge_whitespace(ledger))
    assert len(hits) == hygiene.MAX_REPEATS + 1
    assert hits[-1].row is None and "5 more" in hits[-1].message


@pytest.mark.parametrize("text, codes", [
    ("fastnet\u202e", {"L701"}), ("a\u2066b\u2069", {"L701"}), ("x\u200dy", {"L701"}), ("\u00adsoft", set()),
    ("a\x1bb", {"L702"}), ("a\nb", set()), ("a\r\nb", set()), ("a\u2028b", set()), ("a\rb", {"L702"}), ("a\r", {"L702", "L705"}),
    ("a\tb", set()), ("a\x85b", {"L702"}), ("a\x7f", {"L702"}),
    (" a", {"L705"}), ("a\u00a0", {"L705"}), ("a  b", set()), ("\ta", {"L706"}), ("\ra", {"L702", "L706"}),
    ("=1+1", {"L706"}), ("+cmd", {"L706"}), ("@SUM(A1)", {"L706"}), ("-x", {"L706"}), ("-23", set()), ("+1.5e3", set()),
    ("a=b", set()),
])
def test_hygiene_codes_for_a_notes_cell(text, codes):
    assert _codes(_ledger_with("notes", [text])) == codes


def _codes(ledger) -> set[str]:
    return {f.rule.code for f in (hygiene.invisible_character, hygiene.control_character, hygiene.edge_whitespace,
                                  hygiene.formula_injection) for _ in f(ledger)}


@pytest.mark.parametrize("text", ["Fast\nNet", "Fast\r\nNet", "Fast\u2028Net"])
def test_a_line_break_is_content_in_prose_only(text):
    assert _codes(_ledger_with("subject", [text])) == {"L702"}
    assert _codes(_ledger_with("quote", [text])) == set()


def test_the_typed_value_column_is_left_to_the_schema():
    assert _codes(_ledger_with("value", [" =1\u202e\x1b "])) == set()


@pytest.mark.parametrize("name, homoglyph", [
    ("FastNet", False), ("F\u0430stNet", True), ("\u0412\u0415\u0420\u0422", True), ("\u0421\u0431\u0435\u0440", False),
    ("\u03b2-VAE", False), ("\u03bcP", False), ("\u00b5P", True), ("\u03bd-SVM", False), ("sl\u03bfwnet", True),
    ("\uff26astNet", True), ("\U0001d405astNet", True), ("GPT-4\u043e", True), ("\u901a\u4e49\u5343\u95ee", False),
    # from Unicode's confusables: Armenian vo, Cherokee GO, Cyrillic small em, small capital A
    ("Tra\u0578sformer", True), ("\u13aalexNet", True), ("LLa\u043cA", True), ("F\u1d00stNet", True),
    ("Caf\u00e9", False), ("M\u00fcller", False), ("Stra\u00dfe", False), ("S\u00f8ren", False), ("\u0141\u00f3d\u017a", False),
    ("\u03bb-return", False), ("\u0394-Net", False), ("\u043a\u043e\u0442", False),
])
def test_homoglyph_identifier(name, homoglyph):
    ledger = _ledger_with("subject", [name])
    assert bool(list(hygiene.homoglyph_identifier(ledger))) is homoglyph


def test_lookalikes_come_from_unicode_confusables_closed_under_case():
    latin = hygiene.lookalikes().latin
    # paired with an ASCII letter; a small letter whose capital is (м: М); a caseless one paired with such (ᴀ: ꭺ, Ꭺ)
    assert {ch: latin.get(ch) for ch in "\u0578\u13aa\u0430\u043c\u1d00"} == {
        "\u0578": "n", "\u13aa": "A", "\u0430": "a", "\u043c": "m", "\u1d00": "A"}
    assert latin["\u0406"] == "I"  # Cyrillic І: Unicode pairs it with l, but it is the capital of і (i)
    assert not set("é\u00fc\u00df\u00f8\u0142\u03b1\u03bc\u03bd\u0393\u03a3Ａ") & set(latin)  # accents, ß ø ł, Greek names, NFKC


@pytest.mark.parametrize("variant", ["F\u1d00stNet", "Fast\u0578et", "\u13aaastNet", "\u0406nception"])
def test_unicode_lookalikes_fold_into_the_latin_spelling(variant):
    latin = {"F\u1d00stNet": "FastNet", "Fast\u0578et": "Fastnet", "\u13aaastNet": "AastNet", "\u0406nception": "Inception"}
    assert hygiene.fold(pd.Series([variant, latin[variant]], dtype="str")).nunique() == 1


def test_identifier_collision_reports_the_later_spelling_only():
    ledger = _ledger_with("claim_id", ["fastnet", "FastNet", "fastnet", "fastn\u0435t", "other"])
    hits = list(hygiene.identifier_collision(ledger))
    assert sorted(h.row for h in hits) == [1, 3]  # row 2 is an exact duplicate: L105's, not a collision


def test_the_suspect_scan_is_its_written_definition():
    """hygiene._suspect reads bytes off the Arrow buffers; it must pick exactly the cells that are not ASCII or
    match _SUSPECT_ASCII_RE (what its checks rely on), in plain, sliced and chunked arrays."""
    import re

    import pyarrow as pa

    from ledger.validators.hygiene import _SUSPECT_ASCII_RE, _suspect

    cells = ["", "plain", " lead", "trail ", "=SUM(A1)", "+1", "-x", "@me", "a\tb", "line\nbreak", "cr\r", "\x7f",
             "é", "caf\u00e9", "zero\u200bwidth", "x", "=", " ", "ok-ok", "a@b", "end=", "\x1f"]
    want = [not c.isascii() or re.search(_SUSPECT_ASCII_RE, c) is not None for c in cells]
    arr = pa.array(cells, pa.string())
    assert _suspect(arr).tolist() == want
    assert _suspect(arr.slice(3, 10)).tolist() == want[3:13]
    assert _suspect(pa.chunked_array([arr.slice(0, 7), arr.slice(7)])).tolist() == want
