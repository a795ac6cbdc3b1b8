"""Coverage: every number of an abstract is stated by a claim or skipped with a reason."""

from ledger.coverage import NumberUse, number_uses, uncovered, unused_skips

ABSTRACT = (
    "Commercial LLMs like GPT-4 powering ChatGPT dominate. BLEnD comprises 52.6k question-answer pairs "
    "from 16 countries. MEMO reaches an MFU of 52.30%. It can reduce INT8 latency by 23% and trains on "
    "3 datasets, then 3 more."
)
PAPERS = [
    {"paper_id": "p1", "title": "T", "year": "2024", "url": "", "abstract": ABSTRACT},
    {"paper_id": "p2", "title": "U", "year": "2024", "url": "", "abstract": "No numbers here."},
]


def claim(cid, value, quote, paper_id="p1", unit=""):
    return {"claim_id": cid, "paper_id": paper_id, "value": value, "unit": unit, "quote": quote}


def skip(number, context, reason="model name", paper_id="p1"):
    return {"paper_id": paper_id, "number": number, "context": context, "reason": reason}


def use(uses, printed, nth=0):
    return [u for u in uses if u.printed == printed][nth]


def test_covered_skipped_and_uncovered():
    claims = [
        claim("c1", "52.6e3", "comprises 52.6k question-answer pairs"),  # the multiplier matters: 52.6e3 is 52.6k
        claim("c2", "52.30", "an MFU of 52.30%", unit="%"),
        claim("c3", "-23", "reduce INT8 latency by 23%", unit="%"),  # a decrease stored negative still covers 23%
    ]
    skips = [skip("4", "GPT-4 powering")]
    uses = number_uses(PAPERS, claims, skips)

    assert [u.printed for u in uses] == ["4", "52.6k", "16", "52.30%", "8", "23%", "3", "3"]
    assert use(uses, "52.6k").covered_by == ("c1",)
    assert use(uses, "52.30%").covered_by == ("c2",)
    assert use(uses, "23%").covered_by == ("c3",)
    assert use(uses, "4").skipped_by == "model name" and use(uses, "4").covered_by == ()

    gap = uncovered(uses)
    assert [u.printed for u in gap] == ["16", "8", "3", "3"]  # the uncovered numbers are reported
    first = gap[0]
    assert isinstance(first, NumberUse) and ABSTRACT[first.start : first.end] == "16"
    assert (first.paper_id, first.value, first.skipped_by) == ("p1", "16", None)


def test_values_compare_as_numbers():
    claims = [
        claim("same", "16.0", "from 16 countries"),  # values compare as numbers: 16.0 covers 16
        claim("rounded", "52.3", "an MFU of 52.30%"),  # equal as a number, so it covers
        claim("thousand", "52.6", "comprises 52.6k question-answer pairs"),  # the multiplier dropped: 52.6 != 52600
    ]
    uses = number_uses(PAPERS, claims, [])
    assert use(uses, "16").covered_by == ("same",)
    assert use(uses, "52.30%").covered_by == ("rounded",)
    assert use(uses, "52.6k").covered_by == ()
    assert "52.6k" in [u.printed for u in uncovered(uses)]


def test_claim_with_wrong_value_does_not_cover():
    uses = number_uses(PAPERS, [claim("wrong", "61", "from 16 countries")], [])
    assert use(uses, "16").covered_by == ()
    assert use(uses, "16") in uncovered(uses)


def test_quote_must_span_the_token():
    claims = [
        claim("cut", "52.30", "an MFU of 52.30"),  # the quote stops before the % sign, so it does not span 52.30%
        claim("elsewhere", "16", "BLEnD comprises"),  # right value, but the quote is not around the token
        claim("missing", "16", "from 16 nations"),  # the quote is not in the abstract at all
        claim("other-paper", "16", "from 16 countries", paper_id="p2"),
    ]
    uses = number_uses(PAPERS, claims, [])
    assert use(uses, "52.30%").covered_by == ()
    assert use(uses, "16").covered_by == ()


def test_repeated_quote_covers_every_occurrence():
    claims = [claim("c", "3", "3")]  # "3" occurs twice in the abstract; each occurrence states a 3
    uses = number_uses(PAPERS, claims, [])
    assert use(uses, "3", 0).covered_by == ("c",) and use(uses, "3", 1).covered_by == ("c",)


def test_skip_names_the_token_at_its_place():
    skips = [
        skip("3", "then 3 more", reason="a repeat"),  # only the second 3
        skip("52.30", "MFU of 52.30%", reason="numeric part of 52.30%"),
    ]
    uses = number_uses(PAPERS, [], skips)
    assert use(uses, "3", 0).skipped_by is None
    assert use(uses, "3", 1).skipped_by == "a repeat"
    assert use(uses, "52.30%").skipped_by == "numeric part of 52.30%"


def test_unused_skips_are_stale():
    fine = skip("4", "GPT-4 powering")
    skips = [
        fine,
        skip("5", "GPT-5 powering"),  # context no longer in the abstract
        skip("16", "GPT-4 powering"),  # context found, but the number is not in it
        skip("4", "GPT-4 powering", paper_id="nope"),  # unknown paper
        skip("52.3", "MFU of 52.30%"),  # a different precision is a different number
    ]
    assert unused_skips(PAPERS, skips) == skips[1:]
    assert use(number_uses(PAPERS, [], skips[1:]), "4").skipped_by is None


def test_empty_inputs_and_missing_cells():
    assert number_uses([], [], []) == []
    assert number_uses([{"paper_id": "p", "abstract": None}], [], []) == []
    uses = number_uses(PAPERS, [{"claim_id": "x", "paper_id": "p1", "value": "", "quote": ""}], [{"paper_id": "p1"}])
    assert len(uncovered(uses)) == len(uses) == 8
    assert unused_skips(PAPERS, [{"paper_id": "p1"}]) == [{"paper_id": "p1"}]
