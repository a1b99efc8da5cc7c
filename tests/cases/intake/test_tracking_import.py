"""Tracking CSV imports (docs/imports.md): both header styles, every error named by line and column with
nothing written, idempotent, re-assessment queued after commit, the permission checked on the server, the
carrier a file names checked against the number, carrier local times (rules.md section 1), statuses read
from descriptions (section 3b), numbers too short to be one (section 3c), and dry runs."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from cases.assessment.facts import TrackingEvent as EventFacts
from cases.intake.csvfiles import CsvError
from cases.intake.tracking_csv import (
    carrier_code,
    order_id_spellings,
    read_tracking_events,
    read_tracking_numbers,
)
from cases.intake.tracking_import import import_tracking_events, import_tracking_numbers
from cases.models import AuditEvent, Case, Parcel, TrackingEvent, TrackingNumber
from cases.tracking import services as tracking
from tests.factories import CaseFactory, OrderFactory, UserFactory
from tests.helpers.tracking_files import csv, run, run_from_shell, write

UPS = "1Z999AA10123456784"
USPS = "9400111899223818218407"
S10 = "RR123456785CN"

WOO = (
    "order_id,tracking_provider,tracking_number,date_shipped\n"
    f"1042,UPS,{UPS},2026-11-03\n"
    f"1043,Hermes,{S10},12-06-2026\n"
)
SHOPIFY = f"Name,Tracking Company,Tracking Number,Fulfilled at\n#1042,USPS,{USPS},2026-11-03 10:15:23 -0500\n"
EVENTS = (
    "order_id,time,status,description,location,country,postal_code\n"
    "#1042,2026-11-03T08:00:00+08:00,InfoReceived,Label created,Shenzhen,CN,\n"
    "#1042,2026-11-04T10:00:00Z,InTransit,Departed facility,Shenzhen,CN,\n"
)


def issues_of(call, raw: bytes) -> list[str]:
    with pytest.raises(CsvError) as caught:
        call(raw)
    return [str(issue) for issue in caught.value.issues]


def stored() -> dict[str, int]:
    return {
        "numbers": TrackingNumber.objects.count(),
        "links": Parcel.objects.count(),
        "events": TrackingEvent.objects.count(),
    }


NOTHING = {"numbers": 0, "links": 0, "events": 0}


def events_by_order_and_number(*rows: str) -> bytes:
    """An events file whose rows name their order and their number."""
    return csv("order_id,tracking_number,time,status\n" + "".join(f"{row}\n" for row in rows))


# The re-assessment task's delay is mocked for every test here (queued: tests/conftest.py).
pytestmark = pytest.mark.usefixtures("queued")


# --- reading, without a database ----------------------------------------------------------------------


def test_woocommerce_headers_are_read_with_the_provider_mapped_to_our_carrier_code():
    rows = read_tracking_numbers(csv(WOO))
    assert [(r.line, r.order_id, r.number, r.carrier) for r in rows] == [
        (2, "1042", UPS, "ups"),
        (3, "1043", S10, None),
    ]


def test_shopify_headers_are_read_like_the_woocommerce_ones():
    (row,) = read_tracking_numbers(csv(SHOPIFY))
    assert (row.line, row.order_id, row.number, row.carrier) == (2, "#1042", USPS, "usps")


@pytest.mark.parametrize(
    ("provider", "code"),
    [
        ("UPS", "ups"),
        ("U.S. Postal Service", "usps"),
        ("FedEx Ground", "fedex"),
        ("dhl-express", "dhl"),
        ("DHL eCommerce", "dhl_ecommerce"),
        ("YunExpress", "yunexpress"),
        ("Yun Express", "yunexpress"),
        ("Cainiao", "cainiao"),
        ("China Post", "s10"),
        ("4PX", "4px"),
        ("J&T Express", "jt"),
    ],
)
def test_a_common_provider_name_maps_to_our_carrier_code(provider, code):
    assert carrier_code(provider) == code


@pytest.mark.parametrize("provider", ["Hermes", "", "sfx", "Local courier"])
def test_an_unrecognised_provider_gives_no_code_so_the_number_decides(provider):
    assert carrier_code(provider) is None


def test_several_numbers_in_one_cell_become_one_row_each_of_the_same_line():
    rows = read_tracking_numbers(csv(f'order_id,tracking_number\n1042,"{UPS}, {USPS}"\n'))
    assert [(r.line, r.number) for r in rows] == [(2, UPS), (2, USPS)]


def test_a_date_shipped_without_time_or_offset_is_accepted_since_no_rule_reads_it():
    rows = read_tracking_numbers(
        csv(f"order_id,tracking_number,date_shipped\n1,{UPS},2026-11-03\n2,{UPS},\n")
    )
    assert len(rows) == 2


def test_an_order_id_is_tried_as_written_then_with_the_hash_added_or_removed():
    assert order_id_spellings("1042") == ("1042", "#1042")
    assert order_id_spellings("#1042") == ("#1042", "1042")


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ("order_id,tracking_number\n1,caf\xe9\n".encode("latin-1"), "line 2: is not UTF-8"),
        ("order_id,tracking_number\n".encode("utf-16"), "file: is UTF-16"),
        (b"", "file: is empty"),
        (b"order_id,tracking_number\n", "file: has a header but no rows"),
        (csv(f"order_id,carrier\n1,{UPS}\n"), "line 1, column 'tracking_number': required column is missing"),
        (csv(f"order_id,tracking_number\n1,{UPS},extra\n"), "line 2: has 3 cells; the header has 2"),
        (csv("order_id,tracking_number\n1, \n"), "line 2, column 'tracking_number': is empty"),
        (csv(f"order_id,tracking_number\n,{UPS}\n"), "line 2, column 'order_id': is empty"),
        (csv(f"order_id,tracking_number,date_shipped\n1,{UPS},soon\n"), "line 2, column 'date_shipped'"),
        (
            csv("order_id,tracking_number\n1,A-B-C\n"),
            "line 2, column 'tracking_number': 'A-B-C' is no tracking number: it has fewer than 4 letters",
        ),
        (
            csv(f'order_id,tracking_number\n1,"{UPS}, 12.3"\n'),
            "line 2, column 'tracking_number': '12.3' is no",
        ),
    ],
    ids=[
        "not-utf8",
        "utf16",
        "empty",
        "header-only",
        "missing-column",
        "ragged",
        "empty-number",
        "no-order",
        "date",
        "three-characters",
        "one-of-several-too-short",
    ],
)
def test_a_bad_numbers_file_is_refused_with_the_line_and_column_named(raw, named):
    assert any(issue.startswith(named) for issue in issues_of(read_tracking_numbers, raw))


def test_every_issue_of_a_file_is_reported_at_once_in_line_order():
    raw = csv(f"order_id,tracking_number\n1,\n2,{UPS},x\n,{UPS}\n4,{UPS}\n")
    assert issues_of(read_tracking_numbers, raw) == [
        "line 2, column 'tracking_number': is empty; every row needs a tracking number",
        "line 3: has 3 cells; the header has 2",
        "line 4, column 'order_id': is empty; every row needs the order it belongs to",
    ]


def test_an_event_time_with_an_offset_is_exact():
    (row,) = read_tracking_events(
        csv("order_id,time,status,country\n#1042,2026-11-03T08:00:00+08:00,delivered,CN\n")
    )
    assert (row.event.at, row.event.approximate) == (datetime(2026, 11, 3, 0, 0, tzinfo=UTC), False)


@pytest.mark.parametrize(
    ("country", "utc"),
    [
        ("CN", datetime(2026, 11, 4, 2, 0, tzinfo=UTC)),  # Asia/Shanghai, +08:00
        ("CHN", datetime(2026, 11, 4, 2, 0, tzinfo=UTC)),  # alpha-3 read as CN first
        ("GB", datetime(2026, 11, 4, 10, 0, tzinfo=UTC)),  # Europe/London in winter
        ("US", datetime(2026, 11, 4, 10, 0, tzinfo=UTC)),  # not in the table: UTC
        ("", datetime(2026, 11, 4, 10, 0, tzinfo=UTC)),  # no country: UTC
    ],
)
def test_an_event_time_without_an_offset_is_local_time_at_the_events_country_and_approximate(country, utc):
    (row,) = read_tracking_events(
        csv(f"order_id,time,status,country\n#1042,2026-11-04 10:00,in_transit,{country}\n")
    )
    assert (row.event.at, row.event.approximate) == (utc, True)


def test_an_event_date_without_a_time_is_refused_naming_line_and_column():
    raw = csv("order_id,time,status\n#1042,2026-11-03T08:00:00+08:00,delivered\n#1042,2026-11-04,delivered\n")
    assert issues_of(read_tracking_events, raw) == [
        "line 3, column 'time': '2026-11-04' is a date without a time; give the time of the event"
    ]


def test_an_alpha3_country_is_stored_as_its_alpha2_code():
    (row,) = read_tracking_events(
        csv("order_id,time,status,country\n#1042,2026-11-03T08:00:00Z,in_transit,chn\n")
    )
    assert row.event.country == "CN"


def test_an_event_time_in_shopify_export_style_with_a_spaced_offset_is_accepted():
    (row,) = read_tracking_events(csv("order_id,time,status\n#1042,2026-11-03 10:15:23 -0500,delivered\n"))
    assert row.event.at.utcoffset().total_seconds() == -5 * 3600


def test_an_unknown_status_word_becomes_unknown_and_is_kept_raw():
    (row,) = read_tracking_events(csv("order_id,time,status\n#1042,2026-11-03T08:00:00Z,Zorglubbed\n"))
    assert (row.event.status, row.event.raw_status) == ("unknown", "Zorglubbed")


def test_a_raw_subtag_refines_its_tag():
    (row,) = read_tracking_events(
        csv("order_id,time,status,raw_status\n#1042,2026-11-03T08:00:00Z,InTransit,InTransit_002\n")
    )
    assert (row.event.status, row.event.raw_status) == ("accepted", "InTransit_002")


def test_a_normalized_status_is_trusted_and_the_raw_word_kept_beside_it():
    (row,) = read_tracking_events(
        csv("order_id,time,status,raw_status\n#1042,2026-11-03T08:00:00Z,exception,Held at depot\n")
    )
    assert (row.event.status, row.event.raw_status) == ("exception", "Held at depot")


def test_an_event_with_only_a_description_takes_its_status_from_the_description():
    raw = csv("order_id,time,description\n#1042,2026-11-03T08:00:00Z,Departed from sorting center\n")
    (row,) = read_tracking_events(raw)
    assert (row.event.status, row.event.raw_status) == ("in_transit", "")


def test_a_status_word_no_mapping_knows_reads_the_description_and_keeps_the_word():
    raw = csv("order_id,time,status,description\n#1042,2026-11-03T08:00:00Z,Zorglubbed,Out for delivery\n")
    (row,) = read_tracking_events(raw)
    assert (row.event.status, row.event.raw_status) == ("out_for_delivery", "Zorglubbed")


def test_an_event_with_neither_status_word_nor_description_is_refused_naming_the_line():
    raw = csv(
        "order_id,time,status,raw_status,description\n"
        "#1042,2026-11-03T08:00:00Z,,,Delivered\n"
        "#1042,2026-11-04T08:00:00Z,,,\n"
    )
    assert issues_of(read_tracking_events, raw) == [
        "line 3, column 'status': is empty and so is the description; "
        "every event needs a status or a description"
    ]


def test_a_carriers_own_code_is_read_with_the_rows_carrier():
    raw = csv(
        "order_id,tracking_number,carrier,time,raw_status,description\n"
        "#1042,9400111201080805483016,USPS,2026-11-03T08:00:00Z,03,\n"  # named, and the number fits
        "#1042,9400111201080805483016,,2026-11-04T08:00:00Z,A1,\n"  # shown by the number
        "#1042,3318810025,,2026-11-05T08:00:00Z,RW,\n"  # DHL's Weigh & dimension
        "#1042,3318810025,,2026-11-06T08:00:00Z,03,Arrived at facility\n"  # no DHL code: the description
    )
    assert [(row.event.status, row.event.raw_status) for row in read_tracking_events(raw)] == [
        ("accepted", "03"),
        ("in_transit", "A1"),
        ("in_transit", "RW"),
        ("in_transit", "03"),
    ]


def test_the_tracker_column_may_name_the_carrier_whose_codes_a_row_uses():
    raw = csv("order_id,time,raw_status,tracker\n#1042,2026-11-03T08:00:00Z,0174,canada_post\n")
    (row,) = read_tracking_events(raw)
    assert row.event.status == "out_for_delivery"


def test_the_tracker_column_picks_the_vocabulary_of_a_shared_word():
    raw = csv("order_id,time,raw_status,tracker\n#1042,2026-11-03T08:00:00Z,unknown,easypost\n")
    (row,) = read_tracking_events(raw)
    assert row.event.status == "no_information"


def test_an_events_file_needs_a_time_an_order_or_number_and_a_status_or_description_column():
    assert issues_of(read_tracking_events, csv("location\nx\n")) == [
        "line 1, column 'time': required column is missing",
        "line 1, column 'order_id': required column is missing; give order_id or tracking_number",
        "line 1, column 'status': required column is missing; give status, raw_status or description",
    ]


@pytest.mark.parametrize(
    ("row", "named"),
    [
        (",,2026-11-03T08:00:00Z,delivered,", "line 2, column 'tracking_number': give a tracking number"),
        ("#1,,2026-11-03T08:00:00Z,,", "line 2, column 'status': is empty"),
        (
            "#1,A-1 2,2026-11-03T08:00:00Z,delivered,",
            "line 2, column 'tracking_number': 'A-1 2' is no tracking",
        ),
        ("#1,,soon,delivered,", "line 2, column 'time': 'soon' is not an ISO 8601 timestamp"),
        ("#1,,,delivered,", "line 2, column 'time': is empty"),
        ("#1,,2026-11-03T08:00:00Z,delivered,United States", "line 2, column 'country': 'United States'"),
        (
            f'#1,"{UPS};{USPS}",2026-11-03T08:00:00Z,delivered,',
            "line 2, column 'tracking_number': holds several",
        ),
    ],
    ids=[
        "no-order-nor-number",
        "no-status",
        "short-number",
        "not-a-time",
        "no-time",
        "country-name",
        "two-numbers",
    ],
)
def test_a_bad_event_row_is_named_by_line_and_column(row, named):
    raw = csv(f"order_id,tracking_number,time,status,country\n{row}\n")
    assert any(issue.startswith(named) for issue in issues_of(read_tracking_events, raw))


# --- storing tracking numbers -------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_number_is_put_on_its_order_with_the_provider_or_detected_carrier(orders):
    summary = import_tracking_numbers(csv(WOO))
    assert orders["#1042"].tracking_numbers.get().carrier == "ups"
    assert orders["#1043"].tracking_numbers.get().carrier == "s10"  # Hermes unknown: detected
    assert summary.describe().startswith(
        "Imported 2 rows of tracking numbers: 2 parcels created, 2 tracking numbers created."
    )
    assert "not recognised: Hermes" in summary.describe()


@pytest.mark.django_db
def test_a_shopify_style_file_is_imported_like_a_woocommerce_one(orders):
    import_tracking_numbers(csv(SHOPIFY))
    assert orders["#1042"].tracking_numbers.get().normalized == USPS


@pytest.mark.django_db
def test_an_exact_order_id_wins_over_the_other_spelling():
    hashed, bare = OrderFactory(order_id="#7"), OrderFactory(order_id="7")
    import_tracking_numbers(csv(f"order_id,tracking_number\n7,{UPS}\n#7,{USPS}\n"))
    assert bare.tracking_numbers.get().normalized == UPS
    assert hashed.tracking_numbers.get().normalized == USPS


@pytest.mark.django_db
def test_an_unknown_order_id_is_named_and_nothing_is_written(orders):
    raw = csv(f"order_id,tracking_number\n1042,{UPS}\n9999,{USPS}\n")
    assert issues_of(import_tracking_numbers, raw) == [
        "line 3, column 'order_id': no order 9999 or #9999 is stored; import the order first"
    ]
    assert stored() == NOTHING


@pytest.mark.django_db
def test_the_same_numbers_file_twice_changes_nothing_and_says_so(orders):
    import_tracking_numbers(csv(WOO))
    before, audits = stored(), AuditEvent.objects.count()
    summary = import_tracking_numbers(csv(WOO))
    assert stored() == before
    assert AuditEvent.objects.count() == audits
    assert summary.describe().startswith(
        "Nothing changed: all 2 rows of this tracking numbers file are already imported."
    )


@pytest.mark.django_db
def test_a_numbers_import_is_audited_with_its_counts(orders, staff):
    import_tracking_numbers(csv(WOO), actor=staff, via="test")
    event = AuditEvent.objects.get(action="tracking_numbers_imported")
    assert (event.actor, event.changes["orders"]) == (staff, ["#1042", "#1043"])
    assert event.changes["created"] == {"tracking numbers": 2, "parcels": 2}


@pytest.mark.django_db
def test_reassessment_of_the_touched_orders_is_queued_after_commit(
    orders, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        import_tracking_numbers(csv(WOO))
    queued.assert_not_called()  # not before the data is committed
    for callback in callbacks:
        callback()
    queued.assert_called_once_with(sorted(order.pk for order in orders.values()))


@pytest.mark.django_db
def test_a_new_link_requeues_every_order_carrying_that_number(
    orders, queued, django_capture_on_commit_callbacks
):
    number, _ = tracking.get_or_create_number(UPS)
    tracking.link_number(orders["#1043"], number)
    with django_capture_on_commit_callbacks(execute=True):
        import_tracking_numbers(csv(f"order_id,tracking_number\n#1042,{UPS}\n"))
    queued.assert_called_once_with(sorted(order.pk for order in orders.values()))


@pytest.mark.django_db
def test_nothing_is_queued_when_nothing_changed_or_the_file_is_refused(
    orders, queued, django_capture_on_commit_callbacks
):
    import_tracking_numbers(csv(WOO))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_tracking_numbers(csv(WOO))
        with pytest.raises(CsvError):
            import_tracking_numbers(csv(f"order_id,tracking_number\n404,{UPS}\n"))
    assert callbacks == []


@pytest.mark.django_db
def test_a_user_without_the_import_permission_is_refused_and_nothing_is_written(orders):
    with pytest.raises(PermissionDenied):
        import_tracking_numbers(csv(WOO), actor=UserFactory(username="outsider"))
    with pytest.raises(PermissionDenied):
        import_tracking_events(csv(EVENTS), actor=UserFactory(username="outsider"))
    assert stored() == NOTHING


# --- storing tracking events --------------------------------------------------------------------------


@pytest.fixture
def carried(orders):
    """#1042 carries the UPS number."""
    number, _ = tracking.get_or_create_number(UPS)
    tracking.link_number(orders["#1042"], number)
    return number


@pytest.mark.django_db
def test_events_by_order_id_go_on_the_orders_current_number(carried):
    summary = import_tracking_events(csv(EVENTS))
    assert list(carried.events.values_list("status", "source")) == [
        ("info_received", "csv"),
        ("in_transit", "csv"),
    ]
    assert summary.describe().startswith("Imported 2 rows of tracking events: 2 tracking events created.")


@pytest.mark.django_db
def test_events_by_order_id_go_on_the_one_parcel_in_force(carried, orders):
    newer, _ = tracking.get_or_create_number(USPS)
    tracking.link_number(orders["#1042"], newer)
    Parcel.objects.filter(tracking_number=carried).update(superseded_at=timezone.now())
    import_tracking_events(csv(EVENTS))
    assert (newer.events.count(), carried.events.count()) == (2, 0)


@pytest.mark.django_db
def test_events_by_order_id_of_an_order_with_two_parcels_in_force_are_refused(carried, orders):
    """A second number is a second parcel (rules.md section 3a): which one an event is for, the file says."""
    newer, _ = tracking.get_or_create_number(USPS)
    tracking.link_number(orders["#1042"], newer)
    issues = issues_of(import_tracking_events, csv(EVENTS))
    assert issues[0] == (
        f"line 2, column 'order_id': order #1042 has 2 tracking numbers ({UPS}, {USPS}); "
        "give the tracking_number the event belongs to"
    )
    assert (newer.events.count(), carried.events.count()) == (0, 0)


@pytest.mark.django_db
def test_the_same_events_file_twice_adds_no_event_and_says_so(carried):
    import_tracking_events(csv(EVENTS))
    summary = import_tracking_events(csv(EVENTS))
    assert carried.events.count() == 2
    assert summary.describe().startswith("Nothing changed: all 2 rows of this tracking events file")


@pytest.mark.django_db
def test_the_same_event_written_with_another_offset_is_not_stored_twice(carried):
    import_tracking_events(csv(EVENTS))
    shifted = EVENTS.replace("2026-11-04T10:00:00Z", "2026-11-04T12:00:00+02:00")
    assert not import_tracking_events(csv(shifted)).changed
    assert carried.events.count() == 2


@pytest.mark.django_db
def test_an_unknown_status_is_stored_as_unknown_with_the_carriers_word(carried):
    import_tracking_events(csv(f"tracking_number,time,status\n{UPS},2026-11-03T08:00:00Z,Zorglubbed\n"))
    assert list(carried.events.values_list("status", "raw_status")) == [("unknown", "Zorglubbed")]


@pytest.mark.django_db
def test_an_event_for_a_new_number_with_its_order_creates_and_links_the_number(orders):
    import_tracking_events(
        csv(f"order_id,tracking_number,time,status\n1043,{USPS},2026-11-03T08:00:00Z,in_transit\n")
    )
    number = orders["#1043"].tracking_numbers.get()
    assert (number.normalized, number.carrier, number.events.count()) == (USPS, "usps", 1)


@pytest.mark.django_db
def test_a_number_nobody_carries_is_named_and_nothing_is_written(carried):
    raw = csv(
        f"tracking_number,time,status\n{UPS},2026-11-03T08:00:00Z,accepted\n{USPS},2026-11-03T08:00:00Z,accepted\n"
    )
    assert issues_of(import_tracking_events, raw) == [
        f"line 3, column 'tracking_number': {USPS} is on no order; "
        "give the order_id of the order it belongs to"
    ]
    assert TrackingEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_number_alone_is_found_when_another_row_links_it_to_its_order(orders):
    raw = events_by_order_and_number(
        f",{USPS},2026-11-04T08:00:00Z,in_transit", f"#1043,{USPS},2026-11-03T08:00:00Z,accepted"
    )
    import_tracking_events(raw)
    assert orders["#1043"].tracking_numbers.get().events.count() == 2


@pytest.mark.django_db
def test_an_order_without_a_number_and_an_unknown_order_are_both_named_and_nothing_is_written(carried):
    raw = csv(
        "order_id,time,status\n"
        "#1042,2026-11-03T08:00:00Z,accepted\n"
        "#1043,2026-11-03T08:00:00Z,accepted\n"
        "#404,2026-11-03T08:00:00Z,accepted\n"
    )
    assert issues_of(import_tracking_events, raw) == [
        "line 3, column 'order_id': order #1043 has no tracking number; "
        "give the tracking_number the event belongs to",
        "line 4, column 'order_id': no order #404 or 404 is stored; import the order first",
    ]
    assert TrackingEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_refused_events_file_rolls_back_the_numbers_it_linked(orders):
    raw = events_by_order_and_number(
        f"#1042,{USPS},2026-11-03T08:00:00Z,accepted", f"#404,{UPS},2026-11-03T08:00:00Z,accepted"
    )
    issues_of(import_tracking_events, raw)
    assert stored() == NOTHING


@pytest.mark.django_db
def test_events_queue_reassessment_of_the_orders_carrying_their_number(
    carried, orders, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_tracking_events(csv(EVENTS))
    queued.assert_called_once_with([orders["#1042"].pk])


# --- the command --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_prints_the_summary(tmp_path, orders):
    out, _ = run("numbers", write(tmp_path, WOO))
    assert out.startswith("Imported 2 rows of tracking numbers")
    out, _ = run("numbers", write(tmp_path, WOO))
    assert out.startswith("Nothing changed")


@pytest.mark.django_db
def test_the_command_exits_non_zero_with_every_error_on_stderr(tmp_path, orders, capsys, monkeypatch):
    path = write(tmp_path, "order_id,time,status\n#1042,soon,delivered\n#404,2026-11-03T08:00Z,x\n")
    code, err = run_from_shell(monkeypatch, capsys, "events", str(path))
    assert code == 1
    assert "error: line 2, column 'time': 'soon' is not an ISO 8601 timestamp" in err
    assert "error: line 3, column 'order_id': no order #404 or 404 is stored" in err  # one pass names both
    assert f"{path}: 2 error(s); nothing was imported." in err
    assert TrackingEvent.objects.count() == 0


@pytest.mark.django_db
def test_the_command_shows_the_first_50_errors_and_counts_the_rest(tmp_path, orders):
    rows = "".join(f"#{n},{UPS}\n" for n in range(2000, 2060))  # 60 unknown orders
    path = write(tmp_path, "order_id,tracking_number\n" + rows)
    err = StringIO()
    with pytest.raises(CommandError, match="60 error"):
        call_command("import_tracking", "numbers", str(path), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert (len(lines), lines[-1]) == (51, "error: and 10 more")


@pytest.mark.django_db
def test_the_command_checks_the_permissions_of_the_user_it_acts_as(tmp_path, orders):
    UserFactory(username="outsider")
    with pytest.raises(CommandError, match=r"Refused.*Nothing was imported"):
        run("numbers", write(tmp_path, WOO), "--as-user", "outsider")
    assert stored() == NOTHING


# --- the admin ----------------------------------------------------------------------------------------

VIEWS = ["admin:cases_trackingnumber_import_numbers", "admin:cases_trackingnumber_import_events"]


def upload(text, name="tracking.csv"):
    return SimpleUploadedFile(name, text if isinstance(text, bytes) else csv(text), content_type="text/csv")


@pytest.mark.django_db
@pytest.mark.parametrize(("view", "body"), list(zip(VIEWS, [WOO, EVENTS], strict=True)))
def test_a_user_without_the_import_permission_gets_403_on_get_and_post_and_nothing_is_written(
    client, carried, view, body
):
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_trackingnumber"))
    client.force_login(viewer)
    before = stored()
    assert client.get(reverse(view)).status_code == 403
    assert client.post(reverse(view), {"file": upload(body)}).status_code == 403
    assert stored() == before


@pytest.mark.django_db
def test_staff_imports_numbers_then_events_from_the_admin(client, staff, orders):
    client.force_login(staff)
    assert all(client.get(reverse(view)).status_code == 200 for view in VIEWS)
    response = client.post(reverse(VIEWS[0]), {"file": upload(WOO)}, follow=True)
    assert "Imported 2 rows of tracking numbers" in response.content.decode()
    response = client.post(reverse(VIEWS[1]), {"file": upload(EVENTS)}, follow=True)
    assert "Imported 2 rows of tracking events" in response.content.decode()
    assert stored() == {"numbers": 2, "links": 2, "events": 2}


@pytest.mark.django_db
def test_the_upload_page_lists_every_error_escaped_and_writes_nothing(client, staff, orders):
    client.force_login(staff)
    body = f"order_id,tracking_number\n<script>alert(1)</script>,{UPS}\n1042,\n"
    response = client.post(reverse(VIEWS[0]), {"file": upload(body)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "line 3, column &#x27;tracking_number&#x27;: is empty" in page
    assert "<script>alert(1)</script>" not in page
    assert stored() == NOTHING


@pytest.mark.django_db
def test_the_upload_page_names_database_errors_too(client, staff, orders):
    client.force_login(staff)
    response = client.post(reverse(VIEWS[0]), {"file": upload(f"order_id,tracking_number\n404,{UPS}\n")})
    assert "line 2, column &#x27;order_id&#x27;: no order 404 or #404 is stored" in response.content.decode()
    assert stored() == NOTHING


@pytest.mark.django_db
def test_the_tracking_list_offers_both_imports_only_to_users_who_may_import(client, staff):
    url = reverse("admin:cases_trackingnumber_changelist")
    client.force_login(staff)
    page = client.get(url).content.decode()
    assert "Import tracking numbers" in page and "Import tracking events" in page
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_trackingnumber"))
    client.force_login(viewer)
    page = client.get(url).content.decode()
    assert "Import tracking numbers" not in page and "Import tracking events" not in page


@pytest.mark.django_db
def test_a_broker_that_is_down_does_not_fail_the_import_and_leaves_the_cases_due(
    orders, queued, django_capture_on_commit_callbacks
):
    later = timezone.now() + timedelta(days=3)
    for order in orders.values():
        CaseFactory(order=order, next_assessment_at=later)
    queued.side_effect = OperationalError("broker down")
    with mock.patch("staletrack.celery.logger"), django_capture_on_commit_callbacks(execute=True):
        import_tracking_numbers(csv(WOO))
    assert Parcel.objects.count() == 2
    assert all(at <= timezone.now() for at in Case.objects.values_list("next_assessment_at", flat=True))


# --- the carrier a file names is checked against the number --------------------------------------------


@pytest.mark.django_db
def test_a_named_carrier_the_number_fits_no_format_of_is_not_trusted():
    number, created = tracking.get_or_create_number("number123", "ups")
    assert created
    assert (number.normalized, number.carrier, number.url) == ("NUMBER123", "", "")


@pytest.mark.django_db
def test_a_named_carrier_the_number_does_not_fit_gives_way_to_the_carrier_detected_from_it():
    number, _ = tracking.get_or_create_number(USPS, "ups")
    assert number.carrier == "usps"
    assert "usps" in number.url


@pytest.mark.django_db
def test_a_named_carrier_is_kept_when_the_number_fits_its_format_even_with_a_failing_check_digit():
    # The check digit is what checksum_invalid reports (rules.md section 3c); the carrier is still UPS's.
    number, _ = tracking.get_or_create_number("1Z999AA10123456785", "ups")
    assert number.carrier == "ups"


@pytest.mark.django_db
def test_an_ambiguous_number_keeps_the_named_carrier_among_those_it_fits():
    number, _ = tracking.get_or_create_number("123456789012", "gls")
    assert number.carrier == "gls"


@pytest.mark.django_db
def test_a_numbers_file_naming_ups_for_a_number_no_ups_format_has_stores_the_detected_carrier(orders):
    raw = csv(f"order_id,tracking_provider,tracking_number\n1042,UPS,number123\n1043,UPS,{USPS}\n")
    summary = import_tracking_numbers(raw)
    assert orders["#1042"].tracking_numbers.get().carrier == ""
    assert orders["#1043"].tracking_numbers.get().carrier == "usps"
    assert "fits no format of the provider named: UPS (lines 2, 3)." in summary.describe()


@pytest.mark.django_db
def test_an_events_file_naming_a_carrier_the_new_number_does_not_fit_stores_the_detected_one(orders):
    raw = csv(
        f"order_id,tracking_number,carrier,time,status\n1043,{S10},FedEx,2026-11-03T08:00:00Z,accepted\n"
    )
    summary = import_tracking_events(raw)
    assert orders["#1043"].tracking_numbers.get().carrier == "s10"
    assert "fits no format of the provider named: FedEx (line 2)." in summary.describe()


# --- approximate times, descriptions and short numbers, stored ------------------------------------------


@pytest.mark.django_db
def test_add_events_keeps_an_events_approximate_time(carried):
    at = datetime(2026, 11, 4, 2, 0, tzinfo=UTC)
    tracking.add_events(
        carried,
        [EventFacts(at=at, status="in_transit", approximate=True), EventFacts(at=at, status="accepted")],
        "csv",
    )
    assert list(carried.events.order_by("status").values_list("status", "approximate")) == [
        ("accepted", False),
        ("in_transit", True),
    ]


@pytest.mark.django_db
def test_an_imported_local_time_is_stored_at_the_events_place_and_marked_approximate(carried):
    raw = csv(
        "order_id,time,raw_status,description,country\n"
        "#1042,2026-11-04 10:00:00,Zorglubbed,Arrived at sort facility,CHN\n"
        "#1042,2026-11-05T10:00:00Z,,Departed,CN\n"
    )
    import_tracking_events(raw)
    assert list(carried.events.values_list("at", "status", "raw_status", "country", "approximate")) == [
        (datetime(2026, 11, 4, 2, 0, tzinfo=UTC), "in_transit", "Zorglubbed", "CN", True),
        (datetime(2026, 11, 5, 10, 0, tzinfo=UTC), "in_transit", "", "CN", False),
    ]
    assert not import_tracking_events(raw).changed  # the same local time read the same way again


@pytest.mark.django_db
def test_a_number_too_short_to_be_one_is_refused_and_nothing_is_written(orders):
    raw = csv(f"order_id,tracking_number\n1042,{UPS}\n1043,A1-2\n")
    assert issues_of(import_tracking_numbers, raw) == [
        "line 3, column 'tracking_number': 'A1-2' is no tracking number: "
        "it has fewer than 4 letters or digits"
    ]
    assert stored() == NOTHING


# --- dry runs -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_dry_run_counts_what_an_import_would_create_and_writes_nothing(
    orders, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        summary = import_tracking_numbers(csv(WOO), dry_run=True)
    assert summary.describe().startswith(
        "Dry run: importing 2 rows of tracking numbers would create 2 parcels, "
        "2 tracking numbers. Nothing was written."
    )
    assert stored() == NOTHING
    assert AuditEvent.objects.count() == 0
    assert callbacks == []
    queued.assert_not_called()


@pytest.mark.django_db
def test_a_dry_run_of_events_links_and_adds_nothing(orders):
    raw = csv(f"order_id,tracking_number,time,status\n1043,{USPS},2026-11-03T08:00:00Z,in_transit\n")
    summary = import_tracking_events(raw, dry_run=True)
    assert dict(summary.created) == {"tracking numbers": 1, "parcels": 1, "tracking events": 1}
    assert stored() == NOTHING


@pytest.mark.django_db
def test_a_dry_run_of_a_file_already_imported_says_nothing_would_change(carried):
    import_tracking_events(csv(EVENTS))
    summary = import_tracking_events(csv(EVENTS), dry_run=True)
    assert summary.describe().startswith("Dry run: nothing would change; all 2 rows")


@pytest.mark.django_db
def test_a_dry_run_names_every_error_like_the_import(orders):
    raw = csv(f"order_id,tracking_number\n1042,\n9999,{USPS}\n")
    assert issues_of(lambda raw: import_tracking_numbers(raw, dry_run=True), raw) == issues_of(
        import_tracking_numbers, raw
    )


@pytest.mark.django_db
def test_the_command_dry_run_prints_what_would_change_and_writes_nothing(tmp_path, orders):
    out, _ = run("numbers", write(tmp_path, WOO), "--dry-run")
    assert out.startswith("Dry run: importing 2 rows of tracking numbers would create")
    assert stored() == NOTHING


@pytest.mark.django_db
def test_the_command_dry_run_of_a_file_with_errors_exits_non_zero(tmp_path, orders, capsys, monkeypatch):
    path = write(tmp_path, f"order_id,tracking_number\n9999,{UPS}\n")
    code, err = run_from_shell(monkeypatch, capsys, "numbers", str(path), "--dry-run")
    assert code == 1
    assert "error: line 2, column 'order_id': no order 9999 or #9999 is stored" in err
    assert f"{path}: 1 error(s); an import would be refused." in err
    assert stored() == NOTHING
