"""The lanes on stored cases (cases.workbench.lanes): the queue's filter agrees with the pure function, and a
case in the owner-only lane is answered only by an owner with a verified session, on every path: the case
page's actions, the services, an agent's outcome accepted; nothing is written when refused."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cases.assessment import vocabulary as v
from cases.models import AuditEvent, Case, CustomerMessage, Outcome, SentReply
from cases.services import agent_proposals
from cases.workbench import services
from cases.workbench.lanes import FAST, OWNER_ONLY, STANDARD, OwnerOnlyCase, case_lane, lane_q
from policies.lanes import DEFAULT_SETTINGS, LaneSettings, lane_of, money_or_dispute
from policies.models import Policy
from policies.services import activate, create_draft
from tests.factories import UserFactory
from tests.helpers.agents import propose
from tests.helpers.lanes import FINE, import_lane_cases, stored_case
from tests.helpers.otp import verified_login
from tests.helpers.workbench import counts

pytestmark = pytest.mark.django_db

ROUTES = ("", v.ROUTE_CUSTOMER_SUPPORT, v.ROUTE_REFUND)
SOME_TYPES = (
    v.IN_TRANSIT_CASE,
    v.STALE_IN_TRANSIT,
    v.LABEL_CREATED_ONLY,
    v.WRONG_DESTINATION,
    v.DELIVERED_CONFLICT,
    v.CARRIER_EXCEPTION,
)
SETTINGS = {
    "defaults": DEFAULT_SETTINGS,
    "narrow": LaneSettings(
        fast_case_types=(v.IN_TRANSIT_CASE,),
        fast_max_risk=v.NORMAL_WATCH,
        owner_only_case_types=(),
        owner_only_risks=(v.OWNER_ONLY,),
        owner_only_refunds=False,
    ),
    "wide": LaneSettings(fast_max_risk=v.REVIEW_RISK, owner_only_case_types=(v.CARRIER_EXCEPTION,)),
}


@pytest.mark.parametrize("name", SETTINGS)
def test_the_queues_filter_finds_exactly_the_cases_the_lane_function_names(name):
    settings = SETTINGS[name]
    expected = {}
    for case_type, risk, route in itertools.product(SOME_TYPES, v.RISK_LEVELS, ROUTES):
        case = stored_case(case_type, risk, route)
        expected[case.pk] = lane_of(
            case_type, risk, money_or_dispute=money_or_dispute(route), settings=settings
        )
    expected[stored_case("", "").pk] = STANDARD  # never assessed
    for lane in (FAST, STANDARD, OWNER_ONLY):
        found = set(Case.objects.filter(lane_q(lane, settings)).values_list("pk", flat=True))
        assert found == {pk for pk, named in expected.items() if named == lane}, lane


def test_a_case_with_an_open_dispute_is_never_fast_and_by_default_the_owners():
    # The dispute clock raises such a case to chargeback watch at least (cases.assessment.disputes).
    case = stored_case(v.STALE_IN_TRANSIT, v.CHARGEBACK_WATCH, v.ROUTE_REFUND)
    case.packet = {"dispute": {"status": "needs_response"}}
    case.save()
    assert case_lane(case) == OWNER_ONLY
    assert not Case.objects.filter(lane_q(FAST, DEFAULT_SETTINGS), pk=case.pk).exists()
    # A packet naming an open dispute is never fast, whatever the stored columns say.
    quiet = LaneSettings(owner_only_refunds=False)
    calm = stored_case(v.IN_TRANSIT_CASE, v.NORMAL_WATCH, packet={"dispute": {"status": "submitted"}})
    assert case_lane(Case.objects.get(pk=calm.pk), quiet) == STANDARD


@pytest.fixture
def lanes():
    """A fast case, an owner-only one (a refund request) and a standard one (a carrier exception)."""
    fast, owner_only, standard = import_lane_cases("fast", "refund", "exception")
    assert (case_lane(fast), case_lane(owner_only), case_lane(standard)) == (FAST, OWNER_ONLY, STANDARD)
    return {"fast": fast, "owner_only": owner_only, "standard": standard}


REPLY = "Your parcel is with the carrier. We are checking with the carrier, and refunds are reviewed by us."
ANSWERS = {
    "mark_draft_sent": lambda case, actor: services.mark_draft_sent(case, actor=actor, text=REPLY),
    "mark_customer_updated": lambda case, actor: services.mark_customer_updated(
        case, actor=actor, note="Told them by phone."
    ),
    "resolve": lambda case, actor: services.resolve(case, actor=actor, ending="resolved"),
}


@pytest.mark.parametrize("answer", ANSWERS)
def test_staff_cannot_answer_an_owner_only_case_and_nothing_is_written(lanes, staff, answer):
    before = counts()
    with pytest.raises(OwnerOnlyCase, match=r"owner-only lane .*refund request.*only an owner may"):
        ANSWERS[answer](lanes["owner_only"], staff)
    assert counts() == before and not SentReply.objects.exists()
    assert Case.objects.get(pk=lanes["owner_only"].pk).status == "open"


@pytest.mark.parametrize("answer", ANSWERS)
def test_an_owner_with_a_verified_session_answers_it(lanes, owner, answer):
    ANSWERS[answer](lanes["owner_only"], owner)
    assert Outcome.objects.filter(case=lanes["owner_only"], by=owner).exists()


def test_an_owner_whose_session_is_not_verified_is_refused_and_told_why(lanes):
    unverified = UserFactory(username="oona", role="Owner")
    with pytest.raises(PermissionDenied, match="second factor"):
        ANSWERS["mark_draft_sent"](lanes["owner_only"], unverified)
    assert not CustomerMessage.objects.filter(direction="outbound").exists()


@pytest.mark.parametrize("lane", ["fast", "standard"])
@pytest.mark.parametrize("answer", ANSWERS)
def test_staff_answer_fast_and_standard_cases_as_always(lanes, staff, lane, answer):
    ANSWERS[answer](lanes[lane], staff)
    assert Outcome.objects.filter(case=lanes[lane], by=staff).exists()


def test_the_shell_answers_any_case(lanes):
    services.resolve(lanes["owner_only"], actor=None, ending="resolved")
    assert Case.objects.get(pk=lanes["owner_only"].pk).status == "resolved"


def test_a_reply_marked_sent_keeps_its_lane_and_the_customers_wait(lanes, staff, owner):
    services.mark_draft_sent(lanes["fast"], actor=staff, text=FINE)
    services.mark_customer_updated(lanes["owner_only"], actor=owner, note="Called them back.")
    fast, owners = SentReply.objects.get(case=lanes["fast"]), SentReply.objects.get(case=lanes["owner_only"])
    assert (fast.lane, fast.in_bulk, fast.by, owners.lane) == ("fast", False, staff, "owner_only")
    # The customer wrote a day before: about 86,400 seconds.
    assert 86_000 < fast.waited_seconds < 87_000
    assert AuditEvent.objects.get(action="reply_marked_sent").changes["lane"] == "fast"


# --- the case page ------------------------------------------------------------------------------------

POSTS = {
    "mark_sent": {"text": REPLY},
    "mark_customer_updated": {"note": "called them"},
    "resolve": {"ending": "resolved"},
}


def case_url(case):
    return reverse("admin:cases_case_change", args=[case.pk])


@pytest.mark.parametrize("action", POSTS)
def test_staffs_post_on_an_owner_only_case_page_is_refused_with_the_reason(client, lanes, staff, action):
    client.force_login(staff)
    before = counts()
    response = client.post(case_url(lanes["owner_only"]), {"action": action, **POSTS[action]})
    assert response.status_code == 403
    assert "owner-only lane" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize("action", POSTS)
def test_an_owners_post_on_it_is_done(client, lanes, owner, action):
    verified_login(client, owner)
    response = client.post(case_url(lanes["owner_only"]), {"action": action, **POSTS[action]})
    assert response.status_code == 302
    assert Outcome.objects.filter(case=lanes["owner_only"], by=owner).exists()


def test_the_page_names_the_lane_and_offers_staff_no_answer_on_an_owner_only_case(client, lanes, staff):
    client.force_login(staff)
    page = client.get(case_url(lanes["owner_only"])).content.decode()
    assert 'data-lane="owner_only"' in page and "a refund request or a dispute is on it" in page
    assert 'id="mark-sent"' not in page and 'id="resolve"' not in page
    assert 'id="mark-customer-updated"' not in page and 'id="owner-lane-note"' in page
    assert 'id="save-draft"' in page  # staff still prepare the reply
    fast = client.get(case_url(lanes["fast"])).content.decode()
    assert 'data-lane="fast"' in fast and 'id="mark-sent"' in fast and "bulk-review/?cases=" in fast


def test_an_owner_sees_the_answers_on_an_owner_only_case(client, lanes, owner):
    verified_login(client, owner)
    page = client.get(case_url(lanes["owner_only"])).content.decode()
    assert 'id="mark-sent"' in page and 'id="resolve"' in page


# --- an agent's proposal ------------------------------------------------------------------------------


def test_staff_cannot_accept_an_agents_outcome_for_an_owner_only_case(client, lanes, staff):
    proposal = propose(lanes["owner_only"], "outcome", "It arrived.", ending="delivered")
    with pytest.raises(OwnerOnlyCase):
        agent_proposals.accept(proposal, actor=staff)
    proposal.refresh_from_db()
    assert proposal.state == "pending" and Case.objects.get(pk=lanes["owner_only"].pk).status == "open"
    client.force_login(staff)
    page = client.get(case_url(lanes["owner_only"])).content.decode()
    assert f'id="accept-proposal-{proposal.pk}"' not in page
    response = client.post(
        case_url(lanes["owner_only"]),
        {"action": "accept_proposal", "proposal": proposal.pk, "text": "It arrived."},
    )
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.state == "pending" and not Outcome.objects.exists()


def test_an_owner_accepts_it(lanes, owner):
    proposal = propose(lanes["owner_only"], "outcome", "It arrived.", ending="delivered")
    agent_proposals.accept(proposal, actor=owner)
    assert Case.objects.get(pk=lanes["owner_only"].pk).status == "resolved"


def test_staff_still_accept_an_agents_draft_for_an_owner_only_case(lanes, staff):
    # A draft is not sent: the owner marks it as sent.
    proposal = propose(lanes["owner_only"], "draft", REPLY)
    agent_proposals.accept(proposal, actor=staff)
    assert Case.objects.get(pk=lanes["owner_only"].pk).draft_text == REPLY


# --- the policy decides ---------------------------------------------------------------------------------


def test_a_newly_activated_version_moves_the_lanes_at_once(lanes, staff, owner):
    active = Policy.objects.get(is_active=True)
    draft = create_draft(
        base=active,
        actor=owner,
        changes={"lane_owner_only_case_types": ["stale_in_transit"], "lane_fast_case_types": ["in_transit"]},
    )
    activate(draft, actor=owner)
    assert case_lane(Case.objects.get(pk=lanes["fast"].pk)) == OWNER_ONLY
    with pytest.raises(OwnerOnlyCase, match="it is stale in transit"):
        services.mark_draft_sent(lanes["fast"], actor=staff, text=FINE)
    event = AuditEvent.objects.get(action="policy_activated")
    assert event.changes["lanes"]["owner-only: case types"] == [
        "wrong destination, delivered conflict",
        "stale in transit",
    ]


# --- the queue ------------------------------------------------------------------------------------------


def test_the_queue_filters_by_lane_and_has_the_saved_views(client, lanes, staff):
    client.force_login(staff)
    queue = reverse("admin:cases_case_changelist")
    for lane, case in (("fast", "fast"), ("owner_only", "owner_only"), ("standard", "standard")):
        shown = client.get(queue, {"lane": lane}).context["cl"].result_list
        assert [c.pk for c in shown] == [lanes[case].pk], lane
    page = client.get(queue).content.decode()
    assert 'id="view-fast-lane"' in page and 'id="view-owner-lane"' in page
    assert 'id="bulk-review-fast-lane"' in page
