""""Did you mean": the allowed words closest to one that is not allowed (stdlib difflib), for messages.

Built once per vocabulary and asked only about the distinct words that failed, so a column of a million
cells with three distinct misspellings costs three look-ups. A look-up compares the word with every word
of the vocabulary (a few microseconds each); in a vocabulary of more than WHOLE_UP_TO words only with the
words of the same first letter (a slip there is rarer than one further on). Each vocabulary has a budget
of comparisons: a huge vocabulary (the entities of a million-claim ledger) with thousands of distinct
failures gives hints for the first ones, and the rest of the messages go without, rather than the run
taking minutes.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

LIST_UP_TO = 10  # a vocabulary this small is listed whole when no word of it is close
WHOLE_UP_TO = 1000  # a vocabulary this small is searched whole
BUDGET = 100_000  # comparisons per vocabulary: well under a second


def quoted(words: Iterable[str]) -> str:
    """'a', 'b' or 'c'."""
    words = [repr(w) for w in words]
    return " or ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " or " + words[-1]


class Suggestions:
    """The closest words of a vocabulary, case-insensitively ('Percent' is closest to 'percent')."""

    def __init__(self, words: Iterable[str], n: int = 3, cutoff: float = 0.6, budget: int = BUDGET):
        self.by_fold: dict[str, str] = {}
        for w in words:
            self.by_fold.setdefault(w.casefold(), w)
        self.n, self.cutoff, self.budget = n, cutoff, budget
        self._seen: dict[str, list[str]] = {}
        self._by_first: dict[str, list[str]] | None = None
        if len(self.by_fold) > WHOLE_UP_TO:
            self._by_first = {}
            for f in self.by_fold:
                self._by_first.setdefault(f[:1], []).append(f)

    def __len__(self) -> int:
        return len(self.by_fold)

    def closest(self, word: str) -> list[str]:
        if word.casefold() in self.by_fold:
            return [self.by_fold[word.casefold()]]  # only the case differs: that one, not its neighbours
        if word not in self._seen:
            folded = word.casefold()
            candidates = self.by_fold if self._by_first is None else self._by_first.get(folded[:1], [])
            if self.budget < len(candidates):
                return []  # spent: see the module's docstring
            self.budget -= len(candidates)
            folds = difflib.get_close_matches(folded, candidates, self.n, self.cutoff)
            self._seen[word] = [self.by_fold[f] for f in folds]
        return self._seen[word]

    def hint(self, word: str, list_up_to: int = LIST_UP_TO) -> str:
        """'did you mean 'x'?'; with no close word, the whole vocabulary when it has at most `list_up_to`
        words ('allowed: ...'); otherwise nothing."""
        close = self.closest(word)
        if close:
            return f"did you mean {quoted(close)}?"
        if 0 < len(self) <= list_up_to:
            return "allowed: " + ", ".join(sorted(self.by_fold.values()))
        return ""
