"""Activating a draft (policies.services.activate): a version and an audit event with the what-if's
counts; the clocks then re-assess exactly the affected cases under it."""

from __future__ import annotations

from unittest import mock

import pytest

from cases.models import AuditEvent, Case
from cases.selectors.evidence import evidence_facts
from cases.services.assessment import refresh_cases, sweep_due_cases
from policies.models import CountryOverride
from policies.services import activate, create_draft, mark_affected_cases_due
from policies.tasks import reassess_after_activation_task
from policies.whatif.engine import what_if
from policies.whatif.runs import start_what_if
from tests.factories import OrderFactory
from tests.helpers.what_if_parcels import AS_OF, MOVING, decisions, parcel


@pytest.mark.django_db
def test_activating_records_a_version_and_an_audit_event_with_the_what_if_counts(
    parcels, longer_transit, owner, v1, django_capture_on_commit_callbacks
):
    start_what_if(longer_transit, actor=owner, as_of=AS_OF)
    with (
        mock.patch("policies.tasks.reassess_after_activation_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        activate(longer_transit, actor=owner, reason="carriers are slow")
    longer_transit.refresh_from_db()
    v1.refresh_from_db()
    assert (longer_transit.is_active, v1.is_active, longer_transit.activated_at is not None) == (
        True,
        False,
        True,
    )
    event = AuditEvent.objects.get(action="policy_activated")
    assert (event.actor, event.object_id, event.reason) == (
        owner,
        str(longer_transit.pk),
        "carriers are slow",
    )
    assert (event.changes["previous"], event.changes["version"]) == ("v1", "v2")
    assert event.changes["what_if"] | {"run": None} == {
        "run": None,
        "as_of": AS_OF.isoformat(),
        "compared_with": "v1",
        "draft_unchanged_since": True,
        "open_cases": 11,
        "assessed": 11,
        "changed_any": 5,
        "changed_case_type": 5,
        "changed_risk": 5,
        "changed_next_move": 5,
        # Stale in transit becomes in transit under the longer window: both fast, no case changes lane.
        "lanes": {"fast": [9, 9], "standard": [2, 2], "owner_only": [0, 0], "changed": 0},
    }
    delay.assert_called_once_with(longer_transit.pk, v1.pk, longer_transit.activated_at.isoformat())


@pytest.mark.django_db
def test_after_activation_the_sweep_makes_exactly_the_predicted_changes(parcels, longer_transit, owner, v1):
    predicted = {c.order_id: c.after for c in what_if(longer_transit, as_of=AS_OF).listed}
    before = {
        case.order.order_id: decisions(case.order.order_id) for case in Case.objects.select_related("order")
    }
    activate(longer_transit, actor=owner)
    with mock.patch("cases.tasks.sweep_due_cases_task.delay") as sweep:
        result = reassess_after_activation_task.run(longer_transit.pk, v1.pk, AS_OF.isoformat())
    # Every open case (the default changed) but the due one, which is due already.
    assert result == {"policy": "v2", "marked_due": 10}
    sweep.assert_called_once_with()
    sweep_due_cases(as_of=AS_OF)
    after = {
        case.order.order_id: decisions(case.order.order_id) for case in Case.objects.select_related("order")
    }
    changed = {order_id: after[order_id] for order_id in after if after[order_id] != before[order_id]}
    # The due case also catches up with v1's own clock; the what-if compared it with that, not the stored row.
    assert changed == {o: a for o, a in predicted.items() if o != "#DUE-8"}
    assert after["#DUE-8"] == MOVING
    assert set(Case.objects.filter(status="open").values_list("policy__version", flat=True)) == {2}
    assert Case.objects.get(order__order_id="#HELD-8").policy.version == 1


@pytest.mark.django_db
def test_only_the_cases_whose_numbers_changed_are_made_due(parcels, owner, v1):
    refresh_cases([parcel("#BR-8", 8, country="BR").pk], as_of=AS_OF)
    sweep_due_cases(as_of=AS_OF)  # the due case catches up first
    draft = create_draft(base=v1, actor=owner)
    CountryOverride.objects.create(policy=draft, country="BR", stale_in_transit_days=10)
    activate(draft, actor=owner)
    at = AS_OF
    assert mark_affected_cases_due(draft, v1, at=at) == 1
    assert mark_affected_cases_due(draft, v1, at=at) == 0  # twice marks nothing more
    assert Case.objects.get(order__order_id="#BR-8").next_assessment_at == at
    sweep_due_cases(as_of=at)
    br = Case.objects.get(order__order_id="#BR-8")
    assert (br.policy.version, decisions("#BR-8")) == (2, MOVING)
    assert Case.objects.filter(policy__version=1, status="open").count() == 11


def test_a_draft_copies_the_refund_terms_and_the_evidence_pack_reads_the_active_ones(owner, v1, db):
    v1.refund_terms = "Refunds within 30 days."
    v1.save(update_fields=["refund_terms"])
    assert create_draft(base=v1, actor=owner).refund_terms == "Refunds within 30 days."
    assert evidence_facts(OrderFactory()).refund_terms == "Refunds within 30 days."
