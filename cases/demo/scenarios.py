"""Demo data for `python manage.py seed_demo`: what each demo order's facts look like, relative to `now`.

Pure: no ORM, no wall clock. `generate(now, orders=..., seed=...)` returns plain dataclasses; the command
writes them. Every scenario kind below is built so that, assessed at `now` with the given policy
(rules.md section 2 defaults unless told otherwise), it lands on the case type it names in
`DemoOrder.expected_case_type`, with at least six hours of margin from any window boundary.

The first orders cycle through every kind once, so even a small demo shows every case type of
rules.md section 4; the rest are drawn by weight: mostly healthy parcels, a realistic minority stuck.
What real stores' data brings is there too (bundle.md, version 2): cancelled and refunded orders, orders
the store marked fulfilled without a tracking number here, cash on delivery, and a carrier feed whose
events have only a description and a local time (rules.md sections 1 and 3b).
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from cases.carriers.checkdigits import s10_check_digit, ups_check_digit
from cases.carriers.local_times import carrier_local_time, zone_for_country
from policies.values import PolicyValues

MARGIN = 0.25  # days kept between a generated clock and any window boundary
MAX_ORDER_AGE = 40.0  # orders are spread over the last ~40 days

# Normalized statuses (rules.md section 3), spelled as `cases.assessment.vocabulary` spells them.
INFO_RECEIVED = "info_received"
ACCEPTED = "accepted"
IN_TRANSIT = "in_transit"
OUT_FOR_DELIVERY = "out_for_delivery"
AVAILABLE_FOR_PICKUP = "available_for_pickup"
EXCEPTION = "exception"
RETURNED = "returned"
DELIVERED = "delivered"
NO_INFORMATION = "no_information"
UNKNOWN = "unknown"


# ---------------------------------------------------------------------------------------------------
# What is generated


@dataclass(frozen=True)
class DemoSupplier:
    name: str
    contact_email: str
    processing_window_days: int | None  # None: the policy's processing window applies
    origin_city: str
    origin_hub: str


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    title: str
    supplier: str
    price_usd: float
    promise_text: str
    promised_delivery_days: int


@dataclass(frozen=True)
class DemoEvent:
    at: datetime
    status: str
    raw_status: str = ""
    description: str = ""
    location: str = ""
    country: str = ""
    postal_code: str = ""
    # The carrier gave a local time without an offset (rules.md section 1); `at` is that time read there.
    approximate: bool = False


@dataclass
class DemoTracking:
    """One carrier number. Combined shipments and recycled numbers put the same object on several orders."""

    number: str
    carrier: str  # the format the number was generated in: ups, s10, yunexpress, cainiao
    # Whose vocabulary raw_status uses: aftership or 17track; "carrier" is the carrier's own feed, which
    # gives only a description and a local time (CARRIER_FEED).
    tracker: str
    events: list[DemoEvent] = field(default_factory=list)


@dataclass(frozen=True)
class DemoEvidence:
    at: datetime
    kind: str
    text: str


@dataclass(frozen=True)
class DemoChase:
    at: datetime
    channel: str
    text: str


@dataclass(frozen=True)
class DemoMessage:
    at: datetime
    direction: str
    text: str


@dataclass
class DemoOrder:
    kind: str
    expected_case_type: str
    ordered_at: datetime
    customer_email: str
    country: str
    postal_code: str
    sku: str
    value: Decimal
    currency: str
    promise_text: str
    payment_state: str = "paid"
    cancelled_at: datetime | None = None
    fulfilled_at: datetime | None = None
    tracking: DemoTracking | None = None
    evidence: list[DemoEvidence] = field(default_factory=list)
    chases: list[DemoChase] = field(default_factory=list)
    messages: list[DemoMessage] = field(default_factory=list)
    order_id: str = ""  # given once all orders are generated, in order of `ordered_at`


@dataclass
class DemoData:
    now: datetime
    suppliers: list[DemoSupplier]
    products: list[DemoProduct]
    orders: list[DemoOrder]

    def trackings(self) -> list[DemoTracking]:
        """Every distinct tracking number, once, in first-use order."""
        seen: dict[str, DemoTracking] = {}
        for order in self.orders:
            if order.tracking is not None:
                seen.setdefault(order.tracking.number, order.tracking)
        return list(seen.values())


# ---------------------------------------------------------------------------------------------------
# Scenario kinds


@dataclass(frozen=True)
class Kind:
    name: str
    case_types: tuple[str, ...]  # the case types its orders get
    weight: float  # share of a large demo, in percent of orders
    orders: int = 1  # orders per scenario (combined shipments and recycled numbers come in pairs)
    # Who the trouble is usually down to, which decides the products it lands on: "" (no trouble: any
    # product), "carrier" (mostly the troubled SKUs) or "supplier" (the troubled supplier's products).
    blame: str = "carrier"

    @property
    def problem(self) -> bool:
        """Problem cases draw more (and angrier) customer messages."""
        return bool(self.blame)


KINDS: tuple[Kind, ...] = (
    Kind("in_transit", ("in_transit",), 32.0, blame=""),
    Kind("delivered", ("delivered",), 24.0, blame=""),
    Kind("combined_shipment", ("in_transit", "delivered"), 1.5, orders=2, blame=""),
    Kind("stale_in_transit", ("stale_in_transit",), 5.0),
    Kind("lost_in_transit", ("stale_in_transit",), 2.0),
    Kind("accepted_waiting", ("accepted_no_movement",), 3.0, blame=""),
    Kind("accepted_stuck", ("accepted_no_movement",), 2.0),
    Kind("label_waiting", ("label_created_only",), 4.0, blame=""),
    Kind("number_without_events", ("label_created_only",), 1.0, blame=""),
    Kind("label_stuck_pickup_proof", ("label_created_only",), 1.5, blame="supplier"),
    Kind("label_stuck_no_proof", ("label_created_only",), 2.5, blame="supplier"),
    Kind("awaiting_tracking", ("awaiting_tracking",), 3.0, blame=""),
    Kind("silent_no_number", ("supplier_silence",), 2.0, blame="supplier"),
    Kind("silent_chase_unanswered", ("supplier_silence",), 1.5, blame="supplier"),
    Kind("supplier_blocked", ("supplier_blocked",), 1.5),
    Kind("exception_in_grace", ("carrier_exception",), 1.5),
    Kind("exception_overdue", ("carrier_exception",), 1.5),
    Kind("delivered_conflict", ("delivered_conflict",), 1.0),
    Kind("wrong_destination", ("wrong_destination",), 0.8),
    Kind("recycled_number", ("wrong_tracking",), 0.4, orders=2),
    Kind("predates_order", ("wrong_tracking",), 0.5),
    Kind("checksum_invalid", ("wrong_tracking",), 0.6),
    Kind("unknown_status", ("unclear",), 0.8),
    Kind("contradictory", ("unclear",), 0.5),
    Kind("cancelled", ("cancelled",), 1.5, blame=""),
    Kind("refunded", ("refunded",), 1.0),
    Kind("fulfilled_no_tracking", ("fulfilled_no_tracking",), 2.0, blame=""),
    Kind("cash_on_delivery", ("in_transit", "delivered"), 1.5, blame=""),
    Kind("carrier_feed", ("in_transit",), 2.0, blame=""),
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}


# ---------------------------------------------------------------------------------------------------
# The catalogue

SUPPLIERS: tuple[DemoSupplier, ...] = (
    DemoSupplier(
        "Bright Home Supply",
        "orders@brighthome-supply.example",
        None,
        "Yiwu, Zhejiang",
        "Yiwu sorting center",
    ),
    DemoSupplier(
        "Coastal Ceramics",
        "support@coastal-ceramics.example",
        5,
        "Chaozhou, Guangdong",
        "Chaozhou collection hub",
    ),
    DemoSupplier(
        "Shenzhen Gadget Co", "ops@szgadget.example", None, "Shenzhen, Guangdong", "Shenzhen sorting center"
    ),
)
TROUBLED_SUPPLIER = "Shenzhen Gadget Co"
PROMISES = {
    "Bright Home Supply": ("Delivered in 7-12 business days", 12),
    "Coastal Ceramics": ("Handmade to order: delivered in 10-18 business days", 18),
    "Shenzhen Gadget Co": ("Delivered in 8-15 business days", 15),
}
_CATALOGUE = {
    "Bright Home Supply": (
        ("LAMP-01", "Sunset projection lamp", 39.90),
        ("LAMP-02", "Moon lamp 15 cm", 29.90),
        ("LED-STRIP-5M", "LED strip lights 5 m", 24.90),
        ("DIFF-01", "Ultrasonic aroma diffuser", 34.90),
        ("CURT-LIGHT", "Curtain fairy lights", 19.90),
        ("RUG-ROUND", "Round boho rug 120 cm", 59.90),
        ("SHELF-FLT", "Floating wall shelf set", 44.90),
        ("PLANT-MIST", "Glass plant mister", 17.90),
        ("BLKT-KNIT", "Chunky knit blanket", 69.90),
        ("CLOCK-WD", "Wooden wall clock", 32.90),
        ("MIRR-ARCH", "Arched wall mirror", 79.90),
        ("PILLOW-LIN", "Linen cushion cover (2)", 22.90),
        ("CANDLE-LED", "Flameless LED candles (3)", 27.90),
        ("ORG-DRAW", "Bamboo drawer organizer set", 26.90),
    ),
    "Coastal Ceramics": (
        ("MUG-SPK", "Speckled stoneware mug", 24.90),
        ("POUR-SET", "Ceramic pour-over set", 49.90),
        ("VASE-BUD", "Bud vase trio", 34.90),
        ("PLATE-WAVE", "Wave-rim dinner plates (4)", 64.90),
        ("BOWL-RAMEN", "Ramen bowl set", 39.90),
        ("PLANTER-SM", "Glazed planter, small", 21.90),
        ("TEAPOT-JP", "Japanese side-handle teapot", 54.90),
        ("SOAP-DISH", "Ceramic soap dish", 14.90),
        ("INCENSE-HLD", "Incense holder", 16.90),
        ("OIL-BTL", "Olive oil bottle", 29.90),
        ("SALT-CELL", "Salt cellar with lid", 19.90),
        ("TRAY-RING", "Ring tray", 12.90),
    ),
    "Shenzhen Gadget Co": (
        ("EARB-TWS", "Wireless earbuds", 49.90),
        ("PWR-BANK-10K", "Power bank 10000 mAh", 29.90),
        ("CAM-MINI", "Mini security camera", 44.90),
        ("CHRG-3IN1", "3-in-1 charging stand", 39.90),
        ("FAN-NECK", "Bladeless neck fan", 27.90),
        ("PHONE-GRIP", "Magnetic phone grip", 12.90),
        ("SMART-PLUG", "Smart plug (2-pack)", 24.90),
        ("TRACK-TAG", "Bluetooth item tracker", 19.90),
        ("RING-LIGHT", "Ring light 10 in", 34.90),
        ("KB-MINI", "Mini wireless keyboard", 36.90),
        ("PROJ-MINI", "Mini projector", 89.90),
        ("MASSAGE-GUN", "Massage gun", 79.90),
        ("WATCH-BAND", "Smartwatch band", 14.90),
        ("CAR-MOUNT", "Car phone mount", 17.90),
    ),
}
# The SKUs that draw most of the trouble, so product review flags land on a few products, not all.
TROUBLED_SKUS = ("EARB-TWS", "CAM-MINI", "PROJ-MINI", "LAMP-01", "RUG-ROUND", "TEAPOT-JP")


def catalogue() -> list[DemoProduct]:
    products = []
    for supplier, items in _CATALOGUE.items():
        promise, days = PROMISES[supplier]
        for sku, title, price in items:
            products.append(DemoProduct(sku, title, supplier, price, promise, days))
    return products


@dataclass(frozen=True)
class Geo:
    currency: str
    rate: float  # local currency per USD, for order values
    gateway: str
    hubs: tuple[str, ...]
    cities: tuple[str, ...]
    postal: str  # pattern: 9 a digit, A a letter, anything else itself


GEO: dict[str, Geo] = {
    "US": Geo(
        "USD",
        1.0,
        "Los Angeles, CA (LAX)",
        ("Chicago, IL", "Dallas, TX", "Atlanta, GA", "Jersey City, NJ"),
        ("Austin, TX", "Portland, OR", "Denver, CO", "Columbus, OH", "Tampa, FL", "San Francisco, CA"),
        "99999",
    ),
    "GB": Geo(
        "GBP",
        0.8,
        "London Heathrow",
        ("Coventry hub", "Warrington hub"),
        ("Manchester", "Bristol", "Leeds", "Glasgow"),
        "A9 9AA",
    ),
    "DE": Geo(
        "EUR",
        0.92,
        "Frankfurt am Main",
        ("Leipzig Paketzentrum", "Hannover Paketzentrum"),
        ("Berlin", "Hamburg", "Köln", "München"),
        "99999",
    ),
    "FR": Geo(
        "EUR",
        0.92,
        "Paris Roissy CDG",
        ("Chilly-Mazarin plateforme", "Lyon Saint-Priest"),
        ("Lyon", "Nantes", "Toulouse", "Lille"),
        "99999",
    ),
    "CA": Geo(
        "CAD",
        1.36,
        "Vancouver, BC",
        ("Mississauga, ON", "Calgary, AB"),
        ("Toronto, ON", "Ottawa, ON", "Montréal, QC", "Edmonton, AB"),
        "A9A 9A9",
    ),
    "AU": Geo(
        "AUD",
        1.52,
        "Sydney Airport NSW",
        ("Melbourne Gateway VIC", "Brisbane Parcel Facility QLD"),
        ("Perth WA", "Adelaide SA", "Newcastle NSW", "Hobart TAS"),
        "9999",
    ),
    "BR": Geo(
        "BRL",
        5.0,
        "Curitiba, PR (international hub)",
        ("São Paulo, SP", "Cajamar, SP"),
        ("Rio de Janeiro, RJ", "Belo Horizonte, MG", "Porto Alegre, RS", "Recife, PE"),
        "99999-999",
    ),
    "NL": Geo(
        "EUR",
        0.92,
        "Amsterdam Schiphol",
        ("Nieuwegein sorteercentrum",),
        ("Utrecht", "Rotterdam", "Eindhoven"),
        "9999 AA",
    ),
}
COUNTRY_WEIGHTS = {"US": 40, "GB": 14, "DE": 10, "FR": 8, "CA": 10, "AU": 9, "BR": 5, "NL": 4}
# Where a parcel for one country can wrongly end up.
NEIGHBOURS = {"US": "CA", "CA": "US", "GB": "IE", "DE": "AT", "FR": "BE", "AU": "NZ", "BR": "PT", "NL": "BE"}
NEIGHBOUR_PLACES = {
    "CA": ("Windsor, ON", "N9A 5K6"),
    "US": ("Buffalo, NY", "14201"),
    "IE": ("Dublin", "D02 X285"),
    "AT": ("Wien", "1010"),
    "BE": ("Bruxelles", "1000"),
    "NZ": ("Auckland", "1010"),
    "PT": ("Lisboa", "1100-148"),
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "ana ben chloe daniel emma felix grace hugo isla jack kira liam maya noah olivia pablo quinn rosa sam "
    "tara uma victor wren yuki zoe lucas lea mateus sofia tom"
)
LAST_NAMES = _words(
    "smith garcia nguyen mueller martin brown silva taylor dubois wilson kowalski tanaka jones santos "
    "fischer moreau clarke lee costa schmidt"
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")


# ---------------------------------------------------------------------------------------------------
# Tracking numbers: shapes the carrier detector (cases.carriers) knows, with correct check digits


def s10_number(rng: random.Random, prefix: str = "LZ", country: str = "CN") -> str:
    serial = "".join(rng.choice(string.digits) for _ in range(8))
    return f"{prefix}{serial}{s10_check_digit(serial)}{country}"


def s10_number_with_bad_check_digit(rng: random.Random, prefix: str = "RR") -> str:
    serial = "".join(rng.choice(string.digits) for _ in range(8))
    wrong = (s10_check_digit(serial) + rng.randint(1, 9)) % 10
    return f"{prefix}{serial}{wrong}CN"


def ups_number(rng: random.Random) -> str:
    shipper = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))
    data = (
        shipper + rng.choice(("01", "03", "12", "YW")) + "".join(rng.choice(string.digits) for _ in range(7))
    )
    return f"1Z{data}{ups_check_digit(data)}"


def yunexpress_number(rng: random.Random) -> str:
    return "YT" + "".join(rng.choice(string.digits) for _ in range(16))


def cainiao_number(rng: random.Random) -> str:
    return "LP" + "".join(rng.choice(string.digits) for _ in range(14))


CARRIER_WEIGHTS = {"yunexpress": 34, "cainiao": 28, "s10": 26, "ups": 12}
MAKERS = {
    "yunexpress": yunexpress_number,
    "cainiao": cainiao_number,
    "s10": lambda rng: s10_number(rng, rng.choice(("LZ", "LY", "RB", "RS"))),
    "ups": ups_number,
}

# raw_status words of two trackers (spec status-vocabularies.md), per normalized status.
RAW = {
    "aftership": {
        INFO_RECEIVED: "InfoReceived",
        ACCEPTED: "InTransit_002",
        IN_TRANSIT: "InTransit",
        OUT_FOR_DELIVERY: "OutForDelivery",
        AVAILABLE_FOR_PICKUP: "AvailableForPickup",
        EXCEPTION: "Exception",
        RETURNED: "Exception_011",
        DELIVERED: "Delivered",
        NO_INFORMATION: "Pending",
    },
    "17track": {
        INFO_RECEIVED: "InfoReceived",
        ACCEPTED: "InTransit_PickedUp",
        IN_TRANSIT: "InTransit",
        OUT_FOR_DELIVERY: "OutForDelivery",
        AVAILABLE_FOR_PICKUP: "AvailableForPickup",
        EXCEPTION: "Exception",
        RETURNED: "Exception_Returned",
        DELIVERED: "Delivered",
        NO_INFORMATION: "NotFound",
    },
}
CUSTOMS_RAW = {"aftership": "InTransit", "17track": "InTransit_CustomsProcessing"}
# A carrier's own feed: no status word, only a description (its status is read from it, rules.md section
# 3b) and a local time without an offset (read at the event's place, section 1).
CARRIER_FEED = "carrier"
ATTEMPT_RAW = {"aftership": "AttemptFail", "17track": "DeliveryFailure"}
# Words no tracker vocabulary maps: the importer would store them as `unknown`.
UNKNOWN_RAW = (
    ("Retention", "Parcel retained at facility, reason not given"),
    ("Abnormal", "Irregularity recorded at sorting center"),
    ("HELD_PENDING_REVIEW", "Shipment held pending review"),
    ("Zwischenlagerung", "Sendung zwischengelagert"),
)

# ---------------------------------------------------------------------------------------------------
# Texts

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
CHASE_CHANNELS = ("email", "email", "chat", "portal")
CANCEL_TEXTS = (
    "Please cancel my order, I ordered the wrong colour.",
    "Hi, can I still cancel this order? I found it locally.",
    "I'd like to cancel please, it's taking too long to ship.",
)
CANCELLED_TEXTS = (
    "Your order is cancelled and the payment has been returned to you.",
    "Done: the order is cancelled. Sorry it did not work out this time.",
)


# ---------------------------------------------------------------------------------------------------
# Building


@dataclass(frozen=True)
class Step:
    status: str
    description: str
    location: str
    country: str
    postal_code: str = ""
    customs: bool = False


# Positions in a full road (see `_road`).
LABEL, ACCEPTANCE, FIRST_TRANSIT, LAST_TRANSIT, OFD, DELIVERY = 0, 1, 2, 12, 13, 14


class _Builder:
    def __init__(self, now: datetime, rng: random.Random, policy: PolicyValues):
        self.now = now
        self.base = now.replace(microsecond=0)
        self.rng = rng
        self.policy = policy
        self.products = catalogue()
        self.suppliers = {s.name: s for s in SUPPLIERS}
        self.by_sku = {p.sku: p for p in self.products}
        self.by_supplier: dict[str, list[DemoProduct]] = {}
        for product in self.products:
            self.by_supplier.setdefault(product.supplier, []).append(product)
        self.used_numbers: set[str] = set()
        self.used_emails: set[str] = set()

    # -- clocks ------------------------------------------------------------------------------------

    def at(self, age_days: float) -> datetime:
        """The moment `age_days` before now, in whole seconds from `now`'s whole second: how times sort
        then depends on the ages alone, not on when the demo is generated."""
        return self.base - timedelta(seconds=round(age_days * 86400))

    def u(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high) if high > low else low

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # -- who and what --------------------------------------------------------------------------------

    def processing_days(self, product: DemoProduct) -> int:
        own = self.suppliers[product.supplier].processing_window_days
        return own if own is not None else self.policy.processing_window_days

    def product(self, kind: Kind) -> DemoProduct:
        """Trouble concentrates: supplier trouble on one supplier, carrier trouble on a few SKUs, so the
        review flags (rules.md section 6) point somewhere instead of everywhere."""
        if kind.blame == "supplier":
            products = self.by_supplier[TROUBLED_SUPPLIER]
            if self.chance(0.6):
                products = [p for p in products if p.sku in TROUBLED_SKUS]
            return self.rng.choice(products)
        if kind.blame == "carrier" and self.chance(0.75):
            return self.by_sku[self.rng.choice(TROUBLED_SKUS)]
        return self.rng.choice(self.products)

    def country(self) -> str:
        return self.rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]

    def postal_code(self, country: str) -> str:
        return self._pattern(GEO[country].postal)

    def _pattern(self, pattern: str) -> str:
        out = []
        for c in pattern:
            if c == "9":
                out.append(self.rng.choice(string.digits))
            elif c == "A":
                out.append(self.rng.choice(string.ascii_uppercase))
            else:
                out.append(c)
        return "".join(out)

    def email(self) -> str:
        while True:
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            address = f"{first}.{last}{self.rng.randint(1, 999)}@{self.rng.choice(EMAIL_DOMAINS)}"
            if address not in self.used_emails:
                self.used_emails.add(address)
                return address

    def order(
        self, kind: Kind, case_type: str, product: DemoProduct, country=None, email=None, postal=None
    ) -> DemoOrder:
        """A new order; its `ordered_at` is set by the scenario (`_set_age`)."""
        country = country or self.country()
        geo = GEO[country]
        local = max(1, round(product.price_usd * geo.rate * self.u(0.95, 1.1))) - Decimal("0.01")
        return DemoOrder(
            kind=kind.name,
            expected_case_type=case_type,
            ordered_at=self.now,
            customer_email=email or self.email(),
            country=country,
            postal_code=postal or self.postal_code(country),
            sku=product.sku,
            value=Decimal(local).quantize(Decimal("0.01")),
            currency=geo.currency,
            promise_text=product.promise_text,
        )

    # -- tracking ------------------------------------------------------------------------------------

    def tracking(self, carrier: str | None = None) -> DemoTracking:
        carrier = (
            carrier or self.rng.choices(list(CARRIER_WEIGHTS), weights=list(CARRIER_WEIGHTS.values()))[0]
        )
        while True:
            number = MAKERS[carrier](self.rng)
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                break
        return DemoTracking(number=number, carrier=carrier, tracker=self.rng.choice(("aftership", "17track")))

    def bad_checksum_tracking(self) -> DemoTracking:
        while True:
            number = s10_number_with_bad_check_digit(self.rng, self.rng.choice(("RR", "RB", "LZ")))
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return DemoTracking(number=number, carrier="s10", tracker="17track")

    def road(self, product: DemoProduct, country: str, postal: str) -> list[Step]:
        """Every step of a parcel from the supplier's town to the customer's door."""
        rng = self.rng
        supplier = self.suppliers[product.supplier]
        geo = GEO[country]
        hub, city = rng.choice(geo.hubs), rng.choice(geo.cities)
        export = rng.choice(("Guangzhou international mail center", "Shenzhen Bao'an export hub"))
        airport = rng.choice(("Hong Kong International Airport", "Guangzhou Baiyun Airport"))
        airport_country = "HK" if airport.startswith("Hong Kong") else "CN"
        delivered = rng.choice(
            (
                "Delivered, left at front door",
                "Delivered to mailbox",
                "Delivered, signed for by recipient",
                "Delivered to parcel locker",
            )
        )
        return [
            Step(INFO_RECEIVED, "Shipment information received, label created", supplier.origin_city, "CN"),
            Step(
                ACCEPTED,
                rng.choice(("Parcel accepted by carrier", "Picked up by courier", "Acceptance scan")),
                supplier.origin_hub,
                "CN",
            ),
            Step(IN_TRANSIT, "Departed origin facility", supplier.origin_hub, "CN"),
            Step(IN_TRANSIT, "Arrived at export sorting center", export, "CN"),
            Step(IN_TRANSIT, "Export customs clearance completed", export, "CN", customs=True),
            Step(IN_TRANSIT, "Handed over to airline", airport, airport_country),
            Step(IN_TRANSIT, "Departed from airport of origin", airport, airport_country),
            Step(IN_TRANSIT, "Arrived at destination airport", geo.gateway, country),
            Step(IN_TRANSIT, "Import customs clearance started", geo.gateway, country, customs=True),
            Step(IN_TRANSIT, "Import customs clearance completed", geo.gateway, country, customs=True),
            Step(IN_TRANSIT, "Arrived at regional sorting facility", hub, country),
            Step(IN_TRANSIT, "Departed regional sorting facility", hub, country),
            Step(IN_TRANSIT, "Arrived at local delivery unit", city, country),
            Step(OUT_FOR_DELIVERY, "Out for delivery", city, country, postal),
            Step(DELIVERED, delivered, city, country, postal),
        ]

    def event(self, tracking: DemoTracking, step: Step, age: float, raw: str | None = None) -> DemoEvent:
        at = self.at(age)
        feed = tracking.tracker == CARRIER_FEED
        if feed:
            raw = ""  # the status is the one its description reads as (tests check it against section 3b)
            # The feed gives wall time at the place: the moment is what reading it there gives (in the hour
            # repeated in autumn, the first occurrence), as the importer would store it.
            wall = at.astimezone(zone_for_country(step.country)).replace(tzinfo=None)
            at = carrier_local_time(wall, step.country)
        elif raw is None:
            raw = (
                CUSTOMS_RAW[tracking.tracker] if step.customs else RAW[tracking.tracker].get(step.status, "")
            )
        return DemoEvent(
            at=at,
            status=step.status,
            raw_status=raw,
            description=step.description,
            location=step.location,
            country=step.country,
            postal_code=step.postal_code,
            approximate=feed,
        )

    def place(self, tracking: DemoTracking, steps: list[Step], start_age: float, end_age: float) -> None:
        """Add `steps` to the tracking: the first `start_age` days ago, the last `end_age` days ago, the
        others in order in between."""
        if len(steps) == 1:
            ages = [start_age]
        else:
            middle = sorted((self.u(end_age, start_age) for _ in range(len(steps) - 2)), reverse=True)
            ages = [start_age, *middle, end_age]
        tracking.events.extend(self.event(tracking, step, age) for step, age in zip(steps, ages, strict=True))

    def journey(self, tracking: DemoTracking, steps: list[Step], label_age: float, last_age: float) -> None:
        """The label, then acceptance within a couple of days, then the remaining steps up to `last_age`."""
        self.place(tracking, steps[:1], label_age, label_age)
        if len(steps) == 1:
            return
        accepted_age = label_age - min(self.u(0.3, 1.8), (label_age - last_age) / 3)
        if len(steps) == 2:
            accepted_age = last_age
        self.place(tracking, steps[1:], accepted_age, last_age)

    def transit_prefix(self, road: list[Step], last: int, skip: float = 0.15) -> list[Step]:
        """The road from the label up to step `last`, with some middle scans missed as carriers do."""
        steps = road[: last + 1]
        return [s for i, s in enumerate(steps) if i in (LABEL, ACCEPTANCE, last) or not self.chance(skip)]

    def tracker_silence(self, tracking: DemoTracking, order_age: float, label_age: float) -> None:
        """Sometimes the tracker polled before the carrier knew the number: a `no_information` event,
        which the rules ignore."""
        if tracking.tracker == CARRIER_FEED:
            return  # the carrier's own feed has no tracker in between
        if order_age - label_age > 0.3 and self.chance(0.3):
            age = self.u(label_age + 0.1, order_age - 0.1)
            tracking.events.append(
                DemoEvent(
                    at=self.at(age),
                    status=NO_INFORMATION,
                    raw_status=RAW[tracking.tracker][NO_INFORMATION],
                    description="Tracking information not yet available",
                )
            )
            tracking.events.sort(key=lambda e: e.at)

    # -- supplier and customer records ----------------------------------------------------------------

    def evidence(self, order: DemoOrder, kind: str, age: float) -> None:
        texts = {
            "pickup_proof": PICKUP_PROOF_TEXTS,
            "dispatch_claim": DISPATCH_CLAIM_TEXTS,
            "processing_note": PROCESSING_TEXTS,
            "restock_note": RESTOCK_TEXTS,
            "replacement_source": REPLACEMENT_TEXTS,
        }[kind]
        order.evidence.append(DemoEvidence(self.at(age), kind, self.rng.choice(texts)))

    def chase(self, order: DemoOrder, age: float, topic: str) -> None:
        order.chases.append(
            DemoChase(self.at(age), self.rng.choice(CHASE_CHANNELS), self.rng.choice(CHASE_TEXTS[topic]))
        )

    def say(self, order: DemoOrder, age: float, texts: tuple[str, ...], direction: str = "inbound") -> None:
        if texts is WHERE_TEXTS and (order.tracking is None or not order.tracking.events):
            texts = WHERE_NO_TRACKING_TEXTS
        title = self.by_sku[order.sku].title.lower()
        text = self.rng.choice(texts).format(title=title)
        order.messages.append(DemoMessage(self.at(age), direction, text))

    def conversation(self, order: DemoOrder, pattern: str, first_age: float, last_age: float = 0.02) -> None:
        """Customer messages between `first_age` and `last_age` days ago, in order."""
        if first_age <= last_age:
            return
        script = {
            "where_answered": [("in", WHERE_TEXTS), ("out", OUTBOUND_TEXTS)],
            "where_waiting": [("in", WHERE_TEXTS)],
            "where_twice": [("in", WHERE_TEXTS), ("in", WHERE_TEXTS)],
            "refund": [("in", WHERE_TEXTS), ("out", OUTBOUND_TEXTS), ("in", REFUND_TEXTS)],
            "dispute": [
                ("in", WHERE_TEXTS),
                ("out", OUTBOUND_TEXTS),
                ("in", REFUND_TEXTS),
                ("in", DISPUTE_TEXTS),
            ],
            "not_received": [("in", NOT_RECEIVED_TEXTS)],
            "not_received_refund": [
                ("in", NOT_RECEIVED_TEXTS),
                ("out", OUTBOUND_TEXTS),
                ("in", NOT_RECEIVED_REFUND_TEXTS),
            ],
            "wrong_place": [("in", WRONG_PLACE_TEXTS)],
        }[pattern]
        ages = sorted((self.u(last_age, first_age) for _ in script), reverse=True)
        for (direction, texts), age in zip(script, ages, strict=True):
            self.say(order, age, texts, "inbound" if direction == "in" else "outbound")
        if pattern == "dispute" and self.chance(0.4):
            order.payment_state = "disputed"

    def maybe_talk(self, order: DemoOrder, kind: Kind, first_age: float, last_age: float = 0.02) -> None:
        """Customer contact, more likely (and angrier) on problem cases."""
        if not kind.problem:
            if self.chance(0.07):
                pattern = self.rng.choices(("where_answered", "where_waiting"), weights=(7, 3))[0]
                self.conversation(order, pattern, first_age, last_age)
            return
        angry = kind.name in ("lost_in_transit", "exception_overdue", "silent_chase_unanswered")
        if self.chance(0.7 if angry else 0.45):
            patterns = ("where_answered", "where_waiting", "where_twice", "refund", "dispute", "not_received")
            weights = (10, 20, 15, 30, 20, 5) if angry else (25, 25, 15, 20, 10, 5)
            self.conversation(order, self.rng.choices(patterns, weights=weights)[0], first_age, last_age)

    # -- scenarios -----------------------------------------------------------------------------------

    def build(self, kind: Kind) -> list[DemoOrder]:
        return getattr(self, f"_{kind.name}")(kind)

    def _start(self, kind: Kind, case_type: str) -> tuple[DemoOrder, list[Step]]:
        """A new order of `kind` and the road its parcel would take."""
        product = self.product(kind)
        order = self.order(kind, case_type, product)
        return order, self.road(product, order.country, order.postal_code)

    def _in_transit(self, kind: Kind) -> list[DemoOrder]:
        p = self.policy
        order, road = self._start(kind, "in_transit")
        last_age = self.u(0.05, p.stale_in_transit_days - MARGIN)
        ending = self.rng.choices(("transit", "ofd", "pickup"), weights=(90, 7, 3))[0]
        if ending == "transit":
            steps = self.transit_prefix(road, self.rng.randint(FIRST_TRANSIT, LAST_TRANSIT))
        else:
            steps = [*self.transit_prefix(road, LAST_TRANSIT), road[OFD]]
            if ending == "pickup":
                city, country, postal = road[OFD].location, order.country, order.postal_code
                steps[-1] = Step(
                    AVAILABLE_FOR_PICKUP, f"Available for pickup at {city} post office", city, country, postal
                )
        span = self.u(1.0, 2.5) + len(steps) * self.u(0.5, 1.2)
        label_age = last_age + span
        order_age = label_age + self.u(0.3, 2.5)
        self._set_age(order, order_age)
        order.tracking = self.tracking()
        self.journey(order.tracking, steps, label_age, last_age)
        self.tracker_silence(order.tracking, order_age, label_age)
        self.maybe_talk(order, kind, order_age - 1, 0.02)
        return [order]

    def _set_age(self, order: DemoOrder, age: float) -> None:
        order.ordered_at = self.at(min(age, MAX_ORDER_AGE))

    def _delivered(self, kind: Kind) -> list[DemoOrder]:
        order, road = self._start(kind, "delivered")
        span = self.u(7, 16)
        slack = self.u(0.3, 2.5)
        delivered_age = self.u(0.05, MAX_ORDER_AGE - span - slack)
        label_age = delivered_age + span
        order_age = label_age + slack
        self._set_age(order, order_age)
        order.tracking = self.tracking()
        steps = self.transit_prefix(road, LAST_TRANSIT, skip=0.2)
        if self.chance(0.85):
            steps.append(road[OFD])
        steps.append(road[DELIVERY])
        self.journey(order.tracking, steps, label_age, delivered_age)
        self.maybe_talk(order, kind, order_age - 1, delivered_age + 0.5)
        return [order]

    def _combined_shipment(self, kind: Kind) -> list[DemoOrder]:
        """One customer, two orders from one supplier, shipped together under one number."""
        first = self.product(kind)
        second = self.rng.choice([p for p in self.by_supplier[first.supplier] if p.sku != first.sku])
        delivered = self.chance(0.5)
        case_type = "delivered" if delivered else "in_transit"
        a = self.order(kind, case_type, first)
        b = self.order(
            kind, case_type, second, country=a.country, email=a.customer_email, postal=a.postal_code
        )
        road = self.road(first, a.country, a.postal_code)
        if delivered:
            last_age = self.u(0.5, 15)
            steps = [*self.transit_prefix(road, LAST_TRANSIT), road[OFD], road[DELIVERY]]
        else:
            last_age = self.u(0.05, self.policy.stale_in_transit_days - MARGIN)
            steps = self.transit_prefix(road, self.rng.randint(FIRST_TRANSIT, LAST_TRANSIT))
        label_age = last_age + self.u(1.0, 2.0) + len(steps) * self.u(0.5, 1.0)
        later_order_age = label_age + self.u(0.3, 2.0)
        self._set_age(b, later_order_age)
        self._set_age(a, later_order_age + self.u(0.02, 0.9))
        shared = self.tracking()
        self.journey(shared, steps, label_age, last_age)
        a.tracking = b.tracking = shared
        return [a, b]

    def _stale_in_transit(self, kind: Kind) -> list[DemoOrder]:
        p = self.policy
        order, road = self._start(kind, "stale_in_transit")
        last_age = self.u(p.stale_in_transit_days + MARGIN, p.lost_package_days - MARGIN)
        steps = self.transit_prefix(road, self.rng.randint(FIRST_TRANSIT, LAST_TRANSIT - 1))
        label_age = last_age + self.u(1.0, 2.0) + len(steps) * self.u(0.3, 0.7)
        order_age = label_age + self.u(0.3, 2.0)
        self._set_age(order, order_age)
        order.tracking = self.tracking()
        self.journey(order.tracking, steps, label_age, last_age)
        self._supplier_asked(order, last_age)
        self.maybe_talk(order, kind, last_age - 1, 0.02)
        return [order]

    def _lost_in_transit(self, kind: Kind) -> list[DemoOrder]:
        p = self.policy
        order, road = self._start(kind, "stale_in_transit")
        last_age = self.u(p.lost_package_days + MARGIN, p.lost_package_days + 9)
        steps = self.transit_prefix(road, self.rng.randint(FIRST_TRANSIT, FIRST_TRANSIT + 5))
        label_age = last_age + self.u(1.0, 2.0) + len(steps) * self.u(0.2, 0.5)
        order_age = label_age + self.u(0.3, 1.5)
        self._set_age(order, order_age)
        order.tracking = self.tracking()
        self.journey(order.tracking, steps, label_age, last_age)
        self._supplier_asked(order, last_age)
        if self.chance(0.3):
            self.evidence(order, "replacement_source", self.u(0.1, 3))
        self.maybe_talk(order, kind, last_age - 2, 0.02)
        return [order]

    def _supplier_asked(self, order: DemoOrder, since_age: float) -> None:
        """A stuck parcel: sometimes the store asked the supplier, who sometimes answered."""
        if self.chance(0.4):
            chased = self.u(0.1, since_age - 0.5)
            self.chase(order, chased, "stuck")
            if self.chance(0.6):
                self.evidence(order, "dispatch_claim", self.u(0.02, chased - 0.01))

    def _accepted(self, kind: Kind, last_age: float) -> list[DemoOrder]:
        order, road = self._start(kind, "accepted_no_movement")
        label_age = last_age + self.u(0.2, 2.0)
        order_age = label_age + self.u(0.3, 2.0)
        self._set_age(order, order_age)
        order.tracking = self.tracking()
        self.journey(order.tracking, road[:2], label_age, last_age)
        self.tracker_silence(order.tracking, order_age, label_age)
        self.maybe_talk(order, kind, order_age - 1, 0.02)
        return [order]

    def _accepted_waiting(self, kind: Kind) -> list[DemoOrder]:
        return self._accepted(kind, self.u(0.05, self.policy.accepted_no_movement_days - MARGIN))

    def _accepted_stuck(self, kind: Kind) -> list[DemoOrder]:
        days = self.policy.accepted_no_movement_days
        return self._accepted(kind, self.u(days + MARGIN, days + 12))

    def _label_only(self, kind: Kind, label_age: float) -> tuple[DemoOrder, float]:
        order, road = self._start(kind, "label_created_only")
        order_age = label_age + self.u(0.2, 2.0)
        self._set_age(order, order_age)
        order.tracking = self.tracking()
        self.place(order.tracking, road[:1], label_age, label_age)
        self.tracker_silence(order.tracking, order_age, label_age)
        return order, order_age

    def _label_waiting(self, kind: Kind) -> list[DemoOrder]:
        order, order_age = self._label_only(kind, self.u(0.05, self.policy.label_created_max_days - MARGIN))
        if self.chance(0.3):
            self.evidence(order, "processing_note", self.u(0.02, order_age - 0.1))
        self.maybe_talk(order, kind, order_age - 1, 0.02)
        return [order]

    def _number_without_events(self, kind: Kind) -> list[DemoOrder]:
        """The supplier sent a number the carrier does not know yet (window runs from the order)."""
        product = self.product(kind)
        order = self.order(kind, "label_created_only", product)
        order_age = self.u(0.1, self.policy.label_created_max_days - MARGIN)
        self._set_age(order, order_age)
        order.tracking = self.tracking()
        return [order]

    def _label_stuck(self, kind: Kind) -> tuple[DemoOrder, float]:
        days = self.policy.label_created_max_days
        label_age = self.u(days + MARGIN, days + 12)
        return self._label_only(kind, label_age)

    def _label_stuck_pickup_proof(self, kind: Kind) -> list[DemoOrder]:
        order, _ = self._label_stuck(kind)
        label_age = self._label_age(order)
        if self.chance(0.5):
            chased = self.u(1.0, label_age - 0.5)
            self.chase(order, chased, "no_scan")
            self.evidence(order, "pickup_proof", self.u(0.02, chased - 0.02))
        else:
            self.evidence(order, "pickup_proof", self.u(0.02, label_age - 0.1))
        self.maybe_talk(order, kind, label_age - 1, 0.02)
        return [order]

    def _label_stuck_no_proof(self, kind: Kind) -> list[DemoOrder]:
        order, _ = self._label_stuck(kind)
        label_age = self._label_age(order)
        variant = self.rng.choice(("nothing", "claim", "chase_pending", "chase_answered"))
        if variant == "claim":
            self.evidence(order, "dispatch_claim", self.u(0.02, label_age - 0.1))
        elif variant == "chase_pending":
            self.chase(order, self.u(0.02, self.policy.supplier_response_days - MARGIN), "no_scan")
        elif variant == "chase_answered":
            chased = self.u(1.0, label_age - 0.5)
            self.chase(order, chased, "no_scan")
            self.evidence(order, "dispatch_claim", self.u(0.02, chased - 0.02))
        self.maybe_talk(order, kind, label_age - 1, 0.02)
        return [order]

    def _label_age(self, order: DemoOrder) -> float:
        label = next(e for e in order.tracking.events if e.status == INFO_RECEIVED)
        return (self.now - label.at) / timedelta(days=1)

    def _awaiting_tracking(self, kind: Kind) -> list[DemoOrder]:
        product = self.product(kind)
        order = self.order(kind, "awaiting_tracking", product)
        order_age = self.u(0.02, self.processing_days(product) - MARGIN)
        self._set_age(order, order_age)
        if order_age > 0.5 and self.chance(0.4):
            self.evidence(order, "processing_note", self.u(0.02, order_age - 0.1))
        return [order]

    def _silent_no_number(self, kind: Kind) -> list[DemoOrder]:
        product = self.product(kind)
        order = self.order(kind, "supplier_silence", product)
        window = self.processing_days(product)
        order_age = self.u(window + MARGIN, window + 14)
        self._set_age(order, order_age)
        variant = self.rng.choice(("nothing", "chased", "chased_twice", "claim_without_number", "pending"))
        response = self.policy.supplier_response_days
        if variant == "chased":
            self.chase(order, self.u(0.05, order_age - window), "no_number")
        elif variant == "chased_twice" and order_age - window > response + 1:
            first = self.u(response + 1, order_age - window)
            self.chase(order, first, "no_number")
            self.chase(order, self.u(0.05, first - 0.5), "no_number")
        elif variant == "claim_without_number":
            self.evidence(order, "dispatch_claim", self.u(0.05, order_age - 0.2))
        elif variant == "pending":
            self.chase(order, self.u(0.02, response - MARGIN), "no_number")
        self.maybe_talk(order, kind, order_age - 1, 0.02)
        return [order]

    def _silent_chase_unanswered(self, kind: Kind) -> list[DemoOrder]:
        """A number but no carrier scan, and the supplier has not answered the store's chase."""
        response = self.policy.supplier_response_days
        if self.chance(0.75):
            order, order_age = self._label_only(kind, self.u(response + 1.5, 16))
            latest_chase_bound = self._label_age(order) - 0.1
        else:
            product = self.product(kind)
            order = self.order(kind, "supplier_silence", product)
            order_age = self.u(response + 2, 16)
            self._set_age(order, order_age)
            order.tracking = self.tracking()
            latest_chase_bound = order_age - 0.5
        order.expected_case_type = "supplier_silence"
        chased = self.u(response + MARGIN, latest_chase_bound)
        if self.chance(0.4):
            self.evidence(order, "dispatch_claim", self.u(chased + 0.01, order_age - 0.05))
        if self.chance(0.3):
            earlier = self.u(chased + 0.05, order_age - 0.02)
            self.chase(order, earlier, "no_scan")
        self.chase(order, chased, "no_scan")
        order.chases.sort(key=lambda c: c.at)
        self.maybe_talk(order, kind, order_age - 1, 0.02)
        return [order]

    def _supplier_blocked(self, kind: Kind) -> list[DemoOrder]:
        if self.chance(0.6):
            product = self.product(kind)
            order = self.order(kind, "supplier_blocked", product)
            order_age = self.u(1.0, 18)
            self._set_age(order, order_age)
        else:
            order, order_age = self._label_only(kind, self.u(0.5, 12))
        order.expected_case_type = "supplier_blocked"
        restock = self.u(0.02, order_age - 0.5)
        if self.chance(0.4):
            chased = self.u(restock + 0.01, order_age - 0.2)
            self.chase(order, chased, "no_number")
            if self.chance(0.3):
                self.evidence(order, "processing_note", self.u(restock + 0.01, order_age - 0.1))
        self.evidence(order, "restock_note", restock)
        order.evidence.sort(key=lambda e: e.at)
        self.maybe_talk(order, kind, order_age - 1, 0.02)
        return [order]

    def _exception(self, kind: Kind, exception_age: float, returned: bool) -> list[DemoOrder]:
        order, road = self._start(kind, "carrier_exception")
        rng = self.rng
        where = rng.choice(("origin", "customs", "door"))
        if where == "origin":
            steps = self.transit_prefix(road, rng.randint(FIRST_TRANSIT, FIRST_TRANSIT + 3))
            problem = Step(
                EXCEPTION, "Parcel held at export: battery / restricted item check", road[2].location, "CN"
            )
        elif where == "customs":
            steps = self.transit_prefix(road, FIRST_TRANSIT + 6)
            problem = Step(
                EXCEPTION, "Held by customs: import documents required", road[8].location, order.country
            )
        else:
            steps = [*self.transit_prefix(road, LAST_TRANSIT), road[OFD]]
            problem = Step(
                EXCEPTION,
                rng.choice(
                    ("Delivery attempted, recipient not available", "Address incomplete, contact carrier")
                ),
                road[OFD].location,
                order.country,
            )
        problem_age = exception_age + self.u(0.5, 3.0) if returned else exception_age
        last_movement_age = problem_age + self.u(0.3, 4.0)
        label_age = last_movement_age + self.u(1.0, 2.0) + len(steps) * self.u(0.4, 0.9)
        order_age = label_age + self.u(0.3, 2.0)
        self._set_age(order, order_age)
        order.tracking = tracking = self.tracking()
        self.journey(tracking, steps, label_age, last_movement_age)
        raw = ATTEMPT_RAW[tracking.tracker] if where == "door" else None
        tracking.events.append(self.event(tracking, problem, problem_age, raw))
        if returned:
            back = Step(RETURNED, "Returned to sender", problem.location, problem.country)
            tracking.events.append(self.event(tracking, back, exception_age))
        self.maybe_talk(order, kind, exception_age, 0.02)
        return [order]

    def _exception_in_grace(self, kind: Kind) -> list[DemoOrder]:
        return self._exception(kind, self.u(0.05, self.policy.exception_grace_days - MARGIN), returned=False)

    def _exception_overdue(self, kind: Kind) -> list[DemoOrder]:
        days = self.policy.exception_grace_days
        return self._exception(kind, self.u(days + MARGIN, days + 12), returned=self.chance(0.5))

    def _delivered_journey(self, kind: Kind, case_type: str, delivered_age: float, road_for=None):
        order, road = self._start(kind, case_type)
        if road_for is not None:
            road = road_for(order, road)
        steps = [*self.transit_prefix(road, LAST_TRANSIT), road[OFD], road[DELIVERY]]
        label_age = delivered_age + self.u(7, 14)
        order_age = label_age + self.u(0.3, 2.0)
        self._set_age(order, order_age)
        order.tracking = self.tracking()
        self.journey(order.tracking, steps, label_age, delivered_age)
        return order, road

    def _delivered_conflict(self, kind: Kind) -> list[DemoOrder]:
        delivered_age = self.u(1.0, 12)
        order, _ = self._delivered_journey(kind, "delivered_conflict", delivered_age)
        pattern = self.rng.choice(("not_received", "not_received", "not_received_refund"))
        self.conversation(order, pattern, delivered_age - 0.2, 0.02)
        return [order]

    def _wrong_destination(self, kind: Kind) -> list[DemoOrder]:
        variant = self.rng.choice(("postal", "country", "pickup"))

        def misroute(order: DemoOrder, road: list[Step]) -> list[Step]:
            if variant == "country":
                neighbour = NEIGHBOURS[order.country]
                city, postal = NEIGHBOUR_PLACES[neighbour]
            else:
                city, postal = road[OFD].location, order.postal_code
                while postal == order.postal_code:
                    postal = self.postal_code(order.country)
                neighbour = order.country
            road = list(road)
            if variant == "country":
                road[LAST_TRANSIT] = Step(IN_TRANSIT, "Arrived at local delivery unit", city, neighbour)
            road[OFD] = Step(OUT_FOR_DELIVERY, "Out for delivery", city, neighbour, postal)
            if variant == "pickup":
                road[DELIVERY] = Step(
                    AVAILABLE_FOR_PICKUP,
                    f"Available for pickup at {city} post office",
                    city,
                    neighbour,
                    postal,
                )
            else:
                road[DELIVERY] = Step(DELIVERED, road[DELIVERY].description, city, neighbour, postal)
            return road

        delivered_age = self.u(0.5, 15)
        order, _ = self._delivered_journey(kind, "wrong_destination", delivered_age, misroute)
        if self.chance(0.6):
            self.conversation(order, "wrong_place", delivered_age - 0.1, 0.02)
        return [order]

    def _recycled_number(self, kind: Kind) -> list[DemoOrder]:
        """The supplier gave a new customer a number that already belongs to another customer's parcel."""
        first_product, second_product = self.product(kind), self.product(kind)
        a = self.order(kind, "wrong_tracking", first_product)
        b = self.order(kind, "wrong_tracking", second_product)
        road = self.road(first_product, a.country, a.postal_code)
        steps = self.transit_prefix(road, self.rng.randint(FIRST_TRANSIT, LAST_TRANSIT))
        last_age = self.u(0.5, 12)
        label_age = last_age + self.u(1.0, 2.0) + len(steps) * self.u(0.4, 0.8)
        a_age = label_age + self.u(0.3, 2.0)
        self._set_age(a, a_age)
        self._set_age(b, self.u(1.0, max(1.5, a_age - 2)))
        shared = self.tracking(self.rng.choice(("yunexpress", "cainiao")))
        self.journey(shared, steps, label_age, last_age)
        a.tracking = b.tracking = shared
        self.maybe_talk(b, kind, (self.now - b.ordered_at) / timedelta(days=1) - 0.5, 0.02)
        return [a, b]

    def _predates_order(self, kind: Kind) -> list[DemoOrder]:
        """The number's scans start days before the order was placed: an old label reused."""
        order, road = self._start(kind, "wrong_tracking")
        order_age = self.u(3.0, 20)
        self._set_age(order, order_age)
        steps = self.transit_prefix(road, self.rng.randint(FIRST_TRANSIT, LAST_TRANSIT))
        label_age = order_age + self.u(2.0, 15)
        last_age = self.u(0.2, label_age - len(steps) * 0.3)
        order.tracking = self.tracking()
        self.journey(order.tracking, steps, label_age, last_age)
        self.maybe_talk(order, kind, order_age - 1, 0.02)
        return [order]

    def _checksum_invalid(self, kind: Kind) -> list[DemoOrder]:
        """An S10 number whose check digit is wrong: mistyped by the supplier, or made up."""
        order, road = self._start(kind, "wrong_tracking")
        order_age = self.u(2.0, 15)
        self._set_age(order, order_age)
        order.tracking = self.bad_checksum_tracking()
        if self.chance(0.3):
            self.place(order.tracking, road[:1], order_age - 0.5, order_age - 0.5)
        self.maybe_talk(order, kind, order_age - 1, 0.02)
        return [order]

    def _unknown_status(self, kind: Kind) -> list[DemoOrder]:
        """The latest carrier word is one no vocabulary knows."""
        order, road = self._start(kind, "unclear")
        unknown_age = self.u(0.1, 8)
        steps = self.transit_prefix(road, self.rng.randint(FIRST_TRANSIT, LAST_TRANSIT))
        last_age = unknown_age + self.u(0.3, 3)
        label_age = last_age + self.u(1.0, 2.0) + len(steps) * self.u(0.4, 0.8)
        order_age = label_age + self.u(0.3, 2.0)
        self._set_age(order, order_age)
        order.tracking = tracking = self.tracking()
        self.journey(tracking, steps, label_age, last_age)
        raw, description = self.rng.choice(UNKNOWN_RAW)
        last = steps[-1]
        tracking.events.append(
            DemoEvent(self.at(unknown_age), UNKNOWN, raw, description, last.location, last.country)
        )
        self.maybe_talk(order, kind, order_age - 1, 0.02)
        return [order]

    def _cancelled(self, kind: Kind) -> list[DemoOrder]:
        """The customer asked to cancel and the store did, mostly before the supplier shipped (sometimes
        after the label was printed); the payment is usually refunded with it."""
        product = self.product(kind)
        order = self.order(kind, "cancelled", product)
        order_age = self.u(0.5, 25)
        self._set_age(order, order_age)
        cancelled_age = (
            self.u(0.05, order_age - 0.1) if order_age < 3.1 else self.u(order_age - 3, order_age - 0.1)
        )
        if self.chance(0.3) and order_age - cancelled_age > 0.4:
            order.tracking = self.tracking()
            road = self.road(product, order.country, order.postal_code)
            self.place(order.tracking, road[:1], self.u(cancelled_age + 0.1, order_age - 0.2), 0)
        order.cancelled_at = self.at(cancelled_age)
        if self.chance(0.8):
            order.payment_state = "refunded"
        if self.chance(0.6):
            self.say(order, self.u(cancelled_age + 0.02, order_age - 0.02), CANCEL_TEXTS)
            self.say(order, self.u(0.01, cancelled_age), CANCELLED_TEXTS, "outbound")
        return [order]

    def _refunded(self, kind: Kind) -> list[DemoOrder]:
        """The parcel stopped moving and the store refunded the customer in full; the case is closed."""
        order, road = self._start(kind, "refunded")
        last_age = self.u(8, 18)
        steps = self.transit_prefix(road, self.rng.randint(FIRST_TRANSIT, LAST_TRANSIT - 1))
        label_age = last_age + self.u(1.0, 2.0) + len(steps) * self.u(0.3, 0.7)
        order_age = label_age + self.u(0.3, 2.0)
        self._set_age(order, order_age)
        order.tracking = self.tracking()
        self.journey(order.tracking, steps, label_age, last_age)
        if self.chance(0.6):
            self.conversation(order, "refund", last_age - 1, 0.05)
        order.payment_state = "refunded"
        return [order]

    def _fulfilled_no_tracking(self, kind: Kind) -> list[DemoOrder]:
        """The store marked the order fulfilled (its tracking went to the shop, not here): the number has
        to be imported, the supplier is not silent."""
        product = self.product(kind)
        order = self.order(kind, "fulfilled_no_tracking", product)
        order_age = self.u(1.0, 20)
        self._set_age(order, order_age)
        fulfilled_age = self.u(max(0.05, order_age - self.processing_days(product)), order_age - 0.3)
        order.fulfilled_at = self.at(fulfilled_age)
        if self.chance(0.3):
            self.evidence(order, "dispatch_claim", self.u(0.02, fulfilled_age))
        self.maybe_talk(order, kind, fulfilled_age, 0.02)
        return [order]

    def _cash_on_delivery(self, kind: Kind) -> list[DemoOrder]:
        """The customer pays the courier: every rule reads it as paid."""
        orders = self._delivered(kind) if self.chance(0.4) else self._in_transit(kind)
        for order in orders:
            order.payment_state = "cash_on_delivery"
        return orders

    def _carrier_feed(self, kind: Kind) -> list[DemoOrder]:
        """A parcel on its way, tracked from the carrier's own feed: descriptions and local times only."""
        product = self.product(kind)
        order = self.order(kind, "in_transit", product)
        road = self.road(product, order.country, order.postal_code)
        last_age = self.u(0.1, self.policy.stale_in_transit_days - MARGIN)
        steps = self.transit_prefix(road, self.rng.randint(FIRST_TRANSIT, LAST_TRANSIT))
        label_age = last_age + self.u(1.0, 2.5) + len(steps) * self.u(0.5, 1.0)
        self._set_age(order, label_age + self.u(0.3, 2.0))
        order.tracking = self.tracking(self.rng.choice(("yunexpress", "cainiao")))
        order.tracking.tracker = CARRIER_FEED
        self.journey(order.tracking, steps, label_age, last_age)
        return [order]

    def _contradictory(self, kind: Kind) -> list[DemoOrder]:
        """Delivered, then scanned in transit again."""
        delivered_age = self.u(1.5, 12)
        order, road = self._delivered_journey(kind, "unclear", delivered_age)
        again = road[LAST_TRANSIT - 2]  # "Arrived at regional sorting facility"
        order.tracking.events.append(self.event(order.tracking, again, self.u(0.1, delivered_age - 0.5)))
        self.maybe_talk(order, kind, delivered_age - 0.2, 0.02)
        return [order]


def plan_kinds(orders: int, rng: random.Random) -> list[Kind]:
    """Every kind once (so a small demo shows every case type), then kinds drawn by weight."""
    plan: list[Kind] = []
    total = 0
    for kind in KINDS:
        if total + kind.orders > orders:
            break
        plan.append(kind)
        total += kind.orders
    singles = [k for k in KINDS if k.orders == 1]
    while total < orders:
        pool = KINDS if orders - total > 1 else singles
        kind = rng.choices(pool, weights=[k.weight / k.orders for k in pool])[0]
        plan.append(kind)
        total += kind.orders
    return plan


def generate(
    now: datetime, *, orders: int = 2000, seed: int = 7, policy: PolicyValues | None = None
) -> DemoData:
    """The demo: suppliers, products, and `orders` orders whose facts are placed relative to `now`."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    rng = random.Random(seed)
    builder = _Builder(now, rng, policy or PolicyValues())
    generated: list[DemoOrder] = []
    for kind in plan_kinds(orders, rng):
        generated.extend(builder.build(kind))
    for order in generated:
        for records in (order.evidence, order.chases, order.messages):
            records.sort(key=lambda r: r.at)
        if order.tracking is not None:
            order.tracking.events.sort(key=lambda e: e.at)
    generated.sort(key=lambda o: o.ordered_at)  # stable: equal times keep generation order
    for index, order in enumerate(generated):
        order.order_id = f"#{1001 + index}"
    return DemoData(now=now, suppliers=list(SUPPLIERS), products=builder.products, orders=generated)
