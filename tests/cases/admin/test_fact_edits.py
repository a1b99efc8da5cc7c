"""Facts changed in the admin go through the services, like the importers: the order form and every inline
(tracking links, supplier evidence, chases, customer messages, a number's carrier events) is checked with
named errors, audited with old and new values side by side, and the cases it touches are re-assessed after
commit."""

from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import AuditEvent, Case, Order, SupplierEvidence, TrackingEvent
from cases.services import orders as order_facts
from cases.tasks import reassess_cases_task
from tests.helpers.clock import import_label_only_cases

pytestmark = pytest.mark.django_db

INLINES = ("parcels", "supplier_evidence", "supplier_chases", "customer_messages")


@pytest.fixture
def staff(staff, client):
    """Stan (tests/conftest.py), logged in on the client."""
    client.force_login(staff)
    return staff


@pytest.fixture
def case():
    (case,) = import_label_only_cases(1, label_days_ago=2)
    return case


@pytest.fixture
def reassessed():
    """The re-assessment task, run in place of being queued (after commit, as the broker would)."""
    with mock.patch.object(reassess_cases_task, "delay", side_effect=reassess_cases_task.run) as delay:
        yield delay


def split(moment: datetime | None, prefix: str) -> dict:
    """The admin's split date and time inputs for `moment`, in the current time zone."""
    if moment is None:
        return {f"{prefix}_0": "", f"{prefix}_1": ""}
    local = timezone.localtime(moment)
    return {f"{prefix}_0": local.strftime("%Y-%m-%d"), f"{prefix}_1": local.strftime("%H:%M:%S")}


def order_form(order: Order, **changes) -> dict:
    """The order's change form as the browser posts it, with `changes` (times as datetimes)."""
    values = {
        "order_id": order.order_id,
        "ordered_at": order.ordered_at,
        "customer_email": order.customer_email,
        "country": order.country,
        "postal_code": order.postal_code,
        "product": order.product_id,
        "value": "" if order.value is None else str(order.value),
        "currency": order.currency,
        "payment_state": order.payment_state,
        "promise_text": order.promise_text,
        "cancelled_at": order.cancelled_at,
        "fulfilled_at": order.fulfilled_at,
        **changes,
    }
    data = {}
    for name, value in values.items():
        if name.endswith("_at"):
            data.update(split(value, name))
        else:
            data[name] = value
    links = list(order.parcels.all())
    for prefix in INLINES:
        initial = len(links) if prefix == "parcels" else 0
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(initial),
                f"{prefix}-INITIAL_FORMS": str(initial),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    for i, link in enumerate(links):
        data.update(
            {
                f"parcels-{i}-id": str(link.pk),
                f"parcels-{i}-order": str(order.pk),
                f"parcels-{i}-tracking_number": str(link.tracking_number_id),
            }
        )
    return data


def with_new_fact(order: Order, prefix: str, at: datetime, **fields) -> dict:
    """The order's change form with one new record on the inline `prefix`: its `fields`, at `at`."""
    data = order_form(order)
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-order": str(order.pk),
            **{f"{prefix}-0-{name}": value for name, value in fields.items()},
            **split(at, f"{prefix}-0-at"),
        }
    )
    return data


def change_url(order: Order) -> str:
    return reverse("admin:cases_order_change", args=[order.pk])


def test_editing_value_and_payment_state_is_audited_and_the_case_is_reassessed_after_commit(
    client, staff, case, reassessed, django_capture_on_commit_callbacks
):
    order = case.order
    assert (case.risk_level, order.payment_state) == ("normal_watch", "paid")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(order), order_form(order, value="49.90", currency="eur", payment_state="disputed")
        )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action="order_updated")
    # Old and new side by side, as the order import writes them (the bundle gave no value).
    assert event.changes == {
        "value": [None, "49.90"],
        "currency": ["USD", "EUR"],
        "payment_state": ["paid", "disputed"],
    }
    assert event.actor_label == "stan" and event.object_repr == order.order_id
    reassessed.assert_called_once_with([order.pk])
    case.refresh_from_db()
    assert case.risk_level == "chargeback_watch"
    assert "payment_disputed" in case.flags or case.packet["risk_level"] == "chargeback_watch"
    order.refresh_from_db()
    assert (order.value, order.currency, order.payment_state) == (Decimal("49.90"), "EUR", "disputed")


def test_times_and_dates_of_the_order_are_audited_in_utc(client, staff, case, reassessed):
    order = case.order
    cancelled = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    response = client.post(change_url(order), order_form(order, cancelled_at=cancelled))
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="order_updated")
    assert event.changes == {"cancelled_at": [None, "2026-11-25T09:30:00+00:00"]}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"value": "12.345", "currency": "USD"}, "value", "decimal"),
        ({"value": "NaN", "currency": "USD"}, "value", ""),
        ({"value": "10000000000", "currency": "USD"}, "value", ""),
        ({"value": "-5", "currency": "USD"}, "value", "negative"),
        ({"value": "12.00", "currency": "XXX"}, "currency", "ISO 4217"),
        ({"value": "12.00", "currency": ""}, "currency", "currency"),
        ({"cancelled_at": datetime(1999, 12, 31, tzinfo=UTC)}, "cancelled_at", "2000-01-01"),
        ({"ordered_at": datetime(2100, 1, 2, tzinfo=UTC)}, "ordered_at", "2100-01-01"),
        ({"country": "USA"}, "country", ""),
    ],
)
def test_a_bad_fact_is_a_named_error_on_its_field_and_nothing_is_written(
    client, staff, case, reassessed, changes, field, words
):
    order = case.order
    before = Order.objects.filter(pk=order.pk).values().get()
    response = client.post(change_url(order), order_form(order, **changes))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and words in " ".join(errors[field])
    assert Order.objects.filter(pk=order.pk).values().get() == before
    assert not AuditEvent.objects.filter(action="order_updated").exists()
    reassessed.assert_not_called()


def test_an_unchanged_form_writes_no_event(client, staff, case, reassessed):
    response = client.post(change_url(case.order), order_form(case.order))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="order_updated").exists()
    reassessed.assert_not_called()


def test_supplier_evidence_added_in_the_admin_is_audited_and_reassesses_the_case(
    client, staff, case, reassessed, django_capture_on_commit_callbacks
):
    order = case.order
    assessed_before = case.assessed_at
    at = timezone.now().replace(microsecond=0)
    data = with_new_fact(
        order, "supplier_evidence", at, kind="pickup_proof", text="Carrier pickup scan sheet"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(order), data)
    assert response.status_code == 302
    evidence = SupplierEvidence.objects.get()
    assert evidence.recorded_by == staff
    event = AuditEvent.objects.get(action="supplier_evidence_added")
    assert event.changes["kind"] == [None, "pickup_proof"]
    assert event.changes["at"] == [None, at.astimezone(UTC).isoformat()]
    reassessed.assert_called_once_with([order.pk])
    case.refresh_from_db()
    assert case.assessed_at > assessed_before


def test_a_fact_dated_outside_the_range_is_refused_on_its_inline(client, staff, case, reassessed):
    order = case.order
    data = with_new_fact(
        order, "customer_messages", datetime(1970, 1, 1, tzinfo=UTC), direction="inbound", text="Where is it?"
    )
    response = client.post(change_url(order), data)
    assert response.status_code == 200
    assert "2000-01-01" in response.content.decode()
    assert not order.customer_messages.exists()
    reassessed.assert_not_called()


def test_removing_a_tracking_link_in_the_admin_is_audited_and_reassessed(
    client, staff, case, reassessed, django_capture_on_commit_callbacks
):
    staff.user_permissions.add(Permission.objects.get(codename="delete_parcel"))
    order = case.order
    link = order.parcels.get()
    data = order_form(order)
    data["parcels-0-DELETE"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(order), data)
    assert response.status_code == 302
    assert not order.parcels.exists()
    event = AuditEvent.objects.get(action="tracking_link_removed")
    assert event.changes == {"tracking_number": [link.tracking_number.number, None], "skus": [[], None]}
    reassessed.assert_called_once_with([order.pk])
    case.refresh_from_db()
    assert case.case_type != "label_created_only"


def events_form(number, **event) -> dict:
    data = {
        "number": number.number,
        "carrier": number.carrier,
        "url": number.url,
        "events-TOTAL_FORMS": "1" if event else "0",
        "events-INITIAL_FORMS": "0",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000",
    }
    if event:
        at = event.pop("at")
        data.update({f"events-0-{k}": v for k, v in event.items()})
        data.update({"events-0-tracking_number": str(number.pk), "events-0-source": "manual"})
        data.update(split(at, "events-0-at"))
    return data


def test_a_carrier_event_added_on_the_number_page_is_audited_and_reassesses_the_orders_carrying_it(
    client, staff, case, reassessed, django_capture_on_commit_callbacks
):
    number = case.order.tracking_numbers.get()
    url = reverse("admin:cases_trackingnumber_change", args=[number.pk])
    at = timezone.now().replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, events_form(number, at=at, status="in_transit", description="Departed"))
    assert response.status_code == 302
    assert TrackingEvent.objects.filter(description="Departed").exists()
    event = AuditEvent.objects.get(action="tracking_event_added")
    assert event.changes["status"] == [None, "in_transit"]
    reassessed.assert_called_once_with([case.order_id])
    case.refresh_from_db()
    assert case.case_type != "label_created_only"


def test_a_carrier_event_in_year_1_is_refused_on_the_number_page(client, staff, case, reassessed):
    number = case.order.tracking_numbers.get()
    url = reverse("admin:cases_trackingnumber_change", args=[number.pk])
    data = events_form(number, at=None, status="in_transit", description="x")
    data.update({"events-0-at_0": "0001-01-02", "events-0-at_1": "00:00:00"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "2000-01-01" in response.content.decode()
    assert not TrackingEvent.objects.filter(description="x").exists()
    reassessed.assert_not_called()


def test_changing_the_number_itself_is_audited_and_reassessed(
    client, staff, case, reassessed, django_capture_on_commit_callbacks
):
    number = case.order.tracking_numbers.get()
    url = reverse("admin:cases_trackingnumber_change", args=[number.pk])
    data = events_form(number)
    data["carrier"] = "usps"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="tracking_number_updated")
    assert event.changes["carrier"] == [number.carrier or None, "usps"]
    reassessed.assert_called_once_with([case.order_id])


def test_an_order_added_in_the_admin_gets_its_case_and_an_audit_event(client, staff, case, reassessed):
    order = case.order
    data = order_form(order, order_id="#NEW-1", value="10.00", currency="EUR")
    for prefix in INLINES:
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = "0"
    response = client.post(reverse("admin:cases_order_add"), data)
    assert response.status_code == 302
    new = Order.objects.get(order_id="#NEW-1")
    assert Case.objects.filter(order=new).exists()
    event = AuditEvent.objects.get(action="order_created")
    assert event.changes["value"] == [None, "10.00"] and event.changes["currency"] == [None, "EUR"]


def test_the_service_names_the_field_of_every_bad_value(case):
    order = case.order
    for changes, field in (
        ({"value": Decimal("NaN"), "currency": "USD"}, "value"),
        ({"value": Decimal("1e10"), "currency": "USD"}, "value"),
        ({"value": Decimal("1.001"), "currency": "USD"}, "value"),
        ({"currency": "XXX"}, "currency"),
        ({"fulfilled_at": datetime(2100, 1, 1, tzinfo=UTC)}, "fulfilled_at"),
    ):
        with pytest.raises(ValidationError) as raised:
            order_facts.update_order(order=order, actor=None, changes=changes)
        assert field in raised.value.message_dict
    assert not AuditEvent.objects.filter(action="order_updated").exists()


def test_a_record_the_order_already_has_is_a_named_error_not_a_crash(client, staff, case, reassessed):
    order = case.order
    at = timezone.now().replace(microsecond=0)
    SupplierEvidence.objects.create(order=order, at=at, kind="pickup_proof", text="Scan sheet")
    data = with_new_fact(order, "supplier_evidence", at, kind="pickup_proof", text="Scan sheet")
    response = client.post(change_url(order), data)
    assert response.status_code == 200
    assert "already on this order" in response.content.decode()
    assert SupplierEvidence.objects.count() == 1
    reassessed.assert_not_called()
