"""The corpus of supplier emails written for the tests (tests/data/emails) and what each must read as."""

import json
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "data" / "emails"


def expected() -> dict:
    """expected.json: per .eml its {kind, orders, tracking}; per .mbox a list of those, one per message."""
    return json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def corpus_entries() -> list[tuple[str, int | None, dict]]:
    """(file name, message index from 1 in an mbox else None, expectation), every email of the corpus."""
    entries = []
    for name, wanted in sorted(expected().items()):
        if name.endswith(".mbox"):
            entries += [(name, index, entry) for index, entry in enumerate(wanted, start=1)]
        else:
            entries.append((name, None, wanted))
    return entries


def reading(
    *,
    kind="pickup_proof",
    orders=("#1042",),
    numbers=("LX123456785CN",),
    message_id="<m1@supplier.example>",
    subject="Re: order #1042",
    sentence="Your parcel was picked up by the courier today.",
    sent_at=None,
):
    """An email's proposal as the reader gives it (cases.intake.messages.supplier_emails), built by hand."""
    from datetime import UTC, datetime

    from cases.intake.messages.supplier_emails import EmailProposal, OrderNumber, Reason, TrackingNumber

    return EmailProposal(
        message_id=message_id,
        sender="sales@supplier.example",
        subject=subject,
        sent_at=sent_at or datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
        kind=kind,
        reasons=(
            *((Reason(kind, "picked up by the courier", sentence),) if kind else ()),
            Reason("dispatch_claim", "shipped", "It has shipped."),
        ),
        order_numbers=tuple(OrderNumber(value, f"About order {value}.") for value in orders),
        tracking_numbers=tuple(TrackingNumber(value, "upu", f"Tracking {value}.") for value in numbers),
    )
