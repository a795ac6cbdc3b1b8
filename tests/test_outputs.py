"""Everything the tool writes: a write that cannot happen is one error line naming the path (exit 2), never a
traceback or a half file; a symlink is replaced, not written through; a killed write leaves nothing the next
run does not clean up; and every ledger `validate` can load can be reported, exported and summarised."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import TESTS, build_ledger
from ledger import Layout, atomic
from ledger.atomic import OutputError, append_text, write_atomic
from ledger.cli import main
from ledger.engine import validate
from ledger.export import render, table
from ledger.report import render_markdown
from ledger.text import is_formula_like

HOSTILE = sorted(p for p in (TESTS / "hostile").iterdir() if p.is_dir())
TIMEOUT = 180  # a hang fails the test instead of the suite; generous, the machine is shared


# --------------------------------------------------------------- every output path through the CLI

# Code run before the CLI in the subprocess, to make a write fail as a full disk or a read-only folder
# would (the tests run as root in CI containers, where chmod cannot make a folder read-only).
INJECT = {
    "": "",
    "enospc": "import errno, ledger.atomic as a\n"
              "def full(fh, data): raise OSError(errno.ENOSPC, 'No space left on device')\n"
              "a._write_all = full\n",
    "eacces": "import errno, tempfile\n"
              "def ro(*a, **k): raise PermissionError(errno.EACCES, 'Permission denied')\n"
              "tempfile.mkstemp = ro\n",
}


def _messy_claims(root: Path) -> None:
    """claims.csv with CRLF line ends, so that fmt has something to write."""
    p = root / "claims.csv"
    p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))


def _diff_pair(root: Path) -> None:
    build_ledger(root / "base")
    build_ledger(root / "head")


# id -> (args, env (PATH is the output path), inject, setup, path the error must name)
OUTPUT_CASES = {
    "report-out-through-a-file": (["report", "--out", "afile/r.html"], {}, "", None, "afile"),
    "report-out-is-a-folder": (["report", "--out", "adir"], {}, "", None, "adir"),
    "report-disk-full": (["report", "--out", "build/r.html"], {}, "enospc", None, "build/r.html"),
    "report-charts-through-a-file": (["report", "--out", "r.html", "--charts", "afile/charts"], {}, "", None, "afile"),
    "export-out-through-a-file": (["export", "--out", "afile/x.json"], {}, "", None, "afile"),
    "export-out-is-a-folder": (["export", "--format", "csv", "--out", "adir"], {}, "", None, "adir"),
    "export-disk-full": (["export", "--format", "parquet", "--out", "x.parquet"], {}, "enospc", None, "x.parquet"),
    "export-read-only-folder": (["export", "--out", "x.json"], {}, "eacces", None, "x.json"),
    "export-out-is-a-device": (["export", "--out", "/dev/null"], {}, "", None, "/dev/null"),
    "fmt-disk-full": (["fmt", "claims.csv"], {}, "enospc", _messy_claims, "claims.csv"),
    "fmt-read-only-folder": (["fmt"], {}, "eacces", _messy_claims, "claims.csv"),
    "validate-summary-disk-full": (["validate", "--format", "github"], {"GITHUB_STEP_SUMMARY": "/dev/full"}, "", None, "/dev/full"),
    "validate-summary-is-a-folder": (["validate", "--format", "github"], {"GITHUB_STEP_SUMMARY": "adir"}, "", None, "adir"),
    "validate-summary-through-a-file": (["validate", "--format", "github"], {"GITHUB_STEP_SUMMARY": "afile/s.md"}, "", None, "afile/s.md"),
    "diff-summary-disk-full": (["diff", "base", "head"], {"GITHUB_STEP_SUMMARY": "/dev/full"}, "", _diff_pair, "/dev/full"),
    "diff-summary-through-a-file": (["diff", "base", "head"], {"GITHUB_STEP_SUMMARY": "afile/s.md"}, "", _diff_pair, "afile/s.md"),
}


def _run_cli(root: Path, args: list[str], env: dict[str, str], inject: str = "") -> subprocess.CompletedProcess:
    code = INJECT[inject] + "from ledger.cli import main\nmain()\n"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")} | {"GITHUB_ACTIONS": "true"} | env
    return subprocess.run([sys.executable, "-c", code, *args], cwd=root, env=full_env, capture_output=True, text=True,
                          timeout=TIMEOUT)


@pytest.mark.parametrize("case", list(OUTPUT_CASES))
def test_an_output_that_cannot_be_written_is_one_error_line_and_exit_2(case, tmp_path):
    args, env, inject, setup, named = OUTPUT_CASES[case]
    root = build_ledger(tmp_path / "ledger")
    (root / "afile").write_text("in the way\n")
    (root / "adir").mkdir()
    if setup:
        setup(root)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    r = _run_cli(root, args, env, inject)
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ledger ") and named in lines[0], r.stderr
    # atomic: every file is as it was, and no temporary file is left beside it
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert {p: b for p, b in after.items() if p in before} == before
    assert not [p for p in after if p.name.endswith(atomic.TMP_SUFFIX)]
    assert not [p for p in after if p not in before and p.suffix in (".html", ".json", ".parquet", ".csv", ".md")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; covered by the eacces cases")
def test_a_real_read_only_folder(tmp_path):
    root = build_ledger(tmp_path / "ledger")
    (root / "ro").mkdir()
    (root / "ro").chmod(0o555)
    try:
        r = _run_cli(root, ["export", "--out", "ro/x.json"], {})
    finally:
        (root / "ro").chmod(0o755)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "ro/x.json" in r.stderr, r.stderr


def test_a_full_disk_in_process_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "out.json"
    path.write_bytes(b"old")

    def full(fh, data):
        fh.write(data[:1])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_write_all", full)
    with pytest.raises(OutputError, match=r"cannot write .*out\.json: No space left on device \(ENOSPC\)"):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_failed_append_is_cut_back(tmp_path, monkeypatch):
    path = tmp_path / "summary.md"
    path.write_text("earlier step\n")
    real_write = os.write

    def half(fd, data):
        real_write(fd, data[:3])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "write", half)
    with pytest.raises(OutputError, match="summary.md"):
        append_text(path, "this step\n")
    monkeypatch.undo()
    assert path.read_text() == "earlier step\n"
    append_text(path, "this step\n")
    assert path.read_text() == "earlier step\nthis step\n"


def test_a_fifo_summary_without_a_reader_does_not_hang(tmp_path):
    fifo = tmp_path / "summary"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="summary"):
        append_text(fifo, "x")


# --------------------------------------------------------------- symlinks

def test_a_symlinked_output_is_replaced_not_written_through(tmp_path, monkeypatch):
    """A pull request can commit build/report.html -> ~/.bashrc; the write replaces the link itself."""
    root = build_ledger(tmp_path / "ledger")
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    (root / "build").mkdir()
    (root / "build" / "x.json").symlink_to(outside)
    monkeypatch.chdir(root)
    r = CliRunner().invoke(main, ["export", "--out", "build/x.json"])
    assert r.exit_code == 0, r.output
    assert outside.read_text() == "precious\n"
    link = root / "build" / "x.json"
    assert not link.is_symlink() and link.read_text().startswith("[")  # the JSON export is an array


def test_a_dangling_symlink_is_replaced_and_nothing_is_created_at_its_target(tmp_path):
    link = tmp_path / "out.html"
    link.symlink_to(tmp_path / "elsewhere" / "made.html")
    write_atomic(link, b"page")
    assert not link.is_symlink() and link.read_bytes() == b"page" and not (tmp_path / "elsewhere").exists()


def test_permissions_of_a_replaced_symlink_are_those_of_a_new_file(tmp_path):
    target = tmp_path / "t"
    target.write_text("x")
    target.chmod(0o600)
    (tmp_path / "l").symlink_to(target)
    write_atomic(tmp_path / "l", b"y")
    assert (tmp_path / "l").stat().st_mode & 0o777 == 0o666 & ~_umask()
    assert target.stat().st_mode & 0o777 == 0o600


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --------------------------------------------------------------- killed writes

def _temps(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(atomic.TMP_SUFFIX))


def test_a_sigkill_mid_write_leaves_a_temp_file_the_next_run_removes(tmp_path):
    root = build_ledger(tmp_path / "ledger")
    _messy_claims(root)
    before = (root / "claims.csv").read_bytes()
    ready = tmp_path / "ready"
    slow = textwrap.dedent(f"""
        import time, ledger.atomic as a
        def slow(fh, data):
            fh.write(data[: len(data) // 2]); fh.flush()
            open({str(ready)!r}, "w").close()
            time.sleep(600)
        a._write_all = slow
        from ledger.cli import main
        main()
    """)
    proc = subprocess.Popen([sys.executable, "-c", slow, "fmt", "claims.csv"], cwd=root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(TIMEOUT * 10):
            if ready.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert ready.exists(), "the writer never reached the write"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (root / "claims.csv").read_bytes() == before  # the file itself is whole
    [left] = _temps(root)
    assert left.name.startswith(".claims.csv.")
    r = subprocess.run([sys.executable, "-m", "ledger.cli", "fmt", "claims.csv"], cwd=root, capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert _temps(root) == []
    assert b"\r" not in (root / "claims.csv").read_bytes()


def _plant(folder: Path, target: str, age: float) -> Path:
    p = folder / f".{target}.abc123{atomic.TMP_SUFFIX}"
    p.write_bytes(b"half a file")
    t = time.time() - age
    os.utime(p, (t, t))
    return p


def test_stale_temp_files_are_removed_live_ones_kept(tmp_path):
    import fcntl

    target = tmp_path / "claims.csv"
    target.write_text("old\n")
    stale = _plant(tmp_path, "claims.csv", age=3600 + time.time() - atomic._STARTED)
    locked = tmp_path / f".claims.csv.locked{atomic.TMP_SUFFIX}"
    locked.write_bytes(b"being written")
    os.utime(locked, (0, 0))
    other = _plant(tmp_path, "papers.csv", age=3600 + time.time() - atomic._STARTED)  # another target's
    fresh = _plant(tmp_path, "claims.csv", age=-60)  # newer than this process: maybe a writer not yet locked
    fresh.rename(tmp_path / f".claims.csv.fresh{atomic.TMP_SUFFIX}")
    fresh = tmp_path / f".claims.csv.fresh{atomic.TMP_SUFFIX}"
    with open(locked, "rb") as holder:  # a live writer holds its temp file's lock
        fcntl.flock(holder, fcntl.LOCK_EX)
        write_atomic(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert not stale.exists() and locked.exists() and other.exists() and fresh.exists()


# --------------------------------------------------------------- every loadable ledger renders

def _hostile_root(case: Path, tmp_path: Path) -> Path:
    from test_hostile import BUILDERS

    root = build_ledger(tmp_path / "ledger", case)
    if case.name in BUILDERS:
        BUILDERS[case.name](root)
    return root


def _loadable(root: Path):
    from ledger.engine import UnreadableFile

    try:
        return validate(Layout.find(root=root))
    except UnreadableFile:
        return None


@pytest.mark.parametrize("case", HOSTILE, ids=[c.name for c in HOSTILE])
def test_every_hostile_ledger_exports_and_summarises(case, tmp_path):
    result = _loadable(_hostile_root(case, tmp_path))
    if result is None:
        pytest.skip("validate cannot load it either (exit 2)")
    md = render_markdown(result.findings, result.summary())
    for line in md.splitlines()[2:]:
        assert "<" not in line.replace("\\<", ""), line  # no raw HTML reaches the page
    frame = table(result.ledger)
    rows = list(csv.reader(io.StringIO(render(frame, "csv").decode("utf-8"), newline="")))
    assert len(rows) == len(frame) + 1 and all(len(r) == len(frame.columns) for r in rows)
    assert not [c for r in rows[1:] for c in r if is_formula_like(c)]
    assert len(json.loads(render(frame, "json"))) == len(frame)
    assert len(render(frame, "ndjson").splitlines()) == len(frame)
    render(frame, "parquet", {})


REPORT_CASES = [TESTS / "hostile" / n for n in ("L105-fail-duplicate-claim-id-and-word-value-report",
                                                "L007-fail-claims-without-claim-id-report")]


@pytest.mark.parametrize("case", REPORT_CASES, ids=[c.name for c in REPORT_CASES])
def test_report_renders_a_ledger_with_findings(case, tmp_path, monkeypatch):
    root = _hostile_root(case, tmp_path)
    monkeypatch.chdir(root)
    r = CliRunner().invoke(main, ["report", "--out", "build/report.html"])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output  # error findings, report written
    page = (root / "build" / "report.html").read_text(encoding="utf-8")
    assert page.count('<tr><td><span class="severity-error">') >= 1


# Malformed tables (load, schema and value findings) are what the report's frames trip on; rendering the
# charts of every hostile case would take minutes, so the text-only cases (L3xx-L7xx) are left out.
MALFORMED = [c for c in HOSTILE if c.name[:2] in ("L0", "L1", "L2")]


def test_report_page_of_every_malformed_hostile_ledger(tmp_path):
    """The charts and the page (without the SVG rendering, the slow part) for every such case validate can load."""
    from ledger.html_report import build_charts, render_page

    failed = []
    for case in MALFORMED:
        result = _loadable(_hostile_root(case, tmp_path / case.name))
        if result is None:
            continue
        try:
            build_charts(result)
            render_page(result, {})
        except Exception as e:  # noqa: BLE001 - collect every case that fails, with its error
            failed.append(f"{case.name}: {type(e).__name__}: {e}")
    assert not failed, "\n".join(failed)


def test_markdown_report_escapes_html_and_keeps_invisible_marks(tmp_path):
    from ledger.findings import Finding, Severity

    f = Finding("L705", "edge-whitespace", Severity.WARNING, "claims.csv", 5, "notes", "c1",
                "notes ends with '<details><b>x</b> a|b &amp; \u202e'")
    md = render_markdown([f], {"claims": 1, "papers": 1, "error": 0, "warning": 1, "notice": 0})
    row = md.splitlines()[-1]
    assert "\\<details\\>\\<b\\>x\\</b\\>" in row and "a\\|b" in row and "\\&amp;" in row
    assert "\\<U+202E\\>" in row and "\u202e" not in row
    assert row.count(" | ") == 5  # six cells: the | of the message does not make a seventh
