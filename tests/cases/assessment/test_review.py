"""rules.md section 6, overlays 5 (product review) and 6 (supplier flag)."""

from __future__ import annotations

from cases.assessment import assess, assess_many
from tests.helpers.case_builders import case, label_case, with_policy
from tests.helpers.case_pieces import at, ev, tracking

AS_OF = at(20)


def stale(order_id: str, ordered_days: float = 10, **fields):
    """An order placed `ordered_days` after T0 whose last movement is a day later: stale by AS_OF."""
    o = ordered_days
    moves = tracking(ev(at(o, hours=12), "accepted"), ev(at(o + 1), "in_transit"))
    return case(order_id=order_id, ordered_at=at(o), tracking=moves, **fields)


def moving(order_id: str, **fields):
    """A normal_watch order on the same SKU (moved the day before AS_OF)."""
    moves = tracking(ev(at(16), "accepted"), ev(at(19), "in_transit"))
    return case(order_id=order_id, ordered_at=at(15), tracking=moves, **fields)


def test_product_review_not_flagged_one_below_threshold():
    packet = assess(stale("#1"), AS_OF, peers=[stale("#2")])
    assert "product_review" not in packet.flags
    assert "pause_product" not in packet.also


def test_product_review_flagged_at_threshold_counting_this_case():
    packet = assess(stale("#1"), AS_OF, peers=[stale("#2"), stale("#3")])
    assert "product_review" in packet.flags
    assert packet.also == ("pause_product",)
    assert packet.risk_level == "customer_update"


def test_product_review_ignores_normal_watch_cases():
    packet = assess(stale("#1"), AS_OF, peers=[stale("#2"), moving("#3")])
    assert "product_review" not in packet.flags


def test_product_review_flag_shows_on_a_calm_case_of_the_same_sku():
    packet = assess(moving("#4"), AS_OF, peers=[stale("#1"), stale("#2"), stale("#3")])
    assert "product_review" in packet.flags
    assert packet.next_move == "wait"


def test_product_review_only_counts_the_same_sku():
    packet = assess(stale("#1"), AS_OF, peers=[stale("#2"), stale("#3", sku="OTHER")])
    assert "product_review" not in packet.flags


def test_product_review_sku_compared_ignoring_case():
    packet = assess(stale("#1"), AS_OF, peers=[stale("#2", sku="sku-1"), stale("#3")])
    assert "product_review" in packet.flags


def test_product_window_counts_an_order_placed_exactly_n_days_before_as_of():
    packet = assess(stale("#1"), AS_OF, peers=[stale("#2"), stale("#3", ordered_days=6)])
    assert "product_review" in packet.flags


def test_product_window_drops_an_order_placed_more_than_n_days_before_as_of():
    old = stale("#3", ordered_days=6)
    packet = assess(stale("#1"), AS_OF + (at(0, minutes=1) - at(0)), peers=[stale("#2"), old])
    assert "product_review" not in packet.flags


def test_orders_placed_after_as_of_do_not_count():
    future = stale("#3", ordered_days=21)
    packet = assess(stale("#1"), AS_OF, peers=[stale("#2"), future])
    assert "product_review" not in packet.flags


def test_threshold_and_days_come_from_the_assessed_case_policy():
    strict = with_policy(stale("#1"), product_review_threshold=2)
    assert "product_review" in assess(strict, AS_OF, peers=[stale("#2")]).flags
    assert "product_review" not in assess(stale("#1"), AS_OF, peers=[stale("#2")]).flags


def test_each_peer_risk_uses_the_peer_own_policy():
    # With a 15-day transit window the peer is still in transit, so it is not a problem case.
    patient_peer = with_policy(stale("#3"), stale_in_transit_days=15)
    packet = assess(stale("#1"), AS_OF, peers=[stale("#2"), patient_peer])
    assert "product_review" not in packet.flags


def test_assess_many_counts_cases_and_peers_once_by_order_id():
    cases = [stale("#1"), stale("#2")]
    packets = assess_many(cases, AS_OF, peers=[stale("#2"), stale("#1")])
    assert all("product_review" not in p.flags for p in packets)
    assert [p.order_id for p in assess_many(cases, AS_OF, peers=[stale("#3")])] == ["#1", "#2"]


# --- supplier flag -------------------------------------------------------------------------


def stuck(order_id: str, ordered_days: float = 10, **fields):
    """A label-only order past its label window, on its own SKU."""
    fields.setdefault("sku", order_id)
    return label_case(at(ordered_days), order_id=order_id, ordered_at=at(ordered_days), **fields)


def test_supplier_flag_not_raised_one_below_threshold():
    packet = assess(stuck("#1"), AS_OF, peers=[stuck("#2")])
    assert "supplier_review" not in packet.flags


def test_supplier_flag_raised_at_threshold():
    packet = assess(stuck("#1"), AS_OF, peers=[stuck("#2"), case(order_id="#3", ordered_at=at(14))])
    assert "supplier_review" in packet.flags
    assert packet.also == ("flag_supplier",)


def test_supplier_flag_ignores_label_only_inside_its_window():
    fresh = stuck("#3", ordered_days=18)
    assert "supplier_review" not in assess(stuck("#1"), AS_OF, peers=[stuck("#2"), fresh]).flags


def test_supplier_flag_only_counts_the_same_supplier():
    other = stuck("#3", supplier="Other Supply")
    assert "supplier_review" not in assess(stuck("#1"), AS_OF, peers=[stuck("#2"), other]).flags


def test_supplier_window_edge_from_the_assessed_case_policy():
    old = stuck("#3", ordered_days=-10)  # placed exactly 30 days before AS_OF
    assert "supplier_review" in assess(stuck("#1"), AS_OF, peers=[stuck("#2"), old]).flags
    shorter = with_policy(stuck("#1"), supplier_review_days=29)
    assert "supplier_review" not in assess(shorter, AS_OF, peers=[stuck("#2"), old]).flags


def test_both_review_overlays_add_their_moves_in_order():
    cases = [
        stuck("#1", sku="LAMP"),
        stuck("#2", sku="LAMP"),
        stuck("#3", sku="LAMP"),
    ]
    packet = assess_many(cases, AS_OF)[0]
    assert {"product_review", "supplier_review"} <= set(packet.flags)
    assert packet.also == ("pause_product", "flag_supplier")


def test_outside_counts_from_stored_assessments_add_to_the_product_count():
    sku = stale("#1").order.sku
    below = assess_many([stale("#1")], AS_OF, outside={("product", sku.casefold()): 1})[0]
    at_threshold = assess_many([stale("#1")], AS_OF, outside={("product", sku.casefold()): 2})[0]
    assert "product_review" not in below.flags
    assert "product_review" in at_threshold.flags
    assert "3 problem orders" in " ".join(at_threshold.reasons)


def test_outside_counts_add_to_the_supplier_count():
    supplier = stuck("#1").order.supplier
    packet = assess_many([stuck("#1")], AS_OF, outside={("supplier", supplier.casefold()): 2})[0]
    assert "supplier_review" in packet.flags
