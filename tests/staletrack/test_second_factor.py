"""Owners need a second factor: the server refuses every owner-only action (money decisions, pausing a
product, flagging a supplier, policy edits and activation, the vendor map) from a session no authenticator
code verified, and does it for the same owner once a code did. Staff log in with a password as before."""

import json
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.choices import MoneyState
from cases.models import AuditEvent, MoneyDecision
from cases.permissions import APPROVE_MONEY
from cases.workbench import money, services
from policies import services as policy_services
from policies.lanes import POLICY_LANE_FIELDS
from policies.models import Policy
from policies.permissions import EDIT_POLICY
from policies.values import POLICY_FIELDS
from staletrack.permissions import OWNER_ONLY, at_the_shell, require
from suppliers.models import Product, Supplier, VendorMapping
from tests.factories import SupplierFactory, UserFactory
from tests.helpers.bundle_documents import bundle
from tests.helpers.otp import code_now, give_authenticator, verified, verified_login

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def owner():
    """Olga without a verified session (not tests/conftest.py's): her second factor is what is tested."""
    return UserFactory(username="olga", role="Owner")


@pytest.fixture(autouse=True)
def acme():
    return SupplierFactory(name="Acme")


@pytest.fixture
def decision(case, staff):
    return money.request_money_decision(
        case, actor=staff, kind="refund", amount="29.90", reason="x", currency="USD"
    )


def case_url(case):
    return reverse("admin:cases_case_change", args=[case.pk])


def seen(decision):
    return {"decision": decision.pk, "version": decision.version, "amount": decision.amount, "reason": "x"}


def draft_of_active():
    return policy_services.create_draft(base=Policy.objects.get(is_active=True), actor=None, note="draft")


def policy_form(client, draft, **changes):
    """The draft's change form as the page fills it, with `changes`."""
    page = client.get(reverse("admin:policies_policy_change", args=[draft.pk]))
    fields = (*POLICY_FIELDS, *POLICY_LANE_FIELDS)
    data = {"note": draft.note, **{name: getattr(draft, name) for name in fields}, **changes}
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    return {key: "" if value is None else value for key, value in data.items()}


# Each owner-only path: (what to post, how to tell it was done). `setup` runs before, as no one in particular.
def approve(client, case, decision):
    return client.post(case_url(case), {"action": "approve_money", **seen(decision)})


def reject(client, case, decision):
    return client.post(case_url(case), {"action": "reject_money", **seen(decision)})


def pause(client, case, decision):
    return client.post(case_url(case), {"action": "pause_product", "reason": "stale"})


def flag(client, case, decision):
    return client.post(case_url(case), {"action": "flag_supplier", "reason": "stale"})


def copy_policy(client, case, decision):
    active = Policy.objects.get(is_active=True)
    return client.post(
        reverse("admin:policies_policy_changelist"),
        {"action": "copy_into_draft", "_selected_action": [active.pk]},
    )


def edit_policy(client, case, decision):
    draft = Policy.objects.filter(is_active=False, activated_at__isnull=True).first() or draft_of_active()
    data = policy_form(
        client, draft, note="longer transit", stale_in_transit_days=draft.stale_in_transit_days + 3
    )
    return client.post(reverse("admin:policies_policy_change", args=[draft.pk]), data)


def activate_policy(client, case, decision):
    draft = Policy.objects.filter(is_active=False, activated_at__isnull=True).first() or draft_of_active()
    return client.post(reverse("admin:policies_policy_activate", args=[draft.pk]))


def map_vendor(client, case, decision):
    acme = Supplier.objects.get(name="Acme")
    return client.post(
        reverse("admin:suppliers_vendormapping_add"),
        {"vendor": "ACME co", "meaning": "supplier", "supplier": acme.pk, "reason": "same firm"},
    )


def pause_from_the_product_list(client, case, decision):
    return client.post(
        reverse("admin:suppliers_product_changelist"),
        {"action": "pause_products", "_selected_action": [case.order.product_id]},
    )


def money_state(case):
    return MoneyDecision.objects.get().state


def state():
    """Everything an owner-only action writes."""
    return (
        list(MoneyDecision.objects.values_list("state", flat=True)),
        list(Product.objects.values_list("state", flat=True)),
        list(Supplier.objects.values_list("status", flat=True)),
        list(Policy.objects.order_by("pk").values_list("pk", "is_active", "stale_in_transit_days", "note")),
        VendorMapping.objects.count(),
        AuditEvent.objects.count(),
    )


PATHS = {
    "approve money": approve,
    "reject money": reject,
    "pause a product (case page)": pause,
    "pause a product (product list)": pause_from_the_product_list,
    "flag a supplier": flag,
    "copy the policy into a draft": copy_policy,
    "edit a draft policy": edit_policy,
    "activate a draft policy": activate_policy,
    "map a vendor": map_vendor,
}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_an_owner_without_a_verified_session_is_refused_and_nothing_is_written(
    client, case, decision, owner, path
):
    if "activate" in path or "edit" in path:
        draft_of_active()
    client.force_login(owner)  # the password alone
    before = state()
    response = PATHS[path](client, case, decision)
    assert response.status_code == 403, response.content[:300]
    assert state() == before
    assert money_state(case) == MoneyState.PENDING


@pytest.mark.parametrize("path", sorted(PATHS))
def test_the_same_owner_with_a_verified_session_succeeds(client, case, decision, owner, path):
    if "activate" in path or "edit" in path:
        draft_of_active()
    verified_login(client, owner)
    before = state()
    response = PATHS[path](client, case, decision)
    assert response.status_code == 302, response.content[:300]
    assert state() != before


def test_a_verified_owner_really_decides(client, case, decision, owner):
    verified_login(client, owner)
    approve(client, case, decision)
    decision.refresh_from_db()
    assert (decision.state, decision.decided_by) == (MoneyState.APPROVED, owner)


def test_the_owner_only_list_is_what_the_owner_role_holds_beyond_staff():
    def perms(role):
        return {
            f"{app}.{codename}"
            for app, codename in Group.objects.get(name=role).permissions.values_list(
                "content_type__app_label", "codename"
            )
        }

    assert perms("Owner") - perms("Staff") == OWNER_ONLY


@pytest.mark.parametrize("permission", sorted(OWNER_ONLY))
def test_has_perm_withholds_each_owner_only_permission_until_verified(owner, permission):
    assert not owner.has_perm(permission)
    assert verified(owner).has_perm(permission)


def test_require_names_the_second_factor_for_an_owner_and_the_permission_for_staff(owner, staff):
    with pytest.raises(PermissionDenied, match="second factor"):
        require(owner, APPROVE_MONEY)
    with pytest.raises(PermissionDenied, match="lacks the permission"):
        require(staff, APPROVE_MONEY)
    with pytest.raises(PermissionDenied, match="lacks the permission"):
        require(at_the_shell(staff), APPROVE_MONEY)
    require(at_the_shell(owner), APPROVE_MONEY)
    require(None, APPROVE_MONEY)  # the operator at the shell
    require(owner, "cases.change_case")  # case work needs no second factor


def test_an_unverified_superuser_is_refused_by_the_services():
    root = UserFactory(username="root", is_superuser=True)
    with pytest.raises(PermissionDenied, match="second factor"):
        require(root, EDIT_POLICY)
    require(at_the_shell(root), EDIT_POLICY)


def test_services_refuse_an_owner_object_no_session_verified(case, decision, owner):
    with pytest.raises(PermissionDenied, match="second factor"):
        money.decide_money_decision(
            decision,
            actor=owner,
            approve=True,
            seen_version=decision.version,
            seen_amount="29.90",
            seen_reason="x",
        )
    with pytest.raises(PermissionDenied, match="second factor"):
        services.pause_product(case, actor=owner, reason="x")
    with pytest.raises(PermissionDenied, match="second factor"):
        policy_services.create_draft(base=Policy.objects.get(is_active=True), actor=owner)
    assert Product.objects.get().state == Product.State.ACTIVE
    assert MoneyDecision.objects.get().state == MoneyState.PENDING


def test_the_case_page_hides_owner_buttons_until_verified_and_the_header_says_why(
    client, case, decision, owner
):
    client.force_login(owner)
    page = client.get(case_url(case)).content.decode()
    assert f"approve-{decision.pk}" not in page
    assert "Owner actions off" in page
    verified_login(client, owner)
    page = client.get(case_url(case)).content.decode()
    assert f"approve-{decision.pk}" in page
    assert "Authenticator: verified" in page


# --- the login form ------------------------------------------------------------------------------------


def log_in(client, username, password=PASSWORD, code=""):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "otp_token": code, "next": "/admin/"},
    )


def test_staff_without_an_authenticator_log_in_with_the_password_alone(client, staff):
    response = log_in(client, "stan")
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_an_owner_with_an_authenticator_needs_its_code_and_is_verified_by_it(client, case, decision, owner):
    device = give_authenticator(owner)
    response = log_in(client, "olga")
    assert response.status_code == 200
    assert "Enter the 6-digit code" in response.content.decode()
    assert "_auth_user_id" not in client.session

    response = log_in(client, "olga", code=code_now(device))
    assert response.status_code == 302
    assert approve(client, case, decision).status_code == 302
    assert money_state(case) == MoneyState.APPROVED


def test_a_wrong_code_does_not_log_in_and_is_audited(client, owner):
    device = give_authenticator(owner)
    wrong = f"{(int(code_now(device)) + 1) % 1_000_000:06d}"
    response = log_in(client, "olga", code=wrong)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="second_factor_failed")
    assert (event.actor, event.reason) == (owner, "wrong authenticator code (login)")
    assert wrong not in str(event.changes)


def test_an_owner_without_an_authenticator_logs_in_but_cannot_act_as_owner(client, case, decision, owner):
    assert log_in(client, "olga").status_code == 302
    assert approve(client, case, decision).status_code == 403
    assert money_state(case) == MoneyState.PENDING


# --- the authenticator page ----------------------------------------------------------------------------


def test_an_owner_sets_up_an_authenticator_and_the_session_is_verified(client, case, decision, owner):
    client.force_login(owner)
    page = client.get(reverse("second_factor"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "otpauth://totp/staletrack%3Aolga?secret=" in body
    assert '<svg width="100%"' in body and "svg:rect" not in body  # inline SVG that HTML draws
    pending = TOTPDevice.objects.get(user=owner, confirmed=False)
    response = client.post(reverse("second_factor"), {"action": "confirm", "code": code_now(pending)})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.confirmed
    assert AuditEvent.objects.filter(action="second_factor_set_up", actor=owner).exists()
    assert approve(client, case, decision).status_code == 302


def test_a_password_alone_cannot_replace_an_existing_authenticator(client, owner):
    device = give_authenticator(owner)
    client.force_login(owner)
    body = client.get(reverse("second_factor")).content.decode()
    assert "otpauth://" not in body  # no new secret is shown to a session no code verified
    assert client.post(reverse("second_factor"), {"action": "replace"}).status_code == 403
    TOTPDevice.objects.create(user=owner, name="sneaked", confirmed=False)
    sneaked = TOTPDevice.objects.get(name="sneaked")
    response = client.post(reverse("second_factor"), {"action": "confirm", "code": code_now(sneaked)})
    assert response.status_code == 403
    assert list(TOTPDevice.objects.filter(user=owner, confirmed=True)) == [device]


def test_a_session_is_verified_on_the_page_with_a_code(client, case, decision, owner):
    device = give_authenticator(owner)
    client.force_login(owner)
    response = client.post(reverse("second_factor"), {"action": "verify", "code": code_now(device)})
    assert response.status_code == 302
    assert approve(client, case, decision).status_code == 302


def test_a_verified_owner_replaces_the_authenticator(client, owner):
    old = verified_login(client, owner)
    assert client.post(reverse("second_factor"), {"action": "replace"}).status_code == 302
    new = TOTPDevice.objects.get(user=owner, confirmed=False)
    assert (
        client.post(reverse("second_factor"), {"action": "confirm", "code": code_now(new)}).status_code == 302
    )
    assert list(TOTPDevice.objects.filter(user=owner)) == [TOTPDevice.objects.get(pk=new.pk)]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_the_page_needs_a_login(client):
    response = client.get(reverse("second_factor"))
    assert response.status_code == 302 and "/admin/login/" in response.url


# --- commands at the server's shell --------------------------------------------------------------------


def test_a_command_run_as_an_owner_at_the_shell_may_change_the_policy(tmp_path, owner):
    """`--as-user` at the server's shell: whoever runs it holds the server, more than a code proves
    (cases.management.importing.actor_named marks the user with `at_the_shell`)."""
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle(policy={"stale_in_transit_days": 10})))
    call_command("import_cases", str(path), "--as-user", "olga", stdout=StringIO())
    assert Policy.objects.get(is_active=True).stale_in_transit_days == 10
