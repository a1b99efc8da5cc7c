"""What the demo's customers, the store and the suppliers write: messages, supplier evidence and chases.

Customer messages are read for their intents as any others are (rules.md section 3), so each list is
written to carry the intent its name says; evidence kinds, directions and chase channels are the
engine's and the models' own words.
"""

from __future__ import annotations

from cases.assessment import vocabulary as v
from cases.choices import ChaseChannel

WHERE_TEXTS = (
    "Hi, where is my order? The tracking hasn't moved in a while.",
    "Any update on my order? It's been a while since I ordered.",
    "Hello, could you check on my parcel please? I need it before the weekend.",
    "The tracking link shows the same status for days. Is everything ok?",
)
# For orders whose tracking shows nothing yet.
WHERE_NO_TRACKING_TEXTS = (
    "Hi! When will my {title} ship? I still see no tracking.",
    "Any update on my order? It's been a while since I ordered.",
    "Hello, has my {title} been sent yet? The tracking page says nothing.",
)
REFUND_TEXTS = (
    "This is taking far too long. I'd like a refund please.",
    "Please cancel the order and give me my money back.",
    "If it can't be delivered soon I want a refund.",
)
DISPUTE_TEXTS = (
    "I've waited long enough. If I don't hear back by Friday I'll open a dispute with PayPal.",
    "I'm going to file a chargeback with my credit card company.",
    "I have contacted my bank about this order.",
)
NOT_RECEIVED_REFUND_TEXTS = (
    "Please refund me, the parcel never reached me.",
    "I'd like my money back, it was never delivered to me.",
)
NOT_RECEIVED_TEXTS = (
    "The tracking says delivered but I never received it.",
    "Nothing arrived. I have not received my order.",
    "It says delivered but there is no package at my door or with the neighbours.",
)
WRONG_PLACE_TEXTS = (
    "The tracking says delivered, but not at my address. Where did it go?",
    "Why does the tracking show a different city? I never received it.",
)
OUTBOUND_TEXTS = (
    "Thanks for reaching out. We've asked our shipping partner for an update and will write again "
    "as soon as we hear back.",
    "Sorry for the wait. The last carrier scan is shown in your tracking link; we are checking with "
    "the supplier now.",
    "Thank you for your patience. We're looking into your order and will update you within two "
    "business days.",
)
PICKUP_PROOF_TEXTS = (
    "Courier pickup receipt attached (scan sheet signed by the driver).",
    "Handover photo at the carrier depot attached.",
    "Carrier pickup scan confirmation attached.",
)
DISPATCH_CLAIM_TEXTS = (
    "Shipped already, tracking updates in 3-5 days.",
    "The parcel went out yesterday, please wait for the carrier to update.",
    "It has shipped, the carrier is slow to scan this week.",
)
PROCESSING_TEXTS = (
    "Order received, packing within 2 days.",
    "Quality check done, waiting for the courier.",
    "In production, ships this week.",
)
RESTOCK_TEXTS = (
    "Out of stock, restock expected in 10 days.",
    "Backordered: the new batch arrives from the factory next week.",
    "This colour is sold out, restock in about 2 weeks.",
)
REPLACEMENT_TEXTS = (
    "We can send a replacement from our Guangzhou warehouse if the carrier does not find it.",
    "A replacement unit is available from stock; tell us if you want it sent.",
)
CANCEL_TEXTS = (
    "Please cancel my order, I ordered the wrong colour.",
    "Hi, can I still cancel this order? I found it locally.",
    "I'd like to cancel please, it's taking too long to ship.",
)
CANCELLED_TEXTS = (
    "Your order is cancelled and the payment has been returned to you.",
    "Done: the order is cancelled. Sorry it did not work out this time.",
)

# What a supplier sends, by the kind of evidence it is (rules.md section 3).
EVIDENCE_TEXTS = {
    v.PICKUP_PROOF: PICKUP_PROOF_TEXTS,
    v.DISPATCH_CLAIM: DISPATCH_CLAIM_TEXTS,
    v.PROCESSING_NOTE: PROCESSING_TEXTS,
    v.RESTOCK_NOTE: RESTOCK_TEXTS,
    v.REPLACEMENT_SOURCE: REPLACEMENT_TEXTS,
}
# What the store asks a supplier, by what it is missing.
CHASE_TEXTS = {
    "no_number": (
        "Please send the tracking number for this order.",
        "The order is past your processing time. Has it shipped?",
    ),
    "no_scan": (
        "The label was created days ago but there is no carrier scan. Can you send pickup proof?",
        "No movement on this tracking number. Please confirm the parcel was handed to the carrier.",
    ),
    "stuck": ("The customer is asking for an update. Can you check with the carrier?",),
}
# Email twice as often as chat or the supplier's portal (the values, so the records stay plain text).
CHASE_CHANNELS = tuple(
    channel.value
    for channel in (ChaseChannel.EMAIL, ChaseChannel.EMAIL, ChaseChannel.CHAT, ChaseChannel.PORTAL)
)

# Conversations: who writes, and from which list, message by message.
CONVERSATIONS = {
    "where_answered": [(v.INBOUND, WHERE_TEXTS), (v.OUTBOUND, OUTBOUND_TEXTS)],
    "where_waiting": [(v.INBOUND, WHERE_TEXTS)],
    "where_twice": [(v.INBOUND, WHERE_TEXTS), (v.INBOUND, WHERE_TEXTS)],
    "refund": [(v.INBOUND, WHERE_TEXTS), (v.OUTBOUND, OUTBOUND_TEXTS), (v.INBOUND, REFUND_TEXTS)],
    "dispute": [
        (v.INBOUND, WHERE_TEXTS),
        (v.OUTBOUND, OUTBOUND_TEXTS),
        (v.INBOUND, REFUND_TEXTS),
        (v.INBOUND, DISPUTE_TEXTS),
    ],
    "not_received": [(v.INBOUND, NOT_RECEIVED_TEXTS)],
    "not_received_refund": [
        (v.INBOUND, NOT_RECEIVED_TEXTS),
        (v.OUTBOUND, OUTBOUND_TEXTS),
        (v.INBOUND, NOT_RECEIVED_REFUND_TEXTS),
    ],
    "wrong_place": [(v.INBOUND, WRONG_PLACE_TEXTS)],
}
