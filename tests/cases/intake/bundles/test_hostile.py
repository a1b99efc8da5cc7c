"""Hostile case bundles (the reader, `import_cases` and the admin upload): NUL characters, deep nesting,
repeated keys, values of the wrong type, times outside 2000..2100, texts over their column's limit and
files over the size limit are each refused with a named error, and nothing is written. Run on SQLite
and PostgreSQL (where a NUL, a BC date or an over-long text used to answer 500)."""

import contextlib
import copy
import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from cases.intake.bundle_import import import_bundle
from cases.intake.bundles.reader import BundleError, read_bundle
from cases.models import AuditEvent, Order
from staletrack import limits
from tests.factories import UserFactory
from tests.helpers.bundle_documents import GOOD_CASE, V2_CASE, bundle, bundle_v2, case_with, v2_with
from tests.helpers.json_paths import paths, replaced
from tests.helpers.stored_rows import counts

pytestmark = pytest.mark.django_db

RANGE = limits.TIME_RANGE_MESSAGE


def errors_of(raw: bytes | str) -> list[str]:
    with pytest.raises(BundleError) as caught:
        read_bundle(raw)
    return [str(issue) for issue in caught.value.issues]


def dumped(document) -> bytes:
    return json.dumps(document).encode()


def import_command(tmp_path, raw: bytes, *extra) -> str:
    """Run import_cases on `raw`; it must fail. The errors it printed."""
    path = tmp_path / "bundle.json"
    path.write_bytes(raw)
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_cases", str(path), *extra, stdout=StringIO(), stderr=err)
    return err.getvalue()


def nothing_stored():
    return all(n == 0 for n in counts().values())


# JSON that is not fit to read ------------------------------------------------------------------------


def test_a_raw_nul_byte_is_a_named_file_error():
    raw = dumped(bundle()).replace(b"Sunset lamp", b"Sunset\x00lamp")
    (error,) = errors_of(raw)
    assert error.startswith("file: contains a NUL character at line 1, column ")


def test_an_escaped_nul_in_a_string_is_named_by_case_and_field():
    assert errors_of(dumped(bundle(case_with("order.product_title", "Sunset\u0000lamp")))) == [
        "case 0, order.product_title: contains a NUL character (\\u0000)"
    ]


def test_a_nul_is_refused_by_the_command_and_nothing_is_written(tmp_path):
    second = case_with("order.order_id", "#2")
    second["customer_messages"][0]["text"] = "where\u0000is it"
    err = import_command(tmp_path, dumped(bundle(GOOD_CASE, second)))
    assert "error: case 1, customer_messages[0].text: contains a NUL character (\\u0000)" in err
    assert nothing_stored()


def test_deep_nesting_inside_a_case_is_named_by_case_and_field():
    text: list = []
    for _ in range(limits.MAX_JSON_DEPTH):
        text = [text]
    deep = {"kind": "dispatch_claim", "at": "2026-11-05T08:00:00Z", "text": text}
    (error,) = errors_of(dumped(bundle(case_with("supplier_evidence", [deep]))))
    # The text is at level 6 (file, cases, the case, supplier_evidence, the item, text): 32 levels
    # in all are allowed, so the 27th list inside it is the first too deep.
    assert error == f"case 0, supplier_evidence[0].text{'[0]' * 27}: nests deeper than 32 levels"


def test_a_bundle_too_deep_for_the_parser_is_a_named_file_error_not_a_recursion_error(tmp_path):
    raw = b'{"format": "staletrack.bundle/1", "cases": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert errors_of(raw) == ["file: nests deeper than 32 levels"]
    assert "error: file: nests deeper than 32 levels" in import_command(tmp_path, raw)
    assert nothing_stored()


def test_a_repeated_key_is_named_with_its_case_and_object(tmp_path):
    text = json.dumps(bundle()).replace('"sku": "LAMP-01"', '"sku": "LAMP-01", "sku": "LAMP-02"')
    assert errors_of(text) == ['case 0, order: has the key "sku" twice']
    assert 'error: case 0, order: has the key "sku" twice' in import_command(tmp_path, text.encode())
    assert nothing_stored()


def test_a_repeated_key_in_the_head_is_named():
    text = json.dumps(bundle()).replace(
        '"format": "staletrack.bundle/1"', '"format": "staletrack.bundle/1", "format": "staletrack.bundle/2"'
    )
    assert errors_of(text) == ['file: has the key "format" twice']


# Values of the wrong type: a named error, never a TypeError --------------------------------------------


@pytest.mark.parametrize("value", [5, 1.5, True, [], {}, ["in_transit"], {"a": 1}])
def test_a_raw_status_that_is_not_a_string_is_named(value):
    event = {"at": "2026-11-04T03:00:00Z", "raw_status": value}
    assert errors_of(dumped(bundle(case_with("tracking.events", [event])))) == [
        "case 0, tracking.events[0].raw_status: must be a string"
    ]


ODD_VALUES = [5, -1, 1.5, True, None, [], {}, ["x"], {"a": 1}, "", " ", "x" * 20_000]


@pytest.mark.parametrize("document", [bundle(), bundle_v2()], ids=["v1", "v2"])
def test_every_field_of_any_type_or_length_is_read_or_named_never_a_crash(document):
    document = copy.deepcopy(document)
    document["policy"] = {"lost_package_days": 30}
    document["cases"][0]["decided_at"] = "2026-11-20T12:00:00Z"
    document["cases"][0]["actual"] = {"next_move": "wait", "risk_level": "normal_watch", "outcome": "x"}
    for path in list(paths(document)):
        for value in ODD_VALUES:
            with contextlib.suppress(BundleError):
                read_bundle(dumped(replaced(document, path, value)))


# Times outside 2000..2100 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "named"),
    [
        (case_with("order.ordered_at", "0001-01-01T00:00:00+14:00"), "order.ordered_at"),
        (case_with("order.ordered_at", "9999-12-31T23:00:00-05:00"), "order.ordered_at"),
        (case_with("order.ordered_at", "1999-12-31T23:59:59Z"), "order.ordered_at"),
        (case_with("tracking.events.0.at", "2100-01-01T00:00:00Z"), "tracking.events[0].at"),
        (case_with("supplier_evidence.0.at", "0001-01-01T00:00:00+14:00"), "supplier_evidence[0].at"),
        (case_with("supplier_chases.0.at", "0001-01-01T00:00:00+14:00"), "supplier_chases[0].at"),
        (case_with("customer_messages.0.at", "9999-12-31T23:59:59-12:00"), "customer_messages[0].at"),
        ({**case_with("order.order_id", "#1042"), "decided_at": "0001-01-01T00:00:00+14:00"}, "decided_at"),
    ],
    ids=[
        "bc-order",
        "year-10000-order",
        "1999",
        "2100",
        "evidence",
        "chase",
        "message",
        "decided-at",
    ],
)
def test_a_time_outside_2000_to_2100_is_named_by_case_and_field(case, named):
    errors = errors_of(dumped(bundle(case)))
    assert any(e.startswith(f"case 0, {named}: ") and e.endswith(RANGE) for e in errors), errors


def test_the_bundle_clock_outside_2000_to_2100_is_named():
    assert errors_of(dumped(bundle(as_of="0001-01-01T00:00:00+14:00"))) == [
        f"as_of: '0001-01-01T00:00:00+14:00' {RANGE}"
    ]


@pytest.mark.parametrize("at", ["0001-01-01 00:00:00", "9999-12-31 23:00:00", "1970-01-01T00:00:00"])
def test_a_local_carrier_time_outside_2000_to_2100_is_named(at):
    case = v2_with("parcels.0.events.0.at", at)
    case["parcels"][0]["events"][0]["country"] = "US"
    errors = errors_of(dumped(bundle_v2(case)))
    assert errors == [f"case 0, parcels[0].events[0].at: {at!r} {RANGE}"]


@pytest.mark.parametrize(
    "field", ["order.cancelled_at", "order.fulfilled_at"], ids=["cancelled", "fulfilled"]
)
def test_a_version_2_order_time_outside_2000_to_2100_is_named(field):
    errors = errors_of(dumped(bundle_v2(v2_with(field, "9999-12-31T23:00:00-05:00"))))
    assert f"case 0, {field}: '9999-12-31T23:00:00-05:00' {RANGE}" in errors


def test_a_bundle_with_a_bc_time_is_refused_by_the_command_and_nothing_is_written(tmp_path):
    second = case_with("order.order_id", "#2")
    second["tracking"]["events"][0]["at"] = "0001-01-01T00:00:00+14:00"
    err = import_command(tmp_path, dumped(bundle(GOOD_CASE, second)))
    assert f"error: case 1, tracking.events[0].at: '0001-01-01T00:00:00+14:00' {RANGE}" in err
    assert nothing_stored()


# Texts over their column's limit: refused, never cut -------------------------------------------------


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("raw_status", limits.MAX_RAW_STATUS),
        ("status", limits.MAX_RAW_STATUS),
        ("description", limits.MAX_DESCRIPTION),
        ("location", limits.MAX_LOCATION),
        ("postal_code", limits.MAX_POSTAL_CODE),
    ],
)
def test_an_event_text_over_its_limit_is_refused_not_cut(field, limit):
    event = {"at": "2026-11-04T03:00:00Z", "status": "in_transit", field: "x" * (limit + 1)}
    assert errors_of(dumped(bundle(case_with("tracking.events", [event])))) == [
        f"case 0, tracking.events[0].{field}: is longer than {limit:,} characters"
    ]
    event[field] = "x" * limit
    (case,) = read_bundle(dumped(bundle(case_with("tracking.events", [event])))).cases
    assert case.tracking.events[0].status is not None


def test_a_raw_status_at_its_limit_is_kept_whole():
    event = {"at": "2026-11-04T03:00:00Z", "raw_status": "R" * limits.MAX_RAW_STATUS}
    (case,) = read_bundle(dumped(bundle(case_with("tracking.events", [event])))).cases
    assert case.tracking.events[0].raw_status == "R" * limits.MAX_RAW_STATUS


@pytest.mark.parametrize(
    ("path", "field", "limit"),
    [
        ("order.order_id", "order.order_id", limits.MAX_ORDER_ID),
        ("order.sku", "order.sku", limits.MAX_SKU),
        ("order.supplier", "order.supplier", limits.MAX_SUPPLIER),
        ("order.promise_text", "order.promise_text", limits.MAX_PROMISE_TEXT),
        ("order.postal_code", "order.postal_code", limits.MAX_POSTAL_CODE),
        ("tracking.number", "tracking.number", limits.MAX_TRACKING_NUMBER),
        ("supplier_evidence.0.text", "supplier_evidence[0].text", limits.MAX_TEXT),
        ("customer_messages.0.text", "customer_messages[0].text", limits.MAX_TEXT),
    ],
)
def test_a_text_over_its_limit_is_named_with_the_same_words_as_every_path(path, field, limit):
    value = "1Z" + "9" * (limit - 1) if path == "tracking.number" else "x" * (limit + 1)
    errors = errors_of(dumped(bundle(case_with(path, value))))
    assert f"case 0, {field}: is longer than {limit:,} characters" in errors


def test_an_over_long_raw_status_is_refused_by_the_command_and_nothing_is_written(tmp_path):
    event = {"at": "2026-11-04T03:00:00Z", "raw_status": "R" * 101}
    err = import_command(tmp_path, dumped(bundle(case_with("tracking.events", [event]))))
    assert "error: case 0, tracking.events[0].raw_status: is longer than 100 characters" in err
    assert nothing_stored()


# Currencies: ISO 4217 codes only -------------------------------------------------------------------------


@pytest.mark.parametrize("currency", ["XXX", "ABC", "US", "$"])
def test_a_currency_that_is_not_an_iso_4217_code_is_named(currency):
    assert errors_of(dumped(bundle(case_with("order.currency", currency)))) == [
        f"case 0, order.currency: {currency!r} is not an ISO 4217 currency code"
    ]


def test_a_currency_is_stored_as_its_iso_code():
    (case,) = read_bundle(dumped(bundle(case_with("order.currency", "eur")))).cases
    assert case.order.currency == "EUR"


# One size limit for the command and the admin --------------------------------------------------------


def test_the_command_refuses_a_file_over_the_upload_limit(tmp_path, settings):
    raw = dumped(bundle())
    settings.BUNDLE_MAX_BYTES = len(raw) - 1
    err = import_command(tmp_path, raw)
    assert f"error: file: is larger than {len(raw) - 1:,} bytes; split it" in err
    assert nothing_stored()
    settings.BUNDLE_MAX_BYTES = len(raw)
    call_command("import_cases", str(tmp_path / "bundle.json"), stdout=StringIO())
    assert Order.objects.count() == 1


def test_the_command_reads_no_more_than_the_limit_from_standard_input(settings, monkeypatch):
    class Stdin:
        read_sizes = []

        class buffer:  # the attribute of sys.stdin that is read
            @staticmethod
            def read(size=-1):
                Stdin.read_sizes.append(size)
                return b" " * 5000 if size < 0 else b" " * min(size, 5000)

    monkeypatch.setattr("sys.stdin", Stdin)
    settings.BUNDLE_MAX_BYTES = 1000
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_cases", "-", stdout=StringIO(), stderr=err)
    assert Stdin.read_sizes == [1001]
    assert "error: file: is larger than 1,000 bytes; split it" in err.getvalue()


def test_the_default_limit_is_the_one_of_staletrack_limits():
    raw = b"[" + b" " * limits.MAX_BUNDLE_BYTES + b"]"
    assert errors_of(raw) == ["file: is larger than 10 MB; split it"]


# The admin upload ------------------------------------------------------------------------------------


DEEP = b'{"format": "staletrack.bundle/1", "cases": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
TWICE = json.dumps(bundle()).replace('"country": "US"', '"country": "US", "country": "CA"').encode()


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        (dumped(bundle(case_with("order.product_title", "a\u0000b"))), "contains a NUL character"),
        (DEEP, "nests deeper"),
        (TWICE, "order: has the key"),
        (dumped(bundle(case_with("order.ordered_at", "0001-01-01T00:00:00+14:00"))), "must be between"),
        (dumped(bundle(case_with("tracking.events.0.raw_status", "R" * 101))), "is longer than 100"),
    ],
    ids=["nul", "deep", "repeated-key", "bc-time", "long-raw-status"],
)
def test_the_admin_upload_names_hostile_input_and_writes_nothing(client, importer, raw, named):
    upload = SimpleUploadedFile("bundle.json", raw, content_type="application/json")
    response = client.post(reverse("admin:cases_case_import_bundle"), {"file": upload})
    assert response.status_code == 200
    assert named in response.content.decode()
    assert nothing_stored()


# Who updated an order --------------------------------------------------------------------------------


def test_an_order_updated_by_a_bundle_import_is_audited_as_the_importing_user(staff):
    import_bundle(read_bundle(dumped(bundle())), actor=staff, via="admin upload")
    changed = case_with("order.payment_state", "disputed")
    import_bundle(read_bundle(dumped(bundle(changed))), actor=staff, via="admin upload")
    event = AuditEvent.objects.get(action="order_updated_by_import")
    assert (event.actor, event.actor_label) == (staff, "stan")
    assert event.changes == {"payment_state": ["paid", "disputed"]}


def test_an_order_updated_by_the_command_as_a_user_is_audited_as_that_user(tmp_path):
    UserFactory(username="olive", role="Owner")
    path = tmp_path / "bundle.json"
    path.write_bytes(dumped(bundle()))
    call_command("import_cases", str(path), stdout=StringIO())
    path.write_bytes(dumped(bundle(case_with("order.value", "45.00"))))
    call_command("import_cases", str(path), "--as-user", "olive", stdout=StringIO())
    event = AuditEvent.objects.get(action="order_updated_by_import")
    assert event.actor_label == "olive"
    assert event.actor.username == "olive"


def test_v2_case_is_still_the_good_one():
    # The hostile cases above start from the readers' own good cases: they must read.
    assert read_bundle(dumped(bundle_v2(copy.deepcopy(V2_CASE)))).version == 2
