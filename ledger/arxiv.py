"""A paper's row of papers.csv from arXiv's API (the Atom feed of export.arxiv.org/api/query).

Only the standard library: one HTTPS request with a timeout (`fetch_atom`) and `xml.etree` for the feed
(`parse_atom`). Whitespace folding, documented here because quotes are checked against the result: the
feed wraps the title and the abstract over several lines; each line break, with the white space around
it, becomes one space, and the ends are stripped. Nothing else is changed: LaTeX, double spaces within
a line and typos stay as the feed gives them.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass

__all__ = ["API", "ArxivError", "Entry", "fetch_atom", "fold", "paper_row", "parse_atom", "split_id"]

API = "https://export.arxiv.org/api/query"
NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
_ID = re.compile(r"(?P<base>[0-9]{4}\.[0-9]{4,5}|[a-z][a-z.-]*(?:\.[A-Z]{2})?/[0-9]{7})(?P<version>v[0-9]+)?")


class ArxivError(Exception):
    """arXiv could not be asked, or did not answer with the paper; the message is one line."""


@dataclass(frozen=True)
class Entry:
    arxiv_id: str  # as the feed's <id> gives it, version included
    title: str
    abstract: str
    published: str


def split_id(arxiv_id: str) -> tuple[str, str]:
    """(id without version, version or "") of an arXiv id; ValueError when it is not one."""
    m = _ID.fullmatch(arxiv_id.strip())
    if m is None:
        raise ValueError(f"{arxiv_id!r} is not an arXiv id (like 2407.12117, 2407.12117v2 or hep-th/9901001)")
    return m.group("base"), m.group("version") or ""


def fold(text: str) -> str:
    """Each line break and the white space around it becomes one space; the ends are stripped."""
    return re.sub(r"[ \t]*(?:\r\n|\r|\n)[ \t\r\n]*", " ", text).strip()


def fetch_atom(arxiv_id: str, timeout: float = 30.0) -> bytes:
    """The API's answer for one id, over HTTPS."""
    url = f"{API}?{urllib.parse.urlencode({'id_list': arxiv_id})}"
    request = urllib.request.Request(url, headers={"User-Agent": "claims-ledger (ledger add-paper)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as e:
        raise ArxivError(f"arXiv answered {e.code} {e.reason} for {arxiv_id}") from None
    except urllib.error.URLError as e:
        raise ArxivError(f"cannot reach arXiv ({API}): {e.reason}") from None
    except TimeoutError:
        raise ArxivError(f"arXiv did not answer within {timeout:g} s") from None
    except OSError as e:
        raise ArxivError(f"cannot reach arXiv ({API}): {e}") from None


def _text(entry: ET.Element, tag: str) -> str:
    node = entry.find(tag, NS)
    return node.text or "" if node is not None else ""


def parse_atom(xml: bytes | str, arxiv_id: str) -> Entry:
    """The entry of `arxiv_id` in an API response; ArxivError for a feed that is not one, an arXiv error
    entry, or no entry for the id."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as e:
        raise ArxivError(f"the arXiv response is not valid XML ({e})") from None
    if root.tag != f"{{{NS['atom']}}}feed":
        raise ArxivError("the arXiv response is not an Atom feed")
    base, _ = split_id(arxiv_id)
    for entry in root.findall("atom:entry", NS):
        entry_id = _text(entry, "atom:id").strip()
        if "/api/errors" in entry_id:  # arXiv reports a bad query as an entry titled "Error"
            raise ArxivError(f"arXiv error for {arxiv_id}: {fold(_text(entry, 'atom:summary')) or 'unknown'}")
        found = entry_id.rsplit("/abs/", 1)[-1]
        if _ID.fullmatch(found) and split_id(found)[0] == base:
            title, abstract = fold(_text(entry, "atom:title")), fold(_text(entry, "atom:summary"))
            published = _text(entry, "atom:published").strip()
            if not title or not abstract or not re.match(r"(?:19|20)[0-9]{2}-", published):
                raise ArxivError(f"the arXiv entry of {arxiv_id} lacks a title, an abstract or a publication date")
            return Entry(found, title, abstract, published)
    raise ArxivError(f"arXiv has no paper {arxiv_id}")


def paper_row(entry: Entry, paper_id: str) -> dict[str, str]:
    """The papers.csv row: the id and URL without version (as the ledger's rows are), the year published."""
    return {"paper_id": paper_id, "title": entry.title, "year": entry.published[:4],
            "url": f"https://arxiv.org/abs/{paper_id}", "abstract": entry.abstract}
