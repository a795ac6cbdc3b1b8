"""ledger.contexts: context items, their comparison key, and entity names inside an item (L509)."""

from __future__ import annotations

import pytest

from ledger import Layout
from ledger.contexts import context_keys, inline_entities, items
from ledger.engine import load

ENTITIES = ("entity,kind,aliases\nBenchA,benchmark,Bench-A\nFastNet,method,Fast-Net|FastNetwork\nSlowNet,method,\n"
            "H100,hardware,NVIDIA H100\nT4,hardware,\nGPT-4,model,GPT4\nGPT-4o,model,\nOPT,model,OPT models\n"
            "OPT-125M,model,\nother methods,method,\n")


@pytest.fixture
def ledger(ledger_dir):
    (ledger_dir / "vocab" / "entities.csv").write_text(ENTITIES, encoding="utf-8")
    return load(Layout.find(root=ledger_dir))[0]


def test_items_are_stripped_and_empty_ones_dropped():
    assert items(" BenchA ;; zero-shot ; ") == ["BenchA", "zero-shot"]
    assert items("") == []


def test_keys_ignore_order_and_alias_spelling(ledger_dir):
    claims = ledger_dir / "claims.csv"
    text = claims.read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace(",BenchA,", ",zero-shot; Bench-A,")  # fastnet-accuracy
    text[2] = text[2].replace(",BenchA,", ",BenchA; zero-shot,")  # fastnet-accuracy-vs-slownet
    text[7] = text[7].replace(",BenchA,", ",bench a; few-shot,")  # slownet-accuracy: a folded variant, another item
    claims.write_text("\n".join(text) + "\n", encoding="utf-8")
    keys = context_keys(load(Layout.find(root=ledger_dir))[0])
    assert keys[0] == keys[1] == "BenchA; zero-shot"
    assert keys[6] == "BenchA; few-shot"
    assert keys[2] == ""


@pytest.mark.parametrize("item, found", [
    ("8 H100 GPUs", [("H100", "H100")]),
    ("NVIDIA H100 cluster", [("NVIDIA H100", "H100")]),  # the longest spelling wins
    ("BenchA and SlowNet prompts", [("BenchA", "BenchA"), ("SlowNet", "SlowNet")]),
    ("GPT-4o outputs", [("GPT-4o", "GPT-4o")]),  # not GPT-4
    ("GPT-4 outputs", [("GPT-4", "GPT-4")]),
    ("OPT-125M runs", [("OPT-125M", "OPT-125M")]),  # not OPT
    ("BERT and OPT models", [("OPT models", "OPT")]),
    ("2 T4 cards", [("T4", "T4")]),
    ("T4-like hardware", []),  # a two-character name only between spaces or commas
    ("HingBenchA scores", []),  # not inside a longer word
    ("fastnetwork-style pruning", []),  # case-sensitive inside an item
    ("better than other methods", []),  # a phrase of common words counts only as a whole item
    ("zero-shot", []),
])
def test_entities_inside_an_item(ledger, item, found):
    assert inline_entities(ledger, item) == found
