"""The review triggers as a service of their own (rules.md section 6, overlays 5 and 6): the weekly review
runs them, and so do the clock sweep's task and the re-assessment task when a case's risk moved, so a
product or supplier is listed for the owner the moment its trigger holds. Nothing is marked twice, and an
owner's decision stands against the cases it was made on."""

import json
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from cases.assessment import vocabulary as v
from cases.choices import RiskLevel
from cases.intake.bundle_import import import_bundle
from cases.intake.bundles.reader import read_bundle
from cases.models import AuditEvent, Case
from cases.tasks import reassess_cases_task, sweep_due_cases_task
from suppliers.models import Product, Supplier
from suppliers.services import apply_review_triggers, set_product_state
from suppliers.tasks import review_triggers_task
from tests.factories import OrderFactory, ProductFactory, SupplierFactory, UserFactory
from tests.helpers.clock import label_only_bundle
from tests.helpers.otp import verified

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)  # a Friday: not the weekly review's day
DAY = timedelta(days=1)


def case(product, order_id, days_ago, *, risk=v.CUSTOMER_UPDATE, case_type=v.STALE_IN_TRANSIT, **fields):
    order = OrderFactory(order_id=order_id, product=product, ordered_at=NOW - days_ago * DAY)
    return Case.objects.create(
        order=order, case_type=case_type, risk_level=risk, risk_rank=RiskLevel.rank(risk), **fields
    )


def silent(product, order_id, days_ago):
    return case(product, order_id, days_ago, risk=v.SUPPLIER_CHASE, case_type=v.SUPPLIER_SILENCE)


def events(action: str, obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).order_by("id"))


def test_the_triggers_mark_a_product_and_flag_a_supplier_at_once_saying_who_ran_them():
    supplier = SupplierFactory(name="Slow Co")
    product = ProductFactory(sku="LAMP", supplier=supplier)
    for i in range(3):
        silent(product, f"#S{i}", 1 + i)
    triggered = apply_review_triggers(now=NOW, via="sweep")
    assert (triggered.products_marked, triggered.suppliers_flagged) == (["LAMP"], ["Slow Co"])
    product.refresh_from_db()
    supplier.refresh_from_db()
    assert product.state == Product.State.REVIEW_REQUIRED
    assert product.state_reason.startswith("As of 2026-11-20 12:00: 3 cases on this SKU")
    assert supplier.status == Supplier.Status.FLAGGED
    (trigger,) = events("product_review_triggered", product)
    assert (trigger.actor_label, trigger.changes) == ("sweep", {"cases": ["#S2", "#S1", "#S0"]})
    (flag,) = events("supplier_flagged", supplier)
    assert flag.actor_label == "sweep" and flag.changes["cases"] == ["#S2", "#S1", "#S0"]


def test_running_the_triggers_again_marks_nothing_twice():
    product = ProductFactory(sku="LAMP")
    for i in range(4):
        silent(product, f"#S{i}", 1 + i)
    apply_review_triggers(now=NOW)
    audit = list(AuditEvent.objects.values_list("pk", flat=True))
    again = apply_review_triggers(now=NOW + timedelta(minutes=5))
    assert (again.products_marked, again.suppliers_flagged) == ([], [])
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == audit


def test_below_the_thresholds_nothing_is_marked_in_three_queries(django_assert_max_num_queries):
    product = ProductFactory(sku="LAMP")
    silent(product, "#S0", 1)
    silent(product, "#S1", 2)
    case(product, "#OLD", 15)  # a problem, but ordered before the 14 days
    with django_assert_max_num_queries(3):
        triggered = apply_review_triggers(now=NOW)
    assert (triggered.products_marked, triggered.suppliers_flagged) == ([], [])
    assert Product.objects.get().state == Product.State.ACTIVE


def test_an_order_in_several_parcels_counts_for_its_headline_parcels_product_and_supplier():
    """rules.md section 3a: a delivered lamp beside a stuck rug counts for the rug's SKU and supplier."""
    lamp = ProductFactory(sku="LAMP", supplier=SupplierFactory(name="Bright"))
    rug = ProductFactory(sku="RUG", supplier=SupplierFactory(name="Rugs Ltd"))
    for i in range(3):
        Case.objects.filter(pk=silent(lamp, f"#T{i}", 1 + i).pk).update(counted_product=rug)
    triggered = apply_review_triggers(now=NOW)
    assert (triggered.products_marked, triggered.suppliers_flagged) == (["RUG"], ["Rugs Ltd"])


def test_an_owners_resume_stands_against_the_cases_it_was_made_on():
    product = ProductFactory(sku="LAMP")
    for i in range(3):
        case(product, f"#P{i}", 4 + i)
    apply_review_triggers(now=NOW - DAY)
    owner = verified(UserFactory(username="olga", role="Owner"))
    set_product_state(product, Product.State.ACTIVE, actor=owner, reason="checked the supplier's stock")
    Product.objects.filter(pk=product.pk).update(state_changed_at=NOW - 3 * DAY)
    assert apply_review_triggers(now=NOW).products_marked == []  # the same three cases
    for i in range(3):
        case(product, f"#N{i}", 2 - i / 2)  # ordered after the owner resumed it
    assert apply_review_triggers(now=NOW).products_marked == ["LAMP"]
    product.refresh_from_db()
    assert "since an owner's decision of 2026-11-17 12:00" in product.state_reason
    assert events("product_review_triggered", product)[-1].changes == {"cases": ["#N0", "#N1", "#N2"]}


# ---------------------------------------------------------------------------------------------------
# The tasks: the sweep applies them when it moved a risk, a re-assessment queues them.


def one_supplier_label_only_cases(count: int = 3) -> list[Case]:
    """Orders of one SKU of one supplier, each with a label created a day ago and no scan since."""
    bundle = label_only_bundle(count)
    for entry in bundle["cases"]:
        entry["order"].update(sku="CAM-MINI", supplier="Gadget Co")
    import_bundle(read_bundle(json.dumps(bundle)))
    return list(Case.objects.order_by("order__order_id"))


def test_the_sweep_task_applies_the_triggers_when_the_label_windows_pass():
    cases = one_supplier_label_only_cases()
    assert Product.objects.get(sku="CAM-MINI").state == Product.State.ACTIVE
    crossing = max(c.next_assessment_at for c in cases)
    result = sweep_due_cases_task.run(as_of=crossing.isoformat())
    assert result["changed"] == 3
    assert (result["products_marked"], result["suppliers_flagged"]) == (["CAM-MINI"], ["Gadget Co"])
    assert Product.objects.get(sku="CAM-MINI").state == Product.State.REVIEW_REQUIRED
    assert Supplier.objects.get(name="Gadget Co").status == Supplier.Status.FLAGGED
    assert AuditEvent.objects.filter(action="product_review_triggered", actor_label="sweep").count() == 1
    again = sweep_due_cases_task.run(as_of=(crossing + timedelta(minutes=5)).isoformat())
    assert "products_marked" not in again and "suppliers_flagged" not in again


def test_a_sweep_that_changed_no_risk_does_not_read_the_triggers():
    one_supplier_label_only_cases()
    with mock.patch("cases.tasks.apply_review_triggers") as triggers:
        sweep_due_cases_task.run(as_of=timezone.now().isoformat())
    triggers.assert_not_called()


def test_a_reassessment_that_moved_a_risk_queues_the_triggers_once_for_a_burst(
    django_capture_on_commit_callbacks,
):
    cases = one_supplier_label_only_cases()
    crossing = max(c.next_assessment_at for c in cases)
    with (
        mock.patch("suppliers.tasks.review_triggers_task.apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        reassess_cases_task.run([cases[0].order_id], as_of=crossing.isoformat())
        reassess_cases_task.run([cases[1].order_id], as_of=crossing.isoformat())
        reassess_cases_task.run([cases[1].order_id], as_of=crossing.isoformat())  # nothing changed
    queued.assert_called_once()
    assert review_triggers_task.run(now=crossing.isoformat()) == {
        "products_marked": [],  # two of the three label-only cases are past their window so far
        "suppliers_flagged": [],
    }
    reassess_cases_task.run([cases[2].order_id], as_of=crossing.isoformat())
    assert review_triggers_task.run(now=crossing.isoformat()) == {
        "products_marked": ["CAM-MINI"],
        "suppliers_flagged": ["Gadget Co"],
    }
    assert review_triggers_task.run(now=crossing.isoformat())["products_marked"] == []
