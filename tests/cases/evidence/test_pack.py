"""The evidence pack and its honest summary, from plain facts (no database): what a delivered, a stuck and a
wrong-address parcel show and do not show, and that it never promises anything."""

import json

import pytest

from cases.assessment.guard import check_draft
from cases.evidence import pack as p
from cases.evidence.pack import build_pack
from tests.helpers.evidence_orders import (
    NUMBER,
    at,
    delivered_timeline,
    event,
    facts,
    in_transit_timeline,
    label_timeline,
    parcel,
    pickup_proof,
    stripe_inr,
)


def built(*parcels, **fields):
    fields.setdefault("disputes", (stripe_inr(),))
    return build_pack(facts(*parcels, **fields), generated_at=at(21))


def test_a_delivered_parcel_shows_its_scan_at_the_orders_address_and_what_it_lacks():
    pack = built(parcel(*delivered_timeline()))
    summary = pack["summary"]
    assert (
        summary["headline"]
        == "The carrier shows the order delivered to the order's postal code (2026-11-11)."
    )
    assert p.DELIVERED_TO_ORDER_ADDRESS in summary["findings"]
    assert "The delivered scan's postal code 94110 and country US match the order's." in summary["shows"]
    assert any(
        line.startswith("Shipped with UPS, tracking number 1Z999AA10123456784") for line in summary["shows"]
    )
    assert any(
        "first carrier scan is of 2026-11-04 09:30 UTC (accepted by the carrier" in s
        for s in summary["shows"]
    )
    # Its words name no signature or photo: it says so, and invents none.
    assert p.NO_PROOF_MENTIONED in summary["findings"]
    assert "mentions no signature or photo" in " ".join(summary["does_not_show"])
    assert "submit it with the carrier's whole timeline" in summary["suggestion"]
    (reading,) = pack["parcels"]
    assert reading["state"] == p.DELIVERED and reading["delivered"]["address"] == p.ADDRESS_MATCHES
    assert (
        reading["shipped_at"] == "2026-11-04T09:30:00Z"
        and reading["label_created_at"] == "2026-11-03T09:30:00Z"
    )
    assert [e["status"] for e in reading["events"]] == [
        "info_received",
        "accepted",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
    assert reading["tracking_url"].endswith(NUMBER)


@pytest.mark.parametrize(
    "timeline, finding, words",
    [
        (label_timeline, "label_created_only", "the carrier shows only a label created on 2026-11-03"),
        (in_transit_timeline, "in_transit_only", "the carrier shows the parcel only in transit"),
    ],
)
def test_a_stuck_parcel_says_there_is_no_delivered_scan_and_what_the_carrier_shows(timeline, finding, words):
    pack = built(parcel(*timeline()))
    summary = pack["summary"]
    assert summary["headline"].startswith("No delivered scan: ") and words in summary["headline"]
    assert {p.NO_DELIVERED_SCAN, finding} <= set(summary["findings"])
    assert summary["does_not_show"][0] == summary["headline"]
    assert "usually loses" in summary["suggestion"]
    assert "Decide whether to refund or to reship (the owner's decision)" in summary["suggestion"]
    assert not any("delivered on" in line for line in summary["shows"])


def test_a_label_only_parcel_has_no_ship_date_anywhere():
    pack = built(parcel(*label_timeline()))
    assert pack["parcels"][0]["shipped_at"] is None
    stripe = pack["processor_evidence"]["stripe"]
    assert "shipping_date" not in stripe["evidence"]
    assert "a label is not a shipment" in stripe["not_filled"]["shipping_date"]


def test_a_delivered_scan_at_another_postal_code_says_the_address_differs():
    pack = built(parcel(*delivered_timeline(postal_code="10001", location="New York")))
    summary = pack["summary"]
    expected = (
        "The delivered scan's address differs from the order's: it names postal code 10001 "
        "(the order's is 94110)."
    )
    assert summary["headline"] == expected
    assert expected in summary["does_not_show"] and p.ADDRESS_DIFFERS_FINDING in summary["findings"]
    assert p.DELIVERED_TO_ORDER_ADDRESS not in summary["findings"]
    assert "does not show delivery to the customer's address" in summary["suggestion"]


def test_another_country_is_a_different_address_too():
    pack = built(parcel(*delivered_timeline(postal_code="", country="CA")))
    assert "country CA (the order's is US)" in pack["summary"]["headline"]


def test_postal_codes_compare_without_spaces_or_case():
    pack = built(parcel(*delivered_timeline(postal_code=" sw1a 1aa")), postal_code="SW1A1AA", country="US")
    assert pack["parcels"][0]["delivered"]["address"] == p.ADDRESS_MATCHES


@pytest.mark.parametrize(
    "fields, code, words",
    [
        (
            {"postal_code": "", "country": "", "location": ""},
            p.ADDRESS_NOT_GIVEN,
            "gave no postal code or country",
        ),
        ({"postal_code": "", "country": "", "location": "Local depot"}, p.ADDRESS_NOT_GIVEN, "“Local depot”"),
        ({"postal_code": ""}, p.ADDRESS_COUNTRY_ONLY, "names only the country US"),
    ],
)
def test_a_delivered_scan_without_a_full_address_says_what_it_gives(fields, code, words):
    pack = built(parcel(*delivered_timeline(**fields)))
    delivered = pack["parcels"][0]["delivered"]
    assert delivered["address"] == code and words in delivered["address_text"]
    assert p.DELIVERED_TO_ORDER_ADDRESS not in pack["summary"]["findings"]


def test_an_erased_order_cannot_be_compared_and_says_so():
    pack = built(
        parcel(*delivered_timeline()), postal_code="", customer_email="", erased_at=at(40), country="US"
    )
    summary = pack["summary"]
    assert p.PERSONAL_DATA_ERASED in summary["findings"]
    assert any("personal data was erased on 2026-12-12" in line for line in summary["does_not_show"])
    # The country still compares; the postal code cannot, and the pack does not call that a match.
    delivered = pack["parcels"][0]["delivered"]
    assert delivered["address"] == p.ADDRESS_NOT_COMPARABLE
    assert delivered["address_text"] == (
        "The delivered scan's country US matches the order's, but its postal code 94110 cannot be compared: "
        "the order has none."
    )
    assert p.ADDRESS_NOT_COMPARED in summary["findings"]
    assert "not at an address that can be matched with the order's postal code" in summary["headline"]


@pytest.mark.parametrize(
    "description, findings, quote",
    [
        ("Delivered, signed for by J SMITH", [p.SIGNATURE_MENTIONED], "signed for by J SMITH"),
        ("Delivered, photo taken at front door", [p.PHOTO_MENTIONED], "photo taken"),
        ("Delivered. Signature not required", [p.PROOF_DENIED], "Signature not required"),
        ("Left at door, no signature", [p.PROOF_DENIED], "no signature"),
    ],
)
def test_a_signature_or_photo_is_named_only_as_the_scan_words_it(description, findings, quote):
    pack = built(parcel(*delivered_timeline(description=description)))
    delivered = pack["parcels"][0]["delivered"]
    assert delivered["proof"] == findings and quote in delivered["proof_text"]


def test_movement_after_the_delivered_scan_contradicts_it():
    timeline = (
        *delivered_timeline(),
        event(11, "in_transit", description="Return to depot", location="Oakland"),
    )
    pack = built(parcel(*timeline))
    summary = pack["summary"]
    assert pack["parcels"][0]["state"] == p.DELIVERED_THEN_MOVED
    assert "the delivery is contradicted" in summary["headline"]
    assert "delivered_then_moved" in summary["findings"] and "usually loses" in summary["suggestion"]


def test_a_tracker_silence_is_no_carrier_scan():
    pack = built(parcel(event(3, "no_information", description="No information yet")))
    assert pack["parcels"][0]["state"] == p.NO_SCAN
    assert pack["summary"]["headline"] == f"The carrier shows no scan at all for {NUMBER}."


def test_an_order_without_a_tracking_number_says_nothing_shows_it_shipped():
    waiting = built(parcel(number=None))["summary"]
    assert waiting["headline"] == "No tracking number: nothing shows this parcel was handed to a carrier."
    assert p.NO_TRACKING_NUMBER in waiting["findings"] and p.NO_DELIVERED_SCAN not in waiting["findings"]
    none = built()["summary"]
    assert none["headline"] == "No tracking number: nothing shows the order was handed to a carrier."
    assert p.NO_TRACKING_NUMBER in none["findings"] and "usually loses" in none["suggestion"]


def test_two_parcels_are_named_and_a_superseded_one_does_not_count():
    lamp = parcel(*delivered_timeline())
    rug = parcel(*label_timeline(), number="1Z999AA10123456791")
    wrong = parcel(*label_timeline(), number="YT0000000000000001", carrier="yunexpress", superseded_at=at(5))
    summary = built(lamp, rug, wrong)["summary"]
    assert summary["headline"].startswith("1 of 2 parcels have no delivered scan. No delivered scan:")
    assert any(
        line.startswith("Parcel 1Z999AA10123456791: No delivered scan") for line in summary["does_not_show"]
    )
    assert not any("YT0000000000000001" in line for line in summary["does_not_show"] + summary["shows"])


def test_without_a_dispute_the_pack_is_built_and_says_none_is_recorded():
    pack = built(parcel(*in_transit_timeline()), disputes=())
    assert pack["dispute"] is None and pack["disputes"] == []
    assert (
        pack["summary"]["dispute"] == "No dispute is recorded on this order: the pack is built all the same."
    )
    assert p.NO_DISPUTE_RECORDED in pack["summary"]["findings"]
    assert set(pack["processor_evidence"]) == {"stripe", "shopify_payments"}


def test_the_dispute_answered_is_the_open_one_due_soonest():
    later = stripe_inr(external_id="dp_later", evidence_due_by=at(40))
    sooner = stripe_inr(external_id="dp_sooner", evidence_due_by=at(25), opened_at=at(19))
    closed = stripe_inr(external_id="dp_won", status="won", opened_at=at(30))
    pack = built(parcel(*in_transit_timeline()), disputes=(sooner, later, closed))
    assert pack["dispute"]["external_id"] == "dp_sooner"
    assert [d["external_id"] for d in pack["disputes"]] == ["dp_sooner", "dp_later", "dp_won"]


def test_a_reason_that_is_not_about_delivery_is_named():
    fraud = stripe_inr(reason="fraudulent", network_reason_code="10.4")
    pack = built(parcel(*delivered_timeline()), disputes=(fraud,))
    assert pack["dispute"]["item_not_received"] is False
    assert "The dispute's reason (fraudulent) may not be about delivery" in pack["summary"]["suggestion"]
    assert built(parcel(*label_timeline()), disputes=(stripe_inr(reason="", network_reason_code="4855"),))[
        "dispute"
    ]["item_not_received"]


def test_the_supplier_proof_messages_and_policy_are_in_the_pack():
    pack = built(parcel(*label_timeline()), evidence=(pickup_proof(),))
    summary = pack["summary"]
    assert (
        "The supplier's pickup proof of 2026-11-04: “Carrier receipt: UPS picked up 1 parcel”."
        in summary["shows"]
    )
    assert pack["supplier_evidence"][0]["attachment"] == "evidence/2026/11/r.png"
    assert [m["direction"] for m in pack["customer_messages"]] == ["inbound", "outbound", "inbound"]
    assert any(
        line.startswith("Messages with the customer: 2 from the customer") for line in summary["shows"]
    )
    policy = pack["policy"]
    assert policy["version"] == "v1" and policy["windows_days"]["lost_package_days"] == 20
    assert policy["refund_terms"] is None and "no refund terms" in policy["refund_terms_note"]
    assert policy["promises"] == [
        {"source": "the product page of LAMP-01", "text": "Ships in 7-12 business days", "days": 12}
    ]
    assert built(parcel(*label_timeline()), messages=())["summary"]["does_not_show"][1] == (
        "No message with the customer is on record."
    )


@pytest.mark.parametrize(
    "timeline",
    [
        delivered_timeline,
        label_timeline,
        in_transit_timeline,
        lambda: delivered_timeline(postal_code="10001"),
    ],
)
def test_the_summary_never_promises_a_delivery_or_money(timeline):
    summary = built(parcel(*timeline()))["summary"]
    for text in [summary["headline"], summary["suggestion"], *summary["shows"], *summary["does_not_show"]]:
        assert check_draft(text, label_only=False, has_pickup_proof=True, refund_requested=False) == [], text


def test_the_pack_is_plain_json():
    pack = built(parcel(*delivered_timeline()), evidence=(pickup_proof(),))
    assert json.loads(json.dumps(pack)) == pack
    assert pack["format"] == "staletrack.evidence_pack/1" and pack["generated_at"] == "2026-11-23T09:30:00Z"
    assert pack["order"]["value"] == "29.90" and pack["dispute"]["amount"] == "29.90"
