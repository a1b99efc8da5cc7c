"""Money decisions: staff request, an owner who did not ask decides, exactly once, tied to the
amount and reason they saw; editing a request voids its approval."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction

from cases.choices import MoneyState
from cases.models import AuditEvent, MoneyDecision, Outcome
from cases.workbench import money
from tests.factories import UserFactory
from tests.helpers.clock import import_label_only_cases
from tests.helpers.otp import verified


@pytest.fixture
def people(db):
    return {
        "staff": UserFactory(username="stan", role="Staff"),
        "owner": verified(UserFactory(username="olga", role="Owner")),
        "owner2": verified(UserFactory(username="otto", role="Owner")),
    }


@pytest.fixture
def request_(people):
    (case,) = import_label_only_cases(1, label_days_ago=7)
    return money.request_money_decision(
        case, actor=people["staff"], kind="refund", amount="29.90", reason="Never arrived"
    )


def decide(decision, actor, approve=True, **seen):
    args = {
        "seen_version": decision.version,
        "seen_amount": decision.amount,
        "seen_reason": decision.reason,
        **seen,
    }
    return money.decide_money_decision(decision, actor=actor, approve=approve, **args)


@pytest.mark.django_db
def test_a_request_is_pending_with_an_outcome_and_an_audit_event(request_, people):
    assert (request_.state, request_.requested_by, request_.amount) == (
        MoneyState.PENDING,
        people["staff"],
        Decimal("29.90"),
    )
    assert Outcome.objects.get().kind == money.MONEY_REQUESTED
    assert AuditEvent.objects.filter(action="money_requested").count() == 1


@pytest.mark.django_db
def test_staff_cannot_approve(request_, people):
    with pytest.raises(PermissionDenied):
        decide(request_, people["staff"])
    assert MoneyDecision.objects.get().state == MoneyState.PENDING


@pytest.mark.django_db
def test_an_owner_never_decides_their_own_request(people):
    (case,) = import_label_only_cases(1)
    own = money.request_money_decision(case, actor=people["owner"], kind="discount", amount="5", reason="x")
    with pytest.raises(PermissionDenied):
        decide(own, people["owner"])
    assert MoneyDecision.objects.get().state == MoneyState.PENDING


@pytest.mark.django_db
def test_the_database_refuses_a_decision_by_the_requester(request_, people):
    with pytest.raises(IntegrityError), transaction.atomic():
        MoneyDecision.objects.filter(pk=request_.pk).update(
            state=MoneyState.APPROVED, decided_by=people["staff"], decided_at=request_.requested_at
        )


@pytest.mark.django_db
def test_an_owner_approves_once_and_a_second_decision_is_refused(request_, people):
    decided = decide(request_, people["owner"])
    assert (decided.state, decided.decided_by) == (MoneyState.APPROVED, people["owner"])
    with pytest.raises(money.AlreadyDecided):
        decide(request_, people["owner2"])
    with pytest.raises(money.AlreadyDecided):
        decide(request_, people["owner2"], approve=False)
    assert MoneyDecision.objects.get().decided_by == people["owner"]
    assert AuditEvent.objects.filter(action="money_approved").count() == 1
    assert AuditEvent.objects.filter(action="money_rejected").count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "seen", [{"seen_amount": "19.90"}, {"seen_reason": "Something else"}, {"seen_version": 2}]
)
def test_an_approval_is_tied_to_the_amount_and_reason_seen(request_, people, seen):
    with pytest.raises(money.AlreadyDecided):
        decide(request_, people["owner"], **seen)
    assert MoneyDecision.objects.get().state == MoneyState.PENDING


@pytest.mark.django_db
def test_editing_an_approved_request_voids_the_approval(request_, people):
    decide(request_, people["owner"])
    edited = money.edit_money_request(request_, actor=people["staff"], amount="40.00", reason="Never arrived")
    assert (edited.state, edited.decided_by, edited.version) == (MoneyState.PENDING, None, 2)
    voided = AuditEvent.objects.get(action="money_approval_voided")
    assert voided.changes["approved"]["amount"] == "29.90"
    # The old approval form (version 1, 29.90) cannot approve the new amount.
    with pytest.raises(money.AlreadyDecided):
        decide(request_, people["owner"])
    decided = decide(edited, people["owner"])
    assert (decided.state, decided.amount) == (MoneyState.APPROVED, Decimal("40.00"))


@pytest.mark.django_db
def test_a_rejected_request_is_final(request_, people):
    decide(request_, people["owner"], approve=False)
    with pytest.raises(ValidationError):
        money.edit_money_request(request_, actor=people["staff"], amount="1", reason="again")


@pytest.mark.django_db
def test_only_the_requester_or_an_owner_edits_a_request(request_):
    other = UserFactory(username="sam", role="Staff")
    with pytest.raises(PermissionDenied):
        money.edit_money_request(request_, actor=other, amount="1", reason="mine now")
    assert MoneyDecision.objects.get().amount == Decimal("29.90")


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "reason"), [("-1", "r"), ("abc", "r"), ("5", " ")])
def test_a_request_needs_a_real_amount_and_a_reason(people, amount, reason):
    (case,) = import_label_only_cases(1)
    with pytest.raises(ValidationError):
        money.request_money_decision(case, actor=people["staff"], kind="refund", amount=amount, reason=reason)
    assert MoneyDecision.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_owners_approving_at_the_same_moment_give_exactly_one_decision():
    """Two threads, two database connections, both past their checks before either UPDATE runs."""
    staff = UserFactory(username="stan", role="Staff")
    owners = [
        verified(UserFactory(username="olga", role="Owner")),
        verified(UserFactory(username="otto", role="Owner")),
    ]
    (case,) = import_label_only_cases(1, label_days_ago=7)
    request = money.request_money_decision(case, actor=staff, kind="refund", amount="29.90", reason="lost")
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def approve(owner):
        try:
            barrier.wait(timeout=10)
            decide(request, owner)
            results[owner.username] = "approved"
        except money.AlreadyDecided:
            results[owner.username] = "refused"
        except Exception as exc:  # surfaced by the assertion below
            results[owner.username] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results.values()) == ["approved", "refused"], results
    decided = MoneyDecision.objects.get()
    assert decided.state == MoneyState.APPROVED
    assert decided.decided_by.username == next(name for name, r in results.items() if r == "approved")
    assert AuditEvent.objects.filter(action="money_approved").count() == 1
    assert Outcome.objects.filter(kind=money.MONEY_APPROVED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_owners_racing_through_two_open_transactions_on_postgres():
    """Deterministic interleaving: owner A's UPDATE holds the row lock inside an open transaction; owner
    B's conditional UPDATE on a second connection waits, then finds the row no longer pending."""
    staff = UserFactory(username="stan", role="Staff")
    a, b = (
        verified(UserFactory(username="olga", role="Owner")),
        verified(UserFactory(username="otto", role="Owner")),
    )
    (case,) = import_label_only_cases(1, label_days_ago=7)
    request = money.request_money_decision(case, actor=staff, kind="refund", amount="29.90", reason="lost")
    b_result = {}
    a_holds_lock = threading.Event()

    def owner_b():
        try:
            a_holds_lock.wait(timeout=10)
            decide(request, b)
            b_result["r"] = "approved"
        except money.AlreadyDecided:
            b_result["r"] = "refused"
        finally:
            connections.close_all()

    thread = threading.Thread(target=owner_b)
    thread.start()
    with transaction.atomic():
        decide(request, a)
        a_holds_lock.set()
        thread.join(timeout=1.5)
        assert thread.is_alive(), "B should be waiting on A's row lock"
    thread.join(timeout=15)
    assert b_result == {"r": "refused"}
    assert MoneyDecision.objects.get().decided_by == a


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_refuses_update_and_delete_of_audit_events():
    UserFactory(username="stan", role="Staff")
    import_label_only_cases(1)
    assert AuditEvent.objects.exists()
    for sql in ("UPDATE cases_auditevent SET reason = 'x'", "DELETE FROM cases_auditevent"):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().update(reason="x")
