"""The case page's parcels side by side, read from the packet: the headline parcel first."""

import pytest
from django.urls import reverse

from cases.assessment import assess
from cases.choices import TrackingStatus
from cases.models import Case, TrackingEvent, TrackingNumber
from cases.workbench.selectors import last_carrier_events, parcel_rows
from tests.helpers.case_pieces import at
from tests.helpers.otp import verified_login
from tests.helpers.parcel_builders import lamp, rug, with_parcels
from tests.helpers.parcel_orders import AS_OF, ORDER, import_and_assess


def test_the_headline_parcel_comes_first_with_its_link_and_items():
    packet = assess(with_parcels(lamp(), rug()), at(14)).to_dict()
    first, second = parcel_rows(packet)
    assert (first["number"], first["headline"], first["case_type"]) == (
        "LP00510000000002",
        True,
        "stale in transit",
    )
    assert first["items"] == "RUG-07" and "since last movement 12 d" in first["clocks"]
    assert (second["case_type"], second["headline"]) == ("delivered", False)


def test_a_superseded_parcel_and_one_without_a_number_read_as_such():
    packet = {
        "case_type": "in_transit",
        "window": None,
        "clocks": None,
        "parcels": [
            {"number": "YT2431221234500001", "carrier": None, "skus": [], "superseded": True},
            {"number": None, "carrier": None, "skus": ["Gift box"], "superseded": False},
        ],
    }
    superseded, waiting = parcel_rows(packet)
    assert superseded["superseded"] and superseded["link"] is None
    assert (waiting["number"], waiting["items"]) == ("no tracking number yet", "Gift box")


def test_an_order_without_parcels_shows_none():
    assert parcel_rows({"parcels": []}) == [] and parcel_rows({}) == []


@pytest.mark.django_db
def test_each_parcel_shows_its_last_carrier_event_and_a_tracker_silence_is_none(tmp_path, client, staff):
    import_and_assess(tmp_path)
    case = Case.objects.get(order__order_id=ORDER)
    lamp_number = TrackingNumber.objects.get(number="LP00530000000001")
    # A tracker's "no information" after the delivery is no carrier event: the delivery stays the last.
    TrackingEvent.objects.create(
        tracking_number=lamp_number, at=AS_OF, status=TrackingStatus.NO_INFORMATION, description="expired"
    )
    events = last_carrier_events(case.order)
    assert events["LP00530000000001"].startswith("delivered; 2026-11-14 12:00 UTC; US")
    assert events["LP00530000000002"].startswith("in transit; 2026-11-12 12:00 UTC; US")
    rows = parcel_rows(case.packet, events)
    assert [row["last_event"][:10] for row in rows] == ["in transit", "delivered;"]  # the rug leads

    verified_login(client, staff)
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "Last carrier event" in page and "delivered; 2026-11-14 12:00 UTC; US" in page


def test_a_parcel_without_a_number_has_no_event_and_a_silent_number_none_yet():
    packet = {
        "parcels": [
            {"number": "YT2431221234500001", "carrier": None, "skus": [], "superseded": False},
            {"number": None, "carrier": None, "skus": ["Gift box"], "superseded": False},
        ],
    }
    assert [row["last_event"] for row in parcel_rows(packet, {})] == ["none yet", ""]
