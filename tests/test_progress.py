"""Stage progress: silent for short runs and off a terminal, a carriage-return line on stderr otherwise."""

import io

from ledger.engine import validate
from ledger.layout import Layout
from ledger.progress import Progress, for_terminal


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_long_run_on_a_terminal_shows_its_stages(ledger_dir):
    out = Terminal()
    progress = Progress(out, delay=0)
    validate(Layout.find(root="."), progress)
    progress.done()
    text = out.getvalue()
    assert "reading claims.csv" in text and "check 1/" in text and "schema" in text
    assert "\n" not in text and text.endswith("\r\x1b[2K")  # one line, rewritten, cleared at the end


def test_a_short_run_shows_nothing(ledger_dir):
    out = Terminal()
    progress = Progress(out)  # the default delay: the base ledger validates well within it
    progress("a stage")
    progress.done()
    assert out.getvalue() == ""


def test_machine_formats_and_pipes_get_no_progress(monkeypatch):
    monkeypatch.setattr("sys.stderr", Terminal())
    assert for_terminal("text") is not None
    assert for_terminal("json") is None and for_terminal("github") is None and for_terminal("sarif") is None
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert for_terminal("text") is None
