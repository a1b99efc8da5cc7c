"""Money requests refuse what is not money: NaN, Infinity, amounts of 10^10 or more, more than two
decimals (never rounded), a refund above the order's value without an owner's reason, a currency other
than the order's, a code that is not ISO 4217, and a silent USD for an order without a currency."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.choices import MoneyState
from cases.models import AuditEvent, MoneyDecision
from cases.workbench import money
from tests.factories import CaseFactory
from tests.helpers.otp import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    """An order of 24.99 EUR."""
    return CaseFactory(order__value=Decimal("24.99"), order__currency="EUR")


def ask(case, actor, amount, kind="refund", **more):
    return money.request_money_decision(
        case, actor=actor, kind=kind, amount=amount, reason="Never arrived", **more
    )


def post_request(client, case, amount: str, *, follow: bool = False, **more):
    """The case page's refund request for `amount` (reason "lost"), as the browser posts it."""
    url = reverse("admin:cases_case_change", args=[case.pk])
    post = {"action": "request_money", "kind": "refund", "amount": amount, "reason": "lost", **more}
    return client.post(url, post, follow=follow)


# --- amounts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "named"),
    [
        ("NaN", "not an amount"),
        ("nan", "not an amount"),
        ("sNaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("-inf", "not an amount"),
        (Decimal("NaN"), "not an amount"),
        (float("nan"), "not an amount"),
        (float("inf"), "not an amount"),
        ("10000000000", "must be under 10,000,000,000"),
        ("99999999999999999999", "must be under"),
        (Decimal("1E+100000"), "must be under"),
        ("12.345", "more than 2 decimals"),
        ("0.001", "more than 2 decimals"),
        ("-1", "cannot be negative"),
        ("", "amount is required"),
        ("  ", "amount is required"),
        ("abc", "not an amount"),
        ("1e3", "not an amount"),
        ("1_000", "not an amount"),
        ("1,000.00", "not an amount"),
        ("١٢", "not an amount"),
        (True, "not an amount"),
        (None, "not an amount"),
    ],
)
def test_what_is_not_an_amount_is_named_and_nothing_is_written(case, owner, amount, named):
    with pytest.raises(ValidationError, match=named) as refused:
        ask(case, owner, amount, kind="discount")
    assert refused.value.messages[0].startswith("amount: ")
    assert MoneyDecision.objects.count() == 0
    assert not AuditEvent.objects.filter(action="money_requested").exists()


@pytest.mark.parametrize(
    ("amount", "stored"),
    [
        ("12.34", Decimal("12.34")),
        ("12.340", Decimal("12.34")),
        (" 7 ", Decimal("7.00")),
        (5, Decimal("5.00")),
        ("-0", Decimal("0.00")),
        ("9999999999.99", Decimal("9999999999.99")),
    ],
)
def test_an_amount_is_stored_exactly(case, owner, amount, stored):
    request = ask(case, owner, amount, kind="discount")
    request.refresh_from_db()
    assert request.amount == stored


def test_a_crafted_amount_posted_to_the_case_page_is_named_not_a_500(client, case, staff):
    client.force_login(staff)
    for amount in ("NaN", "1e10", "10000000000", "12.345"):
        response = post_request(client, case, amount, follow=True)
        assert response.status_code == 200
        assert "amount: " in response.content.decode().lower()  # the admin capitalises messages
    assert MoneyDecision.objects.count() == 0


def test_a_crafted_seen_amount_is_named_not_a_500(client, case, staff, owner):
    request = ask(case, staff, "5")
    verified_login(client, owner)
    url = reverse("admin:cases_case_change", args=[case.pk])
    seen = {"decision": request.pk, "version": 1, "reason": request.reason}
    response = client.post(url, {"action": "approve_money", **seen, "amount": "NaN"}, follow=True)
    assert response.status_code == 200 and "the amount seen: " in response.content.decode().lower()
    assert MoneyDecision.objects.get().state == MoneyState.PENDING


# --- above the order's value ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["refund", "partial_refund"])
def test_staff_cannot_ask_for_a_refund_above_the_orders_value(case, staff, kind):
    with pytest.raises(ValidationError, match="only an owner may ask for that, giving a reason"):
        ask(case, staff, "4200", kind=kind)
    with pytest.raises(ValidationError, match="only an owner"):
        ask(case, staff, "25.00", kind=kind, above_value_reason="staff cannot give one")
    assert MoneyDecision.objects.count() == 0
    assert ask(case, staff, "24.99", kind=kind).amount == Decimal("24.99")


def test_an_owner_asks_above_the_value_only_with_a_reason_which_is_audited(case, owner, owner2):
    with pytest.raises(ValidationError, match="above_value_reason: "):
        ask(case, owner, "4200")
    with pytest.raises(ValidationError, match="above_value_reason: "):
        ask(case, owner, "4200", above_value_reason="   ")
    assert MoneyDecision.objects.count() == 0
    request = ask(case, owner, "4200", above_value_reason="Customer also lost a paid courier fee")
    assert request.above_value_reason == "Customer also lost a paid courier fee"
    event = AuditEvent.objects.get(action="money_requested")
    assert event.changes["above_value_reason"] == "Customer also lost a paid courier fee"
    assert event.changes["order_value"] == "24.99"
    # The owner who asked is a requester: another owner decides.
    decided = money.decide_money_decision(
        request, actor=owner2, approve=True, seen_version=1, seen_amount="4200", seen_reason="Never arrived"
    )
    assert decided.state == MoneyState.APPROVED


def test_a_reason_given_for_an_amount_within_the_value_is_not_kept(case, owner):
    assert ask(case, owner, "10", above_value_reason="not needed").above_value_reason == ""


def test_other_kinds_and_orders_without_a_value_have_no_ceiling(staff):
    """Only refunds are measured against the order's value; an order whose value is unknown puts no
    ceiling (the owner who decides sees the amount)."""
    valued = CaseFactory(order__value=Decimal("24.99"), order__currency="EUR")
    assert ask(valued, staff, "30", kind="store_credit").amount == Decimal("30.00")
    unknown = CaseFactory(order__value=None, order__currency="EUR")
    assert ask(unknown, staff, "4200").above_value_reason == ""


def test_an_edit_above_the_value_needs_an_owner_and_a_reason(case, staff, owner):
    request = ask(case, staff, "10")
    with pytest.raises(ValidationError, match="only an owner"):
        money.edit_money_request(request, actor=staff, amount="4200", reason="Never arrived")
    with pytest.raises(ValidationError, match="above_value_reason: "):
        money.edit_money_request(request, actor=owner, amount="4200", reason="Never arrived")
    assert MoneyDecision.objects.get().amount == Decimal("10.00")
    edited = money.edit_money_request(
        request, actor=owner, amount="4200", reason="Never arrived", above_value_reason="courier fee"
    )
    assert (edited.amount, edited.above_value_reason, edited.amended_by) == (
        Decimal("4200.00"),
        "courier fee",
        owner,
    )
    # The requester cannot keep an amount above the value by editing the reason alone.
    with pytest.raises(ValidationError, match="only an owner"):
        money.edit_money_request(request, actor=staff, amount="4200", reason="other words")


def test_a_refund_above_the_value_posted_by_staff_is_refused(client, case, staff):
    client.force_login(staff)
    response = post_request(client, case, "4200", follow=True)
    assert "only an owner may ask for that" in response.content.decode()
    assert MoneyDecision.objects.count() == 0


# --- currency ---------------------------------------------------------------------------------------


def test_a_request_is_in_its_orders_currency(case, staff):
    assert ask(case, staff, "5").currency == "EUR"
    assert ask(case, staff, "5", currency=" eur ").currency == "EUR"
    with pytest.raises(
        ValidationError, match=r"currency: a money decision is in its order's currency \(EUR\)"
    ):
        ask(case, staff, "5", currency="USD")
    assert MoneyDecision.objects.count() == 2


@pytest.mark.parametrize("code", ["XXX", "XTS", "ABC", "US", "EURO", "€"])
def test_only_iso_4217_codes(staff, code):
    case = CaseFactory(order__currency="")
    with pytest.raises(ValidationError, match="is not an ISO 4217 currency code"):
        ask(case, staff, "5", currency=code)
    assert MoneyDecision.objects.count() == 0


def test_an_order_without_a_currency_takes_none_silently(staff):
    case = CaseFactory(order__currency="", order__value=Decimal("24.99"))
    with pytest.raises(ValidationError, match="has no currency: name the ISO 4217 currency"):
        ask(case, staff, "5")
    assert MoneyDecision.objects.count() == 0
    assert ask(case, staff, "5", currency="gbp").currency == "GBP"


def test_an_order_whose_currency_is_not_iso_4217_needs_the_request_to_name_one(staff):
    case = CaseFactory(order__currency="XXX")
    with pytest.raises(ValidationError, match="'XXX' is not an ISO 4217 code"):
        ask(case, staff, "5")
    assert ask(case, staff, "5", currency="CHF").currency == "CHF"


def test_a_request_posted_for_an_order_without_a_currency_is_refused_not_usd(client, staff):
    case = CaseFactory(order__currency="")
    client.force_login(staff)
    response = post_request(client, case, "5", follow=True)
    assert "has no currency" in response.content.decode()
    assert MoneyDecision.objects.count() == 0


def test_a_crafted_seen_reason_with_a_nul_is_named_not_a_500(client, case, staff, owner):
    request = ask(case, staff, "5")
    verified_login(client, owner)
    url = reverse("admin:cases_case_change", args=[case.pk])
    seen = {"decision": request.pk, "version": 1, "amount": "5.00", "reason": "Never\x00arrived"}
    response = client.post(url, {"action": "approve_money", **seen}, follow=True)
    assert response.status_code == 200 and "contains a nul character" in response.content.decode().lower()
    assert MoneyDecision.objects.get().state == MoneyState.PENDING


# --- the case page's form (RequestMoneyForm reads `currency` and `above_value_reason`) -----------------


def test_an_owner_posts_a_refund_above_the_value_with_a_reason(client, case, owner):
    verified_login(client, owner)
    assert post_request(client, case, "4200").status_code == 302
    assert MoneyDecision.objects.count() == 0
    post_request(client, case, "4200", above_value_reason="courier fee too")
    assert MoneyDecision.objects.get().above_value_reason == "courier fee too"


def test_a_request_posted_for_an_order_without_a_currency_names_one(client, staff):
    case = CaseFactory(order__currency="")
    client.force_login(staff)
    url = reverse("admin:cases_case_change", args=[case.pk])
    assert 'name="currency"' in client.get(url).content.decode()
    post_request(client, case, "5", currency="XXX")
    assert MoneyDecision.objects.count() == 0
    post_request(client, case, "5", currency="gbp")
    assert MoneyDecision.objects.get().currency == "GBP"
