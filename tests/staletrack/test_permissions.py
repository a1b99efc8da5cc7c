"""Roles (README "Roles"): staff work cases; only owners decide money, pause products, change policy, the
vendor map and a SKU's supplier.
Every refusal is on the server: a crafted request changes nothing."""

import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Order
from policies.models import Policy
from suppliers.models import Product
from suppliers.services import set_product_state
from tests.factories import ProductFactory, UserFactory
from tests.helpers.bundle_documents import bundle
from tests.helpers.otp import verified_login

pytestmark = pytest.mark.django_db

OWNER_PERMISSIONS = [
    "cases.approve_money_decision",
    "suppliers.pause_product",
    "suppliers.manage_vendor_map",
    "policies.edit_policy",
]


def test_both_roles_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Staff", "Owner"}


@pytest.mark.parametrize("permission", OWNER_PERMISSIONS)
def test_owner_holds_each_owner_permission(owner, permission):
    assert owner.has_perm(permission)


@pytest.mark.parametrize("permission", OWNER_PERMISSIONS)
def test_staff_lacks_each_owner_permission(staff, permission):
    assert not staff.has_perm(permission)


@pytest.mark.parametrize(
    "permission", ["cases.view_case", "cases.change_case", "cases.import_cases", "cases.add_moneydecision"]
)
def test_staff_can_work_cases(staff, permission):
    assert staff.has_perm(permission)


def test_staff_cannot_pause_a_product_through_the_service(staff):
    product = ProductFactory()
    with pytest.raises(PermissionDenied):
        set_product_state(product, Product.State.PAUSED, actor=staff)
    assert Product.objects.get().state == Product.State.ACTIVE


def test_a_crafted_pause_action_post_from_staff_changes_nothing(client, staff):
    product = ProductFactory()
    client.force_login(staff)
    client.post(
        reverse("admin:suppliers_product_changelist"),
        {"action": "pause_products", "_selected_action": [product.pk]},
    )
    assert Product.objects.get().state == Product.State.ACTIVE


def test_owner_pauses_a_product_from_the_admin_and_it_is_audited(client, owner):
    product = ProductFactory()
    verified_login(client, owner)
    client.post(
        reverse("admin:suppliers_product_changelist"),
        {"action": "pause_products", "_selected_action": [product.pk]},
    )
    product.refresh_from_db()
    assert (product.state, product.state_changed_by) == (Product.State.PAUSED, owner)


def test_staff_gets_403_on_the_policy_change_page_and_its_post(client, staff):
    policy = Policy.objects.get(is_active=True)
    client.force_login(staff)
    url = reverse("admin:policies_policy_change", args=[policy.pk])
    assert client.post(url, {"note": "hacked", "stale_in_transit_days": 99}).status_code == 403
    assert Policy.objects.get().stale_in_transit_days == 7


def test_a_crafted_policy_action_post_from_staff_creates_no_version(client, staff):
    client.force_login(staff)
    client.post(
        reverse("admin:policies_policy_changelist"),
        {"action": "copy_into_draft", "_selected_action": [Policy.objects.get().pk]},
    )
    assert Policy.objects.count() == 1


def test_owner_copies_the_policy_into_a_draft_from_the_admin(client, owner):
    verified_login(client, owner)
    client.post(
        reverse("admin:policies_policy_changelist"),
        {"action": "copy_into_draft", "_selected_action": [Policy.objects.get().pk]},
    )
    assert Policy.objects.filter(is_active=False).count() == 1


def test_an_active_policy_version_cannot_be_edited_even_by_the_owner(client, owner):
    policy = Policy.objects.get(is_active=True)
    verified_login(client, owner)
    response = client.post(reverse("admin:policies_policy_change", args=[policy.pk]), {"note": "x"})
    assert response.status_code == 403


def test_the_bundle_upload_page_refuses_a_user_without_the_import_permission(client):
    client.force_login(UserFactory(username="viewer"))
    url = reverse("admin:cases_case_import_bundle")
    assert client.get(url).status_code == 403
    upload = _upload(bundle())
    assert client.post(url, {"file": upload}).status_code == 403
    assert Order.objects.count() == 0


def test_staff_imports_a_bundle_from_the_admin(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:cases_case_import_bundle"), {"file": _upload(bundle())}, follow=True
    )
    assert Order.objects.count() == 1
    assert "Imported 1 orders" in response.content.decode()


def test_the_upload_page_lists_every_error_and_writes_nothing(client, staff):
    client.force_login(staff)
    bad = bundle(format="nope")
    bad["cases"][0]["order"]["value"] = "<script>alert(1)</script>"
    response = client.post(reverse("admin:cases_case_import_bundle"), {"file": _upload(bad)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "format: must be" in page and "case 0, order.value" in page
    assert "<script>alert(1)</script>" not in page
    assert Order.objects.count() == 0


def _upload(document):
    return SimpleUploadedFile("bundle.json", json.dumps(document).encode(), content_type="application/json")


def test_the_case_list_offers_the_bundle_import_only_to_users_who_may_import(client, staff):
    client.force_login(staff)
    assert 'id="import-bundle-link"' in client.get(reverse("admin:cases_case_changelist")).content.decode()
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_case"))
    client.force_login(viewer)
    assert (
        'id="import-bundle-link"' not in client.get(reverse("admin:cases_case_changelist")).content.decode()
    )
