"""The vendor map: reading vendor names (suppliers.vendor_map), the owner's map admin and services, a SKU's
supplier changed by an owner, and products known by their title."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.choices import CaseStatus
from cases.models import AuditEvent
from suppliers.models import Product, VendorMapping, WeeklyRollup, vendor_key
from suppliers.services import (
    build_weekly_rollups,
    change_product_supplier,
    delete_vendor_mapping,
    save_vendor_mapping,
)
from suppliers.vendor_map import DEFAULT_SUPPLIER_NAME, read_vendors
from tests.factories import CaseFactory, OrderFactory, ProductFactory, SupplierFactory, UserFactory
from tests.helpers.otp import verified_login

pytestmark = pytest.mark.django_db


def _map(vendor, supplier=None):
    meaning = VendorMapping.Meaning.SUPPLIER if supplier else VendorMapping.Meaning.NOT_A_SUPPLIER
    return VendorMapping.objects.create(vendor=vendor, meaning=meaning, supplier=supplier)


# --- read_vendors ---------------------------------------------------------------------------------------


def test_vendor_key_ignores_case_and_spaces():
    assert vendor_key("  My   Store ") == vendor_key("my store") == "my store"
    assert vendor_key("   ") == ""


def test_read_vendors_mapped_name_gives_its_supplier_compared_by_key():
    acme = SupplierFactory(name="Acme Ltd")
    _map("ACME", acme)
    reading = read_vendors(["acme ", "  Acme"])
    assert reading.suppliers == {"acme ": "Acme Ltd", "  Acme": "Acme Ltd"}
    assert reading.unmapped == [] and reading.defaulted == []


def test_read_vendors_not_a_supplier_and_empty_give_the_default_row():
    default = SupplierFactory(name="House supplier")
    _map("", default)
    _map("My Store")
    _map("JACKET")
    reading = read_vendors(["my store", "Jacket", "", "  "])
    assert reading.suppliers == {
        "my store": "House supplier",
        "Jacket": "House supplier",
        "": "House supplier",
        "  ": "House supplier",
    }
    assert reading.defaulted == ["", "  ", "Jacket", "my store"]
    assert reading.unmapped == []


def test_read_vendors_without_a_default_row_uses_the_default_name():
    _map("My Store")
    reading = read_vendors(["My Store", ""])
    assert reading.suppliers == {"My Store": DEFAULT_SUPPLIER_NAME, "": DEFAULT_SUPPLIER_NAME}


def test_read_vendors_unknown_names_are_suppliers_and_listed_unmapped_sorted_distinct():
    reading = read_vendors(["Zeta Co", "Alpha", "Zeta Co", "alpha"])
    assert reading.suppliers == {"Zeta Co": "Zeta Co", "Alpha": "Alpha", "alpha": "alpha"}
    assert reading.unmapped == ["Alpha", "Zeta Co", "alpha"]
    assert reading.defaulted == []


def test_read_vendors_is_one_query_and_creates_nothing(django_assert_num_queries):
    acme = SupplierFactory(name="Acme")
    _map("acme", acme)
    _map("My Store")
    before = VendorMapping.objects.count()
    with django_assert_num_queries(1):
        reading = read_vendors(["Acme", "My Store", "Unknown", ""] * 50)
    assert reading.suppliers["Acme"] == "Acme"
    assert VendorMapping.objects.count() == before


def test_read_vendors_of_nothing():
    reading = read_vendors([])
    assert reading.suppliers == {} and reading.unmapped == [] and reading.defaulted == []


# --- saving and deleting mappings: the products follow ---------------------------------------------------


@pytest.fixture
def delay():
    with mock.patch("cases.tasks.reassess_cases_task.delay") as delay:
        yield delay


def supplier_of(product) -> str:
    return Product.objects.select_related("supplier").get(pk=product.pk).supplier.name


def moves_of(product) -> list:
    return list(
        AuditEvent.objects.filter(action="product_supplier_changed", object_id=str(product.pk)).values_list(
            "changes", flat=True
        )
    )


def test_mapping_a_vendor_moves_its_products_compared_by_key_and_audits_each(owner):
    jacket = SupplierFactory(name="JACKET")  # an import read the category as a supplier
    acme = SupplierFactory(name="Acme Ltd")
    p1 = ProductFactory(vendor="JACKET", supplier=jacket)
    p2 = ProductFactory(vendor="  jacket ", supplier=jacket)
    other = ProductFactory(vendor="Jackets", supplier=jacket)
    result = save_vendor_mapping(
        vendor="Jacket", meaning=VendorMapping.Meaning.SUPPLIER, supplier=acme, actor=owner, reason="ours"
    )
    assert result.products_moved == 2
    assert (supplier_of(p1), supplier_of(p2), supplier_of(other)) == ("Acme Ltd", "Acme Ltd", "JACKET")
    assert moves_of(p1) == [{"supplier": ["JACKET", "Acme Ltd"]}]
    event = AuditEvent.objects.get(action="vendor_mapping_added")
    assert event.actor == owner and event.reason == "ours"
    assert event.changes["supplier"] == [None, "Acme Ltd"] and event.changes["meaning"] == [None, "supplier"]
    assert VendorMapping.objects.get().key == "jacket"


def test_a_vendor_that_is_not_a_supplier_moves_its_products_to_the_default(owner):
    house = SupplierFactory(name="House")
    _map("", house)
    my_store = SupplierFactory(name="My Store")
    product = ProductFactory(vendor="my store", supplier=my_store)
    save_vendor_mapping(
        vendor="My Store", meaning=VendorMapping.Meaning.NOT_A_SUPPLIER, supplier=None, actor=owner
    )
    assert supplier_of(product) == "House"
    assert moves_of(product) == [{"supplier": ["My Store", "House"]}]


def test_without_a_default_row_the_default_supplier_is_created_by_its_name(owner):
    product = ProductFactory(vendor="JACKET", supplier=SupplierFactory(name="JACKET"))
    save_vendor_mapping(vendor="jacket", meaning="not_a_supplier", supplier=None, actor=owner)
    assert supplier_of(product) == DEFAULT_SUPPLIER_NAME


def test_products_whose_supplier_an_owner_chose_stay(owner):
    jacket, acme = SupplierFactory(name="JACKET"), SupplierFactory(name="Acme")
    chosen = ProductFactory(vendor="JACKET", supplier=jacket, supplier_set_by_owner=True)
    save_vendor_mapping(vendor="JACKET", meaning="supplier", supplier=acme, actor=owner)
    assert supplier_of(chosen) == "JACKET" and moves_of(chosen) == []


def test_changing_a_mapping_moves_its_products_again_and_audits_old_and_new(owner):
    acme, bolt = SupplierFactory(name="Acme"), SupplierFactory(name="Bolt")
    product = ProductFactory(vendor="ACME", supplier=SupplierFactory(name="ACME"))
    save_vendor_mapping(vendor="ACME", meaning="supplier", supplier=acme, actor=owner)
    save_vendor_mapping(vendor="acme", meaning="supplier", supplier=bolt, actor=owner, reason="sold")
    assert supplier_of(product) == "Bolt"
    assert VendorMapping.objects.count() == 1
    event = AuditEvent.objects.get(action="vendor_mapping_saved")
    assert event.changes == {"vendor": ["ACME", "acme"], "supplier": ["Acme", "Bolt"]}


def test_changing_the_default_moves_only_what_the_old_default_held_for_its_vendor(owner):
    house, new_house = SupplierFactory(name="House"), SupplierFactory(name="New house")
    _map("", house)
    _map("My Store")
    real = SupplierFactory(name="Real supplier")
    no_vendor = ProductFactory(vendor="", supplier=house)
    store_named = ProductFactory(vendor="MY STORE", supplier=house)
    older = ProductFactory(vendor="", supplier=real)  # stored before vendor names were kept
    mapped_to_house = ProductFactory(vendor="Acme", supplier=house)
    _map("Acme", house)
    chosen = ProductFactory(vendor="", supplier=house, supplier_set_by_owner=True)
    result = save_vendor_mapping(vendor="", meaning="supplier", supplier=new_house, actor=owner)
    assert result.products_moved == 2
    assert (supplier_of(no_vendor), supplier_of(store_named)) == ("New house", "New house")
    assert supplier_of(older) == "Real supplier"
    assert supplier_of(mapped_to_house) == "House"  # "Acme" stands for House itself
    assert supplier_of(chosen) == "House"


def test_deleting_a_mapping_reads_its_vendor_as_a_supplier_name_again(owner):
    house = SupplierFactory(name="House")
    _map("", house)
    mapping = _map("JACKET")
    product = ProductFactory(vendor="JACKET", supplier=house)
    result = delete_vendor_mapping(mapping, actor=owner, reason="it is a supplier after all")
    assert result.products_moved == 1 and not VendorMapping.objects.filter(key="jacket").exists()
    assert supplier_of(product) == "JACKET"
    event = AuditEvent.objects.get(action="vendor_mapping_deleted")
    assert event.changes["meaning"] == ["not_a_supplier", None] and event.object_repr == "JACKET"


def test_deleting_the_default_gives_the_default_back_to_the_fallback_name(owner):
    house = SupplierFactory(name="House")
    default = _map("", house)
    product = ProductFactory(vendor="", supplier=house)
    delete_vendor_mapping(default, actor=owner)
    assert supplier_of(product) == DEFAULT_SUPPLIER_NAME


@pytest.mark.parametrize(
    ("vendor", "meaning", "with_supplier", "field"),
    [
        ("Acme", "supplier", False, "supplier"),
        ("My Store", "not_a_supplier", True, "supplier"),
        ("", "not_a_supplier", False, "meaning"),
        ("Acme", "nonsense", True, "meaning"),
    ],
)
def test_a_mapping_the_map_cannot_hold_is_refused_naming_the_field(
    owner, vendor, meaning, with_supplier, field
):
    supplier = SupplierFactory(name="Acme") if with_supplier else None
    with pytest.raises(ValidationError) as refused:
        save_vendor_mapping(vendor=vendor, meaning=meaning, supplier=supplier, actor=owner)
    assert field in refused.value.message_dict
    assert VendorMapping.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_staff_cannot_change_the_map_through_the_services(staff):
    acme = SupplierFactory(name="Acme")
    product = ProductFactory(vendor="ACME", supplier=SupplierFactory(name="ACME"))
    with pytest.raises(PermissionDenied):
        save_vendor_mapping(vendor="ACME", meaning="supplier", supplier=acme, actor=staff)
    mapping = _map("JACKET")
    with pytest.raises(PermissionDenied):
        delete_vendor_mapping(mapping, actor=staff)
    assert VendorMapping.objects.count() == 1 and supplier_of(product) == "ACME"


def test_moved_products_open_cases_are_made_due_and_queued_after_commit(
    owner, delay, django_capture_on_commit_callbacks
):
    product = ProductFactory(vendor="ACME", supplier=SupplierFactory(name="ACME"))
    open_case = CaseFactory(order=OrderFactory(product=product))
    CaseFactory(order=OrderFactory(product=product), status=CaseStatus.RESOLVED)
    acme = SupplierFactory(name="Acme")
    with django_capture_on_commit_callbacks(execute=True):
        save_vendor_mapping(vendor="acme", meaning="supplier", supplier=acme, actor=owner)
    delay.assert_called_once_with([open_case.order_id])
    open_case.refresh_from_db()
    assert open_case.next_assessment_at <= timezone.now()


def test_a_mapping_that_moves_nothing_queues_nothing(owner, delay, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        save_vendor_mapping(vendor="Acme", meaning="supplier", supplier=SupplierFactory(), actor=owner)
    assert callbacks == [] and not delay.called


# --- the rollups follow -----------------------------------------------------------------------------------

WEEK = date(2026, 11, 9)


def test_the_latest_built_week_is_rebuilt_once_after_the_products_move(
    owner, delay, django_capture_on_commit_callbacks
):
    jacket = SupplierFactory(name="JACKET")
    for sku in ("J-1", "J-2"):
        OrderFactory(product=ProductFactory(sku=sku, vendor="JACKET", supplier=jacket))
    build_weekly_rollups(WEEK - timedelta(weeks=1))
    build_weekly_rollups(WEEK)
    before = WeeklyRollup.objects.get(week_start=WEEK, dimension="supplier", key="JACKET")
    assert before.figures["orders"] == 2
    acme = SupplierFactory(name="Acme")
    with (
        mock.patch("suppliers.services.build_weekly_rollups", wraps=build_weekly_rollups) as rebuild,
        django_capture_on_commit_callbacks(execute=True),
    ):
        save_vendor_mapping(vendor="jacket", meaning="supplier", supplier=acme, actor=owner)
    rebuild.assert_called_once_with(WEEK)
    rows = {
        r.key: r.figures["orders"] for r in WeeklyRollup.objects.filter(week_start=WEEK, dimension="supplier")
    }
    assert rows == {"JACKET": 0, "Acme": 2}


def test_nothing_is_rebuilt_when_no_week_was_built(owner, delay, django_capture_on_commit_callbacks):
    ProductFactory(vendor="JACKET", supplier=SupplierFactory(name="JACKET"))
    with django_capture_on_commit_callbacks(execute=True):
        save_vendor_mapping(vendor="jacket", meaning="supplier", supplier=SupplierFactory(), actor=owner)
    assert WeeklyRollup.objects.count() == 0


# --- a SKU's supplier changed by an owner --------------------------------------------------------------


def test_an_owner_changes_a_skus_supplier_audited_with_old_and_new(owner):
    product = ProductFactory(vendor="JACKET", supplier=SupplierFactory(name="JACKET"))
    acme = SupplierFactory(name="Acme")
    change_product_supplier(product=product, supplier=acme, actor=owner, reason="invoice says Acme")
    product.refresh_from_db()
    assert product.supplier == acme and product.supplier_set_by_owner
    event = AuditEvent.objects.get(action="product_supplier_changed")
    assert event.changes == {"supplier": ["JACKET", "Acme"], "supplier_set_by_owner": [False, True]}
    assert (event.actor, event.reason) == (owner, "invoice says Acme")


def test_after_an_owner_chose_the_supplier_the_map_no_longer_moves_it(owner):
    product = ProductFactory(vendor="JACKET", supplier=SupplierFactory(name="JACKET"))
    acme = SupplierFactory(name="Acme")
    change_product_supplier(product=product, supplier=acme, actor=owner, reason="checked")
    save_vendor_mapping(vendor="JACKET", meaning="not_a_supplier", supplier=None, actor=owner)
    assert supplier_of(product) == "Acme"


def test_staff_cannot_change_a_skus_supplier(staff):
    product = ProductFactory(supplier=SupplierFactory(name="Old"))
    with pytest.raises(PermissionDenied):
        change_product_supplier(
            product=product, supplier=SupplierFactory(name="New"), actor=staff, reason="x"
        )
    assert supplier_of(product) == "Old" and not AuditEvent.objects.exists()


def test_a_skus_supplier_change_needs_a_reason(owner):
    product = ProductFactory(supplier=SupplierFactory(name="Old"))
    with pytest.raises(ValidationError) as refused:
        change_product_supplier(
            product=product, supplier=SupplierFactory(name="New"), actor=owner, reason=" "
        )
    assert "reason" in refused.value.message_dict
    assert supplier_of(product) == "Old"


def test_a_skus_supplier_change_reassesses_its_open_cases_after_commit(
    owner, delay, django_capture_on_commit_callbacks
):
    product = ProductFactory(supplier=SupplierFactory(name="Old"))
    case = CaseFactory(order=OrderFactory(product=product))
    with django_capture_on_commit_callbacks(execute=True):
        change_product_supplier(
            product=product, supplier=SupplierFactory(name="New"), actor=owner, reason="r"
        )
        delay.assert_not_called()
    delay.assert_called_once_with([case.order_id])


# --- the vendor map admin: owner only ------------------------------------------------------------------

CHANGELIST = "admin:suppliers_vendormapping_changelist"
ADD = "admin:suppliers_vendormapping_add"
DEFAULT = "admin:suppliers_vendormapping_default"


def test_staff_get_403_on_every_vendor_map_page_and_crafted_post(client, staff):
    acme = SupplierFactory(name="Acme")
    mapping = _map("JACKET")
    product = ProductFactory(vendor="JACKET", supplier=SupplierFactory(name="JACKET"))
    client.force_login(staff)
    change = reverse("admin:suppliers_vendormapping_change", args=[mapping.pk])
    delete = reverse("admin:suppliers_vendormapping_delete", args=[mapping.pk])
    for url in (reverse(CHANGELIST), reverse(ADD), change, delete, reverse(DEFAULT)):
        assert client.get(url).status_code == 403, url
    posts = [
        (reverse(ADD), {"vendor": "Jacket2", "meaning": "supplier", "supplier": acme.pk}),
        (change, {"meaning": "supplier", "supplier": acme.pk}),
        (delete, {"post": "yes"}),
        (reverse(DEFAULT), {"supplier": acme.pk, "reason": "x"}),
        (reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [mapping.pk], "post": "yes"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    mapping.refresh_from_db()
    assert mapping.meaning == "not_a_supplier" and VendorMapping.objects.count() == 1
    assert supplier_of(product) == "JACKET" and not AuditEvent.objects.exists()


def test_the_model_permissions_alone_do_not_open_the_vendor_map(client):
    mapping = _map("JACKET")
    clerk = UserFactory(username="clerk")
    clerk.user_permissions.add(
        *Permission.objects.filter(
            codename__in=[f"{verb}_vendormapping" for verb in ("view", "add", "change", "delete")]
        )
    )
    client.force_login(clerk)
    change = reverse("admin:suppliers_vendormapping_change", args=[mapping.pk])
    for url in (reverse(CHANGELIST), reverse(ADD), change, reverse(DEFAULT)):
        assert client.get(url).status_code == 403, url
    assert client.post(change, {"meaning": "supplier", "supplier": SupplierFactory().pk}).status_code == 403
    assert VendorMapping.objects.get().meaning == "not_a_supplier"


def test_the_owner_opens_the_vendor_map_pages(client, owner):
    mapping = _map("JACKET")
    verified_login(client, owner)
    change = reverse("admin:suppliers_vendormapping_change", args=[mapping.pk])
    for url in (reverse(CHANGELIST), reverse(ADD), change, reverse(DEFAULT)):
        assert client.get(url).status_code == 200, url
    assert 'name="vendor"' not in client.get(change).content.decode()  # a row's name is its key


def test_the_vendor_map_is_not_listed_for_staff_in_the_admin_index(client, staff, owner):
    client.force_login(staff)
    assert "vendormapping" not in client.get(reverse("admin:index")).content.decode()
    verified_login(client, owner)
    assert "vendormapping" in client.get(reverse("admin:index")).content.decode()


def test_the_owner_adds_a_mapping_in_the_admin_and_the_products_follow(client, owner):
    acme = SupplierFactory(name="Acme")
    product = ProductFactory(vendor="ACME co", supplier=SupplierFactory(name="ACME co"))
    verified_login(client, owner)
    response = client.post(
        reverse(ADD),
        {"vendor": "acme  CO", "meaning": "supplier", "supplier": acme.pk, "reason": "same firm"},
    )
    assert response.status_code == 302
    mapping = VendorMapping.objects.get()
    assert (mapping.key, mapping.supplier, mapping.updated_by) == ("acme co", acme, owner)
    assert supplier_of(product) == "Acme"
    assert AuditEvent.objects.get(action="vendor_mapping_added").reason == "same firm"
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "acme  CO" in page or "acme CO" in page


def test_the_admin_refuses_a_second_row_for_the_same_name_and_a_bad_combination(client, owner):
    _map("My Store")
    verified_login(client, owner)
    response = client.post(reverse(ADD), {"vendor": "MY  store", "meaning": "not_a_supplier"})
    assert response.status_code == 200 and "already in the map" in response.content.decode()
    response = client.post(reverse(ADD), {"vendor": "Acme", "meaning": "supplier"})
    assert response.status_code == 200 and "Choose the supplier" in response.content.decode()
    response = client.post(reverse(ADD), {"vendor": "", "meaning": "not_a_supplier"})
    assert response.status_code == 200 and "must name a supplier" in response.content.decode()
    assert VendorMapping.objects.count() == 1


def test_the_owner_adds_a_not_a_supplier_row_in_the_admin(client, owner):
    verified_login(client, owner)
    response = client.post(reverse(ADD), {"vendor": "JACKET", "meaning": "not_a_supplier"})
    assert response.status_code == 302
    assert VendorMapping.objects.get().meaning == "not_a_supplier"


def test_the_owner_changes_and_deletes_a_mapping_in_the_admin(client, owner):
    acme, bolt = SupplierFactory(name="Acme"), SupplierFactory(name="Bolt")
    mapping = _map("ACME", acme)
    product = ProductFactory(vendor="ACME", supplier=acme)
    verified_login(client, owner)
    change = reverse("admin:suppliers_vendormapping_change", args=[mapping.pk])
    assert client.post(change, {"meaning": "supplier", "supplier": bolt.pk}).status_code == 302
    assert supplier_of(product) == "Bolt"
    delete = reverse("admin:suppliers_vendormapping_delete", args=[mapping.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not VendorMapping.objects.exists() and supplier_of(product) == "ACME"
    assert AuditEvent.objects.filter(action="vendor_mapping_deleted").count() == 1


def test_the_owner_bulk_deletes_mappings_through_the_service(client, owner):
    _map("JACKET")
    _map("My Store")
    verified_login(client, owner)
    ids = list(VendorMapping.objects.values_list("pk", flat=True))
    response = client.post(
        reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 302 and not VendorMapping.objects.exists()
    assert AuditEvent.objects.filter(action="vendor_mapping_deleted").count() == 2


def test_the_owner_sets_the_default_supplier_on_its_page(client, owner):
    house = SupplierFactory(name="House")
    stranded = ProductFactory(vendor="", supplier=SupplierFactory(name=DEFAULT_SUPPLIER_NAME))
    verified_login(client, owner)
    page = client.get(reverse(DEFAULT))
    assert page.status_code == 200 and DEFAULT_SUPPLIER_NAME in page.content.decode()
    assert client.post(reverse(DEFAULT), {"supplier": house.pk, "reason": ""}).status_code == 302
    default = VendorMapping.objects.get(key="")
    assert (default.meaning, default.supplier) == ("supplier", house)
    assert supplier_of(stranded) == "House"
    assert 'id="default-supplier-link"' in client.get(reverse(CHANGELIST)).content.decode()
    assert "Default supplier: House" in client.get(reverse(CHANGELIST)).content.decode()


# --- the product admin: a SKU's supplier, products known by their title ---------------------------------

PRODUCTS = "admin:suppliers_product_changelist"


def test_the_owner_changes_a_skus_supplier_from_the_product_admin(client, owner):
    products = [ProductFactory(supplier=SupplierFactory(name="Old")) for _ in range(2)]
    acme = SupplierFactory(name="Acme")
    verified_login(client, owner)
    chosen = {"action": "change_supplier", "_selected_action": [p.pk for p in products]}
    form = client.post(reverse(PRODUCTS), chosen)
    assert form.status_code == 200 and "Change supplier" in form.content.decode()
    assert all(supplier_of(p) == "Old" for p in products)
    refused = client.post(reverse(PRODUCTS), {**chosen, "apply": "1", "supplier": acme.pk, "reason": ""})
    assert refused.status_code == 200 and all(supplier_of(p) == "Old" for p in products)
    done = client.post(reverse(PRODUCTS), {**chosen, "apply": "1", "supplier": acme.pk, "reason": "invoice"})
    assert done.status_code == 302
    assert all(supplier_of(p) == "Acme" for p in products)
    assert AuditEvent.objects.filter(action="product_supplier_changed", actor=owner).count() == 2


def test_a_crafted_change_supplier_post_from_staff_gets_403_and_changes_nothing(client, staff):
    product = ProductFactory(supplier=SupplierFactory(name="Old"))
    acme = SupplierFactory(name="Acme")
    client.force_login(staff)
    response = client.post(
        reverse(PRODUCTS),
        {
            "action": "change_supplier",
            "_selected_action": [product.pk],
            "apply": "1",
            "supplier": acme.pk,
            "reason": "x",
        },
    )
    assert response.status_code == 403
    assert supplier_of(product) == "Old" and not AuditEvent.objects.exists()


def test_the_change_supplier_action_is_offered_to_owners_only(client, owner, staff):
    ProductFactory()
    verified_login(client, owner)
    assert (
        "change_supplier"
        in client.get(reverse(PRODUCTS)).context["action_form"].fields["action"].choices.__str__()
    )
    client.force_login(staff)
    response = client.get(reverse(PRODUCTS))
    assert "change_supplier" not in str(response.context["action_form"].fields["action"].choices)


def test_the_product_change_form_does_not_change_the_supplier_directly(client, owner):
    old, acme = SupplierFactory(name="Old"), SupplierFactory(name="Acme")
    product = ProductFactory(supplier=old, sku="S-1", title="Shirt")
    verified_login(client, owner)
    url = reverse("admin:suppliers_product_change", args=[product.pk])
    response = client.post(url, {"sku": "S-1", "title": "Shirt v2", "supplier": acme.pk, "promise_text": ""})
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.title, product.supplier, product.supplier_set_by_owner) == ("Shirt v2", old, False)


def test_a_product_known_by_its_title_shows_no_sku(client, staff):
    product = ProductFactory(sku="Blue wool scarf", title="Blue wool scarf", keyed_by_title=True)
    ProductFactory(sku="RED-1", title="Red hat")
    client.force_login(staff)
    page = client.get(reverse(PRODUCTS)).content.decode()
    assert "no SKU (known by its title)" in page and "RED-1" in page
    change = client.get(reverse("admin:suppliers_product_change", args=[product.pk])).content.decode()
    assert "no SKU (known by its title)" in change


def test_the_owner_opens_the_product_pages(client, owner):
    titled = ProductFactory(sku="Scarf", title="Scarf", keyed_by_title=True)
    plain = ProductFactory(sku="S-1")
    verified_login(client, owner)
    for product in (titled, plain):
        page = client.get(reverse("admin:suppliers_product_change", args=[product.pk]))
        assert page.status_code == 200
        assert ('name="sku"' in page.content.decode()) is (product is plain)
    add = client.get(reverse("admin:suppliers_product_add")).content.decode()
    assert 'name="sku"' in add and 'name="keyed_by_title"' not in add


def test_a_product_added_without_a_sku_is_keyed_by_its_title(client, owner):
    supplier = SupplierFactory(name="Acme")
    verified_login(client, owner)
    response = client.post(
        reverse("admin:suppliers_product_add"),
        {"sku": "", "title": "  Blue wool scarf ", "supplier": supplier.pk, "promise_text": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    product = Product.objects.get()
    assert (product.sku, product.title, product.keyed_by_title) == (
        "Blue wool scarf",
        "Blue wool scarf",
        True,
    )
    assert product.supplier_set_by_owner


def test_a_product_added_with_a_sku_is_keyed_by_it(client, owner):
    supplier = SupplierFactory(name="Acme")
    verified_login(client, owner)
    client.post(
        reverse("admin:suppliers_product_add"),
        {"sku": "S-9", "title": "Scarf", "supplier": supplier.pk, "promise_text": ""},
    )
    assert Product.objects.get().keyed_by_title is False


def test_a_product_without_a_sku_or_a_title_is_refused(client, owner):
    supplier = SupplierFactory(name="Acme")
    verified_login(client, owner)
    response = client.post(
        reverse("admin:suppliers_product_add"), {"sku": "", "title": "", "supplier": supplier.pk}
    )
    assert response.status_code == 200 and "known by its title: give one" in response.content.decode()
    assert not Product.objects.exists()


def test_a_title_already_used_as_a_key_is_refused(client, owner):
    supplier = SupplierFactory(name="Acme")
    ProductFactory(sku="Scarf", title="Scarf", keyed_by_title=True)
    verified_login(client, owner)
    response = client.post(
        reverse("admin:suppliers_product_add"), {"sku": "", "title": "Scarf", "supplier": supplier.pk}
    )
    assert response.status_code == 200 and Product.objects.count() == 1
