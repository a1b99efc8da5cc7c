"""Loading the demo (cases.demo.seed, `manage.py seed_demo`): every case type once, each order the case
type its scenario was built for, and nothing written the second time."""

from io import StringIO

import pytest
from django.core.management import call_command

from cases import models
from cases.choices import CaseType
from cases.demo.generator import generate
from cases.tracking.detect import checksum_invalid
from tests.helpers.demo import NOW, SPEC_CASE_TYPES


def test_the_spec_case_types_are_the_models_case_types():
    assert set(CaseType.values) == SPEC_CASE_TYPES


@pytest.mark.django_db
def test_seed_demo_loads_every_case_type_once_and_only_once():
    out = StringIO()
    call_command("seed_demo", orders=300, stdout=out)
    assert models.Order.objects.count() == 300
    assert set(models.Case.objects.values_list("case_type", flat=True)) == SPEC_CASE_TYPES
    # Order by order, the rules engine reached the case type each scenario was built for. Which order
    # id gets which scenario does not depend on the clock, so regenerating at another `now` tells.
    expected = {o.order_id: o.expected_case_type for o in generate(NOW, orders=300, seed=7).orders}
    assert dict(models.Case.objects.values_list("order__order_id", "case_type")) == expected
    assert not models.Case.objects.filter(assessed_at__isnull=True).exists()
    assert models.SupplierEvidence.objects.filter(kind="pickup_proof").exists()
    assert models.SupplierEvidence.objects.filter(kind="restock_note").exists()
    assert models.SupplierChase.objects.exists() and models.CustomerMessage.objects.exists()
    assert models.Order.objects.filter(payment_state="cash_on_delivery").exists()
    assert models.Order.objects.filter(cancelled_at__isnull=False).exists()
    assert models.Order.objects.filter(fulfilled_at__isnull=False).exists()
    assert models.TrackingEvent.objects.filter(approximate=True, raw_status="").exists()
    # An order in two parcels: its delivered item does not hide the stuck one (rules.md section 3a).
    two = models.Case.objects.exclude(parcel_case_types=[]).select_related("order").first()
    assert two is not None and two.case_type == "stale_in_transit"
    assert two.parcel_case_types == ["delivered", "stale_in_transit"]
    assert two.order.line_items.count() == 2 and two.order.parcels.count() == 2
    undetected = models.TrackingNumber.objects.filter(carrier="").values_list("normalized", flat=True)
    assert undetected and all(checksum_invalid(number) for number in undetected)
    text = out.getvalue()
    assert "Loaded 300 demo orders" in text and "case types: " in text and "risk levels: " in text

    again = StringIO()
    call_command("seed_demo", orders=300, stdout=again)
    assert models.Order.objects.count() == 300
    assert "Demo data already loaded (300 orders); nothing changed." in again.getvalue()
