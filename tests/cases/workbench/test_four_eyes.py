"""Four eyes on money: whoever sets a decision's terms is one of its requesters (the person who asked and
the one other person who changed the terms), and the person who decides is none of them, on the server
(the service and the case page's POST) and in the database."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases.choices import MoneyState
from cases.models import AuditEvent, MoneyDecision, Outcome
from cases.workbench import money
from tests.factories import UserFactory
from tests.helpers.otp import verified, verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "staff": UserFactory(username="stan", role="Staff"),
        "owner": verified(UserFactory(username="olga", role="Owner")),
        "owner2": verified(UserFactory(username="otto", role="Owner")),
        "owner3": verified(UserFactory(username="oona", role="Owner")),
    }


@pytest.fixture
def asked(case, people):
    """Staff ask for a refund of 5."""
    return money.request_money_decision(
        case, actor=people["staff"], kind="refund", amount="5", reason="Never arrived"
    )


def decide(decision, actor, approve=True):
    decision.refresh_from_db()
    return money.decide_money_decision(
        decision,
        actor=actor,
        approve=approve,
        seen_version=decision.version,
        seen_amount=decision.amount,
        seen_reason=decision.reason,
    )


def written():
    return (
        AuditEvent.objects.filter(action__in=["money_approved", "money_rejected"]).count(),
        Outcome.objects.filter(kind__in=[money.MONEY_APPROVED, money.MONEY_REJECTED]).count(),
        list(MoneyDecision.objects.values_list("state", "decided_by", "decided_at", "version")),
    )


# --- the service -----------------------------------------------------------------------------------


@pytest.mark.parametrize("approve", [True, False])
def test_an_owner_who_changed_the_terms_cannot_decide_them(asked, people, approve):
    edited = money.edit_money_request(asked, actor=people["owner"], amount="5000", reason="Never arrived")
    assert (edited.amended_by, edited.amount) == (people["owner"], Decimal("5000.00"))
    before = written()
    with pytest.raises(PermissionDenied, match="changed the terms"):
        decide(edited, people["owner"], approve=approve)
    assert written() == before
    decided = decide(edited, people["owner2"], approve=approve)
    assert (decided.requested_by, decided.amended_by, decided.decided_by) == (
        people["staff"],
        people["owner"],
        people["owner2"],
    )


def test_an_edit_after_an_approval_makes_the_editor_a_requester_too(asked, people):
    decide(asked, people["owner"])
    edited = money.edit_money_request(asked, actor=people["owner"], amount="50", reason="Never arrived")
    assert (edited.state, edited.decided_by, edited.amended_by) == (MoneyState.PENDING, None, people["owner"])
    with pytest.raises(PermissionDenied):
        decide(edited, people["owner"])


def test_a_third_person_cannot_change_terms_two_people_set(asked, people):
    money.edit_money_request(asked, actor=people["owner"], amount="6", reason="Never arrived")
    before = list(MoneyDecision.objects.values_list("amount", "reason", "version", "amended_by"))
    with pytest.raises(ValidationError, match="reject it and request anew"):
        money.edit_money_request(asked, actor=people["owner2"], amount="7", reason="mine")
    assert list(MoneyDecision.objects.values_list("amount", "reason", "version", "amended_by")) == before
    # The two who set them may still change them, and the third may decide (or reject and start anew).
    money.edit_money_request(asked, actor=people["owner"], amount="8", reason="Never arrived")
    again = money.edit_money_request(asked, actor=people["staff"], amount="9", reason="Never arrived")
    assert (again.amount, again.requested_by, again.amended_by) == (
        Decimal("9.00"),
        people["staff"],
        people["owner"],
    )
    assert decide(again, people["owner2"], approve=False).state == MoneyState.REJECTED


def test_the_requester_editing_their_own_request_stays_its_only_requester(asked, people):
    edited = money.edit_money_request(asked, actor=people["staff"], amount="6", reason="Never arrived")
    assert edited.amended_by is None
    assert decide(edited, people["owner"]).decided_by == people["owner"]


def test_an_edit_names_its_editor(asked):
    with pytest.raises(PermissionDenied):
        money.edit_money_request(asked, actor=None, amount="6", reason="Never arrived")


# --- the case page: the crafted POSTs ---------------------------------------------------------------


def test_the_owner_edits_then_approves_through_the_case_page_and_is_refused(client, case, asked, people):
    """Staff request 5; the owner edits the amount to 5,000 and approves it: refused, nothing written."""
    url = reverse("admin:cases_case_change", args=[case.pk])
    verified_login(client, people["owner"])
    response = client.post(
        url, {"action": "edit_money", "decision": asked.pk, "amount": "5000", "reason": "Never arrived"}
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert (asked.amount, asked.version, asked.amended_by) == (Decimal("5000.00"), 2, people["owner"])
    before = written()
    seen = {"decision": asked.pk, "version": 2, "amount": "5000.00", "reason": "Never arrived"}
    assert client.post(url, {"action": "approve_money", **seen}).status_code == 403
    assert client.post(url, {"action": "reject_money", **seen}).status_code == 403
    assert written() == before
    asked.refresh_from_db()
    assert (asked.state, asked.decided_by) == (MoneyState.PENDING, None)
    # Another owner, who set none of the terms, decides.
    verified_login(client, people["owner2"])
    assert client.post(url, {"action": "approve_money", **seen}).status_code == 302
    asked.refresh_from_db()
    assert (asked.state, asked.decided_by) == (MoneyState.APPROVED, people["owner2"])


def test_a_third_owners_edit_posted_to_the_case_page_writes_nothing(client, case, asked, people):
    money.edit_money_request(asked, actor=people["owner"], amount="6", reason="Never arrived")
    url = reverse("admin:cases_case_change", args=[case.pk])
    verified_login(client, people["owner2"])
    edits = AuditEvent.objects.filter(action="money_request_edited").count()
    response = client.post(
        url, {"action": "edit_money", "decision": asked.pk, "amount": "7000", "reason": "x"}, follow=True
    )
    assert "request anew" in response.content.decode()
    asked.refresh_from_db()
    assert (asked.amount, asked.version) == (Decimal("6.00"), 2)
    assert AuditEvent.objects.filter(action="money_request_edited").count() == edits


# --- the database -----------------------------------------------------------------------------------


def test_the_database_refuses_a_decision_by_the_person_who_changed_the_terms(asked, people):
    """On SQLite and on PostgreSQL alike (run this file under both)."""
    MoneyDecision.objects.filter(pk=asked.pk).update(amended_by=people["owner"])
    with pytest.raises(IntegrityError), transaction.atomic():
        MoneyDecision.objects.filter(pk=asked.pk).update(
            state=MoneyState.APPROVED, decided_by=people["owner"], decided_at=timezone.now()
        )
    asked.refresh_from_db()
    assert (asked.state, asked.decided_by) == (MoneyState.PENDING, None)


def test_the_database_refuses_the_requester_as_the_one_who_changed_the_terms(asked, people):
    with pytest.raises(IntegrityError), transaction.atomic():
        MoneyDecision.objects.filter(pk=asked.pk).update(amended_by=people["staff"])


def test_the_database_refuses_to_name_the_decider_as_amender_afterwards(asked, people):
    decide(asked, people["owner"])
    with pytest.raises(IntegrityError), transaction.atomic():
        MoneyDecision.objects.filter(pk=asked.pk).update(amended_by=people["owner"])


def test_the_money_decisions_list_names_the_second_requester(client, asked, people):
    money.edit_money_request(asked, actor=people["owner"], amount="6", reason="Never arrived")
    verified_login(client, people["owner2"])
    body = client.get(reverse("admin:cases_moneydecision_changelist")).content.decode()
    assert 'class="field-amended_by nowrap">olga<' in body


def test_the_case_page_offers_no_approve_button_to_whoever_set_the_terms(client, case, asked, people):
    """Needs the case page to know `amended_by` (cases.workbench.selectors.case_money_decisions)."""
    money.edit_money_request(asked, actor=people["owner"], amount="6", reason="Never arrived")
    url = reverse("admin:cases_case_change", args=[case.pk])
    verified_login(client, people["owner"])
    assert f'id="approve-{asked.pk}"' not in client.get(url).content.decode()
    verified_login(client, people["owner2"])
    assert f'id="approve-{asked.pk}"' in client.get(url).content.decode()
