"""The case page's forms: one per action, each field read and checked before its service is called.

A field that cannot be read is an error naming it, and nothing is written."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from cases.choices import ChaseChannel, MoneyState
from cases.models import MoneyDecision, SupplierChase
from cases.workbench import money
from cases.workbench.forms import (
    ACTIONS,
    AssignForm,
    ChaseSupplierForm,
    EditMoneyForm,
    HoldForm,
    ProofForm,
    RequestMoneyForm,
    ResolveForm,
)
from tests.helpers.clock import import_label_only_cases
from tests.helpers.otp import verified_login
from tests.helpers.workbench import counts

pytestmark = pytest.mark.django_db


def errors(form) -> list[str]:
    assert not form.is_valid()
    return [message for messages in form.errors.values() for message in messages]


def test_every_button_of_the_case_page_has_its_form_and_every_form_a_button():
    page = Path(settings.BASE_DIR, "templates/admin/cases/case/case_page.html").read_text(encoding="utf-8")
    buttons = set(re.findall(r'name="action" value="([a-z_]+)"', page))
    assert buttons == set(ACTIONS)


@pytest.mark.parametrize(
    ("form_class", "data", "named"),
    [
        (HoldForm, {"reason": "away"}, "A review date is required."),
        (HoldForm, {"reason": "away", "until": "next week"}, "The review date is YYYY-MM-DD."),
        (
            ProofForm,
            {"kind": "pickup_proof", "text": "x", "at": "yesterday"},
            "The time is YYYY-MM-DDTHH:MM.",
        ),
        (ProofForm, {"kind": "rumour", "text": "x"}, "Unknown evidence kind 'rumour'."),
        (ProofForm, {"text": "x"}, "Unknown evidence kind ''."),
        (ChaseSupplierForm, {"channel": "pigeon"}, "Unknown chase channel 'pigeon'."),
        (ResolveForm, {"ending": "forgotten"}, "Unknown ending 'forgotten'."),
        (AssignForm, {"assignee": "12345"}, "No such user."),
        (AssignForm, {"assignee": "somebody"}, "No such user."),
        (
            RequestMoneyForm,
            {"kind": "bribe", "amount": "5", "reason": "r"},
            "Unknown money decision 'bribe'.",
        ),
        (
            RequestMoneyForm,
            {"kind": "refund", "amount": "NaN", "reason": "r"},
            "amount: 'NaN' is not an amount",
        ),
        (EditMoneyForm, {"decision": "first", "amount": "5", "reason": "r"}, "'first' is not a number."),
        (EditMoneyForm, {"amount": "5", "reason": "r"}, "None is not a number."),
    ],
)
def test_a_field_that_cannot_be_read_is_named_and_nothing_is_written(case, staff, form_class, data, named):
    before = counts()
    form = form_class(data, case=case, actor=staff)
    assert any(message.startswith(named) for message in errors(form)), form.errors
    assert counts() == before


def test_what_a_form_reads_is_what_its_service_takes(case, staff):
    chase = ChaseSupplierForm({"note": "  asked again  "}, case=case, actor=staff)
    assert chase.is_valid()
    assert chase.cleaned_data == {"channel": ChaseChannel.EMAIL, "note": "  asked again  "}
    assign = AssignForm({"assignee": "me"}, case=case, actor=staff)
    assert assign.is_valid() and assign.cleaned_data["assignee"] == staff
    hold = HoldForm({"reason": "away", "until": "2099-12-30"}, case=case, actor=staff)
    assert hold.is_valid()
    until = hold.cleaned_data["until"]
    assert (until.date().isoformat(), until.hour) == ("2099-12-30", 9)
    proof = ProofForm({"kind": "pickup_proof", "text": "x", "at": "2026-11-02T10:00"}, case=case, actor=staff)
    assert proof.is_valid() and proof.cleaned_data["at"].tzinfo is not None
    chase.save()
    assert SupplierChase.objects.get().channel == ChaseChannel.EMAIL


def test_a_money_request_of_another_case_is_not_found(staff, owner):
    case, other = import_label_only_cases(2, label_days_ago=7)
    request = money.request_money_decision(other, actor=staff, kind="refund", amount="1", reason="r")
    form = EditMoneyForm({"decision": request.pk, "amount": "2", "reason": "r"}, case=case, actor=owner)
    assert errors(form) == ["No such money request on this case."]


def test_every_error_of_a_posted_form_is_named_on_the_page_and_nothing_is_written(client, case, staff, owner):
    request = money.request_money_decision(case, actor=staff, kind="refund", amount="5", reason="late")
    verified_login(client, owner)
    url = reverse("admin:cases_case_change", args=[case.pk])
    before = counts()
    post = {"action": "approve_money", "decision": request.pk, "version": "one", "amount": "5.001"}
    body = client.post(url, {**post, "reason": "late"}, follow=True).content.decode()
    assert "&#x27;one&#x27; is not a number." in body
    assert "the amount seen: has more than 2 decimals" in body.lower()
    assert counts() == before
    assert MoneyDecision.objects.get().state == MoneyState.PENDING
