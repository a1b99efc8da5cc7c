"""Naming the columns of a tracking-events CSV whose headers the import does not know, in Chromium against
the live server (docs/imports.md, *Columns a person names*)."""

import pytest

from cases.choices import ImportKind
from cases.intake.column_mappings import remembered_column_map
from cases.models import TrackingEvent
from cases.tracking import services as tracking
from tests.browser.conftest import save_screenshot
from tests.factories import OrderFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

UPS = "1Z999AA10123456784"
HEADER = ["Parcel", "When", "What happened", "Where"]
ODD_EVENTS = (
    ",".join(HEADER) + "\n"
    f"{UPS},2026-11-03T08:00:00+08:00,InfoReceived,Shenzhen\n"
    f"{UPS},2026-11-04T10:00:00Z,InTransit,Shenzhen\n"
)


def test_staff_maps_the_columns_of_an_unknown_events_file_and_imports_it(page, login, tmp_path):
    order = OrderFactory(order_id="#1042")
    number, _ = tracking.get_or_create_number(UPS, "ups")
    tracking.link_number(order, number)
    UserFactory(username="stan", role="Staff")
    csv_path = tmp_path / "carrier-export.csv"
    csv_path.write_text(ODD_EVENTS)

    login("stan")
    page.goto("/admin/cases/trackingnumber/")
    page.click("#import-events-link")
    page.set_input_files("input[type=file]", str(csv_path))
    page.get_by_role("button", name="Import", exact=True).click()

    # The import cannot find its columns: the page says which, and offers the file's headers for each field.
    form = page.locator("#tracking-import-columns")
    form.wait_for()
    assert "required column is missing" in page.locator("#tracking-import-errors").inner_text()
    options = form.locator("#id_column__time option").all_inner_texts()
    assert options == ["— not in this file —", *HEADER]
    assert TrackingEvent.objects.count() == 0
    save_screenshot(page, "import-mapping-columns")

    form.locator("#id_column__tracking_number").select_option("Parcel")
    form.locator("#id_column__time").select_option("When")
    form.locator("#id_column__status").select_option("What happened")
    form.locator("#id_column__location").select_option("Where")
    page.click("#tracking-import-columns-submit")

    page.wait_for_selector("text=Imported 2 rows of tracking events")
    assert "remembered for the next file with these headers" in page.locator("ul.messagelist").inner_text()
    events = TrackingEvent.objects.filter(tracking_number=number).order_by("at")
    assert [(e.status, e.location) for e in events] == [
        ("info_received", "Shenzhen"),
        ("in_transit", "Shenzhen"),
    ]
    assert remembered_column_map(kind=ImportKind.TRACKING_EVENTS, header=HEADER) == {
        "tracking_number": "Parcel",
        "time": "When",
        "status": "What happened",
        "location": "Where",
    }
    save_screenshot(page, "import-mapping-done")
