"""The queue and the workbench's read-only lists, with each role.

A refused request gets 403 and writes nothing."""

import pytest
from django.urls import reverse

from cases.models import AuditEvent, Case, MoneyDecision, Outcome
from cases.workbench import money, services
from policies.models import Policy
from suppliers.models import Product
from tests.helpers.clock import import_label_only_cases
from tests.helpers.otp import verified_login
from tests.helpers.workbench import counts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"), [("staff", 200), ("owner", 200), ("viewer", 200), ("nobody", 403)]
)
def test_the_queue_and_the_case_page_with_each_role(client, case, role, status, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("admin:cases_case_changelist")).status_code == status
    page = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert page.status_code == status
    if role == "viewer":
        assert 'id="chase-supplier"' not in page.content.decode()


@pytest.mark.parametrize("model", ["moneydecision", "auditevent", "outcome"])
def test_decision_admins_refuse_writes_even_to_owners(client, case, owner, staff, model):
    money.request_money_decision(case, actor=staff, kind="refund", amount="1", reason="r")
    obj = {"moneydecision": MoneyDecision, "auditevent": AuditEvent, "outcome": Outcome}[
        model
    ].objects.first()
    verified_login(client, owner)
    before = counts()
    assert client.post(reverse(f"admin:cases_{model}_add"), {}).status_code == 403
    assert (
        client.post(reverse(f"admin:cases_{model}_change", args=[obj.pk]), {"reason": "x"}).status_code == 403
    )
    assert (
        client.post(reverse(f"admin:cases_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    )
    assert counts() == before


def test_crafted_owner_action_posts_from_staff_get_403(client, staff, case):
    client.force_login(staff)
    product = Product.objects.get()
    response = client.post(
        reverse("admin:suppliers_product_changelist"),
        {"action": "pause_products", "_selected_action": [product.pk]},
    )
    assert response.status_code == 403
    assert Product.objects.get().state == Product.State.ACTIVE
    response = client.post(
        reverse("admin:policies_policy_changelist"),
        {"action": "copy_into_draft", "_selected_action": [Policy.objects.get().pk]},
    )
    assert response.status_code == 403
    assert Policy.objects.count() == 1


def test_the_queue_filters_and_search(client, staff):
    cases = import_label_only_cases(3, label_days_ago=7)
    services.assign(cases[0], actor=staff, assignee=staff)
    client.force_login(staff)
    url = reverse("admin:cases_case_changelist")

    def rows(query):
        response = client.get(url, query)
        assert response.status_code == 200, query
        return response.context["cl"].result_count

    assert rows({}) == 3
    assert rows({"assignee": "mine"}) == 1
    assert rows({"flag": "label_only"}) == 3
    assert rows({"flag": "customer_waiting"}) == 0
    assert rows({"age": "7-14"}) == 3 and rows({"age": "0-3"}) == 0
    assert rows({"country": "US", "route__exact": "supplier_delay"}) == 3
    assert rows({"q": "#C1"}) == 1
    assert rows({"q": "c2@example.com"}) == 1
    assert rows({"q": "CLOCK-2"}) == 1
    product = cases[1].order.product
    assert rows({"sku": product.pk}) == 1
    supplier_page = client.get(
        url, {"order__product__supplier__id__exact": product.supplier_id}
    ).content.decode()
    assert f"?order__product__supplier__id__exact={product.supplier_id}&amp;sku={product.pk}" in supplier_page
    number = cases[0].order.tracking_numbers.get().number
    assert rows({"q": number.lower()}) == 1
    body = client.get(url).content.decode()
    assert 'id="view-owner-only"' in body and 'id="import-bundle-link"' in body
    assert "label 7 d, window 5 d" in body
    assert Case.objects.count() == 3
