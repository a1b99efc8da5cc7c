"""Customer message intents (rules.md section 3).

The lexicon is the spec's, phrase for phrase. Matching is case-insensitive, tolerant of repeated
whitespace and of typographic apostrophes ("haven\u2019t"), and anchored at the start of a word so that
"indisputable" is not a dispute threat while "disputed" and "refunds" still count.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cases.assessment.facts import CustomerMessage
from cases.assessment.vocabulary import (
    DISPUTE_THREAT,
    INBOUND,
    NOT_RECEIVED,
    REFUND_REQUEST,
    WHERE_IS_ORDER,
)

LEXICON: dict[str, tuple[str, ...]] = {
    DISPUTE_THREAT: (
        "chargeback",
        "charge back",
        "dispute",
        "paypal claim",
        "open a claim",
        "my bank",
        "credit card company",
    ),
    REFUND_REQUEST: ("refund", "money back", "reimburse"),
    NOT_RECEIVED: (
        "not received",
        "never received",
        "haven't received",
        "have not received",
        "didn't receive",
        "did not receive",
        "never arrived",
        "didn't arrive",
        "did not arrive",
        "nothing arrived",
        "no package",
    ),
}


def _phrase_pattern(phrase: str) -> str:
    words = phrase.split()
    return r"\b" + r"\s+".join(re.escape(word) for word in words)


_PATTERNS: dict[str, re.Pattern[str]] = {
    intent: re.compile("|".join(_phrase_pattern(p) for p in phrases), re.IGNORECASE)
    for intent, phrases in LEXICON.items()
}


def _normalize(text: str) -> str:
    # Phones and mail clients type curly apostrophes; the lexicon is written with straight ones.
    return text.replace("\u2019", "'").replace("\u2018", "'")


# A case's messages are read again at each instant the scheduler reads it, and many customers write the
# same few sentences.
@lru_cache(maxsize=1024)
def read_intents(text: str) -> frozenset[str]:
    """The intents of an inbound message read from its text; always includes `where_is_order`."""
    normalized = _normalize(text or "")
    found = {intent for intent, pattern in _PATTERNS.items() if pattern.search(normalized)}
    return frozenset(found | {WHERE_IS_ORDER})


def message_intents(message: CustomerMessage) -> frozenset[str]:
    """The intents of one message (section 3).

    Outbound messages are ours and carry no customer intent. For an inbound message, explicit intents
    replace reading the text, but `where_is_order` is added anyway: the spec says every inbound message
    has it, always.
    """
    if message.direction != INBOUND:
        return frozenset()
    if message.intents is not None:
        return frozenset(message.intents) | {WHERE_IS_ORDER}
    return read_intents(message.text)
