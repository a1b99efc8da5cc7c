"""The reply guard of rules.md section 8: what a customer reply may never say.

`check_draft` is the one check for generated drafts and for text staff edited before it is marked as
sent. Matching is case-insensitive, tolerant of any run of whitespace between words and of typographic
apostrophes, and bounded at word edges ("unshipped" is not "shipped").

Decisions where section 8 gives a list and leaves its edges open:
- The listed phrases are blocked wherever they appear, negated or not: "we cannot guarantee" and
  "we cannot offer a full refund" are blocked too. A guard that tries to read negation lets
  "we can't not guarantee..." through; the careful wording is "we cannot give a delivery date yet".
- Obvious variants of the listed phrases are blocked as the phrases themselves: "guarantees",
  "guaranteeing"; "it'll arrive", "will definitely arrive", "will be arriving"; "we'll refund",
  "we will issue a refund", "you'll be reimbursed", "you will receive a replacement", "refunds have been",
  "we've refunded", "store credit have been".
- On a label-only case without pickup proof the family of "shipped" is blocked: "shipped", "dispatched"
  (the same claim in British English), "on its way" / "on it's way" / "on the way", and "in transit" written
  with a space, a hyphen or nothing. "shipping label" is allowed: it names the label, not the parcel.
- "Says that refunds are reviewed" is checked as: the text contains "review" (any form: reviewed, reviewing).

Speed: a draft is checked in pieces cut at punctuation that no blocked phrase can contain (`_CUTS`), and
each piece's findings are remembered, because generated drafts are the same sentences again and again
with a different order number or date. A cut character is not a word character, so `\b` reads the edge
of a piece exactly as it reads the cut, and a phrase never spans one: the findings are those of the whole
text, in the same order. tests/cases/assessment/test_guard_pieces.py checks that against whole-text matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache

from cases.assessment.derived import Derived
from cases.assessment.facts import CaseFacts
from cases.assessment.standing import assess_standing
from cases.assessment.vocabulary import FLAG_LABEL_ONLY

# Codes of the four rules of section 8.
DELIVERY_PROMISE = "delivery_promise"
MONEY_PROMISE = "money_promise"
UNPROVEN_SHIPPING = "unproven_shipping"
REFUND_REVIEW_MISSING = "refund_review_missing"

_WILL = r"(?:\bwill|\bshall|'ll)"
_ADVERB = r"(?:\s+(?:definitely|surely|certainly|soon|probably|fully|gladly|happily|immediately))?"
_MONEY_THING = r"(?:full\s+|partial\s+)?(?:refund|replacement|store\s+credit|credit|discount|reimbursement)"

_DELIVERY_PATTERNS: tuple[str, ...] = (
    _WILL + _ADVERB + r"\s+arrive\b",
    _WILL + _ADVERB + r"\s+be\s+(?:delivered|arriving)\b",
    r"\bguarantee(?:s|d|ing)?\b",
)

_MONEY_PATTERNS: tuple[str, ...] = (
    r"\bwe\s*" + _WILL + _ADVERB + r"\s+(?:refund|replace|reimburse)\b",
    r"\bwe\s*"
    + _WILL
    + r"\s+(?:issue|send|process|give|offer)\s+(?:you\s+)?(?:a\s+|an\s+|your\s+)?"
    + _MONEY_THING,
    r"\byou\s*" + _WILL + _ADVERB + r"\s+be\s+(?:refunded|reimbursed|compensated)\b",
    r"\byou\s*" + _WILL + r"\s+(?:receive|get)\s+(?:a\s+|an\s+|your\s+)?" + _MONEY_THING,
    r"\brefunds?\s+(?:has|have)\s+been\b",
    r"\b(?:we\s+have|we've)" + _ADVERB + r"\s+(?:refunded|reimbursed)\b",
    r"\bfull\s+refund",
    r"\bstore\s+credit\s+(?:has|have)\s+been\b",
)

_SHIPPING_PATTERNS: tuple[str, ...] = (
    r"\bshipped\b",
    r"\bdispatched\b",
    r"\bon\s+(?:its|it's|the)\s+way\b",
    r"\bin[\s-]*transit\b",
)


def _compile(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


_DELIVERY = _compile(_DELIVERY_PATTERNS)
_MONEY = _compile(_MONEY_PATTERNS)
_SHIPPING = _compile(_SHIPPING_PATTERNS)
_REVIEW = re.compile(r"review", re.IGNORECASE)

# Punctuation that none of the patterns above can match: they match letters, whitespace, apostrophes
# and hyphens only. Checked when the module loads, so a pattern edited to match one of these (or any
# character at all, with ".", \W, \S, \D or a negated class) fails loudly instead of being missed.
_CUT_CHARACTERS = '.,;!#"'
_CUTS = re.compile("[" + re.escape(_CUT_CHARACTERS) + "]")
_ALL: tuple[re.Pattern[str], ...] = (*_DELIVERY, *_MONEY, *_SHIPPING)
# The rule each pattern of `_ALL` belongs to.
_CODES: tuple[str, ...] = (
    (DELIVERY_PROMISE,) * len(_DELIVERY)
    + (MONEY_PROMISE,) * len(_MONEY)
    + (UNPROVEN_SHIPPING,) * len(_SHIPPING)
)
for _pattern in _ALL:
    if any(c in _pattern.pattern for c in _CUT_CHARACTERS) or re.search(r"\\[WSD]|\[\^", _pattern.pattern):
        raise AssertionError(f"guard pattern {_pattern.pattern!r} could match a cut character")
# Matches somewhere exactly when one of `_ALL` does: most pieces hold no blocked phrase, and one search
# says so faster than one per pattern.
_ANY = re.compile("|".join(f"(?:{pattern.pattern})" for pattern in _ALL), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class GuardContext:
    """The three facts the guard needs, got one way for generated and edited text alike."""

    label_only: bool
    has_pickup_proof: bool
    refund_requested: bool

    def kwargs(self) -> dict[str, bool]:
        """The context as `check_draft`'s keyword arguments."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


def _normalize(text: str) -> str:
    return (text or "").replace("\u2019", "'").replace("\u2018", "'")


@lru_cache(maxsize=4096)
def _piece_phrases(piece: str) -> tuple[tuple[int, str], ...]:
    """(index in `_ALL`, blocked phrase with its whitespace collapsed) of every match in one piece."""
    if _ANY.search(piece) is None:
        return ()
    return tuple(
        (index, " ".join(match.group(0).split()))
        for index, pattern in enumerate(_ALL)
        for match in pattern.finditer(piece)
    )


def _phrases(text: str) -> list[tuple[int, str]]:
    """Every blocked phrase of `text`, pattern by pattern in `_ALL` order, each in text order."""
    found = [hit for piece in _CUTS.split(text) for hit in _piece_phrases(piece)]
    found.sort(key=lambda hit: hit[0])  # stable: pieces, and so matches, stay in text order
    return found


@dataclass(frozen=True, slots=True)
class Violation:
    """One breach of section 8: its code and a sentence that quotes the phrase."""

    code: str
    message: str


def _found(phrases: list[tuple[int, str]], code: str, why: str) -> list[Violation]:
    return [Violation(code, f'says "{phrase}": {why}') for index, phrase in phrases if _CODES[index] == code]


def check_draft(
    text: str, *, label_only: bool, has_pickup_proof: bool, refund_requested: bool
) -> list[Violation]:
    """Every breach of section 8 in `text`, in the order of the section; empty means the text may go."""
    normalized = _normalize(text)
    phrases = _phrases(normalized)
    violations = _found(
        phrases,
        DELIVERY_PROMISE,
        "a reply never promises a delivery date or outcome",
    )
    violations += _found(
        phrases,
        MONEY_PROMISE,
        "a reply never promises money, replacements or store credit; the owner decides those",
    )
    if label_only and not has_pickup_proof:
        violations += _found(
            phrases,
            UNPROVEN_SHIPPING,
            "the carrier has only a label and the supplier has no pickup proof, so nothing says it moved",
        )
    if refund_requested and not _REVIEW.search(normalized):
        violations.append(
            Violation(
                REFUND_REVIEW_MISSING,
                "the customer asked for a refund, so the reply must say refunds are reviewed "
                '(the word "review")',
            )
        )
    return violations


def context_of(flags, derived: Derived) -> GuardContext:
    """The guard context of an assessment: label_only from its flags, the rest from its derived facts."""
    return GuardContext(
        label_only=FLAG_LABEL_ONLY in flags,
        has_pickup_proof=derived.pickup_proof is not None,
        refund_requested=derived.refund_requested,
    )


def guard_context(source, as_of: datetime | None = None) -> GuardContext:
    """The guard's three facts from a packet, or from case facts at `as_of` (e.g. when staff send an edit).

    From a packet: what the assessment saw at the packet's as_of. From facts: the same derivation the
    assessment uses, at the given as_of (required), so an edit sent days later is checked against the
    facts of that day.
    """
    if isinstance(source, CaseFacts):
        if as_of is None:
            raise ValueError("guard_context(facts) needs the as_of to read the facts at")
        standing = assess_standing(source, as_of)
        return context_of(standing.flags, standing.derived)
    guard = getattr(source, "guard", None)  # a Packet; not imported here because packet.py imports us
    if isinstance(guard, GuardContext):
        return guard
    raise TypeError(f"guard_context takes a Packet or CaseFacts, not {type(source).__name__}")
