"""The admin side of the CSV imports of real stores' files (docs/imports-orders.md, docs/imports.md): the
orders preview asks how to read times (time zone, order of day and month) and carries the choices to the
confirm step; every import has a step to name the file's columns, remembered for the next file with the
same headers; uploads between steps are reachable only from the session that uploaded them; the import
run page shows what the import read (ImportRun.summary); every new view checks the import permission."""

import json
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.choices import ImportKind
from cases.intake.admin.orders import SESSION_KEY, summary_view
from cases.intake.column_mappings import remember_column_map, remembered_column_map
from cases.models import ColumnMapping, ImportRun, Order, Parcel, TrackingEvent, TrackingNumber
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued")]  # queued: tests/conftest.py

UPS = "1Z999AA10123456784"
USPS = "9400111899223818218407"

NUMBERS_URL = "admin:cases_trackingnumber_import_numbers"
EVENTS_URL = "admin:cases_trackingnumber_import_events"
ORDERS_URL = "admin:cases_order_import"
COLUMNS_URL = "admin:cases_order_import_columns"
CONFIRM_URL = "admin:cases_order_process_import"

# A carrier tool's export: no header the events import knows for the number, the time or the status.
ODD_EVENTS = (
    "Parcel,When,What happened,Where\n"
    f"{UPS},2026-11-03T08:00:00+08:00,InfoReceived,Shenzhen\n"
    f"{UPS},2026-11-04T10:00:00Z,InTransit,Shenzhen\n"
)
ODD_EVENTS_MAP = {"tracking_number": "Parcel", "time": "When", "status": "What happened", "location": "Where"}
ODD_NUMBERS = f"Shop order,Parcel code\n#1042,{UPS}\n#1043,{USPS}\n"


@pytest.fixture
def carried(orders):
    """#1042 carries UPS: an events file may name the number alone."""
    from cases.tracking import services as tracking

    number, _ = tracking.get_or_create_number(UPS, "ups")
    tracking.link_number(orders["#1042"], number)
    return number


@pytest.fixture
def staff_without_import(client):
    """A staff user who may view and add orders and tracking numbers, but not import."""
    user = UserFactory(username="temp")
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "view_order",
                "add_order",
                "change_order",
                "view_importrun",
                "view_trackingnumber",
                "add_trackingnumber",
            ]
        )
    )
    client.force_login(user)
    return user


def csv_file(text: str | bytes, name: str = "tracking.csv") -> SimpleUploadedFile:
    raw = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, raw, content_type="text/csv")


def kept_tokens(client) -> dict:
    return dict(client.session.get(SESSION_KEY) or {})


def column_data(form, **chosen) -> dict:
    """The POST of a column form: its hidden fields and initial choices, with `chosen` fields changed."""
    data = {name: form[name].value() or "" for name in form.fields}
    for field, header in chosen.items():
        data[f"column__{field}"] = header
    return data


def name_number_columns(client, **chosen):
    """Upload ODD_NUMBERS, then answer the column step it gets with the `chosen` headers."""
    response = client.post(reverse(NUMBERS_URL), {"file": csv_file(ODD_NUMBERS)})
    return client.post(reverse(NUMBERS_URL), column_data(response.context["column_form"], **chosen))


# --- tracking imports: the column step ----------------------------------------------------------------


def test_an_events_file_with_unknown_headers_gets_the_column_step_and_imports_with_the_map(
    client, importer, carried
):
    response = client.post(reverse(EVENTS_URL), {"file": csv_file(ODD_EVENTS)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "required column is missing" in page and 'id="tracking-import-columns"' in page
    form = response.context["column_form"]
    assert form.headers == ["Parcel", "When", "What happened", "Where"]
    # every select offers the file's headers and "not in this file"
    assert [label for _, label in form.fields["column__time"].choices] == [
        "— not in this file —",
        "Parcel",
        "When",
        "What happened",
        "Where",
    ]
    assert TrackingEvent.objects.count() == 0
    token = form.initial["upload"]
    assert token in kept_tokens(client)

    response = client.post(reverse(EVENTS_URL), column_data(form, **ODD_EVENTS_MAP), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:cases_trackingnumber_changelist")
    assert TrackingEvent.objects.filter(tracking_number=carried).count() == 2
    text = str(next(iter(response.context["messages"])))
    assert "remembered for the next file with these headers" in text
    assert (
        remembered_column_map(
            kind=ImportKind.TRACKING_EVENTS, header=["Parcel", "When", "What happened", "Where"]
        )
        == ODD_EVENTS_MAP
    )
    assert token not in kept_tokens(client)  # the kept upload is gone once imported


def test_the_next_file_with_the_same_headers_is_imported_with_the_remembered_map(client, importer, carried):
    remember_column_map(
        kind=ImportKind.TRACKING_EVENTS, header=ODD_EVENTS.splitlines()[0].split(","), mapping=ODD_EVENTS_MAP
    )
    response = client.post(reverse(EVENTS_URL), {"file": csv_file(ODD_EVENTS)}, follow=True)
    assert TrackingEvent.objects.count() == 2
    assert "Columns as named for the last file with these headers" in str(
        next(iter(response.context["messages"]))
    )
    assert ColumnMapping.objects.count() == 1  # used, not remembered twice


def test_the_column_step_is_prefilled_with_the_remembered_map_else_with_what_the_import_recognises(
    client, importer, orders
):
    response = client.post(
        reverse(NUMBERS_URL), {"file": csv_file("order_id,Parcel code\n#1042,x\n"), "name_columns": "1"}
    )
    form = response.context["column_form"]
    assert form["column__order_id"].value() == "order_id"  # recognised
    assert form["column__tracking_number"].value() == ""  # not recognised: "not in this file"
    assert Parcel.objects.count() == 0  # asked to name the columns: nothing imported yet

    header = ["Shop order", "Parcel code"]
    remember_column_map(
        kind=ImportKind.TRACKING_NUMBERS,
        header=header,
        mapping={"order_id": "Shop order", "tracking_number": "Parcel code"},
    )
    response = client.post(reverse(NUMBERS_URL), {"file": csv_file(ODD_NUMBERS), "name_columns": "1"})
    form = response.context["column_form"]
    assert (form["column__order_id"].value(), form["column__tracking_number"].value()) == (
        "Shop order",
        "Parcel code",
    )
    assert response.context["remembered"]


def test_numbers_with_unknown_headers_are_imported_after_naming_the_columns(client, importer, orders):
    response = name_number_columns(client, order_id="Shop order", tracking_number="Parcel code")
    assert response.status_code == 302
    assert set(Parcel.objects.values_list("order__order_id", flat=True)) == {"#1042", "#1043"}


def test_a_column_named_for_two_fields_is_refused_and_nothing_is_written(client, importer, orders):
    response = name_number_columns(client, order_id="Shop order", tracking_number="Shop order")
    assert response.status_code == 200
    assert "already named for order_id" in response.content.decode()
    assert Parcel.objects.count() == 0 and not ColumnMapping.objects.exists()


def test_a_map_missing_a_required_field_shows_the_error_and_the_step_again(client, importer, orders):
    response = name_number_columns(client, order_id="Shop order")
    page = response.content.decode()
    assert response.status_code == 200 and "required column is missing" in page
    assert 'id="tracking-import-columns"' in page
    assert Parcel.objects.count() == 0 and not ColumnMapping.objects.exists()


def test_a_file_with_row_errors_offers_to_name_its_columns(client, importer, orders):
    response = client.post(
        reverse(NUMBERS_URL), {"file": csv_file(f"order_id,tracking_number\n#404,{UPS}\n")}
    )
    page = response.content.decode()
    assert "no order" in page and 'id="tracking-import-name-columns"' in page
    token = response.context["upload_token"]
    response = client.get(reverse(NUMBERS_URL), {"upload": token})
    assert response.context["column_form"]["column__order_id"].value() == "order_id"


def test_an_upload_token_another_session_kept_is_refused(client, importer, orders):
    response = client.post(reverse(NUMBERS_URL), {"file": csv_file(ODD_NUMBERS)})
    form = response.context["column_form"]
    data = column_data(form, order_id="Shop order", tracking_number="Parcel code")

    client.logout()
    client.force_login(UserFactory(username="other", role="Staff"))
    response = client.post(reverse(NUMBERS_URL), data)
    assert response.status_code == 302 and response.url == reverse(NUMBERS_URL)
    assert Parcel.objects.count() == 0
    # nor a kept upload of one import used for the other
    response = client.get(reverse(EVENTS_URL), {"upload": "../../etc/passwd"})
    assert response.status_code == 302


def test_an_events_token_is_not_a_numbers_token(client, importer, orders):
    response = client.post(reverse(EVENTS_URL), {"file": csv_file(ODD_EVENTS)})
    token = response.context["column_form"].initial["upload"]
    response = client.get(reverse(NUMBERS_URL), {"upload": token})
    assert response.status_code == 302


@pytest.mark.parametrize("view", [NUMBERS_URL, EVENTS_URL])
def test_the_column_step_needs_the_import_permission(client, importer, orders, view):
    response = client.post(
        reverse(view), {"file": csv_file(ODD_NUMBERS if view == NUMBERS_URL else ODD_EVENTS)}
    )
    form = response.context["column_form"]
    data = column_data(form, order_id="Shop order", tracking_number="Parcel code")
    token = form.initial["upload"]
    client.logout()
    user = UserFactory(username="viewer")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_trackingnumber", "add_trackingnumber"])
    )
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = {token: {"kind": "tracking_numbers", "file_name": "x.csv", "at": 0}}
    session.save()
    assert client.get(reverse(view), {"upload": token}).status_code == 403
    assert client.post(reverse(view), data).status_code == 403
    assert Parcel.objects.count() == 0 and TrackingNumber.objects.count() == 0


# --- the import run page: its summary -------------------------------------------------------------------


def test_the_run_page_shows_the_summary_with_links(client, importer):
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.ORDERS,
        file_name="orders.csv",
        status=ImportRun.Status.SUCCEEDED,
        summary=SUMMARY,
        created_by=importer,
    )
    page = client.get(reverse("admin:cases_importrun_change", args=[run.pk])).content.decode()
    assert 'id="import-summary"' in page
    assert "payment pending" in page and "store pickup" in page
    assert "Fulfilled without a tracking number: 3 orders" in page
    assert "read in Europe/Paris" in page
    assert f'href="{reverse(NUMBERS_URL)}"' in page
    assert "Own Brand" in page and "Home &amp; Garden" in page  # escaped
    vendor_map = reverse("admin:suppliers_vendormapping_changelist")
    assert f'href="{vendor_map}"' in page


def test_a_run_without_a_summary_shows_none(client, importer):
    run = ImportRun.objects.create(kind=ImportRun.Kind.ORDERS, file_name="orders.csv", created_by=importer)
    page = client.get(reverse("admin:cases_importrun_change", args=[run.pk])).content.decode()
    assert 'id="import-summary"' not in page


# In the shape cases.intake.order_import writes (OrderImportResult.summary).
SUMMARY = {
    "options": {"time_zone": "Europe/Paris", "date_order": None, "column_map": None},
    "skipped": {"payment pending": 2, "store pickup": 1},
    "fulfilled_without_tracking": 3,
    "import_tracking": False,
    "vendors": {"unmapped": ["Own Brand", "Home & Garden"], "defaulted": []},
    "times": {"time_zone": "Europe/Paris"},
}


def test_the_summary_view_reads_the_services_summary():
    view = summary_view(SUMMARY)
    assert view["skipped"] == [("payment pending", 2), ("store pickup", 1)]
    assert view["fulfilled_without_tracking"] == 3
    assert view["unmapped_vendors"] == ["Own Brand", "Home & Garden"]
    assert view["times"] == ["Order times without a UTC offset were read in Europe/Paris."]
    assert not summary_view({"options": {}})["any"]


# --- orders: how times are read, and the column step ----------------------------------------------------

HEADER = (
    "Name,Email,Financial Status,Currency,Total,Created at,Lineitem name,Lineitem sku,Shipping Country,"
    "Vendor\n"
)


def orders_csv(
    created_at: str = "2026-11-02 09:15:11 -0500", header: str = HEADER, second: str = ""
) -> bytes:
    rows = f"#1001,ana@example.com,paid,USD,39.90,{created_at},Lamp,LAMP-01,US,Bright Home\n"
    rows += f"#1002,bo@example.com,paid,EUR,12.00,{second or created_at},Mug,MUG-01,DE,Mugs Ltd\n"
    return (header + rows).encode()


def upload_orders(client, raw: bytes, name: str = "orders_export.csv", **choices):
    data = {
        "resource": "0",
        "format": "0",
        "import_file": SimpleUploadedFile(name, raw, content_type="text/csv"),
    }
    data.setdefault("time_zone", "UTC")
    data.update(choices)
    return client.post(reverse(ORDERS_URL), data)


def confirm(client, response):
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(CONFIRM_URL), data)


def again(client, response, *, time_zone=None, date_order=None, **columns):
    """Submit the preview's "read again" / column form with some choices changed."""
    data = column_data(response.context["column_form"], **columns)
    if time_zone is not None:
        data["time_zone"] = time_zone
    if date_order is not None:
        data["date_order"] = date_order
    return client.post(reverse(COLUMNS_URL), data)


def test_the_upload_form_offers_the_store_time_zone_and_the_date_order(client, importer, settings):
    settings.TIME_ZONE = "Europe/Paris"
    page = client.get(reverse(ORDERS_URL)).content.decode()
    assert '<option value="Europe/Paris" selected>Europe/Paris (the store&#x27;s time zone)</option>' in page
    assert 'name="date_order"' in page and "day first" in page and "month first" in page


def test_times_without_an_offset_are_read_in_the_chosen_zone_from_preview_to_import(client, importer):
    response = upload_orders(client, orders_csv("2026-11-02 09:15"), time_zone="Europe/Paris")
    assert response.status_code == 200
    assert "Europe/Paris" in response.context["import_summary"]["times"][0]
    assert 'id="import-summary-times"' in response.content.decode()
    assert response.context["confirm_form"].initial["time_zone"] == "Europe/Paris"
    assert confirm(client, response).status_code == 302
    assert Order.objects.get(order_id="#1001").ordered_at.isoformat() == "2026-11-02T08:15:00+00:00"


def test_times_without_an_offset_and_no_zone_name_the_column_and_ask_for_a_zone(client, importer):
    response = upload_orders(client, orders_csv("2026-11-02 09:15"), time_zone="")
    page = response.content.decode()
    outcome = response.context["result"].order_import
    assert outcome.file_error and outcome.issues[0].column == "Created at"
    assert "time zone" in outcome.issues[0].message
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert 'id="order-import-again"' in page  # the page asks for a zone
    assert not Order.objects.exists()
    response = again(client, response, time_zone="America/New_York")
    assert "America/New_York" in response.context["import_summary"]["times"][0]
    assert confirm(client, response).status_code == 302
    assert Order.objects.get(order_id="#1001").ordered_at.isoformat() == "2026-11-02T14:15:00+00:00"


def test_dates_that_read_both_ways_name_the_column_and_ask_for_the_order(client, importer):
    raw = orders_csv("03/04/2026 10:00", second="05/06/2026 11:00")
    response = upload_orders(client, raw)
    outcome = response.context["result"].order_import
    assert outcome.issues[0].column == "Created at" and "day-first" in outcome.issues[0].message
    response = again(client, response, date_order="day_first")
    assert response.context["confirm_form"].initial["date_order"] == "day_first"
    assert confirm(client, response).status_code == 302
    assert Order.objects.get(order_id="#1001").ordered_at.isoformat() == "2026-04-03T10:00:00+00:00"


def test_a_time_zone_that_does_not_exist_is_refused_on_upload_and_on_confirm(client, importer):
    response = upload_orders(client, orders_csv(), time_zone="Mars/Olympus")
    assert "is not a time zone" in response.content.decode()
    response = upload_orders(client, orders_csv())
    data = {
        name: response.context["confirm_form"].initial.get(name, "")
        for name in response.context["confirm_form"].fields
    }
    data["time_zone"] = "Mars/Olympus"
    response = client.post(reverse(CONFIRM_URL), data)
    assert response.status_code == 200 and not Order.objects.exists()


ODD_HEADER = HEADER.replace("Name,", "Order number,").replace("Created at", "Placed")


def test_an_orders_file_missing_a_column_gets_the_column_step_then_imports_and_remembers(client, importer):
    response = upload_orders(client, orders_csv(header=ODD_HEADER))
    page = response.content.decode()
    assert response.context["columns_needed"] and "required column is missing" in page
    form = response.context["column_form"]
    assert form["column__sku"].value() == "Lineitem sku"  # recognised
    assert form["column__order_id"].value() == ""
    response = again(client, response, order_id="Order number", ordered_at="Placed")
    assert response.context["result"].order_import.counts["new"] == 2
    assert json.loads(response.context["confirm_form"].initial["column_map"])["order_id"] == "Order number"
    assert not ColumnMapping.objects.exists()  # a preview remembers nothing
    assert confirm(client, response).status_code == 302
    assert Order.objects.count() == 2
    (mapping,) = ColumnMapping.objects.all()
    assert (mapping.kind, mapping.mapping["order_id"]) == ("orders", "Order number")

    # the next file with these headers is read with the remembered map: no step
    response = upload_orders(client, orders_csv(header=ODD_HEADER).replace(b"39.90", b"41.00"))
    assert response.context["result"].order_import.counts["update"] == 1
    assert not response.context["columns_needed"]


def test_the_column_step_can_be_asked_for_on_a_good_file(client, importer):
    response = upload_orders(client, orders_csv())
    assert response.context["confirm_form"] is not None
    page = response.content.decode()
    assert "<summary>Name the columns</summary>" in page
    token = response.context["column_form"].initial["upload"]
    response = client.get(reverse(COLUMNS_URL), {"upload": token})
    assert (
        response.status_code == 200 and response.context["column_form"]["column__order_id"].value() == "Name"
    )


def test_a_confirm_naming_a_file_this_session_did_not_preview_is_refused(client, importer, tmp_path):
    response = upload_orders(client, orders_csv())
    data = {
        name: response.context["confirm_form"].initial.get(name, "")
        for name in response.context["confirm_form"].fields
    }
    client.logout()
    client.force_login(UserFactory(username="mallory", role="Staff"))
    response = client.post(reverse(CONFIRM_URL), data)
    assert response.status_code == 302 and response.url == reverse(ORDERS_URL)
    assert not Order.objects.exists()


def test_the_column_view_refuses_a_token_this_session_did_not_keep(client, importer):
    response = client.post(reverse(COLUMNS_URL), {"upload": "tmpabcdef", "time_zone": "UTC"})
    assert response.status_code == 302 and response.url == reverse(ORDERS_URL)


def test_staff_without_the_import_permission_get_403_on_the_column_view(client, staff_without_import):
    assert client.get(reverse(COLUMNS_URL), {"upload": "tmpabcdef"}).status_code == 403
    assert client.post(reverse(COLUMNS_URL), {"upload": "tmpabcdef"}).status_code == 403
    assert (
        client.post(reverse(NUMBERS_URL), {"file": csv_file(ODD_NUMBERS), "name_columns": "1"}).status_code
        == 403
    )
    assert not kept_tokens(client)


def test_a_large_file_missing_a_column_gets_the_column_step_before_its_background_run(
    client, importer, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    settings.ORDER_IMPORT_ASYNC_BYTES = 100
    response = upload_orders(client, orders_csv(header=ODD_HEADER))
    assert response.status_code == 200 and response.context["columns_needed"]
    assert not ImportRun.objects.exists()
    with (
        mock.patch("cases.intake.tasks.import_orders_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = again(client, response, order_id="Order number", ordered_at="Placed")
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "admin:cases_importrun_change", args=[run.pk]
    )
    delay.assert_called_once_with(run.pk)
    from cases.intake.tasks import import_orders_task

    import_orders_task(run.pk)
    run.refresh_from_db()
    assert (run.status, run.created_rows) == ("succeeded", 2)


def test_a_large_file_runs_in_the_background_with_the_chosen_time_zone(
    client, importer, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    settings.ORDER_IMPORT_ASYNC_BYTES = 100
    with (
        mock.patch("cases.intake.tasks.import_orders_task.delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = upload_orders(client, orders_csv("2026-11-02 09:15"), time_zone="Europe/Paris")
    run = ImportRun.objects.get()
    assert response.status_code == 302
    from cases.intake.tasks import import_orders_task

    import_orders_task(run.pk)
    run.refresh_from_db()
    assert run.status == "succeeded", run.message
    assert Order.objects.get(order_id="#1001").ordered_at.isoformat() == "2026-11-02T08:15:00+00:00"


def test_a_file_without_offsets_and_no_zone_offers_the_store_zone_to_read_it_again(
    client, importer, settings
):
    settings.TIME_ZONE = "Europe/Paris"
    response = upload_orders(client, orders_csv("2026-11-02 09:15"), time_zone="")
    assert response.context["time_questions"]
    assert response.context["column_form"]["time_zone"].value() == "Europe/Paris"
    page = response.content.decode()
    assert "Say how to read the file's times" in page and "The file's times need your word" in page


def test_the_valid_rows_of_a_failed_run_are_imported_with_the_first_runs_choices(
    client, importer, settings, tmp_path, django_capture_on_commit_callbacks
):
    from cases.intake.order_import import create_run
    from cases.intake.tasks import import_orders_task

    settings.MEDIA_ROOT = tmp_path
    raw = orders_csv("2026-11-02 09:15").replace(b",DE,", b",XX,")  # #1002: not a country
    run = create_run(
        file_name="big.csv",
        actor=importer,
        upload=SimpleUploadedFile("big.csv", raw),
        time_zone="Europe/Paris",
    )
    import_orders_task(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and run.file
    with (
        mock.patch("cases.intake.tasks.import_orders_task.delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(reverse("admin:cases_importrun_import_valid_rows", args=[run.pk]))
    again = ImportRun.objects.exclude(pk=run.pk).get()
    assert again.summary["options"]["time_zone"] == "Europe/Paris"
    import_orders_task(again.pk)
    again.refresh_from_db()
    assert (again.status, again.created_rows) == ("succeeded", 1), again.message
    assert Order.objects.get().ordered_at.isoformat() == "2026-11-02T08:15:00+00:00"
    page = client.get(reverse("admin:cases_importrun_change", args=[again.pk])).content.decode()
    assert "read in Europe/Paris" in page


def test_a_failed_run_whose_times_need_a_zone_says_so_on_its_page(client, importer, settings, tmp_path):
    from cases.intake.order_import import create_run
    from cases.intake.tasks import import_orders_task

    settings.MEDIA_ROOT = tmp_path
    run = create_run(
        file_name="big.csv",
        actor=importer,
        upload=SimpleUploadedFile("big.csv", orders_csv("2026-11-02 09:15")),
    )
    import_orders_task(run.pk)
    page = client.get(reverse("admin:cases_importrun_change", args=[run.pk])).content.decode()
    assert 'id="import-summary-questions"' in page and "say which time zone" in page
