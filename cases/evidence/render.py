"""The evidence pack written out: as HTML (one template, `admin/cases/dispute/evidence_pack.html`), as a PDF
made from that same HTML by WeasyPrint, or as JSON. No ORM: the pack is a plain dict (cases.evidence.pack).

The template shows prepared values only (`page_context`): loops and ifs, no logic. Two readings of it:

- the whole pack, for the owner: the summary (what the evidence shows, what it does not, a suggestion),
  the facts, and the processors' fields to paste;
- `facts_only`: the facts alone (order, items, the carriers' timelines, the supplier's records, the
  messages, the delivery promises), with neither the summary's judgement nor the JSON: the file the owner
  may upload to a processor as documentation.

WeasyPrint fetches nothing: its URL fetcher refuses every address, so no text in a pack (a customer's
message, a carrier's description) can make the PDF load a file or a page. It needs Debian's Pango
(README, "Needs"); it is imported when a PDF is made, not before.
"""

from __future__ import annotations

import json

from django.template.loader import render_to_string

from cases.evidence.pack import PROCESSOR_NAMES
from cases.evidence.processors import SHOPIFY_FULFILLMENT_FIELDS

TEMPLATE = "admin/cases/dispute/evidence_pack.html"
FORMATS = ("html", "pdf", "json")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
}
PROCESSOR_TITLES = {
    "stripe": "Stripe: the dispute's evidence",
    "shopify_payments": "Shopify Payments: the disputeEvidenceUpdate input",
}


class FormatError(ValueError):
    """A format the pack is not written in."""


def _when(iso: str | None, approximate: bool = False) -> str:
    if not iso:
        return ""
    text = f"{iso[:10]} {iso[11:16]} UTC"
    return f"{text} (approximate)" if approximate else text


def _rows(*pairs: tuple[str, object]) -> list[tuple[str, str]]:
    """(label, value) rows of the values that are there."""
    return [(label, str(value)) for label, value in pairs if value not in (None, "", [])]


def _parcel_view(parcel: dict, *, facts_only: bool) -> dict:
    delivered = parcel["delivered"]
    facts = _rows(
        ("Carrier", parcel["carrier_name"]),
        ("Tracking number", parcel["number"] or "none yet"),
        ("Tracking page", parcel["tracking_url"]),
        ("Items", ", ".join(parcel["items"]) or "not said (all the order's items)"),
        ("Label created", _when(parcel["label_created_at"])),
        ("First carrier scan (shipped)", _when(parcel["shipped_at"])),
        ("Delivered scan", _when(delivered["at"], delivered["approximate"]) if delivered else "none"),
    )
    if delivered:
        where = ", ".join(
            p for p in (delivered["location"], delivered["postal_code"], delivered["country"]) if p
        )
        facts += _rows(("Delivered at", where or "no place given"))
        if not facts_only:  # the pack's reading of the scan, not the carrier's own words
            facts += _rows(
                ("Address", delivered["address_text"]), ("Proof of delivery", delivered["proof_text"])
            )
    return {
        "heading": f"{parcel['carrier_name'] or 'Parcel'} {parcel['number'] or '(no tracking number yet)'}",
        "superseded": (
            f"Superseded on {_when(parcel['superseded_at'])}: "
            f"{parcel['superseded_reason'] or 'no reason given'} (listed, not counted)."
        )
        if parcel["superseded_at"]
        else "",
        "facts": facts,
        "events": [
            {
                "when": _when(event["at"], event["approximate"]),
                "status": event["status_words"],
                "description": event["description"],
                "place": ", ".join(
                    p for p in (event["location"], event["postal_code"], event["country"]) if p
                ),
                "raw": event["raw_status"],
                "delivered": event["status"] == "delivered",
            }
            for event in parcel["events"]
        ],
    }


def _processor_view(name: str, fields: dict) -> dict:
    payload = fields.get("evidence", fields.get("input"))
    view = {
        "title": PROCESSOR_TITLES[name],
        "docs": fields["docs"],
        "json": json.dumps(payload, indent=2, ensure_ascii=False),
        "not_filled": sorted(fields["not_filled"].items()),
        "extra_title": "",
        "extra_json": "",
        "note": "",
    }
    if name == "stripe":
        view["note"] = (
            f"{fields['text_characters']:,} characters of text in all "
            f"(Stripe takes at most {fields['text_limit']:,})"
            + ("; the free text was cut to fit." if fields["cut"] else ".")
        )
    else:
        view["extra_title"] = f"Fulfillments ({', '.join(SHOPIFY_FULFILLMENT_FIELDS)})"
        view["extra_json"] = json.dumps(fields["fulfillments"], indent=2, ensure_ascii=False)
        view["note"] = fields["fulfillments_note"]
    return view


def page_context(pack: dict, *, facts_only: bool = False, links: dict | None = None) -> dict:
    """The values the template shows."""
    order = pack["order"]
    dispute = pack["dispute"]
    policy = pack["policy"]
    return {
        "title": f"Evidence pack: order {order['order_id']}",
        "facts_only": facts_only,
        "links": links or {},
        "generated": _when(pack["generated_at"]),
        "summary": pack["summary"],
        "order_rows": _rows(
            ("Order", order["order_id"]),
            ("Placed", _when(order["ordered_at"])),
            ("Customer email", order["customer_email"]),
            ("Destination postal code", order["postal_code"]),
            ("Destination country", order["country"]),
            ("Value", f"{order['value']} {order['currency']}".strip() if order["value"] else ""),
            ("Payment", order["payment_state"].replace("_", " ")),
            ("Marked fulfilled", _when(order["fulfilled_at"])),
            ("Cancelled", _when(order["cancelled_at"])),
            ("Customer's personal data erased", _when(order["erased_at"])),
        ),
        "dispute_rows": _rows(
            ("Processor", PROCESSOR_NAMES.get(dispute["processor"], dispute["processor"])),
            ("Processor's id", dispute["external_id"]),
            ("Type", dispute["kind"]),
            ("Reason", dispute["reason"]),
            ("Network reason code", dispute["network_reason_code"]),
            ("Amount", f"{dispute['amount']} {dispute['currency']}".strip() if dispute["amount"] else ""),
            ("Opened", _when(dispute["opened_at"])),
            ("Evidence due by", _when(dispute["evidence_due_by"])),
            ("Status", dispute["status_words"]),
            ("Evidence sent", _when(dispute["evidence_sent_on"])),
        )
        if dispute
        else [],
        "other_disputes": len(pack["disputes"]) - (1 if dispute else 0),
        "items": [
            {
                "quantity": item["quantity"] if item["quantity"] is not None else "",
                "title": item["title"] or item["sku"],
                "sku": item["sku"],
                "supplier": item["supplier"],
            }
            for item in pack["items"]
        ],
        "parcels": [_parcel_view(parcel, facts_only=facts_only) for parcel in pack["parcels"]],
        "evidence": [
            {
                "when": _when(record["at"]),
                "kind": record["kind_words"],
                "text": record["text"],
                "attachment": record["attachment"],
            }
            for record in pack["supplier_evidence"]
        ],
        "messages": [
            {
                "when": _when(message["at"]),
                "direction": message["direction_words"],
                "inbound": message["direction"] == "inbound",
                "text": message["text"],
                "ticket": message["helpdesk_ticket"],
            }
            for message in pack["customer_messages"]
        ],
        "promises": [
            {"source": p["source"], "text": p["text"], "days": p["days"]} for p in policy["promises"]
        ],
        "policy_version": policy["version"] or "none active",
        "policy_windows": sorted(
            (name.replace("_", " "), days) for name, days in (policy["windows_days"] or {}).items()
        ),
        "refund_terms_note": policy["refund_terms_note"],
        "refund_terms": policy["refund_terms"],
        "processors": [_processor_view(name, fields) for name, fields in pack["processor_evidence"].items()],
    }


def render_html(pack: dict, *, facts_only: bool = False, links: dict | None = None) -> str:
    return render_to_string(TEMPLATE, page_context(pack, facts_only=facts_only, links=links))


def fetcher():
    """WeasyPrint's URL fetcher that fetches nothing: no protocol is allowed."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=frozenset(), fail_on_errors=False)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=fetcher()).write_pdf()


def render_pack(pack: dict, fmt: str, *, facts_only: bool = False, links: dict | None = None) -> bytes:
    """The pack as `fmt` ("html", "pdf" or "json"), as bytes. JSON is always the whole pack; `facts_only`
    leaves the summary and the processors' fields out of the HTML and the PDF."""
    if fmt == "json":
        return (json.dumps(pack, indent=2, ensure_ascii=False) + "\n").encode()
    if fmt not in FORMATS:
        raise FormatError(f"{fmt!r} is not a format of the evidence pack: one of {', '.join(FORMATS)}.")
    html = render_html(pack, facts_only=facts_only, links=None if fmt == "pdf" else links)
    return html.encode() if fmt == "html" else html_to_pdf(html)
