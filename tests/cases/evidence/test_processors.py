"""The processors' evidence fields: only their documented names, the file fields left to the store, the
facts under the right name, and Stripe's limit on the text."""

import dataclasses

import pytest

from cases.evidence import processors
from cases.evidence.facts import Message
from cases.evidence.pack import build_pack
from tests.helpers.evidence_orders import (
    NUMBER,
    at,
    delivered_timeline,
    facts,
    label_timeline,
    parcel,
    pickup_proof,
    stripe_inr,
)

# The documented names, written out here from the processors' pages (cited in cases.evidence.processors),
# so a name changed in the module without the page saying so fails here.
# https://docs.stripe.com/api/disputes/evidence_object
STRIPE_DOCUMENTED = {
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
}
STRIPE_FILES = {
    "cancellation_policy",
    "customer_communication",
    "customer_signature",
    "duplicate_charge_documentation",
    "receipt",
    "refund_policy",
    "service_documentation",
    "shipping_documentation",
    "uncategorized_file",
}
# https://shopify.dev/docs/api/admin-graphql/latest/input-objects/ShopifyPaymentsDisputeEvidenceUpdateInput
SHOPIFY_DOCUMENTED = {
    "accessActivityLog",
    "cancellationPolicyDisclosure",
    "cancellationPolicyFile",
    "cancellationRebuttal",
    "customerCommunicationFile",
    "customerEmailAddress",
    "customerFirstName",
    "customerLastName",
    "refundPolicyDisclosure",
    "refundPolicyFile",
    "refundRefusalExplanation",
    "serviceDocumentationFile",
    "shippingAddress",
    "shippingDocumentationFile",
    "submitEvidence",
    "uncategorizedFile",
    "uncategorizedText",
}
# https://shopify.dev/docs/api/admin-graphql/latest/input-objects/MailingAddressInput (not the deprecated)
MAILING_ADDRESS_DOCUMENTED = {
    "address1",
    "address2",
    "city",
    "company",
    "countryCode",
    "firstName",
    "lastName",
    "phone",
    "provinceCode",
    "zip",
}
# https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopifyPaymentsDisputeFulfillment (besides id)
FULFILLMENT_DOCUMENTED = {"shippingCarrier", "shippingDate", "shippingTrackingNumber"}


def pack_of(*parcels, **fields):
    fields.setdefault("disputes", (stripe_inr(),))
    return build_pack(facts(*parcels, **fields), generated_at=at(21))


def test_the_modules_lists_are_the_documented_names():
    assert set(processors.STRIPE_EVIDENCE_FIELDS) == STRIPE_DOCUMENTED
    assert processors.STRIPE_FILE_FIELDS == STRIPE_FILES
    assert set(processors.SHOPIFY_INPUT_FIELDS) == SHOPIFY_DOCUMENTED
    assert set(processors.SHOPIFY_ADDRESS_FIELDS) == MAILING_ADDRESS_DOCUMENTED
    assert set(processors.SHOPIFY_FULFILLMENT_FIELDS) == FULFILLMENT_DOCUMENTED
    assert processors.STRIPE_TEXT_LIMIT == 150_000


@pytest.mark.parametrize("timeline", [delivered_timeline, label_timeline])
def test_stripe_evidence_uses_only_documented_text_fields_and_names_every_other(timeline):
    stripe = pack_of(parcel(*timeline()), evidence=(pickup_proof(),))["processor_evidence"]["stripe"]
    evidence = stripe["evidence"]
    assert set(evidence) <= STRIPE_DOCUMENTED - STRIPE_FILES  # file ids are the store's to upload
    assert set(evidence) | set(stripe["not_filled"]) == STRIPE_DOCUMENTED
    assert not set(evidence) & set(stripe["not_filled"])
    assert all(isinstance(value, str) and value for value in evidence.values())
    uploads = (
        "customer_communication",
        "customer_signature",
        "receipt",
        "refund_policy",
        "shipping_documentation",
    )
    assert all(stripe["not_filled"][name].startswith("a file") for name in (*uploads, "uncategorized_file"))


def test_stripe_evidence_carries_the_shipment_under_stripes_names():
    evidence = pack_of(parcel(*delivered_timeline()))["processor_evidence"]["stripe"]["evidence"]
    assert evidence["shipping_carrier"] == "UPS"
    assert evidence["shipping_tracking_number"] == NUMBER
    assert evidence["shipping_date"] == "2026-11-04"  # the first carrier scan, not the label
    assert evidence["shipping_address"] == "94110, US"
    assert evidence["customer_email_address"] == "ana@example.com"
    assert evidence["product_description"] == "1 x Sunset lamp (SKU LAMP-01)"
    text = evidence["uncategorized_text"]
    assert "2026-11-11 16:42 UTC: delivered; Delivered, front door; San Francisco, 94110, US" in text
    assert "from the customer: Hi, my lamp has not arrived." in text
    # Facts only: the owner's summary and suggestion stay out of what goes to the bank.
    assert "usually loses" not in text and "proof of delivery" not in text


def test_shopify_input_uses_only_documented_names_and_never_submits():
    shopify = pack_of(parcel(*delivered_timeline()), disputes=(stripe_inr(processor="shopify_payments"),))[
        "processor_evidence"
    ]["shopify_payments"]
    assert set(shopify["input"]) <= SHOPIFY_DOCUMENTED - processors.SHOPIFY_FILE_FIELDS - {"submitEvidence"}
    assert set(shopify["input"]) | set(shopify["not_filled"]) == SHOPIFY_DOCUMENTED
    assert set(shopify["input"]["shippingAddress"]) <= MAILING_ADDRESS_DOCUMENTED
    assert shopify["input"]["shippingAddress"] == {"zip": "94110", "countryCode": "US"}
    assert shopify["input"]["customerEmailAddress"] == "ana@example.com"
    assert "submitting is the owner's act" in shopify["not_filled"]["submitEvidence"]
    (fulfillment,) = shopify["fulfillments"]
    assert set(fulfillment) == FULFILLMENT_DOCUMENTED
    assert fulfillment == {
        "shippingCarrier": "UPS",
        "shippingDate": "2026-11-04",
        "shippingTrackingNumber": NUMBER,
    }


def test_each_processor_gets_its_own_fields_and_paypal_the_pack_alone():
    def names(processor):
        dispute = stripe_inr(processor=processor)
        return set(pack_of(parcel(*label_timeline()), disputes=(dispute,))["processor_evidence"])

    assert names("stripe") == {"stripe"}
    assert names("shopify_payments") == {"shopify_payments"}
    assert names("paypal") == set() and names("other") == set()


def test_stripes_combined_text_is_cut_to_its_limit_and_says_so():
    long = tuple(Message(at(12, hours=i), "inbound", "Where is my order? " * 500) for i in range(20))
    stripe = pack_of(parcel(*label_timeline()), messages=long)["processor_evidence"]["stripe"]
    total = sum(len(value) for value in stripe["evidence"].values())
    assert stripe["cut"] and stripe["text_characters"] == total <= processors.STRIPE_TEXT_LIMIT
    assert total > processors.STRIPE_TEXT_LIMIT - 200  # cut to the limit, not far below it
    assert stripe["evidence"]["uncategorized_text"].endswith("the PDF has the rest]")
    short = pack_of(parcel(*label_timeline()))["processor_evidence"]["stripe"]
    assert not short["cut"] and short["text_characters"] < processors.STRIPE_TEXT_LIMIT


def test_without_an_email_or_address_those_fields_are_left_out_and_said_why():
    stripe = pack_of(parcel(*label_timeline()), customer_email="", postal_code="", country="")[
        "processor_evidence"
    ]["stripe"]
    assert "customer_email_address" not in stripe["evidence"] and "shipping_address" not in stripe["evidence"]
    assert stripe["not_filled"]["shipping_address"] == "the order has no postal code or country"


def test_the_policys_refund_terms_fill_both_processors_disclosures():
    terms = "Refunds within 30 days of delivery; a lost parcel is refunded or reshipped."
    pack = build_pack(
        dataclasses.replace(facts(parcel(*delivered_timeline())), refund_terms=terms),
        generated_at=at(20),
    )
    assert pack["policy"]["refund_terms"] == terms
    stripe = pack["processor_evidence"]["stripe"]
    assert terms in stripe["evidence"]["refund_policy_disclosure"]
    assert "refund_policy_disclosure" not in stripe["not_filled"]
    assert terms in pack["processor_evidence"]["shopify_payments"]["input"]["refundPolicyDisclosure"]
    assert not any("refund policy" in line for line in pack["summary"]["does_not_show"])


def test_without_refund_terms_the_disclosure_says_what_to_attach():
    pack = pack_of(parcel(*delivered_timeline()))
    assert pack["policy"]["refund_terms"] is None
    assert "no refund terms written" in pack["policy"]["refund_terms_note"]
    assert any("refund policy" in line for line in pack["summary"]["does_not_show"])
    assert "refund_policy_disclosure" in pack["processor_evidence"]["stripe"]["not_filled"]
