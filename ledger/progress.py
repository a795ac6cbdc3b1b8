"""Stage progress for long runs: on a terminal only, and only once a run has taken more than two seconds.

Written to stderr with a carriage return, so it never mixes with a report on stdout and leaves no trace
in a log; a run that is not on a terminal (CI, a pipe, --format json|github|sarif) shows nothing.
"""

from __future__ import annotations

import sys
import time

DELAY = 2.0  # seconds before the first line: a short run stays silent


class Progress:
    def __init__(self, stream=None, delay: float = DELAY):
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.monotonic()
        self.delay = delay
        self.shown = False

    def __call__(self, stage: str) -> None:
        if time.monotonic() - self.start < self.delay:
            return
        self.stream.write(f"\r\x1b[2Kledger: {stage}…")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def for_terminal(fmt: str) -> Progress | None:
    """A Progress when stderr is a terminal and the output format is meant for a person."""
    if fmt in ("text", "markdown") and sys.stderr.isatty():
        return Progress()
    return None
