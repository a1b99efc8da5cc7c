"""The demo is shaped like a real store's (cases.demo.catalogue): most orders calm, a few SKUs and one
supplier clearly worse than the rest. So the review flags of rules.md section 6 (overlays 5 and 6) are on a
minority of packets and name those SKUs and that supplier, and `seed_demo` leaves the scorecard with the
rollups of the past weeks and the triggers' products and supplier listed, as `make run` shows them."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db.models.functions import Coalesce

from cases.demo.catalogue import TROUBLED_SKUS, TROUBLED_SUPPLIER
from cases.demo.generator import generate
from cases.demo.seed import load_demo
from cases.demo.stories import KINDS_BY_NAME
from cases.models import AuditEvent, Case
from suppliers.models import Product, Supplier, WeeklyRollup
from tests.factories import UserFactory
from tests.helpers.demo import NOW, SPEC_CASE_TYPES
from tests.helpers.scorecard import page, rows_of

# NOW is a Friday: the whole weeks before it end with the week of Monday 2026-11-09.
PAST_WEEKS = [date(2026, 10, 5) + timedelta(weeks=i) for i in range(6)]


def test_trouble_lands_on_the_troubled_skus_and_supplier_and_calm_orders_follow_popularity():
    data = generate(NOW, orders=2000, seed=7)
    supplier_of = {p.sku: p.supplier for p in data.products}

    def stuck_sku(order):  # an order in two parcels is stuck in its second
        return order.second_sku or order.sku

    blamed = Counter()
    for order in data.orders:
        blame = KINDS_BY_NAME[order.kind].blame
        blamed[blame, stuck_sku(order) in TROUBLED_SKUS] += 1
        if blame == "supplier":
            assert supplier_of[order.sku] == TROUBLED_SUPPLIER
    assert blamed["carrier", True] > 0.85 * (blamed["carrier", True] + blamed["carrier", False])
    assert blamed["supplier", True] > 0.8 * (blamed["supplier", True] + blamed["supplier", False])
    # Calm orders: the bestseller sells several times more than the least popular product.
    calm = Counter(o.sku for o in data.orders if not KINDS_BY_NAME[o.kind].blame)
    assert calm["LAMP-02"] > 4 * calm["SALT-CELL"]
    assert Counter(supplier_of[sku] for sku in calm.elements()).most_common(1)[0][0] == "Bright Home Supply"


@pytest.mark.django_db
def test_the_flags_are_on_a_minority_of_packets_and_name_the_troubled_skus_and_supplier(client):
    loaded = load_demo(orders=2000, seed=7, now=NOW)
    cases = list(
        Case.objects.annotate(counted=Coalesce("counted_product__sku", "order__product__sku")).values_list(
            "counted", "order__product__supplier__name", "counted_product__supplier__name", "flags"
        )
    )
    assert len(cases) == 2000
    assert set(loaded.case_types) == SPEC_CASE_TYPES  # every case type still appears
    product_flagged = Counter(sku for sku, _, _, flags in cases if "product_review" in flags)
    supplier_flagged = Counter(
        counted or own for _, own, counted, flags in cases if "supplier_review" in flags
    )
    either = sum(1 for *_, flags in cases if {"product_review", "supplier_review"} & set(flags))
    assert set(product_flagged) == set(TROUBLED_SKUS)
    assert set(supplier_flagged) == {TROUBLED_SUPPLIER}
    assert sum(product_flagged.values()) < len(cases) / 3
    assert sum(supplier_flagged.values()) < len(cases) / 3
    assert either < len(cases) / 2

    # The triggers ran at the end of the seed: the same SKUs and supplier wait for the owner, audited.
    assert sorted(loaded.products_marked) == sorted(TROUBLED_SKUS)
    assert loaded.suppliers_flagged == [TROUBLED_SUPPLIER]
    review = Product.objects.filter(state=Product.State.REVIEW_REQUIRED)
    assert set(review.values_list("sku", flat=True)) == set(TROUBLED_SKUS)
    assert list(Supplier.objects.filter(status=Supplier.Status.FLAGGED).values_list("name", flat=True)) == [
        TROUBLED_SUPPLIER
    ]
    triggered = AuditEvent.objects.filter(action="product_review_triggered", actor_label="seed_demo")
    assert triggered.count() == len(TROUBLED_SKUS)

    # The rollups of every whole week the orders span are built: the scorecard has rows at once.
    assert loaded.weeks_built == PAST_WEEKS
    assert (
        list(WeeklyRollup.objects.order_by("week_start").values_list("week_start", flat=True).distinct())
        == PAST_WEEKS
    )
    client.force_login(UserFactory(username="olga", role="Owner"))
    response = page(client)
    assert set(rows_of(response)) == {"Bright Home Supply", "Coastal Ceramics", "Shenzhen Gadget Co"}
    assert response.context["card"].week_to == PAST_WEEKS[-1]
    assert {p.sku for p in response.context["review_products"]} == set(TROUBLED_SKUS)
    assert [s.name for s in response.context["flagged_suppliers"]] == [TROUBLED_SUPPLIER]
    # One page promises more than its parcels keep: the promise review names it, and it alone.
    from suppliers.promises.selectors import promise_review

    assert [line.product.sku for line in promise_review(now=NOW).to_review] == ["EARB-TWS"]
