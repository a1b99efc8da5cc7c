"""The weekly review: Monday morning it builds the week's rollups, marks products that hit the
product-review trigger `review_required` and flags suppliers that hit the supplier trigger (rules.md
section 6, overlays 5 and 6), each with an audit event listing the cases behind it."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from cases.assessment import vocabulary as v
from cases.choices import RiskLevel
from cases.models import AuditEvent, Case
from suppliers.models import Product, Supplier, WeeklyRollup
from suppliers.services import flag_supplier, run_weekly_review
from suppliers.tasks import weekly_review_task
from tests.factories import OrderFactory, ProductFactory, SupplierFactory, UserFactory
from tests.helpers.otp import verified

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 7, tzinfo=UTC)  # Monday 07:00, store time UTC
DAY = timedelta(days=1)


def case(
    product, order_id, days_ago, risk=v.NORMAL_WATCH, case_type=v.IN_TRANSIT_CASE, exceeded=None
) -> Case:
    order = OrderFactory(order_id=order_id, product=product, ordered_at=NOW - days_ago * DAY)
    window = None if exceeded is None else {"name": "label_created_max_days", "days": 5, "exceeded": exceeded}
    return Case.objects.create(
        order=order, case_type=case_type, risk_level=risk, risk_rank=RiskLevel.rank(risk), window=window
    )


def events(action: str, obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).order_by("id"))


def problem_cases(product, count, *, prefix="#P", start_days_ago=1.0):
    return [
        case(
            product, f"{prefix}{i}", start_days_ago + i, risk=v.CUSTOMER_UPDATE, case_type=v.STALE_IN_TRANSIT
        )
        for i in range(count)
    ]


# ---------------------------------------------------------------------------------------------------
# Products (overlay 5: at least 3 cases above normal watch, ordered within 14 days).


def test_a_product_with_three_problem_cases_in_fourteen_days_becomes_review_required():
    product = ProductFactory(sku="LAMP")
    problem_cases(product, 3)
    review = run_weekly_review(NOW)
    product.refresh_from_db()
    assert product.state == Product.State.REVIEW_REQUIRED
    assert review.products_marked == ["LAMP"]
    assert "3 cases on this SKU" in product.state_reason


def test_the_review_records_an_audit_event_listing_the_cases_behind_it():
    product = ProductFactory(sku="LAMP")
    problem_cases(product, 3)
    run_weekly_review(NOW)
    (state_change,) = events("product_review_required", product)
    assert state_change.changes == {"state": ["active", "review_required"]}
    (trigger,) = events("product_review_triggered", product)
    # Oldest first.
    assert trigger.changes == {"cases": ["#P2", "#P1", "#P0"]}
    assert trigger.actor is None
    assert trigger.actor_label == "weekly_review"
    assert "threshold is 3" in trigger.reason


@pytest.mark.parametrize(
    ("more", "state"),
    [
        pytest.param([("#N1", 1, v.NORMAL_WATCH)], Product.State.ACTIVE, id="normal_watch_does_not_count"),
        pytest.param(
            [("#OLD", 14 + 1 / 24, v.REFUND_RISK), ("#LATER", -1, v.REFUND_RISK)],
            Product.State.ACTIVE,
            id="more_than_fourteen_days_before_or_after_now_does_not_count",
        ),
        pytest.param(
            [("#EDGE", 14, v.REFUND_RISK)],
            Product.State.REVIEW_REQUIRED,
            id="exactly_fourteen_days_before_counts",
        ),
    ],
)
def test_which_cases_count_toward_the_product_review(more, state):
    """Two problem cases and `more` (order id, days ago, risk): the product is in `state` after the review."""
    product = ProductFactory(sku="LAMP")
    problem_cases(product, 2)
    for order_id, days_ago, risk in more:
        case(product, order_id, days_ago, risk=risk)
    run_weekly_review(NOW)
    assert Product.objects.get(pk=product.pk).state == state


def test_the_review_never_pauses_a_product_and_leaves_a_paused_one_paused():
    paused = ProductFactory(sku="PAUSED", state=Product.State.PAUSED)
    marked = ProductFactory(sku="MARKED")
    problem_cases(paused, 5, prefix="#A")
    problem_cases(marked, 5, prefix="#B")
    run_weekly_review(NOW)
    assert dict(Product.objects.values_list("sku", "state")) == {
        "PAUSED": Product.State.PAUSED,
        "MARKED": Product.State.REVIEW_REQUIRED,
    }
    assert events("product_review_triggered", paused) == []


def test_a_product_already_waiting_for_review_is_not_marked_again():
    product = ProductFactory(sku="LAMP", state=Product.State.REVIEW_REQUIRED)
    problem_cases(product, 3)
    review = run_weekly_review(NOW)
    assert review.products_marked == []
    assert AuditEvent.objects.count() == 0


def test_a_product_an_owner_resumed_is_marked_again_while_the_trigger_holds():
    product = ProductFactory(sku="LAMP")
    problem_cases(product, 3)
    run_weekly_review(NOW)
    Product.objects.filter(pk=product.pk).update(state=Product.State.ACTIVE)
    run_weekly_review(NOW + DAY)  # the next day: the three cases are still inside the 14 days
    assert len(events("product_review_triggered", product)) == 2


# ---------------------------------------------------------------------------------------------------
# Suppliers (overlay 6: at least 3 silent or label-stuck cases, ordered within 30 days).


def stuck_supplier(name="Acme"):
    supplier = SupplierFactory(name=name)
    product = ProductFactory(sku=f"{name}-1", supplier=supplier)
    other = ProductFactory(sku=f"{name}-2", supplier=supplier)
    case(product, f"#{name}1", 29, risk=v.OWNER_ONLY, case_type=v.SUPPLIER_SILENCE)
    case(other, f"#{name}2", 10, risk=v.SUPPLIER_CHASE, case_type=v.SUPPLIER_SILENCE)
    case(other, f"#{name}3", 6, risk=v.SUPPLIER_CHASE, case_type=v.LABEL_CREATED_ONLY, exceeded=True)
    return supplier


def test_a_supplier_with_three_silent_or_label_stuck_cases_in_thirty_days_is_flagged():
    supplier = stuck_supplier()
    review = run_weekly_review(NOW)
    supplier.refresh_from_db()
    assert supplier.status == Supplier.Status.FLAGGED
    assert review.suppliers_flagged == ["Acme"]
    assert supplier.status_changed_by is None
    assert "3 cases of this supplier" in supplier.status_reason


def test_the_supplier_flag_records_an_audit_event_listing_the_cases_behind_it():
    supplier = stuck_supplier()
    run_weekly_review(NOW)
    (event,) = events("supplier_flagged", supplier)
    assert event.changes == {"status": ["active", "flagged"], "cases": ["#Acme1", "#Acme2", "#Acme3"]}
    assert event.actor_label == "weekly_review"


def test_label_only_cases_inside_their_window_do_not_count_toward_the_supplier_flag():
    supplier = SupplierFactory(name="Acme")
    product = ProductFactory(sku="A-1", supplier=supplier)
    case(product, "#1", 3, case_type=v.SUPPLIER_SILENCE, risk=v.SUPPLIER_CHASE)
    case(product, "#2", 3, case_type=v.LABEL_CREATED_ONLY, risk=v.SUPPLIER_CHASE, exceeded=True)
    case(product, "#3", 1, case_type=v.LABEL_CREATED_ONLY, exceeded=False)
    case(product, "#4", 31, case_type=v.SUPPLIER_SILENCE, risk=v.SUPPLIER_CHASE)
    run_weekly_review(NOW)
    assert Supplier.objects.get(pk=supplier.pk).status == Supplier.Status.ACTIVE


def test_a_flagged_supplier_is_not_flagged_again():
    supplier = stuck_supplier()
    Supplier.objects.filter(pk=supplier.pk).update(status=Supplier.Status.FLAGGED, status_reason="by hand")
    review = run_weekly_review(NOW)
    assert review.suppliers_flagged == []
    assert Supplier.objects.get(pk=supplier.pk).status_reason == "by hand"
    assert events("supplier_flagged", supplier) == []


def test_flagging_a_supplier_by_hand_needs_the_permission():
    supplier = SupplierFactory(name="Acme")
    with pytest.raises(PermissionDenied):
        flag_supplier(supplier, actor=UserFactory(role="Staff"), reason="slow", cases=["#1"])
    owner = verified(UserFactory(role="Owner"))
    flag_supplier(supplier, actor=owner, reason="slow", cases=["#1"])
    supplier.refresh_from_db()
    assert (supplier.status, supplier.status_changed_by) == (Supplier.Status.FLAGGED, owner)
    (event,) = events("supplier_flagged", supplier)
    assert (event.actor, event.changes["cases"]) == (owner, ["#1"])


# ---------------------------------------------------------------------------------------------------
# The run: rollups, idempotence, the task.


def test_the_review_builds_the_rollups_of_the_week_that_ended():
    stuck_supplier()
    review = run_weekly_review(NOW)
    assert review.week_start == date(2026, 11, 9)
    assert review.rollups == {"supplier": 1, "sku": 1, "country": 1}
    row = WeeklyRollup.objects.get(week_start=date(2026, 11, 9), dimension="sku")
    assert (row.key, row.figures["orders"], row.figures["label_only_too_long"]) == ("Acme-2", 1, 1)


def test_running_the_review_twice_adds_nothing():
    stuck_supplier()
    problem_cases(ProductFactory(sku="LAMP"), 3)
    first = run_weekly_review(NOW)
    audit = list(AuditEvent.objects.values_list("pk", flat=True))
    rollups = WeeklyRollup.objects.count()
    second = run_weekly_review(NOW)
    assert (first.products_marked, first.suppliers_flagged) == (["LAMP"], ["Acme"])
    assert (second.products_marked, second.suppliers_flagged) == ([], [])
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == audit
    assert WeeklyRollup.objects.count() == rollups


def test_the_task_runs_the_review_at_the_given_time():
    stuck_supplier()
    result = weekly_review_task.run(now=NOW.isoformat())
    assert result == {
        "week_start": "2026-11-09",
        "rollups": {"supplier": 1, "sku": 1, "country": 1},
        "products_marked": [],
        "suppliers_flagged": ["Acme"],
    }
    assert weekly_review_task.run(now=NOW.isoformat())["suppliers_flagged"] == []


def test_the_task_refuses_a_time_without_an_offset_or_that_is_not_a_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        weekly_review_task.run(now="2026-11-16T07:00:00")
    with pytest.raises(ValueError, match="ISO 8601"):
        weekly_review_task.run(now="next monday")


def test_the_task_is_the_one_beat_schedules_and_is_acknowledged_late():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["weekly-review"]["task"] == weekly_review_task.name
    assert weekly_review_task.acks_late is True
