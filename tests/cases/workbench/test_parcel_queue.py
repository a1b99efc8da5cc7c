"""The queue follows the headline parcel, and finds an order by any of its parcels' case types."""

from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.models import Case
from cases.services.assessment import refresh_cases

AS_OF = datetime.fromisoformat("2026-11-20T12:00:00+00:00")


@pytest.fixture
def parcels_example(spec_dir):
    call_command("import_cases", str(spec_dir / "examples" / "parcels.json"), stdout=StringIO())
    refresh_cases(Case.objects.values_list("order_id", flat=True), as_of=AS_OF)


def listed(client, **query) -> set[str]:
    response = client.get(reverse("admin:cases_case_changelist"), query)
    assert response.status_code == 200
    return {case.order.order_id for case in response.context["cl"].result_list}


@pytest.mark.django_db
def test_an_order_is_found_by_its_headline_and_by_any_parcels_case_type(client, staff, parcels_example):
    client.force_login(staff)
    lamp_and_shade = Case.objects.get(order__order_id="#2101")
    assert lamp_and_shade.case_type == "stale_in_transit"
    assert lamp_and_shade.parcel_case_types == ["delivered", "stale_in_transit"]
    assert "#2101" not in listed(client, case_type__exact="delivered")
    assert "#2101" in listed(client, parcel_case_type="delivered")
    assert "#2101" in listed(client, parcel_case_type="stale_in_transit")
    # An order of one parcel is found by its own case type only.
    assert Case.objects.get(order__order_id="#2104").parcel_case_types == []
    assert "#2104" in listed(client, parcel_case_type="wrong_tracking")
    assert listed(client, parcel_case_type="nonsense") == listed(client)
