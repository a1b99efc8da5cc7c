"""rules.md section 3a at its boundaries: each parcel assessed alone, the headline parcel, superseded
parcels, items no parcel names, recycling, and overlays 5 and 6 counted on the headline parcel."""

from dataclasses import replace

from cases.assessment import assess, assess_many
from cases.assessment.facts import Parcel
from cases.assessment.guard import check_draft
from tests.helpers.case_builders import case, order
from tests.helpers.case_pieces import at, ev, inbound, shared, tracking
from tests.helpers.parcel_builders import BOX, LAMP, lamp, moving, rug, with_parcels


def test_a_delivered_lamp_does_not_hide_a_stuck_rug():
    packet = assess(with_parcels(lamp(), rug()), at(14))
    assert (packet.case_type, packet.risk_level, packet.next_move) == (
        "stale_in_transit",
        "customer_update",
        "draft_update",
    )
    delivered, stuck = packet.parcels
    assert (delivered.case_type, delivered.next_move) == ("delivered", "close")
    assert (stuck.case_type, stuck.skus) == ("stale_in_transit", ("RUG-07",))
    assert packet.supplier_draft is None or "Loomworks" in packet.supplier_draft


def test_headline_ties_break_on_close_then_row_then_input_order():
    # Same base risk: the parcel whose move is not `close` leads.
    assert assess(with_parcels(lamp(last=9), rug(last=12)), at(13)).case_type == "in_transit"
    # Same risk, neither closes: the earlier row of section 4 (exception, row 8, before stale, row 15).
    exception = Parcel(moving(12, "LP00510000000001", "exception"), ("LAMP-01",))
    packet = assess(with_parcels(exception, rug(last=2)), at(12.5))
    assert packet.case_type == "carrier_exception"
    # All equal: the first in input order.
    first, second = rug(last=11), Parcel(moving(12, "LP00510000000009"), ("LAMP-01",))
    assert assess(with_parcels(first, second), at(13)).carrier == first.tracking.carrier
    assert assess(with_parcels(first, second), at(13)).clocks.days_since_last_movement == 2


def test_a_superseded_parcel_is_listed_not_assessed_from_the_instant_it_is_superseded():
    wrong = Parcel(moving(2, "YT2431221234500001", "exception"), (), superseded_at=at(5))
    right = Parcel(moving(6, "LP00510000000003"), ())
    facts = with_parcels(wrong, right, items=(LAMP,))
    before = assess(facts, at(4))
    assert before.case_type == "carrier_exception"
    after = assess(facts, at(7))
    assert after.case_type == "in_transit"
    listed, assessed = after.parcels
    assert (listed.superseded, listed.case_type, listed.flags) == (True, None, ())
    assert assessed.case_type == "in_transit"
    assert before.next_assessment_at <= at(5) + (at(0, seconds=1) - at(0))


def test_items_no_parcel_names_wait_in_a_parcel_without_a_number():
    packet = assess(with_parcels(lamp(last=6, status="in_transit"), items=(LAMP, BOX)), at(8))
    assert (packet.case_type, packet.next_move) == ("supplier_silence", "chase_supplier")
    named, waiting = packet.parcels
    assert (waiting.number, waiting.skus, waiting.case_type) == (None, ("Gift box",), "supplier_silence")
    assert named.case_type == "in_transit"


def test_when_no_parcel_names_skus_the_parcels_carry_every_item():
    packet = assess(with_parcels(Parcel(moving(6, "LP00510000000003"), ()), items=(LAMP, BOX)), at(8))
    assert len(packet.parcels) == 1 and packet.case_type == "in_transit"


def test_a_superseded_parcel_still_names_its_skus():
    old = Parcel(moving(2, "YT2431221234500001"), ("LAMP-01",), superseded_at=at(3))
    new = Parcel(moving(6, "LP00510000000003"), ())
    packet = assess(with_parcels(old, new, items=(LAMP, BOX)), at(8))
    # Some parcel names SKUs, and no assessed parcel names either item: both wait for a number.
    assert [p.number for p in packet.parcels] == ["YT2431221234500001", "LP00510000000003", None]
    assert packet.parcels[-1].skus == ("LAMP-01", "Gift box")


def test_an_order_without_an_assessed_numbered_parcel_is_assessed_whole():
    only = Parcel(moving(2, "YT2431221234500001"), (), superseded_at=at(3))
    packet = assess(with_parcels(only, items=(LAMP,)), at(8))
    assert packet.case_type == "supplier_silence"
    assert packet.clocks.days_since_first_scan is None


def test_a_cancelled_order_is_assessed_whole_with_the_orders_flags_only():
    packet = assess(with_parcels(lamp(), rug(), cancelled_at=at(3), messages=[inbound(at(4))]), at(14))
    assert (packet.case_type, packet.next_move) == ("cancelled", "close")
    assert packet.flags == ("customer_waiting",)
    assert packet.clocks.tracking_age_days is None


def test_recycling_counts_other_orders_not_the_orders_own_parcels():
    number = "LP00510000000007"
    same = with_parcels(Parcel(moving(6, number), ("LAMP-01",)), Parcel(moving(6, number), ("RUG-07",)))
    assert "recycled_tracking" not in assess(same, at(8)).flags
    other = Parcel(
        replace(moving(6, number), shared_with=(shared("#9", "bo@example.com", "10001"),)), ("LAMP-01",)
    )
    packet = assess(with_parcels(other, rug(last=6)), at(8))
    assert packet.case_type == "wrong_tracking" and "recycled_tracking" in packet.flags
    assert packet.parcels[1].flags == ()


def test_parcel_flags_are_the_union_and_overlays_apply_once():
    label = Parcel(tracking(ev(at(1), "info_received"), number="LP00510000000002"), ("RUG-07",))
    packet = assess(with_parcels(lamp(), label, messages=[inbound(at(2))]), at(3))
    assert set(packet.flags) == {"label_only", "customer_waiting"}
    assert packet.parcels[1].flags == ("label_only",)
    assert packet.risk_level == "customer_update" and packet.parcels[1].risk_level == "normal_watch"


def test_overlay_5_counts_the_headline_parcels_skus_not_the_delivered_ones():
    def order_of(n: int):
        return with_parcels(lamp(), rug(last=1), order_id=f"#{n}", ordered_at=at(0))

    cases = [order_of(n) for n in range(3)]
    packets = assess_many(cases, at(10))
    # The rug is stale in each (risk customer_update): three problem cases on RUG-07, none on LAMP-01.
    assert all("product_review" in p.flags for p in packets)
    lamp_only = [replace(c, parcels=(lamp(),), order=replace(c.order, line_items=(LAMP,))) for c in cases]
    assert all("product_review" not in p.flags for p in assess_many(lamp_only, at(10)))


def test_overlay_6_counts_the_headline_parcels_supplier():
    def silent(n: int):
        return with_parcels(lamp(last=2, status="in_transit"), order_id=f"#{n}", items=(LAMP, BOX))

    packets = assess_many([silent(n) for n in range(3)], at(5))
    assert all(p.case_type == "supplier_silence" for p in packets)
    assert all("supplier_review" in p.flags for p in packets)
    assert all("Pack Co" in p.reasons[-1] for p in packets)


def test_a_version_1_case_lists_its_one_tracking_as_its_parcel():
    facts = case(tracking=moving(6, "LP00510000000003"), order_id="#1")
    (parcel,) = assess(facts, at(8)).to_dict()["parcels"]
    assert (parcel["number"], parcel["skus"], parcel["superseded"]) == ("LP00510000000003", [], False)
    assert assess(case(), at(8)).to_dict()["parcels"] == []
    assert order().line_items == ()


def test_the_reply_speaks_of_each_parcel_by_its_items_and_passes_the_guard():
    facts = with_parcels(lamp(), rug(), messages=[inbound(at(13))])
    packet = assess(facts, at(14))
    reply = packet.draft_reply
    assert reply is not None, packet.draft_notes
    rug_at, lamp_at = reply.index("About Wool rug:"), reply.index("About Sunset lamp:")
    assert rug_at < lamp_at  # the headline parcel first
    assert "delivered" in reply[lamp_at:] and "no new carrier update" in reply[rug_at:lamp_at]
    assert check_draft(reply, **packet.guard.kwargs()) == []


def test_a_label_only_parcel_beside_a_moving_one_still_gets_a_reply():
    label = Parcel(tracking(ev(at(1), "info_received"), number="LP00510000000002"), ("RUG-07",))
    moving_lamp = lamp(last=3, status="in_transit")
    packet = assess(with_parcels(moving_lamp, label, messages=[inbound(at(4))]), at(4.5))
    assert "label_only" in packet.flags
    assert packet.draft_reply is not None, packet.draft_notes
    assert "in transit" not in packet.draft_reply and "shipped" not in packet.draft_reply


def test_the_supplier_message_goes_to_the_stuck_parcels_supplier():
    packet = assess(with_parcels(lamp(last=2, status="in_transit"), items=(LAMP, BOX)), at(8))
    assert packet.next_move == "chase_supplier"
    assert packet.supplier_draft.startswith("Hello Pack Co,")
