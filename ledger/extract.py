"""`ledger extract`: draft the rows a curator would write for the numbers of an abstract.

For every number of an abstract that no claim and no skip accounts for yet (ledger/coverage.py), the
drafter decides, with general rules of how abstracts print numbers:

- whether it is a claim or a skip: a number inside a name (`GPT-4`, `ResNet50`, a URL, a vocabulary
  entity's spelling), notation (`ell_{2,1}`, `3D`), a list marker or an ordinal (`(1)`, `12th`), a
  citation year, or a number word that counts nothing the metric vocabulary measures ("the above two
  issues") is a draft row of coverage_skips.csv with its category;
- for a claim: its unit from the printed marker and the words around it (the "%" decision table of
  CONTRIBUTING.md), its metric from vocab/metrics.csv (the metric's own words, and the nouns its
  description counts), value signed by the direction of the change, qualifier from the words before
  it, subject, baseline and context from vocab/entities.csv and the grammar of the clause, `reading`
  ambiguous wherever the text leaves the unit open;
- lists mapped by "respectively" as a group, and arithmetic the text implies (parts and a total,
  "from A to B, a gain of C", a reduction and a speed-up) as draft rows of relations.csv.

A guess the rules cannot make is left empty rather than made wrong. Every drafted claim's quote is a
span of the abstract (verbatim, mapped back through the normalisation of ledger/text.py) that prints
the value with a marker its unit allows, so L201-L203 hold by construction (checked before a draft is
returned). Pure Python over the ledger's own readers: `read_numbers` is the only number reader.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .coverage import number_uses
from .numbers import Mention, parse_value, read_numbers
from .text import _DROP, _FOLD, CLAUSE_BREAK as _CLAUSE_BREAK, normalise
from .units import PRINTED, dimension_of
from .validators.provenance import MARKERS_ALLOWED

__all__ = ["Drafts", "Vocabulary", "draft_paper", "extract", "ledger_tables", "render", "write_drafts"]

# ---------------------------------------------------------------------------------------------------
# Words. General English of research abstracts, not the wording of any one paper.

_STOP = {"a", "an", "the", "of", "and", "or", "in", "on", "for", "to", "with", "by", "from", "at", "per", "as",
         "its", "their", "our", "this", "that", "each", "any", "all", "some", "is", "are", "be", "used", "than"}
_PREPOSITIONS = {"of", "in", "on", "for", "to", "with", "by", "from", "at", "per", "across", "over", "than", "into",
                 "under", "between", "among", "within", "without", "via", "using", "while", "which", "that", "when",
                 "where", "compared", "as", "after", "before", "during"}
_CONTEXT_PREPOSITIONS = {"in", "on", "for", "with", "from", "using", "via", "across", "to", "into", "under", "at", "of"}
_COMPARISON = re.compile(r"\b(?:than|over|compared (?:to|with)|relative to|versus|vs\.?|against|outperform(?:s|ed|ing)?|"
                         r"surpass(?:es|ed|ing)?|beat(?:s|ing)?)\s", re.I)
_DECREASE = re.compile(r"\b(?:reduc\w*|decreas\w*|lower(?:s|ed|ing)?|less|fewer|drop(?:s|ped|ping)?|falls?|fell|falling|shrink\w*|degrad\w*|worsen\w*|cut(?:s|ting)?|smaller|shorter|slower|"
                       r"declin\w*|sav(?:e|es|ing)s?)\b", re.I)
_INCREASE = re.compile(r"\b(?:increas\w*|improv\w*|rais\w*|boost\w*|gains?|rises?|rising|grows?|grew|climb\w*|higher|more|greater|"
                       r"better|faster|larger|outperform\w*|exceed\w*|speed-?ups?)\b", re.I)
_AFTER_DIRECTION = re.compile(r"\s*(?:%|percent|points?|pp|percentage points?|x|times)?\s*(?:\w+\s+)?"
                              r"(?:(?P<down>lower|less|fewer|smaller|shorter|slower|worse|below|reductions?|decreases?|"
                              r"drops?|cuts?|savings?|declines?)|"
                              r"(?P<up>higher|more|greater|better|faster|larger|above|gains?|increases?|improvements?|"
                              r"boosts?|rises?|speed-?ups?))\b", re.I)
_CHANGE_AFTER = re.compile(r"^[^\w,;]{0,3}(?:\w+[^\w,;.]+){0,2}?(?:higher|lower|greater|more|less|fewer|better|worse|gains?|"
                           r"improvements?|increases?|decreases?|reductions?|drops?|faster|slower|speed-?ups?|boosts?|"
                           r"smaller|larger|shorter|relative)\b", re.I)
_CHANGE_BEFORE = re.compile(r"\b(?:by|margins? of|gains? of|improvements? of|increases? of|reductions? of|"
                            r"boosts? of|decreases? of|drops? of)\W*(?:\w+\W+){0,1}$", re.I)
_GAP = re.compile(r"^[^\w,;]{0,3}(?:\w+[^\w,;.]+){0,1}?(?:difference|gap)\b", re.I)
_QUALIFIERS = [  # checked on the words just before a number (or the first number of a list)
    ("up_to", re.compile(r"\b(?:up to|a maximum(?: of)?|maximum(?: of)?|at most|within)\W*(?:\w+\W+){0,3}$", re.I)),
    ("average", re.compile(r"\b(?:an average of|on average|average|averaging|mean)\W*(?:\w+\W+){0,3}$", re.I)),
    ("about", re.compile(r"(?:\b(?:about|around|nearly|approximately|roughly|almost)|~)\s*$", re.I)),
    ("at_least", re.compile(r"\b(?:over|more than|at least|exceeding|above)\s*$", re.I)),
]
# Nouns a dataset is counted in: a number of them sizes a dataset (the metric whose id names a dataset).
_DATA_NOUNS = {"example", "sample", "instance", "item", "question", "pair", "sentence", "document", "image", "video",
               "utterance", "token", "record", "entry", "text", "dialogue", "conversation", "clip", "hour", "word",
               "article", "triple", "prompt", "problem", "frame", "paper", "review", "tweet", "post", "annotation"}
# A word that names a metric the vocabulary spells otherwise ("2x faster" is a speed ratio).
_METRIC_WORDS = {"faster": "speed", "speedup": "speed", "slower": "speed", "throughput": "speed",
                 "gain": "performance", "improvement": "performance", "difference": "performance_gap",
                 "gap": "performance_gap", "parameter": "model_size"}
_GENERIC_ID_WORDS = {"count", "size", "ratio", "share", "width", "points", "length", "rate", "cost"}
_SIZE_WORDS = {"parameter", "param", "model", "llm", "lm", "scale", "size", "network", "transformer"}
_ORDINAL = re.compile(r"(?:st|nd|rd|th)\b")
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:com|org|io|net|ai|edu)(?:/\S*)?")
_DIM = re.compile(r"[dD]\b")


def _singular(word: str) -> str:
    w = word.lower()
    for end, repl in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh")):
        if w.endswith(end) and len(w) > len(end) + 1:
            return w[: -len(end)] + repl
    if w.endswith("s") and not w.endswith(("ss", "is")) and not (w.endswith("us") and len(w) > 4) and len(w) > 3:
        return w[:-1]
    return w


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z']*", text)


# ---------------------------------------------------------------------------------------------------
# Vocabularies


@dataclass
class Metric:
    id: str
    direction: str
    units: tuple[str, ...]
    own: frozenset[str]  # the id's words that name it alone (`mfu`, `latency`, `gpu`)
    counted: frozenset[str]  # nouns it counts ("Number of languages ..." -> language)
    variables: frozenset[str] = frozenset()  # one-letter variables its description names ("k in Skill-Mix ...")


@dataclass
class Vocabulary:
    metrics: dict[str, Metric]
    entities: list[tuple[str, str, str]]  # (spelling, canonical, kind), longest spelling first
    _pattern: re.Pattern | None = field(default=None, repr=False)
    _spellings: dict[str, list[str]] | None = field(default=None, repr=False)

    @classmethod
    def from_tables(cls, metrics: list[dict], entities: list[dict]) -> "Vocabulary":
        ms = {}
        for r in metrics:
            words = r["metric"].split("_")
            named = [w for w in words if w not in _GENERIC_ID_WORDS] or words
            own = frozenset({_singular(named[-1])})  # the head word: question_format counts formats, not questions
            desc = r.get("description", "") or ""
            counted = set()
            m = re.search(r"Number of ([^.;:]*)", desc)
            if m:
                phrase = re.split(r"\b(?:a|an|the|that|which|in|of|per|used)\b", m.group(1))[0]
                alternatives = [_words(x) for x in re.split(r"\b(?:or|and)\b|,", phrase) if _words(x)]
                if alternatives:  # "countries or regions": both; "generation or manipulation approaches": approaches
                    heads = [a[-1] for a in alternatives] if len(alternatives[-1]) == 1 else [alternatives[-1][-1]]
                    counted |= {_singular(w) for w in heads}
            for inner in re.findall(r"\(([^)]*)\)", desc):  # examples in parentheses: "(4-bit, 8-bit)", "(shots)"
                glued = re.findall(r"(?:\d|\b[a-z]+)-([a-z]+)\b", inner)
                counted |= {_singular(w) for w in (glued or (_words(inner) if len(_words(inner)) == 1 else []))}
            if r["metric"].endswith("_count"):
                counted |= {_singular(words[-2])}
            variables = frozenset(v.lower() for v in re.findall(r"(?:^|\s)([a-zA-Z])(?=[\s:,])", desc)) - {"a", "i"}
            ms[r["metric"]] = Metric(r["metric"], r["direction"], tuple(r["units"].split()), own, frozenset(counted),
                                     variables)
        spellings = []
        for r in entities:
            for s in [r["entity"], *(a for a in (r.get("aliases") or "").split("|") if a)]:
                spellings.append((s, r["entity"], r["kind"]))
        spellings.sort(key=lambda t: -len(t[0]))
        return cls(ms, spellings)

    def find_entities(self, text: str) -> list[tuple[int, int, str, str]]:
        """(start, end, canonical, kind) of every entity spelling in text, longest first, not overlapping.
        Names are matched as printed; an all-lowercase descriptive name ("supervised fine-tuning") in any case."""
        if not self.entities:
            return []
        if self._pattern is None:
            alts = [(f"(?i:{re.escape(s)})" if s == s.lower() else re.escape(s)) for s, _, _ in self.entities]
            self._pattern = re.compile(r"(?<![\w-])(?:" + "|".join(f"(?P<e{i}>{a})" for i, a in enumerate(alts)) + r")(?![\w])")
        out = []
        for m in self._pattern.finditer(text):
            i = int(m.lastgroup[1:])
            _, canon, kind = self.entities[i]
            out.append((m.start(), m.end(), canon, kind))
        return out

    @property
    def spellings(self) -> dict[str, list[str]]:
        """Every name an entity is printed by (canonical first), keyed by each of them, as L505/L506 look them up."""
        if self._spellings is None:
            by: dict[str, list[str]] = {}
            for s, canon, _ in self.entities:
                names = by.setdefault(canon, [canon])
                if s != canon:
                    names.append(s)
            self._spellings = {n: names for names in by.values() for n in names}
        return self._spellings

    def allowing(self, unit: str) -> list[Metric]:
        return [m for m in self.metrics.values() if unit in m.units]


# ---------------------------------------------------------------------------------------------------
# The text of one abstract


class Abstract:
    """An abstract as the checks see it (normalised), with a way back to the verbatim text."""

    def __init__(self, paper_id: str, title: str, abstract: str, vocab: Vocabulary):
        self.paper_id, self.title, self.raw = paper_id, title, abstract
        self.text = normalise(abstract)
        self.back = _back_map(abstract, self.text)
        self.sentences = _sentences(self.text)
        self.entities = vocab.find_entities(self.text)
        self.main = _main_entity(normalise(title), vocab.find_entities(normalise(title)), self.text, self.entities)

    def verbatim(self, a: int, b: int) -> str:
        """The abstract's own characters for the normalised span [a, b)."""
        if self.back is None:
            return self.text[a:b]
        return self.raw[self.back[a]: self.back[b - 1] + 1]

    def sentence(self, pos: int) -> tuple[int, int]:
        for a, b in self.sentences:
            if a <= pos < b:
                return a, b
        return 0, len(self.text)


def _back_map(raw: str, norm: str) -> list[int] | None:
    """For each character of the normalised text, the index of the raw character it comes from; None when
    normalising the raw text character by character does not give `norm` (then quotes are the normalised
    text, which L201 accepts as well)."""
    if raw == norm:
        return None
    out_chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(raw):
        if ch.isspace():
            if out_chars and out_chars[-1] != " ":
                out_chars.append(" ")
                origin.append(i)
            continue
        piece = unicodedata.normalize("NFKC", ch).translate(_DROP).translate(_FOLD)
        for c in piece:
            out_chars.append(c)
            origin.append(i)
    while out_chars and out_chars[-1] == " ":
        out_chars.pop(), origin.pop()
    return origin if "".join(out_chars) == norm else None


_ABBREV = re.compile(r"(?:\be\.g|\bi\.e|\bet al|\bvs|\betc|\bcf|\bFig|\bEq|\bNo|\b[A-Z])\.$")


def _sentences(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in re.finditer(r"[.!?](?=\s+[A-Z(\"'])", text):
        if _ABBREV.search(text[max(0, m.start() - 6): m.end()]):
            continue
        out.append((start, m.end()))
        start = m.end() + 1
    out.append((start, len(text)))
    return out


_INTRODUCES = re.compile(r"\b(?:we|this (?:paper|work))\s+(?:\w+\s+){0,2}?(?:propose|present|introduce|construct|"
                         r"release|develop|build|design)s?\b", re.I)
# A name the vocabulary does not know yet: one capitalised token with a letter ("Sparrow", "HingBERT", "L3Cube-X").
_NEW_NAME = re.compile(r"(?:[A-Z][\w.\-]*[A-Za-z0-9]|[A-Za-z][\w\-]*[A-Z][\w\-]*)(?=[\s,:;(]|$)")


def _main_entity(title: str, title_entities, text, entities) -> str:
    """The paper's own method, model or dataset: named in the title, else introduced ("we propose X"), else
    a new name the title opens with ("Sparrow: efficient ..."), or one introduced; else the first entity."""
    own_kinds = ("method", "model", "dataset", "benchmark")
    for _, _, canon, kind in title_entities:
        if kind in own_kinds:
            return canon
    for m in _INTRODUCES.finditer(text):
        after = [e for e in entities if e[0] >= m.end() and e[3] in own_kinds and e[0] - m.end() < 80]
        if after:
            return after[0][2]
    head = re.match(r"\s*([^:]{1,40}):", title) or re.fullmatch(r"\s*(\S{1,40})\s*", title)
    if head and _NEW_NAME.fullmatch(head.group(1).strip()):
        return head.group(1).strip()
    for m in _INTRODUCES.finditer(text):  # "We propose Sparrow, a sparse attention kernel"
        name = _NEW_NAME.match(text, m.end() + 1)
        if name and name.group().lower() not in ("a", "an", "the", "our", "this", "two", "three"):
            return name.group()
    first = [e for e in entities if e[3] in own_kinds]
    return first[0][2] if first else ""


# ---------------------------------------------------------------------------------------------------
# Drafts


@dataclass
class Drafts:
    claims: list[dict] = field(default_factory=list)
    skips: list[dict] = field(default_factory=list)
    relations: list[dict] = field(default_factory=list)

    def extend(self, other: "Drafts") -> None:
        self.claims += other.claims
        self.skips += other.skips
        self.relations += other.relations


@dataclass
class _Claim:
    mention: Mention
    unit: str = "count"
    metric: str = ""
    value: str = ""
    qualifier: str = "exact"
    reading: str = "explicit"
    alternative_unit: str = ""  # the other reading's unit, when reading is ambiguous (L410)
    subject: str = ""
    baseline: str = ""
    context: list[str] = field(default_factory=list)
    quote: tuple[int, int] = (0, 0)
    notes: list[str] = field(default_factory=list)
    head: str = ""  # the noun the number counts, for relations between parts and totals
    phrase: str = ""  # the words it counts, as printed ("image-level approaches")
    claim_id: str = ""
    list_at: int | None = None  # where its "respectively" list starts, when the list's entities were mapped
    group: str = ""


def extract(tables: dict, paper_ids: list[str] | None = None) -> Drafts:
    """Drafts for the papers named (default: every paper). `tables`: papers, claims, skips, metrics,
    entities, relations as lists of row dicts. Existing claim_ids and relation_ids are never reused."""
    vocab = Vocabulary.from_tables(tables.get("metrics", []), tables.get("entities", []))
    papers = [p for p in tables["papers"] if paper_ids is None or p["paper_id"] in paper_ids]
    uses = number_uses(papers, tables.get("claims", []), tables.get("skips", []))
    taken = {c["claim_id"] for c in tables.get("claims", [])}
    taken_rel = {r["relation_id"] for r in tables.get("relations", [])}
    taken_groups = {c.get("group", "") for c in tables.get("claims", [])} - {""}
    out = Drafts()
    for p in papers:
        loose = [u for u in uses if u.paper_id == p["paper_id"] and not u.covered_by and u.skipped_by is None]
        if loose:
            mine = [c for c in tables.get("claims", []) if c["paper_id"] == p["paper_id"]]
            out.extend(draft_paper(p, loose, vocab, taken, taken_rel, mine, taken_groups))
    return out


def draft_paper(paper: dict, loose, vocab: Vocabulary, taken: set[str], taken_rel: set[str],
                existing: list[dict] = (), taken_groups: set[str] | None = None) -> Drafts:
    """Drafts for the numbers `loose` (NumberUses, positions in the normalised abstract) of one paper;
    `existing`: the paper's claims already in the ledger; `taken_groups`: the group ids already used."""
    doc = Abstract(paper["paper_id"], paper.get("title", ""), paper["abstract"], vocab)
    everything = read_numbers(doc.text)  # all numbers, to see lists the loose ones belong to
    by_start = {m.start: m for m in everything}
    drafts = Drafts()
    claims: list[_Claim] = []
    for u in loose:
        m = by_start.get(u.start)
        if m is None:  # the columnar reader and read_numbers agree (a test holds them to it); be safe anyway
            continue
        reason = None if _family_size(doc, m, everything) else _skip_reason(doc, m, vocab)
        if reason:
            drafts.skips.append({"paper_id": doc.paper_id, "number": m.printed, "context": _unique_context(doc, m),
                                 "reason": reason})
            continue
        claims.append(_draft_claim(doc, m, everything, vocab))
    _tell_apart(doc, claims, everything, existing)
    _name_claims(doc, claims, taken)
    rows = [(c, _row(doc, c)) for c in claims]
    rows = [(c, r) for c, r in rows if r is not None]
    _group_lists(doc, rows, vocab, set() if taken_groups is None else taken_groups)
    drafts.claims = [r for _, r in rows]
    drafts.relations = _relations(doc, claims, vocab, taken_rel)
    return drafts


# ---------------------------------------------------------------------------------------------------
# Claim or skip


_GLUED_SIZE = re.compile(r"([A-Za-z][A-Za-z0-9]*)-$")  # the family name a size is hyphen-glued to: "OPT-"


def _family_size(doc: Abstract, m: Mention, everything: list[Mention]) -> str | None:
    """The model a size names when the abstract lists sizes of one family ("BERT, OPT-125M, OPT-350M and
    OPT-1.3B": the sizes evaluated are claims, subject OPT-125M ...); None otherwise. One sized name on its
    own ("LLaMA-2 70B", "Mixtral 8x7B") is a model's name, and a skip."""
    def family(x: Mention) -> str | None:
        if x.word or not re.search(r"[0-9][MBmb]$", x.printed):
            return None
        glued = _GLUED_SIZE.search(doc.text, max(0, x.start - 24), x.start)
        return glued.group(1) if glued and glued.end() == x.start else None

    name = family(m)
    if name is None or sum(family(x) == name for x in everything) < 2:
        return None
    printed = doc.text[m.start - len(name) - 1: m.end]
    return next((canon for ea, eb, canon, _ in doc.entities if ea <= m.start - len(name) - 1 and m.end <= eb), printed)


def _skip_reason(doc: Abstract, m: Mention, vocab: Vocabulary) -> str | None:
    t, a, b = doc.text, m.start, m.end
    before, after = t[a - 1: a] if a else "", t[b: b + 1]
    token_a = max(t.rfind(" ", 0, a) + 1, 0)
    token_b = t.find(" ", b)
    token = t[token_a: token_b if token_b != -1 else len(t)]
    if _URL.fullmatch(token.strip("()[],.;:")) or "://" in token:
        return "name: part of a URL"
    for ea, eb, canon, _ in doc.entities:
        if ea <= a and b <= eb and (before.isalpha() or after.isalpha() or _in_name(m, canon)):
            return f"name: part of the name {canon}"
    if not m.word and _ORDINAL.match(t, b):
        return "ordinal: an ordinal number"
    if not m.word and _DIM.match(t, b):
        return "notation: a dimension (as in 3D)"
    if before and before in "_{^\\!|<>@" or after and after in "_}^\\!|<>" or (before == "," and t[a - 2: a - 1].isdigit()):
        return "notation: part of a formula"
    if before == "=":
        var = re.search(r"(\w+)\s*=$", t[max(0, a - 12): a])
        if not (var and _variable_metric(var.group(1), vocab)):
            return "notation: part of a formula"
    if not m.word and (before.isalpha() or (before == "-" and re.search(r"[A-Za-z][\w.-]*-$", t[token_a: a]))
                       or after.isalpha()):
        glued = token.strip("()[],.;:\"'")
        return f"name: part of the name {glued}"
    if re.search(r"\b(?:sections?|tables?|figures?|fig\.|eqs?\.|equations?|appendix|chapters?|theorems?|lemmas?)\s*$",
                 t[max(0, a - 12): a], re.I):
        return "non-claim: a reference to a section, table or figure"
    if not m.word and before == "/" and t[a - 2: a - 1].isdigit() and re.search(r"[A-Za-z]\d*/$", t[max(0, a - 12): a]):
        return f"name: part of the name {token.strip('()[],.;:')}"
    if not m.word and after == ")" and (before in ("(", " ", "") or a == 0) and m.value.isdigit() and int(m.value) < 30:
        return "ordinal: list marker"
    if not m.word and re.fullmatch(r"(?:19|20)[0-9]{2}", m.value) and _in_citation(t, a, b):
        return "non-claim: citation year"
    if not m.word and not m.marker and re.fullmatch(r"(?:19|20)[0-9]{2}", m.value) and _YEAR_BEFORE.search(t, 0, a) \
            and _YEAR_AFTER.match(t, b):
        return "non-claim: a year"
    if not m.word and re.search(r"\b[OΘΩo]\([^()]*(?:\([^()]*\)[^()]*)*$", t[max(0, a - 30): a]):
        return "notation: inside an asymptotic bound"
    if m.word and not m.marker:  # "three times faster" is a ratio, whatever it is spelled in
        low = m.printed.lower()
        if m.value == "0" and after == "-":
            return f"name: '{t[a:b]}-{_words(t[b:])[0] if _words(t[b:]) else ''}' names a regime, not a count"
        if low == "one" or re.search(r"\b(?:than|least|only|of)\s+$", t[max(0, a - 10): a], re.I):
            return "non-claim: 'one' is rhetorical or structural here, not a size"
        if not _count_metric(doc, m, vocab):
            return "non-claim: counts the method's own parts or is rhetorical, not a size or setting"
    return None


def _in_name(m: Mention, canon: str) -> bool:
    digits = m.printed.rstrip("%xX")
    return digits in re.split(r"[^\w.]+", canon)


# "published between 2020 and 2024", "since 2019": a year, when nothing after it is counted by it
_YEAR_BEFORE = re.compile(r"\b(?:in|since|between|from|until|till|before|after|during|and|to|through|of)\s+(?:the\s+)?$", re.I)
_YEAR_AFTER = re.compile(r"\s*(?:[,.;:)]|and\b|to\b|$)")


def _in_citation(t: str, a: int, b: int) -> bool:
    open_ = t.rfind("(", 0, a)
    return open_ != -1 and t.find(")", b) != -1 and ")" not in t[open_:a] and re.search(r"[A-Za-z]", t[open_:a]) is not None


def _variable_metric(var: str, vocab: Vocabulary) -> str:
    """The metric whose description speaks of the variable `var` ("k in Skill-Mix style evaluations")."""
    return next((m.id for m in vocab.metrics.values() if var.lower() in m.variables), "")


# ---------------------------------------------------------------------------------------------------
# Unit, metric, qualifier, sign


def _phrase_after(t: str, m: Mention, everything: list[Mention]) -> tuple[list[list[str]], bool]:
    """The noun phrase a number counts: the words after it (after the last number of a list it heads), up
    to punctuation, a preposition or another number, in runs split at "and"/"or" ("36 independent and
    more mixed perturbations"). (runs of words, whether the first word is glued by a hyphen: "10-shot")."""
    last = _list_of(m, everything, t)[-1]
    rest = t[last.end:]
    glued = rest.startswith("-") and rest[1:2].isalpha()
    rest = rest[1:] if glued else rest
    stop = re.search(r"[,;:()/.\[\]~]|\s-\s|\s--|(?<!\w)\d", rest)
    chunk = rest[: stop.start() if stop else 80]
    runs: list[list[str]] = [[]]
    for w in re.findall(r"[A-Za-z][\w'-]*", chunk):
        low = w.lower()
        if low in _PREPOSITIONS:
            break
        if low in ("and", "or", "but"):
            runs.append([])
            continue
        runs[-1].extend(part for part in w.split("-") if part)
        if sum(map(len, runs)) >= 6:
            break
    return [r for r in runs if r], glued


def _list_of(m: Mention, everything: list[Mention], t: str) -> list[Mention]:
    """The numbers printed together with m as one list ("5.0%, 6.2%, and 3.4%", "k=2 and 3", "7B and 13B")."""
    i = next(k for k, x in enumerate(everything) if x.start == m.start)
    lo = hi = i
    joiner = re.compile(r"(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)")
    while lo > 0 and joiner.fullmatch(t[everything[lo - 1].end: everything[lo].start]) and \
            everything[lo - 1].marker == m.marker:
        lo -= 1
    while hi + 1 < len(everything) and joiner.fullmatch(t[everything[hi].end: everything[hi + 1].start]) and \
            everything[hi + 1].marker == m.marker:
        hi += 1
    return everything[lo: hi + 1]


def _count_metric(doc: Abstract, m: Mention, vocab: Vocabulary, everything: list[Mention] | None = None) -> str:
    """The metric a number without a marker counts, from the noun phrase after it; "" if none."""
    t = doc.text
    everything = everything or read_numbers(t)
    if m.start > 0 and t[m.start - 1] == "=":
        var = re.search(r"(\w+)\s*=$", t[max(0, m.start - 12): m.start])
        return _variable_metric(var.group(1), vocab) if var else ""
    first = _list_of(m, everything, t)[0]
    if first.start > 0 and t[first.start - 1] == "=":
        var = re.search(r"(\w+)\s*=$", t[max(0, first.start - 12): first.start])
        if var and _variable_metric(var.group(1), vocab):
            return _variable_metric(var.group(1), vocab)
    runs, glued = _phrase_after(t, m, everything)
    if not runs:
        return ""
    best, best_score = "", 0
    for met in vocab.metrics.values():
        if "count" not in met.units:
            continue
        score = 0
        for r, run in enumerate(runs):
            nouns = [_singular(w) for w in run]
            for k, n in enumerate(nouns):
                if n in met.counted or n in met.own:
                    head = k == len(nouns) - 1
                    weight = (3 if head or (r == 0 and k == 0 and glued) else 1) if r == 0 else (2 if head else 0)
                    score = max(score, weight)
        if score > best_score:
            best, best_score = met.id, score
    if best_score >= 2:
        return best
    head = _singular(runs[0][-1])
    if head in _DATA_NOUNS or (len(runs[0]) > 1 and _singular(runs[0][-2]) in _DATA_NOUNS and not m.word):
        return next((mid for mid in vocab.metrics if "dataset" in mid and "count" in vocab.metrics[mid].units), "")
    return ""


def _printed_phrase(t: str, at: int, words: list[str]) -> str:
    """The text from `at` through the last of `words` (the first run of a phrase), as printed."""
    if not words:
        return ""
    end = at
    for w in words:
        found = t.find(w, end)
        if found == -1 or found - end > 30:
            break
        end = found + len(w)
    return t[at:end].strip(" -")


# "faster than Switch Transformer": up to three capitalised words after a comparison word
_NEW_BASELINE = re.compile(r"\s*(?:the\s+)?([A-Z][\w.\-]*[A-Za-z0-9](?:\s+[A-Z][\w.\-]*[A-Za-z0-9]){0,2})(?=[\s,.;:)]|$)")


def _nearest_metric(doc: Abstract, m: Mention, unit_options: set[str], vocab: Vocabulary) -> str:
    """The metric named nearest the number in its sentence, among those allowing one of unit_options."""
    a, b = doc.sentence(m.start)
    t = doc.text
    bound = re.match(r"\W*(?:\w+\W+)?(?:reductions?|increases?|improvements?|gains?|decreases?|drops?|boosts?)\s+"
                     r"(?:of|in)\s+(?:the\s+)?", t[m.end: b], re.I)
    if bound:  # "60% reduction of computational cost", "a 2x-fold increase in efficiency": the noun it binds
        near = _nearest_metric_at(doc, m.end + bound.end(), unit_options, vocab)
        if near:
            return near
    # only the number's clause: "1.6 times faster ..., and inference memory drops by 35%" is not about speed
    cuts = [x.end() for x in _CLAUSE_BREAK.finditer(t, a, m.start)]
    a = max([a, *cuts])
    after = _CLAUSE_BREAK.search(t, m.end, b)
    b = after.start() if after else b
    best, best_d = "", 10**9
    for w in re.finditer(r"[A-Za-z][A-Za-z-]*", t[a:b]):
        word = w.group(0)
        pos = a + w.start()
        cands = []
        for part in {word, *word.split("-")}:
            s = _singular(part)
            for met in vocab.metrics.values():
                if s in met.own and unit_options & set(met.units):
                    cands.append(met.id)
            mapped = _METRIC_WORDS.get(s)
            if mapped in vocab.metrics and unit_options & set(vocab.metrics[mapped].units):
                cands.append(mapped)
        if not cands:
            continue
        # distance in characters; a word after the number wins a tie ("4x compression")
        d = (pos - m.end) * 2 if pos >= m.end else (m.start - pos - len(word)) * 2 + 1
        if d < best_d:
            best, best_d = cands[0], d
    return best


def _nearest_metric_at(doc: Abstract, pos: int, unit_options: set[str], vocab: Vocabulary) -> str:
    """The metric named by the words starting at pos (at most three)."""
    for word in re.findall(r"[A-Za-z][A-Za-z-]*", doc.text[pos: pos + 40])[:3]:
        for part in (word, *word.split("-")):
            s = _singular(part)
            for met in vocab.metrics.values():
                if s in met.own and unit_options & set(met.units):
                    return met.id
            mapped = _METRIC_WORDS.get(s)
            if mapped in vocab.metrics and unit_options & set(vocab.metrics[mapped].units):
                return mapped
    return ""


def _prev_end(t: str, sa: int, pos: int) -> int:
    """End of the last number between sa and pos that is not part of a name (INT8, GPT-4), else sa."""
    ends = [x.end for x in read_numbers(t[sa:pos])
            if not (x.start and (t[sa + x.start - 1].isalnum() or t[sa + x.start - 1] in "-/"))]
    return sa + max(ends, default=0)


def _ambiguous(c: _Claim, other: str, vocab: Vocabulary) -> bool:
    """Mark the reading ambiguous with `other` as its alternative unit, when the metric allows that unit (or
    is not known yet): the draft then passes reading-alternative (L410). A metric that does not allow it
    forces the recorded unit: the reading stays explicit."""
    if c.metric and other not in vocab.metrics[c.metric].units:
        return False
    c.reading, c.alternative_unit = "ambiguous", other
    return True


def _percent_reading(doc: Abstract, m: Mention, group: list[Mention], vocab: Vocabulary, c: _Claim) -> None:
    t = doc.text
    last = group[-1]
    after = t[last.end: last.end + 40]
    sa, _ = doc.sentence(m.start)
    prev_end = _prev_end(t, sa, group[0].start)
    before = t[max(prev_end, group[0].start - 40): group[0].start]
    clause_before = t[max(prev_end, group[0].start - 60): group[0].start]
    if _GAP.match(after):
        c.metric = _nearest_metric(doc, m, {"pp"}, vocab)
        c.unit = "pp"
        if _ambiguous(c, "relative_percent", vocab):
            c.notes.append("'% difference' read as pp between two levels; could be relative")
        return
    change = bool(_CHANGE_AFTER.match(after) or _CHANGE_BEFORE.search(before)
                  or re.search(r"\b(?:reduc\w*|improv\w*|increas\w*|outperform\w*|decreas\w*)\b[^,.;]*$", clause_before, re.I))
    if not change:
        c.unit = "percent"
        c.metric = _nearest_metric(doc, m, {"percent"}, vocab)
        if not c.metric:
            c.reading = "ambiguous"
            c.notes.append("% read as a level; the metric is not named")
        return
    metric = _nearest_metric(doc, m, {"pp", "relative_percent"}, vocab)
    c.metric = metric
    units = set(vocab.metrics[metric].units) if metric else set()
    said = re.search(r"\b(?P<abs>absolute(?:ly)?)\b|\b(?P<rel>relative(?:ly)?)\b", clause_before + " " + after[:25], re.I)
    if said:  # "an absolute improvement of 6.5%", "a relative reduction of 24%": the text says which
        c.unit = "pp" if said.group("abs") else "relative_percent"
        if metric and c.unit not in units:
            c.metric = _nearest_metric(doc, m, {c.unit}, vocab)
    elif "percent" in units and "pp" in units:
        c.unit = "pp"
        if _ambiguous(c, "relative_percent", vocab):
            c.notes.append(f"% read as pp ({metric} is a %-valued metric); could be relative")
    elif "relative_percent" in units and "pp" not in units:
        c.unit = "relative_percent"
    else:
        c.unit = "relative_percent"
        if _ambiguous(c, "pp", vocab):
            c.notes.append("% read as relative (the metric is not named as a percentage); could be pp")
    if _decrease(doc, group):
        c.value = "-" + c.value.lstrip("-")


def _decrease(doc: Abstract, group: list[Mention]) -> bool:
    """Whether a change is a decrease: a comparative right after the number ("4.8 points lower"), else the
    nearest change word before it in its sentence ("reducing prefill latency by 41% and decoding latency
    by 27%": both are reductions; "matches X within 0.3 points": no change word, not a decrease)."""
    t = doc.text
    after = _AFTER_DIRECTION.match(t, group[-1].end)
    if after:
        return after.group("down") is not None
    sa, _ = doc.sentence(group[0].start)
    before = t[sa: group[0].start]
    last_down = max((m.end() for m in _DECREASE.finditer(before)), default=-1)
    last_up = max((m.end() for m in _INCREASE.finditer(before)), default=-1)
    return last_down > last_up


# "over" means "more than" after nothing, a verb form or a function word ("trained on over 1M", "by over 3%",
# "Over 95%"); after a noun it is a preposition ("questions over 2,150 tables", "a ratio over 16-bit PCM")
_PREPOSITION_OVER = re.compile(r"\b(?!(?:is|are|was|were|be|been|has|have|had|of|on|in|with|by|for|to|from|and|or|"
                               r"reach(?:es)?|achieves?|contains?|includes?|spans?|totals?|covers?|yields?|obtains?|"
                               r"exceeds?|gains?|improves?|boosts?|uses?|scores?|offers?|provides?|features?)\b)"
                               r"(?![a-z]+(?:ed|ing)\b)[a-z]+\s+over\s*$", re.I)


def _qualifier(doc: Abstract, first: Mention) -> str:
    sa, _ = doc.sentence(first.start)
    before = doc.text[max(sa, first.start - 45): first.start]
    for name, pattern in _QUALIFIERS:
        hit = pattern.search(before)
        if hit and not (name == "at_least" and _PREPOSITION_OVER.search(before[: hit.end()])):
            return name
    return "exact"


_UNIT_WORDS = re.compile(r"\s?([^\s\d,;:()]+)(?:\s([^\s\d,;:()]+))?(?:\s([^\s\d,;:()]+))?")


_HOURS_OF_DATA = re.compile(r"\s?\S+\s+of\s+(?:[\w-]+\s+){0,2}?(?:audio|speech|video|videos|recordings?|data|footage|"
                            r"conversations?|dialogues?)\b", re.I)


def _printed_unit(t: str, m: Mention) -> str | None:
    """The dimensioned unit printed with a number: "$" before it, or up to three words after it that
    ledger/units.py's PRINTED table knows (the table L203 reads quotes with); None otherwise."""
    if m.start and t[m.start - 1] == "$":
        return "USD"
    hit = _UNIT_WORDS.match(t, m.end)
    if not hit:
        return None
    words = [w.rstrip(".") for w in hit.groups() if w]
    return next((PRINTED[" ".join(words[:n])] for n in (3, 2, 1) if len(words) >= n and " ".join(words[:n]) in PRINTED), None)


def _draft_claim(doc: Abstract, m: Mention, everything: list[Mention], vocab: Vocabulary) -> _Claim:
    t = doc.text
    c = _Claim(m, value=m.value)
    group = _list_of(m, everything, t)
    c.qualifier = _qualifier(doc, group[0])
    parsed = parse_value(m.value)
    whole = parsed is not None and parsed[0] == parsed[0].to_integral_value()
    printed_unit = None if m.marker else _printed_unit(t, m)
    if printed_unit:  # "3.2 ms", "40 GB", "1.2k GPU hours", "$4.6M": a dimensioned unit, as L203 reads it
        c.unit = printed_unit
        c.metric = _nearest_metric(doc, m, {printed_unit, dimension_of(printed_unit)}, vocab)
        if dimension_of(printed_unit) == "[time]" and _HOURS_OF_DATA.match(t, m.end):  # "10,000 hours of audio"
            c.metric = next((x.id for x in vocab.allowing("[time]") if "dataset" in x.id), c.metric)
    elif m.marker == "x":
        c.unit = "ratio"
        c.metric = _nearest_metric(doc, m, {"ratio"}, vocab)
    elif m.marker == "pp":
        c.unit = "pp"
        c.metric = _nearest_metric(doc, m, {"pp"}, vocab)
        if _decrease(doc, group):
            c.value = "-" + c.value.lstrip("-")
    elif m.marker == "%":
        _percent_reading(doc, m, group, vocab, c)
    elif not whole or m.value.startswith("-"):
        c.unit = "score"
        c.metric = _nearest_metric(doc, m, {"score"}, vocab)
    else:
        runs, _ = _phrase_after(t, m, everything)
        words = runs[0] if runs else []
        nouns = {_singular(w) for w in words}
        big = parsed is not None and parsed[1] >= 6
        seq = re.search(r"\b(?:sequence|context)\b", " ".join(words), re.I) or \
            re.search(r"\b(?:sequences?|contexts?)(?: lengths?)?(?: of)?(?: up to| over| about)?\s*$", t[max(0, m.start - 40): m.start], re.I)
        if big and nouns & _SIZE_WORDS and not seq:
            c.unit = "params"
            c.metric = next((x.id for x in vocab.allowing("params")), "")
        elif "token" in nouns or seq:
            c.unit = "tokens"
            metrics = vocab.allowing("tokens")
            c.metric = next((x.id for x in metrics if seq and x.own & {"sequence", "context"}), "") or \
                next((x.id for x in metrics if "dataset" in x.id), "") or (metrics[0].id if metrics else "")
        else:
            c.unit = "count"
            c.metric = _count_metric(doc, m, vocab, everything)
        c.head = _singular(words[-1]) if words else ""
        c.phrase = _printed_phrase(t, group[-1].end, words)
    allowed = set(vocab.metrics[c.metric].units) if c.metric else set()
    if c.metric and c.unit not in allowed and dimension_of(c.unit) not in allowed - {""}:
        c.metric = ""
    _roles(doc, c, group)
    sized = _family_size(doc, m, everything)
    if sized:  # "OPT-350M": the size of the model it names
        c.unit, c.subject, c.baseline = "params", sized, ""
        params = vocab.allowing("params")
        c.metric = next((x.id for x in params if "size" in x.id), params[0].id if params else "")
    c.quote = _quote_span(doc, m, group)
    return c


# ---------------------------------------------------------------------------------------------------
# Subject, baseline, context


def _roles(doc: Abstract, c: _Claim, group: list[Mention]) -> None:
    t = doc.text
    m = c.mention
    sa, sb = doc.sentence(m.start)
    ents = [e for e in doc.entities if sa <= e[0] < sb]
    comparison = c.unit in ("ratio", "pp", "relative_percent")
    respectively = re.search(r"\brespectively\b", t[group[-1].end: sb]) is not None and len(group) > 1
    mapped: list[tuple[int, int, str, str]] = []
    if respectively:
        stop = group[-1].end + t[group[-1].end: sb].find("respectively")
        mapped = [e for e in ents if group[-1].end <= e[0] < stop][-len(group):]
        if len(mapped) != len(group):
            mapped = []
    # baseline: the entity after a comparison word, after the number or just before it ("outperforming X by")
    if comparison:
        k = [g.start for g in group].index(m.start)
        cmp_after = _COMPARISON.search(t, group[-1].end, sb)
        if mapped and cmp_after and 0 <= mapped[0][0] - cmp_after.end() <= 1:  # "compared to A and B, respectively"
            c.baseline = mapped[k][2]
        else:
            cands = []
            if cmp_after and cmp_after.start() - group[-1].end < 120:
                cands = [e for e in ents if e[0] >= cmp_after.end() and e[0] - cmp_after.end() < 40]
            prev_end = _prev_end(t, sa, group[0].start)
            if not cands:  # "reduce INT8 latency by 23%": what is reduced is the baseline's
                for e in ents:
                    if prev_end <= e[0] < group[0].start and re.search(
                            r"\b(?:reduc|improv|increas|decreas|lower|rais|boost|cut)\w*\s+(?:the\s+)?$", t[prev_end: e[0]], re.I):
                        cands = [e]
                        break
            if not cands:
                cmp_before = [x for x in _COMPARISON.finditer(t, prev_end, group[0].start)]
                if cmp_before:
                    cb = cmp_before[-1]
                    cands = [e for e in ents if cb.end() <= e[0] < group[0].start and e[0] - cb.end() < 40]
            if cands:
                c.baseline = cands[0][2]
            elif cmp_after and cmp_after.start() - group[-1].end < 120:  # a name the vocabulary does not know yet
                named = _NEW_BASELINE.match(t, cmp_after.end())
                if named and named.group(1).split()[0] not in ("The", "Our", "This", "These", "Those", "All"):
                    c.baseline = named.group(1)
    if mapped and c.baseline != mapped[[g.start for g in group].index(m.start)][2]:
        c.context.insert(0, mapped[[g.start for g in group].index(m.start)][2])
    if mapped:
        c.list_at = group[0].start
    # subject: the nearest entity before the number in its sentence that is not a baseline, not introduced
    # by a preposition (that is where it holds: context) and not "our X" (then the paper's own)
    subject = ""
    held: list[str] = []  # entities that say where the number holds, nearest first
    for ea, eb, canon, kind in reversed([e for e in ents if e[1] <= group[0].start]):
        if canon == c.baseline or kind in ("organisation", "task"):
            continue
        prev = [w.lower() for w in _words(t[max(sa, ea - 25): ea])][-2:]
        prev_word = prev[-1] if prev else ""
        if prev_word in ("the", "a", "an") and len(prev) > 1:
            prev_word = prev[0]
        if kind == "hardware" or prev_word == "our" or prev_word in _CONTEXT_PREPOSITIONS or \
                re.match(r"(?:reduc|improv|increas|decreas|lower|rais|boost|cut)", prev_word):
            # "our INT8 quantization" (the paper's own, in a setting), "on T4", "for ResNet50", the object of
            # a change ("reduce INT8 latency"): where the number holds, not who states it
            if canon != doc.main and not (c.baseline and canon == c.baseline):
                held.append(canon)
            if prev_word == "our" and not subject:
                subject = doc.main
            continue
        if prev_word in ("than", "over", "outperforming", "outperforms") or (prev_word == "as" and prev[:1] != ["such"]):
            continue
        if not subject:
            subject = canon
    c.context += [h for h in reversed(held) if h not in c.context]
    if not subject and c.unit == "pp" and c.metric and "gap" in c.metric:
        after = re.match(r"\W*(?:\w+\W+){0,1}?(?:difference|gap)\s+(?:in|of|for)\s+", t[group[-1].end:], re.I)
        if after:
            at = group[-1].end + after.end()
            subject = next((e[2] for e in ents if e[0] == at), "")
    c.subject = subject or doc.main
    if c.subject == c.baseline:
        c.baseline = ""
    nxt = [x.start for x in read_numbers(t[group[-1].end: sb])]
    clause_end = group[-1].end + (nxt[0] if nxt else sb - group[-1].end)
    for ea, eb, canon, kind in ents:  # where it holds, named after the number: "on ImageNet", "on T4 GPUs"
        if not (group[-1].end <= ea < clause_end) or canon in c.context or canon in (c.subject, c.baseline):
            continue
        if any(e[0] == ea for e in mapped):  # another value's entity of the "respectively" list, not this one's
            continue
        prev = [w.lower() for w in _words(t[max(sa, ea - 25): ea])][-1:]
        if kind == "hardware" or (kind in ("dataset", "benchmark") and prev and prev[0] in _CONTEXT_PREPOSITIONS):
            c.context.append(canon)


# ---------------------------------------------------------------------------------------------------
# Quote, context of a skip, ids, rows


_BREAK = re.compile(r"\s*(?:[;:]|,(?!\d{3}\b)|\s--?\s|\(|\))\s*")


def _pieces(t: str, a: int, b: int) -> list[tuple[int, int]]:
    out, start = [], a
    for m in _BREAK.finditer(t, a, b):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < b:
        out.append((start, b))
    return out


def _quote_span(doc: Abstract, m: Mention, group: list[Mention]) -> tuple[int, int]:
    """The shortest clause around the number: the sentence cut at ; : , -- and brackets, grown to a few
    words; a list read with "respectively" keeps the list and its "respectively"."""
    t = doc.text
    sa, sb = doc.sentence(m.start)
    sb = sb - 1 if t[sb - 1: sb] == "." else sb
    pieces = _pieces(t, sa, sb)
    first = next(k for k, (a, b) in enumerate(pieces) if a <= group[0].start < b + 1)
    last = next(k for k, (a, b) in enumerate(pieces) if a <= m.start < b + 1)
    lo, hi = min(first, last), last
    if len(group) > 1 and re.search(r"\brespectively\b", t[group[-1].end: sb]):
        end = group[-1].end + t[group[-1].end: sb].find("respectively") + len("respectively")
        hi = next(k for k, (a, b) in enumerate(pieces) if a <= end <= b)
    elif len(group) > 1:
        hi = max(hi, next(k for k, (a, b) in enumerate(pieces) if a <= group[-1].start < b + 1))

    def words(lo, hi):
        return len(_words(t[pieces[lo][0]: pieces[hi][1]]))
    while words(lo, hi) < 4 and (lo > 0 or hi < len(pieces) - 1):
        if lo > 0:
            lo -= 1
        else:
            hi += 1
    a, b = pieces[lo][0], pieces[hi][1]
    # balanced brackets: a quote that opens one closes it
    while t.count("(", a, b) > t.count(")", a, b) and t.find(")", b, sb + 1) != -1:
        b = t.find(")", b, sb + 1) + 1
    while t.count(")", a, b) > t.count("(", a, b) and t.rfind("(", sa, a) != -1:
        a = t.rfind("(", sa, a)
    a = _word_edge(t, a, left=True)
    b = _word_edge(t, b, left=False)
    return a, b


def _word_edge(t: str, i: int, left: bool) -> int:
    """Move a span edge out of a word, never cut inside one."""
    if left:
        while i > 0 and t[i - 1].isalnum() and t[i].isalnum():
            i -= 1
    else:
        while i < len(t) and t[i - 1].isalnum() and t[i].isalnum():
            i += 1
    return i


def _unique_context(doc: Abstract, m: Mention) -> str:
    """A short span around the number, grown word by word until it occurs once in the abstract."""
    t = doc.text
    a = t.rfind(" ", 0, m.start) + 1
    b = t.find(" ", m.end)
    b = len(t) if b == -1 else b
    while t.count(t[a:b]) > 1 or len(_words(t[a:b])) < 2:
        grew = False
        nb = t.find(" ", b + 1)
        nb = len(t) if nb == -1 else nb
        if b < len(t):
            b, grew = nb, True
        if t.count(t[a:b]) > 1 and a > 0:
            na = t.rfind(" ", 0, a - 1)
            a, grew = (na + 1 if na != -1 else 0), True
        if not grew or (a == 0 and b == len(t)):
            break
    span = t[a:b].strip().rstrip(".,;:")
    a = t.find(span, a)
    return doc.verbatim(a, a + len(span))


def _slug(s: str) -> str:
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def _quantity(subject, metric, context, unit, baseline, qualifier) -> tuple:
    return subject, metric, context, unit, baseline, qualifier


def _tell_apart(doc: Abstract, claims: list[_Claim], everything: list[Mention], existing) -> None:
    """Claims of one quantity (subject, metric, context, unit, baseline, qualifier) must agree (L501): where
    drafts of one quantity print different values, each context says which one it is ("smaller of 7B and
    13B", "even with k=3")."""
    def key(c: _Claim) -> tuple:
        return _quantity(c.subject, c.metric, "; ".join(c.context), c.unit, c.baseline, c.qualifier)
    groups: dict[tuple, list[_Claim]] = {}
    for c in claims:
        groups.setdefault(key(c), []).append(c)
    held = {_quantity(*(e.get(k, "") for k in ("subject", "metric", "context", "unit", "baseline", "qualifier"))): e
            for e in existing}
    for k, group in groups.items():
        if len({c.value for c in group} | ({held[k]["value"]} if k in held else set())) < 2:
            continue
        tags = {}
        for c in group:
            items = [x for x in _list_of(c.mention, everything, doc.text) if any(g.mention.start == x.start for g in group)]
            if len(items) == 2:
                tag = ("smaller" if _num(c.value) == min(_num(x.value) for x in items) else "larger") + \
                    f" of {items[0].printed} and {items[1].printed}"
            elif len(items) > 2:
                tag = f"item {[x.start for x in items].index(c.mention.start) + 1} of the list"
            else:
                tag = c.phrase
            tags[id(c)] = tag
        for c in group:
            clash = [d for d in group if tags[id(d)] == tags[id(c)] and d.value != c.value]
            if not tags[id(c)] or clash:  # then the words printed with the number: "two-way", "k=3"
                tags[id(c)] = _token(doc.text, c.mention)
            c.context.append(tags[id(c)])


def _token(t: str, m: Mention) -> str:
    a = t.rfind(" ", 0, m.start) + 1
    b = t.find(" ", m.end)
    return t[a: len(t) if b == -1 else b].strip("()[],.;:\"'")


def _name_claims(doc: Abstract, claims: list[_Claim], taken: set[str]) -> None:
    short = _slug(" ".join(doc.main.split()[:2])) or "p" + _slug(doc.paper_id)
    for c in claims:
        what = _slug(c.metric or c.unit)
        parts = [short, what]
        if c.baseline:
            parts += ["vs", _slug(c.baseline)]
        if c.subject and c.subject != doc.main:
            parts.insert(1, _slug(c.subject))
        base = "-".join(p for p in parts if p)
        base = re.sub(r"-+", "-", base)[:70].strip("-")
        cid, n = base, 2
        while cid in taken:
            cid, n = f"{base}-{n}", n + 1
        taken.add(cid)
        c.claim_id = cid


def _row(doc: Abstract, c: _Claim) -> dict | None:
    a, b = c.quote
    quote = doc.verbatim(a, b)
    if not _quote_prints(quote, c):
        a, b = doc.sentence(c.mention.start)
        quote = doc.verbatim(a, b).strip()
        if not _quote_prints(quote, c):
            return None  # cannot happen for a number read from the abstract; never emit a row L202 refuses
    context = "; ".join(dict.fromkeys(x for x in c.context if x and x not in (c.subject, c.baseline)))
    return {"claim_id": c.claim_id, "paper_id": doc.paper_id, "subject": c.subject, "metric": c.metric,
            "value": c.value, "unit": c.unit, "baseline": c.baseline, "context": context, "qualifier": c.qualifier,
            "reading": c.reading, "alternative_unit": c.alternative_unit, "quote": quote, "status": "draft",
            "notes": "; ".join(["drafted by ledger extract", *c.notes])}


def _group_lists(doc: Abstract, rows: list[tuple[_Claim, dict]], vocab: Vocabulary, taken: set[str]) -> None:
    """The drafts of one "respectively" list share a group id (`<paper>-<metric>-respectively`, unique in
    the ledger), set only where the rows pass L505 and L506 as drafted: two or more rows of one quote, told
    apart by a paired column whose entities the quote prints in the order of the values."""
    from .validators.groups import layout, misorders, paired_columns

    lists: dict[int, list[dict]] = {}
    for c, r in rows:
        if c.list_at is not None:
            lists.setdefault(c.list_at, []).append(r)
    short = _slug(" ".join(doc.main.split()[:2])) or "p" + _slug(doc.paper_id)
    for members in lists.values():
        quote = normalise(members[0]["quote"])
        if len(members) < 2 or any(normalise(r["quote"]) != quote for r in members):
            continue
        entities = paired_columns(members, quote, vocab.spellings)
        mentions = read_numbers(quote)
        places = [[(x.start, x.end) for x in mentions if x.value.lstrip("-") == r["value"].lstrip("-")] for r in members]
        value_at, entity_at = layout(quote, places, entities, vocab.spellings)
        if not entities or None in value_at or any(None in at or len(set(entities[col])) < len(members) or "" in entities[col]
                                                   or misorders(value_at, at, entities[col]) for col, at in entity_at.items()):
            continue
        what = members[0]["metric"] or members[0]["unit"]
        base = re.sub(r"-+", "-", f"{short}-{what.replace('_', '-')}-respectively")
        gid, n = base, 2
        while gid in taken:
            gid, n = f"{base}-{n}", n + 1
        taken.add(gid)
        for r in members:
            r["group"] = gid


def _quote_prints(quote: str, c: _Claim) -> bool:
    """The quote, read on its own, prints the value (sign aside, same precision) with a marker the unit allows."""
    want = c.value.lstrip("-")
    return any(m.value.lstrip("-") == want and m.marker in MARKERS_ALLOWED[c.unit] for m in read_numbers(normalise(quote)))


# ---------------------------------------------------------------------------------------------------
# Relations


def _relations(doc: Abstract, claims: list[_Claim], vocab: Vocabulary, taken: set[str]) -> list[dict]:
    out = []
    t = doc.text

    def add(name: str, formula: str, description: str) -> None:
        rid, n = _slug(f"{name}"), 2
        base = rid
        while rid in taken:
            rid, n = f"{base}-{n}", n + 1
        taken.add(rid)
        out.append({"relation_id": rid, "formula": formula, "description": description + " (drafted by ledger extract)"})

    counts = [c for c in claims if c.unit == "count" and c.metric and c.head]
    for total in counts:
        for i, x in enumerate(counts):
            for y in counts[i + 1:]:
                if len({x.metric, y.metric, total.metric}) == 1 and total not in (x, y) and \
                        x.head == y.head == total.head and _num(x.value) + _num(y.value) == _num(total.value) and \
                        doc.sentence(x.mention.start) == doc.sentence(y.mention.start):
                    add(f"{total.claim_id}-parts", f"{{{x.claim_id}}} + {{{y.claim_id}}} == {{{total.claim_id}}}",
                        f"the {x.mention.printed} {x.phrase} and the {y.mention.printed} {y.phrase} are the "
                        f"{total.mention.printed} {total.phrase}")
    for m in re.finditer(r"\bfrom\s+", t):
        nums = [c for c in claims if c.mention.start >= m.end() and c.mention.start < m.end() + 120]
        if len(nums) < 3 or not re.match(r"\s*to\s+$", t[nums[0].mention.end: nums[1].mention.start]):
            continue
        lo, hi, gain = nums[0], nums[1], nums[2]
        if lo.unit != "percent" or hi.unit != "percent" or doc.sentence(gain.mention.start) != doc.sentence(lo.mention.start):
            continue
        if gain.unit == "pp":
            add(f"{gain.claim_id}-from-to", f"{{{hi.claim_id}}} - {{{lo.claim_id}}} == {{{gain.claim_id}}}",
                f"the gain of {gain.mention.printed} is the difference from {lo.mention.printed} to {hi.mention.printed}")
        elif gain.unit == "relative_percent":
            add(f"{gain.claim_id}-from-to", f"({{{hi.claim_id}}} - {{{lo.claim_id}}}) / {{{lo.claim_id}}} * 100 == {{{gain.claim_id}}}",
                f"the relative gain of {gain.mention.printed} from {lo.mention.printed} to {hi.mention.printed}")
    for r in claims:
        if r.unit != "relative_percent" or not r.value.startswith("-") or not r.metric:
            continue
        if vocab.metrics[r.metric].direction != "lower":
            continue
        for s in claims:
            if s.unit == "ratio" and s.metric and vocab.metrics[s.metric].direction == "higher" and \
                    doc.sentence(s.mention.start) == doc.sentence(r.mention.start) and s is not r:
                add(f"{s.claim_id}-from-reduction", f"100 / (100 + {{{r.claim_id}}}) == {{{s.claim_id}}}",
                    f"a {r.mention.printed} reduction of {r.metric} is a {s.mention.printed} speed-up")
    return out


def _num(value: str):
    parsed = parse_value(value)
    return parsed[0] if parsed else None


# ---------------------------------------------------------------------------------------------------
# Ledger in, rows out


def ledger_tables(ledger) -> dict[str, list[dict]]:
    """The tables extract reads, as lists of row dicts, from a loaded ledger (ledger.model.Ledger)."""
    names = {"papers": "papers", "claims": "claims", "skips": "skips", "metrics": "metrics",
             "entities": "entities", "relations": "relations"}
    return {k: ledger[v].to_dict("records") for k, v in names.items()}


TABLES = {"claims": "claims", "skips": "skips", "relations": "relations"}


def render(rows: list[dict], table: str, fmt: str) -> str:
    """Draft rows as CSV with the table's columns (canonical quoting, ledger/fmt.py), or a JSON list of objects."""
    import json

    from .fmt import render_record
    from .layout import SPEC

    columns = SPEC[TABLES[table]].columns
    if fmt == "json":
        return json.dumps([{c: r.get(c, "") for c in columns} for r in rows], indent=2, ensure_ascii=False) + "\n"
    return render_record(columns) + "".join(render_record([r.get(c, "") for c in columns]) for r in rows)


def write_drafts(layout, drafts: Drafts) -> dict[str, int]:
    """Append the drafts to claims.csv, coverage_skips.csv and relations.csv (ledger/append.py): existing
    rows are never changed. Every table is checked before any is written, so a refusal writes nothing."""
    from .append import append_rows, check_appendable
    from .layout import SPEC

    todo = [(name, getattr(drafts, attr)) for name, attr in (("claims", "claims"), ("skips", "skips"),
                                                             ("relations", "relations")) if getattr(drafts, attr)]
    for name, _ in todo:
        check_appendable(layout.paths[name], SPEC[name])
    return {name: append_rows(layout.paths[name], SPEC[name], rows) for name, rows in todo}
