"""The reply guard checks a text piece by piece (guard.py) and finds what whole-text matching finds.

The reference below is the guard of rules.md section 8 matched over the whole text, pattern by pattern;
texts are built from the guard's own phrases, near misses, cut characters, other punctuation, odd
whitespace, curly apostrophes and letters that fold to ASCII ones under IGNORECASE.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cases.assessment.guard import (
    _DELIVERY,
    _MONEY,
    _REVIEW,
    _SHIPPING,
    DELIVERY_PROMISE,
    MONEY_PROMISE,
    REFUND_REVIEW_MISSING,
    UNPROVEN_SHIPPING,
    check_draft,
)

WORDS = (
    "we", "We", "will", "WILL", "shall", "'ll", "\u2019ll", "it", "you", "arrive", "arriving", "be",
    "delivered", "guarantee", "Guaranteed", "guarantees", "refund", "refunds", "refunded", "reimburse",
    "reimbursed", "replace", "replacement", "issue", "send", "give", "a", "your", "full", "partial",
    "store", "credit", "discount", "has", "have", "been", "we've", "we\u2019ve", "definitely", "soon",
    "shipped", "SHIPPED", "dispatched", "on", "its", "it's", "it\u2019s", "the", "way", "in", "transit",
    "in-transit", "intransit", "review", "reviewed", "None", "order", "#B000123", "2026", "unshipped",
    "\u017fhipped", "\u212aind", "s", "be\u00a0delivered",
)  # fmt: skip
# Between words: spaces and other whitespace, the cut characters, and punctuation that is not cut.
GAPS = (
    " ", "  ", "\n", "\n\n", "\t", "\u00a0", ".", ",", ";", "!", "#", '"', ":", "?", "-", "'", "(", ")", "",
)  # fmt: skip


def whole_text_check(text: str, *, label_only: bool, has_pickup_proof: bool, refund_requested: bool):
    normalized = (text or "").replace("\u2019", "'").replace("\u2018", "'")
    rules = [(_DELIVERY, DELIVERY_PROMISE), (_MONEY, MONEY_PROMISE)]
    if label_only and not has_pickup_proof:
        rules.append((_SHIPPING, UNPROVEN_SHIPPING))
    found = []
    for patterns, code in rules:
        for pattern in patterns:
            for match in pattern.finditer(normalized):
                found.append((code, " ".join(match.group(0).split())))
    if refund_requested and not _REVIEW.search(normalized):
        found.append((REFUND_REVIEW_MISSING, None))
    return found


texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(GAPS)), max_size=30).map(
    lambda parts: "".join(word + gap for word, gap in parts)
)


@settings(max_examples=400, deadline=None)
@given(text=texts, label_only=st.booleans(), has_pickup_proof=st.booleans(), refund_requested=st.booleans())
def test_piecewise_guard_finds_what_whole_text_matching_finds(
    text, label_only, has_pickup_proof, refund_requested
):
    context = {
        "label_only": label_only,
        "has_pickup_proof": has_pickup_proof,
        "refund_requested": refund_requested,
    }
    violations = check_draft(text, **context)
    found = [
        (v.code, v.message.split('"')[1] if v.code != REFUND_REVIEW_MISSING else None) for v in violations
    ]
    assert found == whole_text_check(text, **context)
