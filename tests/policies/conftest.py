"""Fixtures of the policy tests: the active version, open cases at known ages, a draft that lengthens the
in-transit window."""

from datetime import timedelta

import pytest

from cases.models import Case
from cases.services.assessment import refresh_cases
from policies.models import Policy
from policies.services import create_draft
from tests.factories import OrderFactory
from tests.helpers.what_if_parcels import AGES, AS_OF, parcel


@pytest.fixture
def v1():
    return Policy.objects.get(is_active=True)


@pytest.fixture
def parcels(db):
    """The AGES cases, a case with no tracking yet (supplier silence), a held case inside the moving band
    and one whose stored assessment is two days old and due: stored in transit, stale under v1 now."""
    orders = [parcel(order_id, age) for order_id, (age, _) in AGES.items()]
    orders.append(OrderFactory(order_id="#NO-NUMBER", ordered_at=AS_OF - timedelta(days=10)))
    orders.append(parcel("#HELD-8", 8))
    refresh_cases([o.pk for o in orders], as_of=AS_OF)
    Case.objects.filter(order__order_id="#HELD-8").update(status="held")
    due = parcel("#DUE-8", 8)
    refresh_cases([due.pk], as_of=AS_OF - timedelta(days=2))
    return [*orders, due]


@pytest.fixture
def longer_transit(owner, v1):
    return create_draft(base=v1, actor=owner, note="carriers are slow", changes={"stale_in_transit_days": 10})
