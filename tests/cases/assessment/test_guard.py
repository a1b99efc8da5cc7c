"""rules.md section 8: the reply guard."""

from __future__ import annotations

import pytest

from cases.assessment import assess, check_draft, guard_context
from cases.assessment.guard import (
    DELIVERY_PROMISE,
    MONEY_PROMISE,
    REFUND_REVIEW_MISSING,
    UNPROVEN_SHIPPING,
    GuardContext,
)
from tests.helpers.case_builders import in_transit_case, label_case
from tests.helpers.case_pieces import at, evidence, inbound

PLAIN = {"label_only": False, "has_pickup_proof": False, "refund_requested": False}
LABEL_ONLY = {"label_only": True, "has_pickup_proof": False, "refund_requested": False}


def codes(text, **context):
    return [v.code for v in check_draft(text, **{**PLAIN, **context})]


@pytest.mark.parametrize(
    "phrase",
    [
        "will arrive",
        "will be delivered",
        "guarantee",
        "guaranteed",
        "It WILL   ARRIVE on Monday",
        "it'll arrive soon",
        "it\u2019ll be delivered",
        "will definitely arrive",
        "will be arriving",
        "we guarantee it",
        "Delivery is guaranteed",
        "we cannot guarantee anything",
    ],
)
def test_guard_rejects_delivery_promises(phrase):
    assert codes(f"Hello, {phrase}.") == [DELIVERY_PROMISE]


@pytest.mark.parametrize(
    "phrase",
    [
        "we will refund",
        "you will be refunded",
        "refund has been",
        "we have refunded",
        "full refund",
        "we will replace",
        "store credit has been",
        "We'll refund you",
        "we will issue a refund",
        "you will receive a replacement",
        "refunds have been sent",
        "we've refunded",
        "you'll be reimbursed",
        "we will send you a replacement",
    ],
)
def test_guard_rejects_money_promises(phrase):
    assert MONEY_PROMISE in codes(f"Hello, {phrase}. Thanks for your review.")


@pytest.mark.parametrize(
    "phrase",
    [
        "shipped",
        "has SHIPPED",
        "on its way",
        "on it's way",
        "in transit",
        "in-transit",
        "dispatched",
        "on the way",
    ],
)
def test_guard_rejects_shipping_words_on_label_only_without_pickup_proof(phrase):
    assert codes(f"Your parcel {phrase}.", **LABEL_ONLY) == [UNPROVEN_SHIPPING]


@pytest.mark.parametrize("phrase", ["shipped", "on its way", "in transit"])
def test_guard_allows_shipping_words_with_pickup_proof(phrase):
    assert codes(f"Your parcel {phrase}.", label_only=True, has_pickup_proof=True) == []


@pytest.mark.parametrize("phrase", ["shipped", "on its way", "in transit"])
def test_guard_allows_shipping_words_when_not_label_only(phrase):
    assert codes(f"Your parcel is {phrase}.") == []


def test_shipping_words_need_word_boundaries():
    assert codes("The shipping label is unshipped-looking; transitory delays.", **LABEL_ONLY) == []


def test_refund_request_reply_must_say_refunds_are_reviewed():
    assert codes("Hello, we are looking into it.", refund_requested=True) == [REFUND_REVIEW_MISSING]
    assert codes("Refund requests are Reviewed by the owner.", refund_requested=True) == []


def test_violation_message_names_the_phrase_found():
    [violation] = check_draft("It   will\narrive Monday", **PLAIN)
    assert '"It will arrive"' not in violation.message
    assert '"will arrive"' in violation.message


def test_guard_reports_every_breach():
    text = "It shipped, will arrive soon and we will refund you."
    found = codes(text, label_only=True, refund_requested=True)
    assert found == [DELIVERY_PROMISE, MONEY_PROMISE, UNPROVEN_SHIPPING, REFUND_REVIEW_MISSING]


@pytest.mark.parametrize(
    "text",
    [
        "We cannot give a delivery date yet, and we will write again as soon as we know more.",
        "A shipping label was created on 3 November 2026; the carrier has not scanned the parcel yet.",
        "Refund requests are reviewed by the store owner, and we will write to you once that review is done.",
        "We are checking with our supplier and will let you know what we learn.",
    ],
)
def test_guard_accepts_careful_wording(text):
    assert codes(text, label_only=True) == []
    assert codes(text + " Refunds are reviewed by the owner.", label_only=True, refund_requested=True) == []


# --- guard_context ---------------------------------------------------------------------------


def test_guard_context_from_a_packet():
    facts = label_case(at(1), messages=[inbound(at(2), "refund")])
    assert guard_context(assess(facts, at(3))) == GuardContext(
        label_only=True, has_pickup_proof=False, refund_requested=True
    )


def test_guard_context_from_facts_at_as_of():
    facts = label_case(at(1), evidence=[evidence(at(5), "pickup_proof")])
    assert guard_context(facts, at(3)).has_pickup_proof is False
    assert guard_context(facts, at(6)).has_pickup_proof is True


def test_guard_context_from_facts_needs_as_of():
    with pytest.raises(ValueError):
        guard_context(in_transit_case(at(3)))


def test_guard_context_refuses_other_things():
    with pytest.raises(TypeError):
        guard_context("a draft")


def test_guard_checks_staff_edited_text_with_the_packet_context():
    packet = assess(label_case(at(1), messages=[inbound(at(7))]), at(8))
    edited = packet.draft_reply + "\n\nGood news: it has shipped!"
    assert [v.code for v in check_draft(edited, **guard_context(packet).kwargs())] == [UNPROVEN_SHIPPING]
