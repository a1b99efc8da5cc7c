"""A small week for the weekly digest, built with the factories, and its figures worked out by hand (in the
comments and in the tests that read them): the week of 2026-11-09 (UTC store), the week before it, a slow
product whose promise is too short, outcomes, the owners' flags, and the people who receive it.

This week (2026-11-09 to 2026-11-15):

| order | SKU | country | case | problem? |
|---|---|---|---|---|
| #1 | A-1 | US | stale_in_transit, customer_update | yes |
| #2 | A-1 | US | label_created_only past its window | yes |
| #3 | A-1 | BR | label_created_only inside its window | no |
| #4 | A-2 | BR | carrier_exception, refund_risk | yes |
| #5 | A-2 | US | in_transit | no |
| #6 | B-1 | US | delivered | no |
| #7 | B-1 | DE | supplier_silence, chargeback_watch | yes |
| #8 | B-1 | US | no case yet | no |

Inbound customer messages: #1 two (and one reply, not counted), #4 one. The week before (2026-11-02 to
2026-11-08): #9 A-1 US in_transit; #10 A-1 US stale_in_transit (a problem, one message); #11 B-1 US
delivered. Acme makes A-1 and A-2, Bright B-1; Idle sells P-1, whose five orders of 2026-10-26 took 4, 6,
8, 9 and 10 days to arrive against "Arrives in 3-5 business days" (at most 7 days with weekends).
"""

from datetime import UTC, date, datetime, timedelta

from cases.assessment import vocabulary as v
from cases.models import Outcome
from suppliers.models import Product, Supplier
from suppliers.services import build_weekly_rollups
from tests.factories import ProductFactory, SupplierFactory, UserFactory
from tests.helpers.known_week import at, make_order, message, track

WEEK = date(2026, 11, 9)
WEEK_BEFORE = date(2026, 11, 2)
PROMISE_WEEK = date(2026, 10, 26)
DAY = timedelta(days=1)


def build_digest_week() -> dict:
    """Store the week, the week before and the slow product's orders; build the rollups of the three
    weeks. Returns the suppliers and products by name."""
    acme, bright, idle = (SupplierFactory(name=name) for name in ("Acme", "Bright", "Idle"))
    a1 = ProductFactory(sku="A-1", title="Lamp", supplier=acme)
    a2 = ProductFactory(sku="A-2", title="Rug", supplier=acme)
    b1 = ProductFactory(sku="B-1", title="Mug", supplier=bright)
    p1 = ProductFactory(sku="P-1", title="Vase", supplier=idle, promise_text="Arrives in 3-5 business days")

    o1 = make_order("#1", a1, "US", at(9, 10), v.STALE_IN_TRANSIT, v.CUSTOMER_UPDATE)
    track(o1, (at(10, 10), v.ACCEPTED), (at(11, 10), v.IN_TRANSIT))  # first scan after 1 day
    o2 = make_order("#2", a1, "US", at(10, 10), v.LABEL_CREATED_ONLY, v.SUPPLIER_CHASE, exceeded=True)
    make_order("#3", a1, "BR", at(11, 10), v.LABEL_CREATED_ONLY, v.NORMAL_WATCH, exceeded=False)
    o4 = make_order("#4", a2, "BR", at(12, 10), v.CARRIER_EXCEPTION, v.REFUND_RISK)
    make_order("#5", a2, "US", at(13, 10), v.IN_TRANSIT_CASE, v.NORMAL_WATCH)
    make_order("#6", b1, "US", at(14, 10), v.DELIVERED_CASE, v.NORMAL_WATCH)
    o7 = make_order("#7", b1, "DE", at(15, 10), v.SUPPLIER_SILENCE, v.CHARGEBACK_WATCH)
    make_order("#8", b1, "US", at(15, 20), case=False)
    message(o1, at(11, 9))
    message(o1, at(12, 9))
    message(o1, at(12, 10), direction="outbound", text="We are checking with the carrier.")
    message(o4, at(13, 9), text="I want a refund")

    o9 = make_order("#9", a1, "US", at(3, 10), v.IN_TRANSIT_CASE, v.NORMAL_WATCH)
    o10 = make_order("#10", a1, "US", at(4, 10), v.STALE_IN_TRANSIT, v.CUSTOMER_UPDATE)
    make_order("#11", b1, "US", at(5, 10), v.DELIVERED_CASE, v.NORMAL_WATCH)
    message(o10, at(6, 9))

    for i, days in enumerate((4, 6, 8, 9, 10)):
        ordered = datetime(2026, 10, 26 + i, 10, tzinfo=UTC)
        order = make_order(f"#P{i}", p1, "FR", ordered, v.DELIVERED_CASE, v.NORMAL_WATCH)
        track(order, (ordered + DAY, v.ACCEPTED), (ordered + days * DAY, v.DELIVERED))

    # Outcomes by when they were recorded: this week customer_updated (on #1, twice: one case),
    # refund_reviewed and refunded (#4), delivered (#10, an order of the week before); a note and an
    # assignment are no outcomes; the week before supplier_chased (#10) and customer_updated (#9); the
    # week after is not this week's.
    for case, kind, moment in [
        (o1.case, "customer_updated", at(10, 12)),
        (o1.case, "customer_updated", at(11, 12)),
        (o4.case, "refund_reviewed", at(13, 12)),
        (o4.case, "refunded", at(14, 12)),
        (o10.case, "delivered", at(12, 12)),
        (o7.case, "note", at(15, 12)),
        (o2.case, "assigned", at(10, 13)),
        (o10.case, "supplier_chased", at(6, 12)),
        (o9.case, "customer_updated", at(5, 12)),
        (o4.case, "lost", at(17, 12)),
    ]:
        Outcome.objects.create(case=case, kind=kind, at=moment)

    # Waiting for an owner: B-1 marked on the review's Monday, A-2 long before; Acme flagged on Monday.
    Product.objects.filter(pk=b1.pk).update(
        state=Product.State.REVIEW_REQUIRED, state_reason="3 problem cases", state_changed_at=at(16, 7)
    )
    Product.objects.filter(pk=a2.pk).update(
        state=Product.State.REVIEW_REQUIRED, state_reason="older", state_changed_at=at(1, 7).replace(month=10)
    )
    Supplier.objects.filter(pk=acme.pk).update(
        status=Supplier.Status.FLAGGED, status_reason="label-only cases", status_changed_at=at(16, 7)
    )

    for week in (PROMISE_WEEK, WEEK_BEFORE, WEEK):
        build_weekly_rollups(week)
    return {"Acme": acme, "Bright": bright, "Idle": idle, "A-1": a1, "A-2": a2, "B-1": b1, "P-1": p1}


def owners(password: str | None = None) -> dict:
    """Olga and Otto, owners with an email address; Ingrid an inactive owner, Nora an owner without one,
    Stan a staff member: only the first two receive the digest. None of them logs in here: no password to
    hash (`password`: give one to log in)."""
    olga = UserFactory(username="olga", role="Owner", email="olga@example.com", password=password)
    otto = UserFactory(username="otto", role="Owner", email="otto@example.com", password=None)
    ingrid = UserFactory(
        username="ingrid", role="Owner", email="ingrid@example.com", is_active=False, password=None
    )
    UserFactory(username="nora", role="Owner", email="", password=None)
    UserFactory(username="stan", role="Staff", email="stan@example.com", password=None)
    return {"olga": olga, "otto": otto, "ingrid": ingrid}
