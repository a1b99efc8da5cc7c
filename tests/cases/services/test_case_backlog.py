"""A large orders import creates its orders' cases right after it commits (a case backlog), not in its
transaction: the backlog row is written with the orders, a task creates the cases with their first
assessment, the sweep does it when that task was lost, and every page and the webhook cope with an order
whose case is seconds away. Runs on SQLite and PostgreSQL (both engines share the path)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.intake.order_import import import_orders
from cases.intake.webhooks.signature import sign
from cases.models import AuditEvent, Case, CaseBacklog, Order
from cases.services.assessment import refresh_cases, sweep_due_cases, work_case_backlog
from cases.tasks import create_backlog_cases_task, reassess_cases_task
from cases.tracking import services as tracking
from tests.helpers.order_files import three_orders
from tests.helpers.pushed_deliveries import outcome
from tests.helpers.webhook_bodies import SECRET, URL, body_of, checkpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def large(settings):
    """Every import counts as large: more new orders than ORDER_IMPORT_INLINE_CASES."""
    settings.ORDER_IMPORT_INLINE_CASES = 0


def import_with_backlog(capture) -> CaseBacklog:
    """Import three orders as a large import whose backlog task is queued but never runs (lost)."""
    with mock.patch.object(create_backlog_cases_task, "delay") as delay, capture(execute=True):
        result = import_orders(three_orders(), file_name="orders.csv")
    assert result.created == 3
    (backlog,) = CaseBacklog.objects.all()
    delay.assert_called_once_with(backlog.pk)
    return backlog


def test_a_small_import_creates_its_cases_in_its_transaction_and_no_backlog():
    import_orders(three_orders(), file_name="orders.csv")
    assert Case.objects.count() == 3
    assert not CaseBacklog.objects.exists()


def test_a_large_import_writes_the_orders_and_one_backlog_row_for_their_range(
    large, django_capture_on_commit_callbacks
):
    backlog = import_with_backlog(django_capture_on_commit_callbacks)
    pks = sorted(Order.objects.values_list("pk", flat=True))
    assert (backlog.first_order_pk, backlog.last_order_pk) == (pks[0], pks[-1])
    assert not Case.objects.exists()


def test_the_backlog_task_creates_the_cases_with_their_first_assessment_and_removes_the_row(
    large, django_capture_on_commit_callbacks
):
    backlog = import_with_backlog(django_capture_on_commit_callbacks)
    assert create_backlog_cases_task.run(backlog.pk) == 3
    cases = list(Case.objects.select_related("order").order_by("order__order_id"))
    assert [c.order.order_id for c in cases] == ["#1001", "#1002", "#1003"]
    assert all(c.assessed_at is not None and c.case_type and c.packet for c in cases)
    assert AuditEvent.objects.filter(action="case_assessed").count() == 3
    assert not CaseBacklog.objects.exists()
    assert create_backlog_cases_task.run(backlog.pk) == 0  # a re-delivered task changes nothing


def test_a_lost_backlog_task_is_picked_up_by_the_sweep_after_a_minute(
    large, django_capture_on_commit_callbacks
):
    import_with_backlog(django_capture_on_commit_callbacks)
    now = timezone.now()
    assert sweep_due_cases(as_of=now).cases_created == 0  # its task may still be on its way
    assert not Case.objects.exists()
    run = sweep_due_cases(as_of=now + timedelta(minutes=2))
    assert run.cases_created == 3
    assert Case.objects.filter(assessed_at__isnull=False).count() == 3
    assert not CaseBacklog.objects.exists()


def test_a_worker_that_dies_half_way_loses_one_batch_and_the_next_goes_on_from_there(
    large, django_capture_on_commit_callbacks
):
    backlog = import_with_backlog(django_capture_on_commit_callbacks)
    first, second, third = sorted(Order.objects.values_list("pk", flat=True))
    from cases.services import assessment

    real = assessment.reassess
    calls = []

    def dies_at_the_second_batch(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    with (
        mock.patch.object(assessment, "reassess", side_effect=dies_at_the_second_batch),
        pytest.raises(RuntimeError),
    ):
        work_case_backlog(backlog.pk, batch_size=2)
    # which orders have their case (the order of the rows is not what is tested)
    assert sorted(Case.objects.values_list("order_id", flat=True)) == [first, second]
    backlog.refresh_from_db()
    assert backlog.first_order_pk == third
    assert work_case_backlog(backlog.pk, batch_size=2) == 1
    assert Case.objects.count() == 3 and not CaseBacklog.objects.exists()


def test_an_order_whose_case_was_created_meanwhile_keeps_it(large, django_capture_on_commit_callbacks):
    backlog = import_with_backlog(django_capture_on_commit_callbacks)
    order = Order.objects.get(order_id="#1002")
    refresh_cases([order.pk])  # facts arrived first (the webhook's task)
    kept = Case.objects.get(order=order)
    assert work_case_backlog(backlog.pk) == 2
    assert Case.objects.get(order=order).pk == kept.pk
    assert Case.objects.count() == 3


def test_the_order_page_of_a_case_less_order_answers_200_and_says_its_case_is_being_created(
    large, admin_client, django_capture_on_commit_callbacks
):
    backlog = import_with_backlog(django_capture_on_commit_callbacks)
    order = Order.objects.get(order_id="#1001")
    url = reverse("admin:cases_order_change", args=[order.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "Its case is being created" in response.content.decode()
    # The case queue simply does not list it yet.
    assert admin_client.get(reverse("admin:cases_case_changelist")).status_code == 200

    work_case_backlog(backlog.pk)
    page = admin_client.get(url).content.decode()
    assert reverse("admin:cases_case_change", args=[order.case.pk]) in page
    assert "Its case is being created" not in page


def test_the_order_page_of_an_order_without_a_case_or_backlog_says_so(admin_client):
    from tests.factories import OrderFactory

    order = OrderFactory()
    page = admin_client.get(reverse("admin:cases_order_change", args=[order.pk]))
    assert page.status_code == 200
    assert "No case yet" in page.content.decode()


def post_delivered(client, number: str):
    body = body_of(
        checkpoint(
            (timezone.now() - timedelta(hours=1)).isoformat(),
            "Delivered",
            "Delivered_001",
            country_iso3="USA",
            zip="02134",
            location="Boston",
        ),
        number=number,
    )
    return client.post(
        URL, data=body, content_type="application/json", headers={"aftership-hmac-sha256": sign(SECRET, body)}
    )


@pytest.fixture
def linked(settings, large, django_capture_on_commit_callbacks):
    """A large import whose backlog task was lost, and a tracking number linked to order #1001."""
    settings.TRACKING_WEBHOOK_SECRET = SECRET
    backlog = import_with_backlog(django_capture_on_commit_callbacks)
    order = Order.objects.get(order_id="#1001")
    number, _ = tracking.get_or_create_number("9361289676091361892011")
    tracking.link_number(order, number)
    return backlog, order, number


@pytest.mark.usefixtures("deliveries_applied_at_once")
def test_the_webhook_for_a_case_less_order_answers_200_and_the_backlog_assesses_the_event(
    client, linked, django_capture_on_commit_callbacks
):
    backlog, order, number = linked
    with (
        mock.patch.object(reassess_cases_task, "delay") as delay,  # lost too
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_delivered(client, number.number)
    assert response.status_code == 200 and outcome(response)["events_created"] == 1
    assert delay.call_args.args[0] == [order.pk]
    assert not Case.objects.exists()
    work_case_backlog(backlog.pk)
    assert Case.objects.get(order=order).case_type == "delivered"


@pytest.mark.usefixtures("deliveries_applied_at_once")
def test_the_webhook_task_creates_the_case_it_needs_and_the_backlog_leaves_it(
    client, linked, django_capture_on_commit_callbacks
):
    backlog, order, number = linked
    with (
        mock.patch.object(reassess_cases_task, "delay", side_effect=reassess_cases_task.run),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert post_delivered(client, number.number).status_code == 200
    case = Case.objects.get(order=order)
    assert case.case_type == "delivered"
    assert work_case_backlog(backlog.pk) == 2
    assert Case.objects.get(order=order).pk == case.pk and Case.objects.count() == 3
