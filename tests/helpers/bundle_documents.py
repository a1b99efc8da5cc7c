"""Case bundles as documents (bundle.md): a good version-1 case and a good version-2 case, the bundle
around them, each with one value replaced (`case_with`, `v2_with`), and the errors the reader names."""

import copy
import json

import pytest

from cases.intake.bundles.reader import BundleError, read_bundle

GOOD_CASE = {
    "order": {
        "order_id": "#1042",
        "ordered_at": "2026-11-02T09:15:00Z",
        "customer_email": "ana@example.com",
        "country": "US",
        "postal_code": "94110",
        "sku": "LAMP-01",
        "product_title": "Sunset lamp",
        "supplier": "Bright Home Supply",
        "value": "39.90",
        "currency": "USD",
        "payment_state": "paid",
    },
    "tracking": {
        "number": "1Z999AA10123456784",
        "carrier": None,
        "events": [{"at": "2026-11-04T03:00:00Z", "status": "info_received", "country": "CN"}],
    },
    "supplier_evidence": [
        {"at": "2026-11-05T08:00:00Z", "kind": "dispatch_claim", "text": "Shipped already"}
    ],
    "supplier_chases": [{"at": "2026-11-12T10:00:00Z"}],
    "customer_messages": [
        {"at": "2026-11-15T18:20:00Z", "direction": "inbound", "text": "Where is my lamp?"}
    ],
}


def bundle(*cases, **head):
    return {"format": "staletrack.bundle/1", "cases": list(cases) or [copy.deepcopy(GOOD_CASE)], **head}


def case_with(path: str, value):
    """GOOD_CASE with the value at a dotted path replaced (None deletes the key)."""
    case = copy.deepcopy(GOOD_CASE)
    *parents, last = path.split(".")
    node = case
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return case


def errors_of(document) -> list[str]:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    with pytest.raises(BundleError) as caught:
        read_bundle(raw)
    return [str(issue) for issue in caught.value.issues]


# Version 2 (bundle.md) ---------------------------------------------------------------------------------

V2_CASE = {
    "order": {
        "order_id": "#2001",
        "ordered_at": "2026-11-02T09:15:00-05:00",
        "country": "US",
        "postal_code": "94110",
        "customer_email": "li@example.com",
        "value": "58.00",
        "currency": "USD",
        "payment_state": "cash_on_delivery",
        "fulfilled_at": "2026-11-06T10:00:00-05:00",
        "cancelled_at": None,
        "line_items": [
            {"sku": "LAMP-01", "title": "Sunset lamp", "supplier": "Bright Home Supply", "quantity": 2},
            {"sku": None, "title": "Gift box", "supplier": "Pack Co"},
        ],
    },
    "parcels": [
        {
            "number": "LP00123456789012",
            "carrier": None,
            "events": [
                {"at": "2026-11-07 09:12:00", "description": "Departed from sorting center", "country": "CN"},
                {"at": "2026-11-08T03:00:00Z", "status": "in_transit", "country": "CHN"},
            ],
        }
    ],
}


def bundle_v2(*cases, **head):
    return bundle(*(cases or [copy.deepcopy(V2_CASE)]), format="staletrack.bundle/2", **head)


def v2_with(path: str, value):
    """V2_CASE with the value at a dotted path replaced (None deletes the key)."""
    case = copy.deepcopy(V2_CASE)
    *parents, last = path.split(".")
    node = case
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    key = int(last) if last.isdigit() else last
    if value is None:
        del node[key]
    else:
        node[key] = value
    return case
