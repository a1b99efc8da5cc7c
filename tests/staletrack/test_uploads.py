"""Uploads kept between the steps of an admin import live in the project's own folder, under names the
server chose, bound to the session: a crafted confirm naming a file of the system's temporary folder
imports nothing and deletes nothing, on every import the admin offers."""

import os
import tempfile
import uuid
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.intake.admin.orders import SESSION_KEY
from cases.models import AuditEvent, ImportRun, Order
from staletrack import uploads
from staletrack.uploads import UploadNameError, UploadStorage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued")]  # queued: tests/conftest.py

ORDERS_URL = "admin:cases_order_import"
CONFIRM_URL = "admin:cases_order_process_import"
NUMBERS_URL = "admin:cases_trackingnumber_import_numbers"
EVENTS_URL = "admin:cases_trackingnumber_import_events"
HEADER = (
    "Name,Email,Financial Status,Currency,Total,Created at,Lineitem name,Lineitem sku,Shipping Country,"
    "Vendor\n"
)
ORDERS = (
    HEADER
    + "#1001,ana@example.com,paid,USD,39.90,2026-11-02 09:15:11 -0500,Lamp,LAMP-01,US,Bright Home\n"
    + "#1002,bo@example.com,paid,EUR,12.00,2026-11-02 09:15:11 -0500,Mug,MUG-01,DE,Mugs Ltd\n"
).encode()


@pytest.fixture
def planted():
    """A file of the system's temporary folder, as another program (or an earlier import) left it: an
    orders CSV the attacker would like imported, and the server to delete."""
    path = Path(tempfile.gettempdir()) / f"tmp{uuid.uuid4().hex[:8]}"
    path.write_bytes(ORDERS)
    yield path
    path.unlink(missing_ok=True)


def crafted_confirm(name: str) -> dict:
    return {"import_file_name": name, "original_file_name": "orders.csv", "format": "0", "resource": "0"}


def preview_orders(client, name: str):
    """The admin's orders import previewing ORDERS uploaded as `name`."""
    upload = SimpleUploadedFile(name, ORDERS, content_type="text/csv")
    data = {"resource": "0", "format": "0", "time_zone": "UTC", "import_file": upload}
    return client.post(reverse(ORDERS_URL), data)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def nothing_written():
    return not Order.objects.exists() and not AuditEvent.objects.exists() and not ImportRun.objects.exists()


@pytest.mark.parametrize("form", ["name", "path", "traversal"])
def test_a_crafted_confirm_naming_a_file_of_the_temp_folder_imports_nothing_and_deletes_nothing(
    client, importer, planted, form
):
    name = {
        "name": planted.name,
        "path": str(planted),
        "traversal": f"../../../../{tempfile.gettempdir()}/{planted.name}",
    }[form]
    response = client.post(reverse(CONFIRM_URL), crafted_confirm(name))
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response.url == reverse(ORDERS_URL)
        assert any("not one you previewed here" in text for text in messages_of(response))
    assert planted.read_bytes() == ORDERS  # neither read into the database nor deleted
    assert nothing_written()


def test_a_crafted_confirm_is_refused_even_from_a_session_that_previewed_another_file(
    client, importer, planted, upload_dir
):
    preview = preview_orders(client, "mine.csv")
    assert preview.status_code == 200 and preview.context["confirm_form"] is not None
    response = client.post(reverse(CONFIRM_URL), crafted_confirm(planted.name))
    assert response.status_code == 302 and response.url == reverse(ORDERS_URL)
    assert planted.read_bytes() == ORDERS
    assert nothing_written()


def test_a_preview_keeps_the_upload_in_the_project_folder_under_a_name_the_server_chose(
    client, importer, upload_dir
):
    before = set(Path(tempfile.gettempdir()).iterdir())
    preview = preview_orders(client, "orders.csv")
    form = preview.context["confirm_form"]
    token = form.initial["import_file_name"]
    assert uploads.is_upload_name(token) and token in dict(client.session[SESSION_KEY])
    assert (upload_dir / token).read_bytes() == ORDERS
    assert not {p for p in Path(tempfile.gettempdir()).iterdir() if p.name == token}
    assert set(Path(tempfile.gettempdir()).iterdir()) - before <= {upload_dir.parent}

    response = client.post(reverse(CONFIRM_URL), {name: form.initial.get(name, "") for name in form.fields})
    assert response.status_code == 302
    assert Order.objects.count() == 2
    assert not (upload_dir / token).exists()  # removed once imported
    # Confirming the same upload again imports nothing: the session no longer holds it.
    again = client.post(reverse(CONFIRM_URL), {name: form.initial.get(name, "") for name in form.fields})
    assert again.status_code == 302 and again.url == reverse(ORDERS_URL)


@pytest.mark.parametrize("url", [NUMBERS_URL, EVENTS_URL])
def test_the_tracking_imports_never_open_a_file_the_session_did_not_keep(client, importer, planted, url):
    for method in (client.get, client.post):
        response = method(reverse(url), {"upload": planted.name})
        assert response.status_code == 302
        assert any("no longer kept" in text for text in messages_of(response))
    assert planted.read_bytes() == ORDERS


def test_the_tracking_column_step_keeps_its_upload_in_the_project_folder(client, importer, upload_dir):
    response = client.post(
        reverse(NUMBERS_URL),
        {
            "file": SimpleUploadedFile("t.csv", b"Shop order,Parcel code\n#1,1Z999AA10123456784\n"),
            "name_columns": "1",
        },
    )
    assert response.status_code == 200
    (token,) = dict(client.session[SESSION_KEY])
    assert uploads.is_upload_name(token) and (upload_dir / token).exists()


@pytest.mark.parametrize(
    "name",
    [
        "tmpabcdef",
        "../etc/passwd",
        "/tmp/x",
        "a" * 31,
        "a" * 33,
        "a" * 31 + ".",
        "A" * 32,
        "a" * 32 + "\n",
        "",
        None,
    ],
)
def test_the_storage_refuses_any_name_it_did_not_make(name):
    if name is None:
        storage = UploadStorage(read_mode="rb")
        storage.save(b"data")
        assert uploads.is_upload_name(storage.name) and storage.read() == b"data"
        storage.remove()
        return
    if name == "":
        assert not uploads.is_upload_name(name)
        return
    with pytest.raises(UploadNameError):
        UploadStorage(name=name)
    with pytest.raises(UploadNameError):
        uploads.read(name)


def test_uploads_left_behind_are_removed_after_a_day(upload_dir):
    old = uploads.keep(b"old")
    fresh = uploads.keep(b"fresh")
    path = upload_dir / old
    past = path.stat().st_mtime - uploads.KEEP_FOR - 60
    os.utime(path, (past, past))
    assert uploads.remove_stale() == 1
    assert not path.exists() and (upload_dir / fresh).exists()


def test_every_admin_that_imports_keeps_its_uploads_in_the_project_storage():
    importing = [
        model_admin for model_admin in admin.site._registry.values() if hasattr(model_admin, "process_import")
    ]
    assert importing  # the orders import at least
    for model_admin in importing:
        assert model_admin.get_tmp_storage_class() is UploadStorage, type(model_admin).__name__
