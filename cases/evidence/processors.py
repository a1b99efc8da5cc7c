"""The pack's facts under the field names of the processors' dispute evidence, as JSON to paste or submit.

Pure: the pack dict in (`cases.evidence.pack`), plain dicts out. staletrack submits nothing: the owner
pastes these into the processor's dashboard or sends them with the processor's API.

The field names are the processors' documented ones (a test keeps every key to these lists):

- Stripe, the dispute's `evidence` hash (update a dispute, `POST /v1/disputes/:id`):
  https://docs.stripe.com/api/disputes/evidence_object and https://docs.stripe.com/api/disputes/update.
  The same names are in Stripe's own generated client types (stripe-node's `DisputeUpdateParams.Evidence`,
  "generated from our OpenAPI spec"), which also document the limit: "The combined character count of all
  fields is limited to 150,000." Nine fields take the id of a file uploaded to Stripe (file uploads, purpose
  `dispute_evidence`); only the store can upload one, so they are left out and named with what to upload.
  Newer API versions add `enhanced_evidence` (Visa Compelling Evidence 3.0 and the like): staletrack holds
  nothing for it.
- Shopify Payments, the input of the `disputeEvidenceUpdate` mutation,
  `ShopifyPaymentsDisputeEvidenceUpdateInput`: https://shopify.dev/docs/api/admin-graphql/latest/input-objects/ShopifyPaymentsDisputeEvidenceUpdateInput;
  its `shippingAddress` is a `MailingAddressInput`:
  https://shopify.dev/docs/api/admin-graphql/latest/input-objects/MailingAddressInput.
  The input has no field for the shipments: Shopify shows the order's fulfillments on the dispute evidence
  (`ShopifyPaymentsDisputeEvidence.fulfillments`, each a `ShopifyPaymentsDisputeFulfillment`:
  https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopifyPaymentsDisputeFulfillment), so the
  pack lists them under those names for the owner to check, outside the input. `submitEvidence` is never
  set: submitting is the owner's act. Customer communication goes in as a file (`customerCommunicationFile`)
  or in `uncategorizedText`.
- PayPal and other processors: the generic pack only.
"""

from __future__ import annotations

STRIPE_DOCS = (
    "https://docs.stripe.com/api/disputes/evidence_object",
    "https://docs.stripe.com/api/disputes/update",
)
STRIPE_EVIDENCE_FIELDS: tuple[str, ...] = (
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
)
# Fields that take the id of a file uploaded to Stripe (purpose dispute_evidence).
STRIPE_FILE_FIELDS = frozenset(
    {
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
)
STRIPE_TEXT_LIMIT = 150_000  # characters, all text fields together

SHOPIFY_DOCS = (
    "https://shopify.dev/docs/api/admin-graphql/latest/input-objects/ShopifyPaymentsDisputeEvidenceUpdateInput",
    "https://shopify.dev/docs/api/admin-graphql/latest/input-objects/MailingAddressInput",
    "https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopifyPaymentsDisputeFulfillment",
)
SHOPIFY_INPUT_FIELDS: tuple[str, ...] = (
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
)
# File inputs (ShopifyPaymentsDisputeFileUploadUpdateInput): a file uploaded to Shopify first.
SHOPIFY_FILE_FIELDS = frozenset(name for name in SHOPIFY_INPUT_FIELDS if name.endswith("File"))
SHOPIFY_ADDRESS_FIELDS: tuple[str, ...] = (
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
)
SHOPIFY_FULFILLMENT_FIELDS: tuple[str, ...] = ("shippingCarrier", "shippingDate", "shippingTrackingNumber")

UPLOAD_PDF = (
    "a file only the store can upload: upload the pack's facts-only PDF (or the carrier's proof) and put the "
    "file's id here"
)
NOT_KEPT = "staletrack does not keep it"
SUBSCRIPTIONS = "for subscriptions, not a shipped order"
DIGITAL = "for digital products and services, not a shipped order"
DUPLICATES = "for duplicate-charge disputes only"
OWNER_WORDS = "the owner's own words, if the store refused a refund"
NO_REFUND_TERMS = "staletrack keeps no refund policy: say how and when the customer saw the store's"
REFUND_POLICY_FILE = "a file: the store's refund policy as the customer saw it (staletrack keeps none)"


def in_force(pack: dict) -> list[dict]:
    """The parcels that count: with a number and not superseded."""
    return [p for p in pack["parcels"] if p["superseded_at"] is None and p["number"]]


def shipping_address_text(order: dict) -> str:
    return ", ".join(part for part in (order["postal_code"], order["country"]) if part)


def product_description(pack: dict) -> str:
    items = []
    for item in pack["items"]:
        count = f"{item['quantity']} x " if item["quantity"] else ""
        title = item["title"] or item["sku"]
        items.append(f"{count}{title} (SKU {item['sku']})" if item["title"] else f"{count}{title}")
    return "; ".join(items)


def ship_date(pack: dict) -> str | None:
    dates = [p["shipped_at"] for p in in_force(pack) if p["shipped_at"]]
    return min(dates)[:10] if dates else None


def _when(iso: str | None) -> str:
    return f"{iso[:10]} {iso[11:16]} UTC" if iso else ""


def _event_line(event: dict) -> str:
    where = ", ".join(p for p in (event["location"], event["postal_code"], event["country"]) if p)
    words = [_when(event["at"]) + (" (approximate)" if event["approximate"] else ""), event["status_words"]]
    if event["description"]:
        words.append(event["description"])
    if where:
        words.append(where)
    return "- " + ": ".join(words[:2]) + "".join(f"; {w}" for w in words[2:])


def facts_text(pack: dict) -> str:
    """The pack's facts as plain text, without interpretation: for a processor's free-text field."""
    order, lines = pack["order"], []
    lines.append(f"Order {order['order_id']}, placed {_when(order['ordered_at'])}.")
    if order["value"]:
        lines.append(f"Order value: {order['value']} {order['currency']}.")
    if product_description(pack):
        lines.append(f"Items: {product_description(pack)}.")
    if shipping_address_text(order):
        lines.append(f"Shipping destination: postal code and country {shipping_address_text(order)}.")
    if order["fulfilled_at"]:
        lines.append(f"Marked fulfilled by the store: {_when(order['fulfilled_at'])}.")
    for parcel in in_force(pack):
        lines += ["", f"Carrier {parcel['carrier_name']}, tracking number {parcel['number']}:"]
        if parcel["tracking_url"]:
            lines.append(f"Tracking page: {parcel['tracking_url']}")
        lines += [_event_line(event) for event in parcel["events"]] or ["- no event from the carrier"]
    if pack["supplier_evidence"]:
        lines += ["", "Supplier's shipping records:"]
        lines += [f"- {_when(r['at'])}: {r['kind_words']}: {r['text']}" for r in pack["supplier_evidence"]]
    if pack["customer_messages"]:
        lines += ["", "Messages with the customer, oldest first:"]
        lines += [
            f"- {_when(m['at'])}, {m['direction_words']}: {m['text']}" for m in pack["customer_messages"]
        ]
    return "\n".join(lines)


def _fit(fields: dict[str, str], limit: int, key: str) -> bool:
    """Shorten `fields[key]` so all text fields hold at most `limit` characters; True when it was cut."""
    total = sum(len(value) for value in fields.values() if isinstance(value, str))
    if total <= limit:
        return False
    marker = "\n[cut here: the processor takes at most {limit:,} characters in all; the PDF has the rest]"
    marker = marker.format(limit=limit)
    keep = max(0, len(fields[key]) - (total - limit) - len(marker))
    fields[key] = fields[key][:keep] + marker
    return True


def refund_terms_text(pack: dict) -> str:
    """The store's refund terms (its policy in force) as a disclosure field says them; "" without any. How
    and when the customer saw them is the owner's to add."""
    terms = (pack.get("policy") or {}).get("refund_terms")
    return f"The store's refund terms, as its refund policy states them:\n{terms}" if terms else ""


def stripe_evidence(pack: dict) -> dict:
    """Stripe's `evidence` hash: the fields staletrack can fill, and why each other one is empty."""
    order = pack["order"]
    parcels = in_force(pack)
    fields: dict[str, str] = {}
    if order["customer_email"]:
        fields["customer_email_address"] = order["customer_email"]
    if product_description(pack):
        fields["product_description"] = product_description(pack)
    if shipping_address_text(order):
        fields["shipping_address"] = shipping_address_text(order)
    if parcels:
        fields["shipping_carrier"] = ", ".join(dict.fromkeys(p["carrier_name"] for p in parcels))
        fields["shipping_tracking_number"] = ", ".join(p["number"] for p in parcels)
    if ship_date(pack):
        fields["shipping_date"] = ship_date(pack)
    if terms := refund_terms_text(pack):
        fields["refund_policy_disclosure"] = terms
    fields["uncategorized_text"] = facts_text(pack)
    cut = _fit(fields, STRIPE_TEXT_LIMIT, "uncategorized_text")
    reasons = {
        "access_activity_log": DIGITAL,
        "billing_address": NOT_KEPT,
        "cancellation_policy": SUBSCRIPTIONS,
        "cancellation_policy_disclosure": SUBSCRIPTIONS,
        "cancellation_rebuttal": SUBSCRIPTIONS,
        "customer_communication": "a file only the store can upload: the pack's facts-only PDF lists the "
        "messages (or upload the helpdesk thread)",
        "customer_email_address": "the order has no email (or it was erased)",
        "customer_name": NOT_KEPT,
        "customer_purchase_ip": NOT_KEPT,
        "customer_signature": "a file: the carrier's signed proof of delivery, if the carrier has one",
        "duplicate_charge_documentation": DUPLICATES,
        "duplicate_charge_explanation": DUPLICATES,
        "duplicate_charge_id": DUPLICATES,
        "product_description": "the order has no item on record",
        "receipt": "a file: the store's order confirmation",
        "refund_policy": REFUND_POLICY_FILE,
        "refund_policy_disclosure": NO_REFUND_TERMS,
        "refund_refusal_explanation": OWNER_WORDS,
        "service_date": DIGITAL,
        "service_documentation": DIGITAL,
        "shipping_address": "the order has no postal code or country",
        "shipping_carrier": "no parcel with a tracking number",
        "shipping_date": "no carrier scan shows the parcel handed over (a label is not a shipment)",
        "shipping_documentation": UPLOAD_PDF,
        "shipping_tracking_number": "no parcel with a tracking number",
        "uncategorized_file": "a file, e.g. the supplier's pickup proof kept in staletrack",
    }
    return {
        "docs": list(STRIPE_DOCS),
        "evidence": fields,
        "not_filled": {name: reasons[name] for name in STRIPE_EVIDENCE_FIELDS if name not in fields},
        "text_characters": sum(len(value) for value in fields.values()),
        "text_limit": STRIPE_TEXT_LIMIT,
        "cut": cut,
    }


def shopify_evidence(pack: dict) -> dict:
    """The `disputeEvidenceUpdate` input: the fields staletrack can fill, why each other one is empty, and
    the shipments as Shopify lists them (not part of the input)."""
    order = pack["order"]
    fields: dict = {}
    if order["customer_email"]:
        fields["customerEmailAddress"] = order["customer_email"]
    address = {}
    if order["postal_code"]:
        address["zip"] = order["postal_code"]
    if order["country"]:
        address["countryCode"] = order["country"].upper()
    if address:
        fields["shippingAddress"] = address
    if terms := refund_terms_text(pack):
        fields["refundPolicyDisclosure"] = terms
    fields["uncategorizedText"] = facts_text(pack)
    reasons = {
        "accessActivityLog": DIGITAL,
        "cancellationPolicyDisclosure": SUBSCRIPTIONS,
        "cancellationPolicyFile": SUBSCRIPTIONS,
        "cancellationRebuttal": SUBSCRIPTIONS,
        "customerCommunicationFile": "a file only the store can upload: the pack's facts-only PDF lists the "
        "messages",
        "customerEmailAddress": "the order has no email (or it was erased)",
        "customerFirstName": NOT_KEPT,
        "customerLastName": NOT_KEPT,
        "refundPolicyDisclosure": NO_REFUND_TERMS,
        "refundPolicyFile": REFUND_POLICY_FILE,
        "refundRefusalExplanation": OWNER_WORDS,
        "serviceDocumentationFile": DIGITAL,
        "shippingAddress": "the order has no postal code or country",
        "shippingDocumentationFile": UPLOAD_PDF,
        "submitEvidence": "left out: submitting is the owner's act, never staletrack's",
        "uncategorizedFile": "a file, e.g. the supplier's pickup proof kept in staletrack",
    }
    fulfillments = [
        {
            "shippingCarrier": parcel["carrier_name"],
            "shippingDate": parcel["shipped_at"][:10] if parcel["shipped_at"] else None,
            "shippingTrackingNumber": parcel["number"],
        }
        for parcel in in_force(pack)
    ]
    not_filled = {name: reasons[name] for name in SHOPIFY_INPUT_FIELDS if name not in fields}
    if "shippingAddress" in fields:
        not_filled["shippingAddress"] = (
            "partly: only zip and countryCode; staletrack keeps no street, city or province"
        )
    return {
        "docs": list(SHOPIFY_DOCS),
        "input": fields,
        "not_filled": not_filled,
        "fulfillments": fulfillments,
        "fulfillments_note": "Not part of the input: Shopify shows the order's own fulfillments on the "
        "dispute. Check that they carry these numbers and carriers.",
    }


PROCESSORS = {"stripe": stripe_evidence, "shopify_payments": shopify_evidence}


def for_pack(pack: dict) -> dict:
    """The processors' fields for the pack's dispute: Stripe's or Shopify Payments' when the dispute is
    theirs; both when no dispute is recorded (the owner may need either); none for PayPal and others."""
    dispute = pack["dispute"]
    if dispute is None:
        return {name: build(pack) for name, build in PROCESSORS.items()}
    build = PROCESSORS.get(dispute["processor"])
    return {dispute["processor"]: build(pack)} if build is not None else {}
