"""An order's parcels (rules.md section 3a): a second number is a second parcel, and staff supersede a
parcel (never delete it) with a reason, audited, the order re-assessed."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import AuditEvent, Parcel
from cases.tracking import services as tracking
from tests.factories import OrderFactory, UserFactory

UPS = "1Z999AA10123456784"
USPS = "9400111899223818218407"


@pytest.fixture
def two_numbers(db):
    order = OrderFactory()
    for number in (UPS, USPS):
        tracking.link_number(order, tracking.get_or_create_number(number)[0])
    return order


def test_a_second_number_is_a_second_parcel(two_numbers):
    parcels = list(Parcel.objects.filter(order=two_numbers).order_by("position"))
    assert [(p.tracking_number.number, p.position, p.superseded_at) for p in parcels] == [
        (UPS, 0, None),
        (USPS, 1, None),
    ]


def test_a_number_the_order_holds_adds_no_parcel_and_given_skus_are_kept(two_numbers):
    ups = tracking.get_or_create_number(UPS)[0]
    assert not tracking.link_number(two_numbers, ups)
    assert tracking.link_number(two_numbers, ups, ["LAMP-01"])
    assert not tracking.link_number(two_numbers, ups, ["LAMP-01"])
    assert Parcel.objects.filter(order=two_numbers).count() == 2
    assert Parcel.objects.get(order=two_numbers, tracking_number=ups).skus == ["LAMP-01"]


def test_the_same_number_on_another_order_is_its_own_parcel(two_numbers):
    other = OrderFactory()
    assert tracking.link_number(other, tracking.get_or_create_number(UPS)[0])
    assert Parcel.objects.filter(tracking_number__normalized=UPS).count() == 2


def test_staff_supersede_a_parcel_with_a_reason_audited_and_re_assessed(two_numbers, staff, queued):
    parcel = Parcel.objects.get(order=two_numbers, position=0)
    at = datetime(2026, 11, 12, 9, tzinfo=UTC)
    with pytest.MonkeyPatch.context() as patch:
        queued_orders = []
        patch.setattr(tracking, "queue_reassessment", queued_orders.extend)
        tracking.supersede_parcel(
            actor=staff, parcel=parcel, reason="The supplier gave a wrong number", at=at
        )
    parcel.refresh_from_db()
    assert (parcel.superseded_at, parcel.superseded_by, parcel.superseded_reason) == (
        at,
        staff,
        "The supplier gave a wrong number",
    )
    assert queued_orders == [two_numbers.pk]
    event = AuditEvent.objects.get(action="parcel_superseded")
    assert (event.actor, event.object_id, event.reason) == (
        staff,
        str(two_numbers.pk),
        "The supplier gave a wrong number",
    )
    assert event.changes["tracking_number"] == UPS
    # Listed still, never deleted.
    assert Parcel.objects.filter(order=two_numbers).count() == 2


def test_superseding_takes_effect_in_the_facts(two_numbers, staff):
    from cases.selectors.facts import facts_for_orders

    tracking.supersede_parcel(
        actor=staff, parcel=Parcel.objects.get(order=two_numbers, position=0), reason="Reshipped"
    )
    (facts,) = facts_for_orders([two_numbers.pk], datetime(2026, 12, 1, tzinfo=UTC), with_peers=False).facts
    assert [p.superseded_at is not None for p in facts.parcels] == [True, False]


@pytest.mark.parametrize("reason", ["", "   "])
def test_superseding_needs_a_reason(two_numbers, staff, reason):
    parcel = Parcel.objects.get(order=two_numbers, position=0)
    with pytest.raises(ValidationError, match="Say why"):
        tracking.supersede_parcel(actor=staff, parcel=parcel, reason=reason)
    parcel.refresh_from_db()
    assert parcel.superseded_at is None
    assert not AuditEvent.objects.filter(action="parcel_superseded").exists()


def test_a_parcel_is_superseded_once(two_numbers, staff, queued):
    parcel = Parcel.objects.get(order=two_numbers, position=0)
    tracking.supersede_parcel(actor=staff, parcel=parcel, reason="Wrong number")
    with pytest.raises(ValidationError, match="already superseded"):
        tracking.supersede_parcel(actor=staff, parcel=parcel, reason="Again")


def test_a_user_without_the_permission_may_not_supersede(two_numbers, queued):
    nobody = UserFactory(username="nobody")
    parcel = Parcel.objects.get(order=two_numbers, position=0)
    with pytest.raises(PermissionDenied, match=r"cases\.change_parcel"):
        tracking.supersede_parcel(actor=nobody, parcel=parcel, reason="Wrong number")
    parcel.refresh_from_db()
    assert parcel.superseded_at is None


def test_owners_may_supersede_too(two_numbers, owner, queued):
    parcel = Parcel.objects.get(order=two_numbers, position=1)
    tracking.supersede_parcel(actor=owner, parcel=parcel, reason="Reshipped under another number")
    assert Parcel.objects.get(pk=parcel.pk).superseded_by == owner


def test_events_of_a_number_reassess_only_the_orders_whose_parcel_is_in_force(staff):
    number = tracking.get_or_create_number("LP00510000000077", None)[0]
    first, second = OrderFactory(order_id="#A"), OrderFactory(order_id="#B")
    tracking.link_number(first, number)
    tracking.link_number(second, number)
    assert sorted(tracking.orders_carrying([number])) == sorted([first.pk, second.pk])
    tracking.supersede_parcel(actor=staff, parcel=Parcel.objects.get(order=first), reason="wrong number")
    assert tracking.orders_carrying([number]) == [second.pk]
