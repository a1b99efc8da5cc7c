"""Importing case bundles (bundle.md): all or nothing, idempotent, every error named."""

import json
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.intake.bundle_import import import_bundle
from cases.intake.bundles.reader import BundleError, read_bundle
from cases.models import (
    AuditEvent,
    Case,
    CustomerMessage,
    Order,
    TrackingEvent,
    TrackingNumber,
)
from policies.models import Policy
from suppliers.models import Product, Supplier
from tests.factories import ProductFactory, SupplierFactory, UserFactory
from tests.helpers.bundle_documents import GOOD_CASE, bundle, case_with
from tests.helpers.stored_rows import counts

pytestmark = pytest.mark.django_db


def run_import(path, *extra):
    out, err = StringIO(), StringIO()
    call_command("import_cases", str(path), *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, document, name="bundle.json"):
    path = tmp_path / name
    path.write_bytes(document if isinstance(document, bytes) else json.dumps(document).encode())
    return path


def test_importing_the_basic_example_stores_every_order_with_a_case(spec_dir):
    out, _ = run_import(spec_dir / "examples" / "basic.json")
    assert Order.objects.count() == 9
    assert Case.objects.exclude(case_type="").count() == 9
    assert TrackingNumber.objects.count() == 7  # one order has none; two share a recycled number
    assert "Imported 9 orders" in out
    assert "--as-of 2026-11-20T12:00:00+00:00" in out


@pytest.mark.parametrize(("example", "orders"), [("basic.json", 9), ("real.json", 12)])
def test_importing_the_same_file_twice_changes_nothing_and_says_so(spec_dir, example, orders):
    run_import(spec_dir / "examples" / example)
    before, audit_before = counts(), AuditEvent.objects.count()
    out, _ = run_import(spec_dir / "examples" / example)
    assert counts() == before
    assert AuditEvent.objects.count() == audit_before
    assert out.startswith(
        f"Nothing changed: all {orders} orders of this bundle are already imported as they are."
    )


def test_a_reimport_with_new_facts_adds_only_the_new_facts(tmp_path):
    run_import(write(tmp_path, bundle()))
    grown = case_with("customer_messages", [*GOOD_CASE["customer_messages"]])
    grown["customer_messages"].append(
        {"at": "2026-11-16T08:00:00Z", "direction": "inbound", "text": "Refund?"}
    )
    out, _ = run_import(write(tmp_path, bundle(grown), "second.json"))
    assert CustomerMessage.objects.count() == 2
    assert TrackingEvent.objects.count() == 1
    assert "1 customer messages created" in out


def test_a_changed_order_fact_updates_the_order_and_is_audited(tmp_path):
    run_import(write(tmp_path, bundle()))
    run_import(write(tmp_path, bundle(case_with("order.payment_state", "disputed")), "second.json"))
    assert Order.objects.get().payment_state == "disputed"
    event = AuditEvent.objects.get(action="order_updated_by_import")
    assert event.changes == {"payment_state": ["paid", "disputed"]}


@pytest.mark.parametrize(
    ("document", "named"),
    [
        (bundle(format="other"), "format"),
        (bundle(case_with("order.sku", None)), "case 0, order.sku"),
        (bundle(case_with("order.ordered_at", "2026-11-02T09:15:00")), "case 0, order.ordered_at"),
        (bundle(case_with("supplier_evidence.0.kind", "vibes")), "case 0, supplier_evidence[0].kind"),
        (bundle(case_with("customer_messages.0.direction", "up")), "case 0, customer_messages[0].direction"),
        (bundle(case_with("order.value", "ten")), "case 0, order.value"),
        (b"not json", "file: is not valid JSON"),
        ("{}".encode("utf-16"), "file: is not UTF-8"),
    ],
    ids=[
        "format",
        "missing-field",
        "no-offset",
        "evidence-kind",
        "direction",
        "value",
        "not-json",
        "not-utf8",
    ],
)
def test_a_bad_bundle_is_refused_by_the_command_with_the_error_named_and_nothing_written(
    tmp_path, document, named
):
    good_first = json.loads(json.dumps(document)) if isinstance(document, dict) else None
    if good_first is not None:
        good_first["cases"].insert(
            0, case_with("order.order_id", "#1")
        )  # a valid case is not imported either
    path = write(tmp_path, good_first or document)
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_cases", str(path), stdout=StringIO(), stderr=err)
    assert named.replace("case 0", "case 1") in err.getvalue()
    assert all(n == 0 for n in counts().values())


def test_a_sku_that_belongs_to_another_supplier_is_a_named_conflict_and_nothing_is_written():
    ProductFactory(sku="LAMP-01", supplier=SupplierFactory(name="Someone Else"))
    first = case_with("order.order_id", "#1")
    first["order"]["sku"] = "NEW-SKU"
    with pytest.raises(BundleError) as caught:
        import_bundle(read_bundle(json.dumps(bundle(first, GOOD_CASE))))
    assert [str(i) for i in caught.value.issues] == [
        "case 1, order.supplier: SKU LAMP-01 belongs to supplier Someone Else"
    ]
    assert Order.objects.count() == 0
    assert not Product.objects.filter(sku="NEW-SKU").exists()
    assert not Supplier.objects.filter(name="Bright Home Supply").exists()


def test_a_bundle_policy_becomes_a_new_active_version_once(tmp_path):
    path = write(tmp_path, bundle(policy={"stale_in_transit_days": 10}))
    run_import(path)
    active = Policy.objects.get(is_active=True)
    assert (active.version, active.stale_in_transit_days, active.label_created_max_days) == (2, 10, 5)
    run_import(path)
    assert Policy.objects.count() == 2


def test_a_user_without_the_import_permission_is_refused_and_nothing_is_written():
    outsider = UserFactory(username="outsider")
    with pytest.raises(PermissionDenied):
        import_bundle(read_bundle(json.dumps(bundle())), actor=outsider)
    assert Order.objects.count() == 0


def test_staff_may_import_cases_but_not_a_bundle_that_changes_the_policy():
    staff = UserFactory(username="stan", role="Staff")
    import_bundle(read_bundle(json.dumps(bundle())), actor=staff)
    with pytest.raises(PermissionDenied, match="edit_policy"):
        import_bundle(read_bundle(json.dumps(bundle(policy={"lost_package_days": 30}))), actor=staff)
    assert Policy.objects.count() == 1


def test_the_command_checks_the_permissions_of_the_user_it_acts_as(tmp_path):
    UserFactory(username="outsider")
    with pytest.raises(CommandError, match="Refused"):
        run_import(write(tmp_path, bundle()), "--as-user", "outsider")
    assert Order.objects.count() == 0


# Version 2 ------------------------------------------------------------------------------------------


def test_the_real_example_stores_order_life_cash_on_delivery_and_approximate_times(spec_dir):
    out, _ = run_import(spec_dir / "examples" / "real.json")
    assert "Imported 12 orders" in out
    orders = {o.order_id: o for o in Order.objects.all()}
    assert orders["#2001"].cancelled_at.isoformat() == "2026-11-19T12:00:00+00:00"
    assert orders["#2004"].fulfilled_at.isoformat() == "2026-11-17T12:00:00+00:00"
    assert orders["#2005"].fulfilled_at is None and orders["#2005"].cancelled_at is None
    assert orders["#2006"].payment_state == "cash_on_delivery"
    assert orders["#2012"].postal_code == ""
    local = TrackingEvent.objects.filter(tracking_number__normalized="LP00500000000006").order_by("at")
    assert [(e.at.isoformat(), e.approximate) for e in local] == [
        ("2026-11-09T02:00:00+00:00", True),  # 10:00 in Asia/Shanghai
        ("2026-11-13T10:00:00+00:00", True),
    ]
    described = TrackingEvent.objects.filter(tracking_number__normalized="LP00500000000002").order_by("at")
    assert [e.status for e in described] == ["info_received", "accepted", "in_transit", "out_for_delivery"]
    assert not TrackingEvent.objects.filter(tracking_number__normalized="LP00500000000002", approximate=True)


def v2_document(**order):
    case = {
        "order": {
            "order_id": "#2001",
            "ordered_at": "2026-11-02T09:15:00Z",
            "country": "US",
            "line_items": [
                {"sku": None, "title": "Hand-knit scarf", "supplier": "Weave Co"},
                {"sku": "BOX-1", "title": "Gift box", "supplier": "Pack Co"},
            ],
            **order,
        },
        "parcels": [
            {
                "number": "LP00123456789012",
                "carrier": None,
                "events": [
                    {"at": "2026-11-07 09:12:00", "description": "Arrived at sort facility", "country": "CN"}
                ],
            }
        ],
    }
    return {"format": "staletrack.bundle/2", "cases": [case]}


def test_a_version_2_order_is_stored_under_its_first_line_item_keyed_by_title(tmp_path):
    run_import(write(tmp_path, v2_document()))
    order = Order.objects.select_related("product__supplier").get()
    assert (order.product.sku, order.product.title, order.product.keyed_by_title) == (
        "Hand-knit scarf",
        "Hand-knit scarf",
        True,
    )
    assert order.product.supplier.name == "Weave Co"
    event = TrackingEvent.objects.get()
    assert (event.status, event.approximate) == ("in_transit", True)


def test_a_changed_cancellation_updates_the_order_and_is_audited(tmp_path):
    run_import(write(tmp_path, v2_document()))
    out, _ = run_import(write(tmp_path, v2_document(cancelled_at="2026-11-03T10:00:00Z"), "second.json"))
    assert "1 orders updated" in out
    assert Order.objects.get().cancelled_at.isoformat() == "2026-11-03T10:00:00+00:00"
    event = AuditEvent.objects.get(action="order_updated_by_import")
    assert event.changes == {"cancelled_at": ["None", "2026-11-03 10:00:00+00:00"]}


def test_a_dry_run_reports_what_would_change_and_writes_nothing(spec_dir):
    out, _ = run_import(spec_dir / "examples" / "real.json", "--dry-run")
    assert out.startswith("Dry run, nothing written. Importing 12 orders would leave: ")
    assert "12 orders created" in out
    assert all(n == 0 for n in counts().values())
    assert not AuditEvent.objects.exists()


def test_a_dry_run_of_an_imported_file_says_nothing_would_change(spec_dir):
    run_import(spec_dir / "examples" / "real.json")
    out, _ = run_import(spec_dir / "examples" / "real.json", "--dry-run")
    assert out.startswith("Dry run, nothing written. Nothing changed: all 12 orders")


def test_a_dry_run_finds_conflicts_with_stored_data():
    ProductFactory(sku="LAMP-01", supplier=SupplierFactory(name="Someone Else"))
    with pytest.raises(BundleError, match="SKU LAMP-01 belongs to supplier Someone Else"):
        import_bundle(read_bundle(json.dumps(bundle())), dry_run=True)
    assert Order.objects.count() == 0


@pytest.mark.parametrize("extra", [[], ["--dry-run"]], ids=["import", "dry-run"])
def test_a_file_with_errors_exits_non_zero_naming_them(tmp_path, capsys, monkeypatch, extra):
    from django.core.management import ManagementUtility
    from django.db import connections

    # manage.py closes the connections when a command ends; the test's transaction still needs its own.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    path = write(tmp_path, bundle(case_with("order.sku", None)))
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "import_cases", str(path), *extra]).execute()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "error: case 0, order.sku: is required" in err
    assert "1 error(s); nothing " in err
    assert Order.objects.count() == 0
