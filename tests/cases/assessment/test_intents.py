"""rules.md section 3: the intent lexicon of inbound customer messages."""

from __future__ import annotations

import pytest

from cases.assessment import message_intents, read_intents
from cases.assessment.intents import LEXICON
from tests.helpers.case_pieces import at, inbound, outbound
from tests.helpers.spec_tables import SPEC_INTENT_LEXICON

PHRASES = [(intent, phrase) for intent, phrases in LEXICON.items() for phrase in phrases]


def test_lexicon_is_exactly_the_spec_lexicon():
    assert LEXICON == SPEC_INTENT_LEXICON


@pytest.mark.parametrize(("intent", "phrase"), PHRASES, ids=[p for _, p in PHRASES])
def test_each_lexicon_phrase_gives_its_intent(intent, phrase):
    assert intent in read_intents(f"Hello. {phrase} - please help.")


@pytest.mark.parametrize(("intent", "phrase"), PHRASES, ids=[p for _, p in PHRASES])
def test_each_lexicon_phrase_matches_case_insensitively(intent, phrase):
    assert intent in read_intents(phrase.upper())


def test_every_inbound_message_is_where_is_order():
    assert read_intents("Thanks!") == frozenset({"where_is_order"})
    assert read_intents("") == frozenset({"where_is_order"})


def test_typographic_apostrophe_and_extra_spaces_still_match():
    assert "not_received" in read_intents("I haven\u2019t   received it")


def test_phrase_inside_another_word_does_not_match():
    assert "dispute_threat" not in read_intents("That is indisputable, thanks")


def test_inflected_forms_match():
    assert "refund_request" in read_intents("Can I be refunded?")
    assert "dispute_threat" in read_intents("I disputed the charge")


def test_one_message_can_carry_several_intents():
    assert read_intents("Never arrived. Refund or I call my bank.") == frozenset(
        {"where_is_order", "not_received", "refund_request", "dispute_threat"}
    )


def test_explicit_intents_override_reading_the_text():
    message = inbound(at(1), "I want a refund", intents=frozenset({"not_received"}))
    assert message_intents(message) == frozenset({"not_received", "where_is_order"})


def test_explicit_empty_intents_still_mean_where_is_order():
    assert message_intents(inbound(at(1), "refund now", intents=frozenset())) == frozenset({"where_is_order"})


def test_outbound_messages_have_no_intents():
    assert message_intents(outbound(at(1), "We will review your refund request")) == frozenset()
