"""`ledger fmt`: the canonical form, and the promises around it (never changes a value, idempotent,
refuses what does not load cleanly, atomic). Also the pre-commit hook files that run it."""

from __future__ import annotations

import csv
import io
import os
import shlex
import stat
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from ledger import atomic, fmt
from ledger.fmt import FormatResult, canonical_text, exit_code, format_paths, format_table, quote_cell, render_results
from ledger.layout import CLAIMS, PAPERS, SPECS, WAIVERS
from ledger.reader import read_table

HEADER = ",".join(CLAIMS.columns)


def cells_by_key(path: Path, spec=CLAIMS) -> dict[str, dict[str, str]]:
    table, _ = read_table(path, spec)
    return {r[spec.key]: r for r in table.frame.to_dict("records")}


def claim(cid: str, value: str = "1", quote: str = "q", notes: str = "") -> list[str]:
    cells = {"claim_id": cid, "paper_id": "2401.00001", "subject": "FastNet", "metric": "accuracy", "value": value,
             "unit": "percent", "qualifier": "exact", "reading": "explicit", "quote": quote, "status": "draft", "notes": notes}
    return [cells.get(c, "") for c in CLAIMS.columns]


def write_records(path: Path, header, records, *, quoting=csv.QUOTE_MINIMAL, terminator="\n", bom=False) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=quoting, lineterminator=terminator)
    w.writerow(header)
    w.writerows(records)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    return path


# The canonical form


def test_messy_file_becomes_canonical(tmp_path):
    """Column order, key order, minimal quoting, LF, no BOM, blank record dropped, values untouched."""
    cols = list(CLAIMS.columns)
    shuffled = cols[::-1]
    rows = [claim("b-claim", "52.30", 'says "52.30%", twice'), claim("a-claim", "7e9", "with 7B\nparameters")]
    path = write_records(tmp_path / "claims.csv", shuffled, [[dict(zip(cols, r))[c] for c in shuffled] for r in rows],
                         quoting=csv.QUOTE_ALL, terminator="\r\n", bom=True)
    path.write_bytes(path.read_bytes() + b"\r\n")  # a blank record at the end

    result = format_table(path, CLAIMS)

    assert result.changed and result.written and not result.refused
    assert {f.code for f in result.fixed} == {"L003", "L010", "L013"}
    assert path.read_bytes().decode("utf-8") == (
        HEADER + "\n"
        + 'a-claim,2401.00001,,FastNet,accuracy,7e9,percent,,,,exact,explicit,,,"with 7B\nparameters",draft,\n'
        + 'b-claim,2401.00001,,FastNet,accuracy,52.30,percent,,,,exact,explicit,,,"says ""52.30%"", twice",draft,\n'
    )


def test_second_run_changes_nothing(tmp_path):
    path = write_records(tmp_path / "claims.csv", CLAIMS.columns, [claim("b"), claim("a")])
    assert format_table(path, CLAIMS).changed
    before = path.read_bytes()
    again = format_table(path, CLAIMS)
    assert again == FormatResult(path, changed=False)
    assert path.read_bytes() == before


def test_white_space_is_kept(tmp_path):
    """fmt is not a curator: leading and trailing spaces stay; validate is where they get a finding."""
    path = write_records(tmp_path / "claims.csv", CLAIMS.columns, [claim("b", " 1", "q  ", notes="\ttab")],
                         terminator="\r\n")
    format_table(path, CLAIMS)
    assert cells_by_key(path)["b"]["value"] == " 1"
    assert cells_by_key(path)["b"]["quote"] == "q  "
    assert cells_by_key(path)["b"]["notes"] == "\ttab"


def test_precision_is_kept(tmp_path):
    path = write_records(tmp_path / "claims.csv", CLAIMS.columns, [claim("b", "52.30"), claim("a", "1.0e3")])
    format_table(path, CLAIMS)
    assert [r["value"] for r in cells_by_key(path).values()] == ["1.0e3", "52.30"]


def test_a_lone_carriage_return_in_a_cell_is_quoted(tmp_path):
    """Python's QUOTE_MINIMAL with an LF terminator leaves `a\\rb` bare, which splits the cell on reading."""
    assert quote_cell("a\rb") == '"a\rb"'
    path = write_records(tmp_path / "claims.csv", CLAIMS.columns, [claim("b", notes="a\rb"), claim("a")],
                         quoting=csv.QUOTE_ALL)
    assert format_table(path, CLAIMS).written
    assert b'"a\rb"' in path.read_bytes()
    assert cells_by_key(path)["b"]["notes"] == "a\rb"


def test_ties_keep_their_order(tmp_path):
    """Waivers are sorted by claim_id; two waivers of one claim stay in the order they were written."""
    path = write_records(tmp_path / "waivers.csv", WAIVERS.columns,
                         [["L402", "z", "r1", ""], ["L501", "m", "r2", ""], ["L201", "m", "r3", ""]])
    format_table(path, WAIVERS)
    assert path.read_text().splitlines()[1:] == ["L501,m,r2,", "L201,m,r3,", "L402,z,r1,"]


def test_check_changes_nothing_and_says_what_would_change(tmp_path):
    path = write_records(tmp_path / "claims.csv", CLAIMS.columns, [claim("b"), claim("a")])
    before = path.read_bytes()
    [result] = format_paths([path], check=True)
    assert result.changed and not result.written
    assert path.read_bytes() == before
    assert exit_code([result], check=True) == 1
    assert render_results([result], check=True) == (
        f"would reformat {path}\n1 file would be reformatted, 0 already canonical\n")


# Refusals: nothing may be lost


@pytest.mark.parametrize("content, code", [
    (HEADER + ",extra\n" + ",".join(claim("a")) + ",kept?\n", "L008"),  # an unknown column would be dropped
    (HEADER + "\n" + ",".join(claim("b")) + "\n" + "a,only,three\n", "L006"),  # a ragged record would be dropped
    (HEADER + "\n" + ",".join(claim("b")) + '\n"a,unterminated\n', "L005"),  # the rest of the file would be lost
    (HEADER + "\n<<<<<<< HEAD\n" + ",".join(claim("b")) + "\n=======\n>>>>>>> x\n", "L011"),
    (",".join(c for c in CLAIMS.columns if c != "notes") + "\n" + ",".join(claim("a")[:-1]) + "\n", "L007"),
], ids=["unknown-column", "ragged-record", "unterminated-quote", "conflict-marker", "missing-column"])
def test_refuses_a_file_that_does_not_load_cleanly(tmp_path, content, code):
    path = tmp_path / "claims.csv"
    path.write_text(content, encoding="utf-8", newline="")
    before = path.read_bytes()
    result = format_table(path, CLAIMS)
    assert result.refused and not result.written
    assert code in {f.code for f in result.findings}
    assert path.read_bytes() == before
    assert exit_code([result]) == 1
    assert "not formatted" in render_results([result])


def test_refuses_invalid_utf8(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_bytes(HEADER.encode() + b"\n" + ",".join(claim("a")).encode() + b"\xff\n")
    result = format_table(path, CLAIMS)
    assert [f.code for f in result.findings] == ["L002"]
    assert path.read_bytes().endswith(b"\xff\n")


def test_a_missing_file_is_reported_not_created(tmp_path):
    result = format_table(tmp_path / "waivers.csv", WAIVERS)
    assert [f.code for f in result.findings] == ["L001"]
    assert not (tmp_path / "waivers.csv").exists()


def test_a_file_that_is_no_table_is_a_usage_error(tmp_path):
    (tmp_path / "notes.csv").write_text("a\n")
    with pytest.raises(ValueError, match="not a ledger table"):
        format_paths([tmp_path / "notes.csv"])


# Atomic writes


def _messy(tmp_path) -> tuple[Path, bytes]:
    path = write_records(tmp_path / "claims.csv", CLAIMS.columns, [claim("b"), claim("a")], terminator="\r\n")
    return path, path.read_bytes()


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_an_interrupted_write_leaves_the_old_file_whole(tmp_path, monkeypatch, where):
    path, before = _messy(tmp_path)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, where, boom)
    with pytest.raises(atomic.OutputError, match="disk full"):
        format_table(path, CLAIMS)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.csv"]  # no temporary file left behind


def test_an_interrupted_write_midway_leaves_the_old_file_whole(tmp_path, monkeypatch):
    """The writer dies after some bytes: the temporary file is half written, the real one untouched."""
    path, before = _messy(tmp_path)
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, fh):
            self.fh = fh

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    with pytest.raises(KeyboardInterrupt):
        format_table(path, CLAIMS)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.csv"]


def test_permissions_are_kept(tmp_path):
    path, _ = _messy(tmp_path)
    path.chmod(0o640)
    format_table(path, CLAIMS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_symlink_is_replaced_not_written_through(tmp_path):
    """A committed symlink must not let a write land elsewhere: the link itself is replaced."""
    (tmp_path / "data").mkdir()
    real, before = _messy(tmp_path / "data")  # inside the ledger folder of the link: a link out of it is refused
    link = tmp_path / "claims.csv"
    link.symlink_to(real)
    format_table(link, CLAIMS)
    assert not link.is_symlink() and link.read_text().splitlines()[1].startswith("a,")
    assert real.read_bytes() == before


def test_a_symlink_out_of_the_ledger_folder_is_refused(tmp_path):
    real, before = _messy(tmp_path)
    (tmp_path / "link").mkdir()
    link = tmp_path / "link" / "claims.csv"
    link.symlink_to(real)
    result = format_table(link, CLAIMS)
    assert result.refused and [f.code for f in result.findings] == ["L001"]
    assert link.is_symlink() and real.read_bytes() == before


# Whole ledgers


def test_default_paths_are_the_ledger_tables_in_the_current_folder(ledger_dir):
    results = format_paths(None, check=True)
    assert [r.path for r in results] == [Path(s.relpath) for s in SPECS if (ledger_dir / s.relpath).exists()]
    assert not any(r.changed or r.refused for r in results)  # the base fixture is canonical


def test_only_the_file_out_of_order_is_rewritten(ledger_dir):
    lines = (ledger_dir / "claims.csv").read_text().splitlines(keepends=True)
    (ledger_dir / "claims.csv").write_text(lines[0] + "".join(reversed(lines[1:])))
    results = format_paths()
    assert [str(r.path) for r in results if r.written] == ["claims.csv"]
    assert (ledger_dir / "claims.csv").read_text().splitlines(keepends=True) == lines
    assert render_results(results).splitlines()[-1] == f"1 file reformatted, {len(results) - 1} already canonical"


def test_the_repository_ledger_is_canonical(monkeypatch):
    monkeypatch.chdir(REPO)
    results = format_paths(None, check=True)
    assert results, "no ledger table found at the repository root"
    assert [str(r.path) for r in results if r.changed or r.refused] == []


# Properties

CELL = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=8)
KEY = st.text("abc-xyz019", min_size=1, max_size=6)
ROWS = st.lists(st.tuples(KEY, st.lists(CELL, min_size=len(PAPERS.columns) - 1, max_size=len(PAPERS.columns) - 1)),
                max_size=8, unique_by=lambda r: r[0])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, crlf=st.booleans(), bom=st.booleans(), quote_all=st.booleans(), order=st.randoms())
def test_format_never_changes_a_value_and_is_idempotent(tmp_path, rows, crlf, bom, quote_all, order):
    records = [[k, *cells] for k, cells in rows]
    order.shuffle(records)
    columns = list(PAPERS.columns)
    perm = columns[:]
    order.shuffle(perm)
    quote_all = quote_all or any("\r" in c for r in records for c in r)  # Python leaves a lone CR bare
    path = write_records(tmp_path / "papers.csv", perm, [[dict(zip(columns, r))[c] for c in perm] for r in records],
                         quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
                         terminator="\r\n" if crlf else "\n", bom=bom)
    before, _ = read_table(path, PAPERS)
    original = path.read_bytes()
    result = format_table(path, PAPERS)
    if result.refused:
        # The one refusal valid CSV can meet: a quoted cell holding a line that looks like a merge-conflict
        # marker (`\n=======`), which load.py reports as L011. fmt then leaves the file alone.
        assert {f.code for f in result.findings} == {"L011"}
        assert path.read_bytes() == original
        return
    after, findings = read_table(path, PAPERS)
    assert not [f for f in findings if f.severity.value == "error"]
    old = {r["paper_id"]: r for r in before.frame.to_dict("records")}
    new = {r["paper_id"]: r for r in after.frame.to_dict("records")}
    assert new == old  # every cell equals the input cell of the same key and column
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\n")
    assert list(after.frame["paper_id"]) == sorted(after.frame["paper_id"])
    assert format_table(path, PAPERS).changed is False
    assert path.read_bytes() == data


@given(st.lists(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r"), max_size=6),
                min_size=2, max_size=5))
def test_quoting_is_pythons_quote_minimal_without_a_lone_cr(cells):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    assert fmt.render_record(cells) == buf.getvalue()


def test_canonical_text_of_an_empty_table_is_its_header(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(HEADER + "\n")
    table, _ = read_table(path, CLAIMS)
    assert canonical_text(table) == HEADER + "\n"


# pre-commit: the hooks other ledgers use, and this repository's own config


def _yaml(name: str):
    return yaml.safe_load((REPO / name).read_text(encoding="utf-8"))


def _cli_commands() -> set[str]:
    from ledger.cli import main

    return set(main.commands)


@pytest.mark.parametrize("hook_id, command", [("ledger-fmt", ["fmt"]), ("ledger-validate", ["validate", "--strict"])])
def test_published_hooks_run_ledger_commands(hook_id, command):
    hooks = {h["id"]: h for h in _yaml(".pre-commit-hooks.yaml")}
    hook = hooks[hook_id]
    assert shlex.split(hook["entry"]) == ["ledger", *command]  # validate --strict: a warning fails the commit too
    assert hook["language"] == "python"  # pre-commit installs this package into the hook's venv
    if hook_id == "ledger-validate":
        assert hook["pass_filenames"] is False


@pytest.mark.xfail("fmt" not in _cli_commands(), reason="`ledger fmt` is not wired into cli.py yet", strict=True)
@pytest.mark.parametrize("name", [".pre-commit-hooks.yaml", ".pre-commit-config.yaml"])
def test_hook_entries_name_real_cli_commands(name):
    data = _yaml(name)
    hooks = data if isinstance(data, list) else [h for r in data["repos"] if r["repo"] == "local" for h in r["hooks"]]
    entries = [shlex.split(h["entry"]) for h in hooks if h["entry"].startswith("ledger")]
    assert len(entries) == 2
    assert {e[1] for e in entries} <= _cli_commands()


def test_the_files_pattern_matches_every_table_and_nothing_else():
    import re

    hooks = {h["id"]: h for h in _yaml(".pre-commit-hooks.yaml")}
    pattern = re.compile(hooks["ledger-fmt"]["files"])
    for spec in SPECS:
        assert pattern.search(spec.relpath), spec.relpath
        assert pattern.search("sub/ledger/" + spec.relpath), spec.relpath
    for other in ("tests/cases/base/expected.csv", "myclaims.csv", "claims.csv.bak", "vocab/other.csv",
                  "docs/checks.md"):
        assert not pattern.search(other), other


def test_own_config_uses_the_local_hooks_and_the_standard_ones():
    import re

    config = _yaml(".pre-commit-config.yaml")
    hooks = {h["id"]: (repo["repo"], h) for repo in config["repos"] for h in repo["hooks"]}
    assert hooks["ledger-fmt"][0] == hooks["ledger-validate"][0] == "local"
    assert hooks["ledger-validate"][1]["pass_filenames"] is False
    assert {"end-of-file-fixer", "mixed-line-ending", "check-added-large-files", "nbstripout", "jupytext"} <= set(hooks)
    assert "--fix=lf" in hooks["mixed-line-ending"][1]["args"]
    assert "--sync" in hooks["jupytext"][1]["args"]
    assert [repo["repo"] for repo in config["repos"]] == ["local"] * len(config["repos"])  # nothing is cloned
    for _, hook in hooks.values():
        assert hook["language"] in ("python", "unsupported"), hook["id"]
        if hook["language"] == "python":  # the tool comes from the package index, at a pinned version
            deps = hook.get("additional_dependencies", [])
            assert deps and all(re.fullmatch(r"[a-z0-9-]+==[0-9][0-9.]*", d) for d in deps), hook["id"]
    # the fixture corpus keeps its deliberately broken files: no fixer may touch it
    fixture = "tests/cases/L013-fail-crlf/claims.csv"
    for hook_id in ("ledger-fmt", "end-of-file-fixer", "mixed-line-ending"):
        repo, hook = hooks[hook_id]
        never = r"(?!x)x"
        excluded = re.search(hook.get("exclude", never), fixture) or re.search(config.get("exclude", never), fixture)
        included = re.search(hook.get("files", ""), fixture)
        assert excluded or not included, hook_id
