"""The agents' API's read routes answer what the data says: the queue and each of its filters, its
cursor pages in the queue's order, one case's packet, timeline and parcels, suppliers, the scorecard,
the policy and what-if runs; a fixed number of queries per page, whatever its length."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.api import reads
from cases.api.schemas import CasePacket, CasePage, CaseParcels, CaseTimeline
from cases.assessment import vocabulary as v
from cases.choices import EvidenceKind
from cases.models import AgentProposal, Case
from cases.services import agent_proposals
from cases.workbench import services as workbench
from policies.models import CountryOverride, Policy, SupplierOverride, WhatIfRun
from policies.services import create_draft
from policies.values import POLICY_FIELDS
from staletrack.api import payload
from staletrack.cursors import encode_cursor
from suppliers.models import Supplier, WeeklyRollup
from suppliers.services import build_weekly_rollups
from tests.factories import SupplierFactory, UserFactory
from tests.helpers.api_calls import get, walk_pages
from tests.helpers.api_cases import queue_cases, queue_order, stored_case
from tests.helpers.known_week import WEEK

pytestmark = pytest.mark.django_db


def order_ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["order_id"] for row in response.json()["items"]}


def refused_fields(response) -> set[str]:
    """The fields a 422 names (the last part of each error's loc)."""
    assert response.status_code == 422, response.content
    return {error["loc"][-1] for error in response.json()["detail"]}


# --- the queue and its filters ------------------------------------------------------------------


@pytest.fixture
def zoo(staff):
    """Six cases, each filter's subset known from the fields (see FILTERS)."""
    vera = UserFactory(username="vera")
    hour_ago = timezone.now() - timedelta(hours=1)
    return {
        "#Z1": stored_case("#Z1", days_old=1, case_type=v.IN_TRANSIT_CASE, next_move=v.WAIT),
        "#Z2": stored_case(
            "#Z2",
            supplier="Bright",
            sku="B-1",
            days_old=10,
            status="held",
            case_type=v.CARRIER_EXCEPTION,
            risk_level=v.REFUND_RISK,
            next_move=v.PREPARE_REFUND_REVIEW,
            route=v.ROUTE_REFUND,
            flags=[v.FLAG_CUSTOMER_WAITING],
            waiting_since=hour_ago,
            assignee=staff,
            held_until=timezone.now() + timedelta(days=2),
        ),
        "#Z3": stored_case(
            "#Z3",
            sku="A-2",
            days_old=20,
            case_type=v.STALE_IN_TRANSIT,
            risk_level=v.CUSTOMER_UPDATE,
            next_move=v.DRAFT_UPDATE,
            route=v.ROUTE_CUSTOMER_SUPPORT,
            flags=[v.FLAG_CUSTOMER_WAITING, v.FLAG_LABEL_ONLY],
            unassessable_since=timezone.now(),
            unassessable_reason="The tracking file had no events.",
        ),
        "#Z4": stored_case(
            "#Z4",
            supplier="Bright",
            sku="B-1",
            days_old=40,
            status="resolved",
            case_type=v.DELIVERED_CASE,
            next_move=v.CLOSE,
            parcel_case_types=[v.DELIVERED_CASE, v.STALE_IN_TRANSIT],
            assignee=vera,
        ),
        "#Z5": stored_case(
            "#Z5",
            supplier="Bright",
            sku="B-2",
            days_old=5,
            case_type=v.LABEL_CREATED_ONLY,
            risk_level=v.SUPPLIER_CHASE,
            next_move=v.CHASE_SUPPLIER,
            route=v.ROUTE_SUPPLIER_DELAY,
            flags=[v.FLAG_LABEL_ONLY],
            assignee=staff,
        ),
        "#Z6": stored_case(
            "#Z6",
            days_old=8,
            case_type=v.CARRIER_EXCEPTION,
            risk_level=v.OWNER_ONLY,
            next_move=v.ESCALATE,
            route=v.ROUTE_LOST_PACKAGE,
            flags=[v.FLAG_PROOF_CONFLICT],
            requires_owner_approval=True,
        ),
    }


ALL = {"#Z1", "#Z2", "#Z3", "#Z4", "#Z5", "#Z6"}
FILTERS = [
    ({"status": "open"}, {"#Z1", "#Z3", "#Z5", "#Z6"}),
    ({"status": "held"}, {"#Z2"}),
    ({"status": "resolved"}, {"#Z4"}),
    ({"case_type": "carrier_exception"}, {"#Z2", "#Z6"}),
    ({"case_type": "stale_in_transit"}, {"#Z3"}),
    # The case's own type, or any of its parcels' (an order in several parcels).
    ({"parcel_case_type": "stale_in_transit"}, {"#Z3", "#Z4"}),
    ({"parcel_case_type": "delivered"}, {"#Z4"}),
    ({"risk_level": "normal_watch"}, {"#Z1", "#Z4"}),
    ({"risk_level": "owner_only"}, {"#Z6"}),
    ({"next_move": "draft_update"}, {"#Z3"}),
    ({"next_move": "chase_supplier"}, {"#Z5"}),
    ({"route": "lost_package"}, {"#Z6"}),
    ({"route": "refund"}, {"#Z2"}),
    ({"sku": "B-1"}, {"#Z2", "#Z4"}),
    ({"sku": "B"}, set()),  # exact, not a prefix
    ({"flag": "customer_waiting"}, {"#Z2", "#Z3"}),
    ({"flag": "label_only"}, {"#Z3", "#Z5"}),
    ({"flag": "recycled_tracking"}, set()),
    ({"age": "0-3"}, {"#Z1"}),
    ({"age": "3-7"}, {"#Z5"}),
    ({"age": "7-14"}, {"#Z2", "#Z6"}),
    ({"age": "14-30"}, {"#Z3"}),
    ({"age": "30+"}, {"#Z4"}),
    ({"assignee": "stan"}, {"#Z2", "#Z5"}),
    ({"assignee": "vera"}, {"#Z4"}),
    ({"assignee": "none"}, {"#Z1", "#Z3", "#Z6"}),
    ({"assignee": "nobody-by-that-name"}, set()),
    ({"unassessable": "true"}, {"#Z3"}),
    ({"unassessable": "false"}, ALL - {"#Z3"}),
    ({"order": "#Z3"}, {"#Z3"}),
    ({"order": "#Z"}, set()),
    # All together: each narrows.
    ({"status": "open", "flag": "label_only"}, {"#Z3", "#Z5"}),
    ({"status": "open", "flag": "label_only", "assignee": "none"}, {"#Z3"}),
    ({"case_type": "carrier_exception", "status": "held", "sku": "B-1"}, {"#Z2"}),
]


def test_the_whole_queue_is_every_case(client, raw, zoo):
    assert order_ids(get(client, raw, "/api/cases")) == ALL


@pytest.mark.parametrize(("filters", "expected"), FILTERS, ids=[str(f) for f, _ in FILTERS])
def test_each_filter_narrows_the_queue_to_the_cases_it_names(client, raw, zoo, filters, expected):
    assert order_ids(get(client, raw, "/api/cases", **filters)) == expected


def test_the_supplier_filter_takes_the_suppliers_id(client, raw, zoo):
    bright = Supplier.objects.get(name="Bright")
    assert order_ids(get(client, raw, "/api/cases", supplier=bright.pk)) == {"#Z2", "#Z4", "#Z5"}
    assert order_ids(get(client, raw, "/api/cases", supplier=SupplierFactory(name="Idle").pk)) == set()


@pytest.mark.parametrize(
    "filters",
    [
        {"status": "closed"},
        {"case_type": "lost"},
        {"parcel_case_type": "STALE_IN_TRANSIT"},
        {"risk_level": "high"},
        {"next_move": "refund"},
        {"route": "money"},
        {"flag": "urgent"},
        {"age": "1-2"},
        {"supplier": "Bright"},
        {"supplier": "0"},
        {"supplier": str(2**63)},
        {"unassessable": "maybe"},
        {"sku": ""},
        {"sku": "x" * 301},
        {"sku": "A\x00"},
        {"order": "#" * 65},
        {"order": "#Z1\x00"},
        {"assignee": "stan\x00"},
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "ten"},
    ],
    ids=str,
)
def test_a_filter_value_the_queue_does_not_know_is_refused_naming_the_filter(client, raw, filters):
    assert refused_fields(get(client, raw, "/api/cases", **filters)) == set(filters)


def test_a_row_says_what_the_case_says(client, raw, zoo):
    (row,) = get(client, raw, "/api/cases", order="#Z2").json()["items"]
    case = zoo["#Z2"]
    bright = Supplier.objects.get(name="Bright")
    assert row["id"] == case.pk
    assert (row["status"], row["case_type"], row["risk_level"]) == (
        "held",
        "carrier_exception",
        "refund_risk",
    )
    assert (row["next_move"], row["route"], row["flags"]) == (
        "prepare_refund_review",
        "refund",
        ["customer_waiting"],
    )
    assert (row["supplier_id"], row["supplier"], row["sku"], row["country"]) == (
        bright.pk,
        "Bright",
        "B-1",
        "US",
    )
    assert row["assignee"] == "stan"
    assert row["waiting_since"] == case.waiting_since.isoformat().replace("+00:00", "Z")
    assert row["held_until"] == case.held_until.isoformat().replace("+00:00", "Z")
    assert row["ordered_at"] == case.order.ordered_at.isoformat().replace("+00:00", "Z")
    assert (row["assessed_at"], row["unassessable_reason"], row["requires_owner_approval"]) == (
        None,
        "",
        False,
    )
    (row,) = get(client, raw, "/api/cases", order="#Z3").json()["items"]
    assert (row["assignee"], row["unassessable_reason"]) == (None, "The tracking file had no events.")
    (row,) = get(client, raw, "/api/cases", order="#Z6").json()["items"]
    assert row["requires_owner_approval"] is True


def test_the_queue_comes_in_its_order_risk_then_the_longest_wait(client, raw, zoo):
    rows = get(client, raw, "/api/cases").json()["items"]
    assert [row["order_id"] for row in rows] == ["#Z6", "#Z2", "#Z3", "#Z5", "#Z4", "#Z1"]


# --- cursor pages -------------------------------------------------------------------------------


@pytest.fixture
def queue(db):
    """23 cases: three risk ranks, equal waits, no wait; the queue's order written out again."""
    cases = queue_cases(23, start=timezone.now() - timedelta(days=2))
    return queue_order(cases)


@pytest.mark.parametrize("limit", [1, 2, 4, 7, 22, 23, 24, 200])
def test_the_pages_walk_the_whole_queue_in_its_order_with_no_case_twice_or_missed(client, raw, queue, limit):
    pages = walk_pages(client, raw, "/api/cases", limit=limit)
    ids = [row["id"] for page in pages for row in page]
    assert ids == queue
    assert all(len(page) == limit for page in pages[:-1]) and 0 < len(pages[-1]) <= limit
    assert len(pages) == -(-len(queue) // limit)


def test_the_queue_has_ties_on_rank_and_wait_and_cases_without_a_wait(queue):
    cases = Case.objects.all()
    ranks_and_waits = [(c.risk_rank, c.waiting_since) for c in cases]
    assert len(set(ranks_and_waits)) < len(ranks_and_waits)  # equal rank and wait: the id decides
    assert any(c.waiting_since is None for c in cases) and any(c.waiting_since for c in cases)


def test_the_pages_of_a_filtered_queue_walk_only_its_cases(client, raw, queue):
    chosen = set(Case.objects.filter(risk_rank=v.risk_rank(v.CUSTOMER_UPDATE)).values_list("pk", flat=True))
    pages = walk_pages(client, raw, "/api/cases", limit=2, risk_level="customer_update")
    assert [row["id"] for page in pages for row in page] == [pk for pk in queue if pk in chosen]


def test_a_case_that_moves_up_between_pages_is_not_given_twice(client, raw, queue):
    first = get(client, raw, "/api/cases", limit=5).json()
    seen = [row["id"] for row in first["items"]]
    Case.objects.filter(pk=queue[-1]).update(risk_rank=6, risk_level=v.OWNER_ONLY)
    rest = walk_pages(client, raw, "/api/cases", limit=5, cursor=first["next_cursor"])
    later = [row["id"] for page in rest for row in page]
    assert not set(seen) & set(later)
    assert later == [pk for pk in queue[5:] if pk != queue[-1]]


BAD_CURSORS = [
    "x",
    "!!!!",
    "a" * 501,
    "é",
    encode_cursor([]),
    encode_cursor([1, None]),
    encode_cursor([1, None, 1, 1]),
    encode_cursor(["1", None, 1]),
    encode_cursor([True, None, 1]),
    encode_cursor([-1, None, 1]),
    encode_cursor([2**15, None, 1]),
    encode_cursor([1, None, 0]),
    encode_cursor([1, None, 2**63]),
    encode_cursor([1, None, 1.5]),
    encode_cursor([1, "yesterday", 1]),
    encode_cursor([1, 5, 1]),
    encode_cursor([1, "2026-12-01T10:00:00", 1]),  # no time zone
    encode_cursor([1, "0001-01-01T00:00:00+05:00", 1]),  # year 0 in UTC
    encode_cursor([1, "9999-12-31T23:59:59-05:00", 1]),  # year 10000 in UTC
    encode_cursor([1, "2026-12-01T10:00:00\x00+00:00", 1]),
    "eyJhIjoxfQ",  # {"a":1}
    "bnVsbA",  # null
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_cursor_this_api_did_not_give_is_refused_naming_the_cursor(client, raw, cursor):
    assert refused_fields(get(client, raw, "/api/cases", cursor=cursor)) == {"cursor"}


@pytest.mark.parametrize("path", ["/api/suppliers", "/api/proposals", "/api/whatif", "/api/scorecard"])
@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        encode_cursor([1, 2]),
        encode_cursor([None]),
        encode_cursor([True]),
        encode_cursor([0]),
        encode_cursor(["a\x00"]),
        encode_cursor([{"a": 1}]),
    ],
)
def test_every_list_refuses_a_cursor_it_did_not_give_naming_the_cursor(client, raw, path, cursor):
    assert refused_fields(get(client, raw, path, cursor=cursor)) == {"cursor"}


# --- one case -----------------------------------------------------------------------------------


def test_a_cases_packet_is_its_last_assessment_with_its_reply_draft(client, raw, case, agent, staff):
    body = get(client, raw, f"/api/cases/{case.pk}").json()
    case.refresh_from_db()
    assert body["case"]["id"] == case.pk and body["case"]["order_id"] == case.order.order_id
    assert body["case"]["key_clock"].startswith("label 7 d, window 5 d")
    assert body["case"]["clock_exceeded"] is True
    assert body["packet"] == case.packet and body["packet"]["case_type"] == "label_created_only"
    assert (body["reply_draft"], body["reply_draft_edited"]) == ("", False)  # chase first: no reply yet
    assert (body["policy"], body["pending_proposals"]) == ("v1", 0)

    # Pickup proof makes it a customer update, with the packet's draft.
    workbench.record_proof(case, actor=staff, kind=EvidenceKind.PICKUP_PROOF, text="Carrier receipt 123")
    case.refresh_from_db()
    body = get(client, raw, f"/api/cases/{case.pk}").json()
    assert body["packet"] == case.packet and body["case"]["next_move"] == "draft_update"
    assert body["reply_draft"] == case.packet["draft_reply"] != ""

    agent_proposals.propose(token=agent[0], case=case, kind="note", text="One.")
    agent_proposals.propose(token=agent[0], case=case, kind="note", text="Two.")
    workbench.save_draft(case, actor=staff, text="We asked the supplier for proof.")
    body = get(client, raw, f"/api/cases/{case.pk}").json()
    assert (body["reply_draft"], body["reply_draft_edited"]) == ("We asked the supplier for proof.", True)
    assert body["pending_proposals"] == 2


def test_a_cases_timeline_lists_what_happened_oldest_first(client, raw, case, staff):
    workbench.chase_supplier(case, actor=staff, note="Asked for the pickup scan.")
    body = get(client, raw, f"/api/cases/{case.pk}/timeline").json()
    assert body["case"] == case.pk and body["left_out"] == {}
    kinds = [entry["kind"] for entry in body["entries"]]
    assert kinds[0] == "tracking" and "chase" in kinds and "audit" in kinds
    assert [entry["at"] for entry in body["entries"]] == sorted(entry["at"] for entry in body["entries"])
    label = body["entries"][0]
    assert (
        label["title"].startswith("Carrier: label created")
        and label["detail"]["number"] == "YT2431220000000000"
    )
    chase = next(entry for entry in body["entries"] if entry["kind"] == "chase")
    assert "Asked for the pickup scan." in chase["title"] + chase["text"] and chase["by"] == "stan"


def test_a_cases_parcels_are_its_tracking_numbers_with_their_reading(client, raw, case):
    body = get(client, raw, f"/api/cases/{case.pk}/parcels").json()
    (parcel,) = body["parcels"]
    assert body["case"] == case.pk
    assert (parcel["number"], parcel["carrier"], parcel["headline"], parcel["superseded"]) == (
        "YT2431220000000000",
        "yunexpress",
        True,
        False,
    )
    assert parcel["case_type"] == "label created only" and parcel["flags"] == "label_only"
    assert parcel["last_event"].startswith("label created")


@pytest.mark.parametrize("suffix", ["", "/timeline", "/parcels"])
def test_an_unknown_case_is_404(client, raw, case, suffix):
    for case_id in (case.pk + 1, 2**63 - 1):
        response = get(client, raw, f"/api/cases/{case_id}{suffix}")
        assert response.status_code == 404 and response.json()["detail"]


@pytest.mark.parametrize("case_id", ["0", "-1", "abc", str(2**63), "1.5"])
def test_a_case_id_that_is_no_id_is_refused(client, raw, case_id):
    response = get(client, raw, f"/api/cases/{case_id}")
    assert response.status_code in (404, 422)  # 404: the URL pattern itself does not match
    if response.status_code == 422:
        assert refused_fields(response) == {"case_id"}


# --- suppliers, the scorecard, the policy, what-if runs -----------------------------------------


def test_suppliers_are_listed_by_id_with_their_standing(client, raw):
    acme = SupplierFactory(name="Acme", processing_window_days=4)
    flagged = SupplierFactory(name="Bright", status="flagged", status_reason="Late pickups.")
    body = get(client, raw, "/api/suppliers").json()
    assert body == {
        "items": [
            {
                "id": acme.pk,
                "name": "Acme",
                "status": "active",
                "status_reason": "",
                "processing_window_days": 4,
            },
            {
                "id": flagged.pk,
                "name": "Bright",
                "status": "flagged",
                "status_reason": "Late pickups.",
                "processing_window_days": None,
            },
        ],
        "next_cursor": None,
    }


def test_the_suppliers_pages_walk_every_supplier_once(client, raw):
    made = [SupplierFactory(name=f"S{i:02d}").pk for i in range(11)]
    pages = walk_pages(client, raw, "/api/suppliers", limit=3)
    assert [row["id"] for page in pages for row in page] == made and len(pages) == 4


@pytest.fixture
def built(week):
    """The known week of the rollups (tests.helpers.known_week), its rollups built."""
    build_weekly_rollups(WEEK)


@pytest.mark.parametrize("day", [WEEK, WEEK + timedelta(days=3), WEEK + timedelta(days=6)])
def test_the_scorecard_of_any_day_is_its_weeks_from_monday(client, raw, built, day):
    body = get(client, raw, "/api/scorecard", week=day.isoformat()).json()
    rollups = WeeklyRollup.objects.filter(week_start=WEEK, dimension="supplier").order_by("key")
    assert body["week_start"] == "2026-11-09" and body["dimension"] == "supplier"
    assert [row["key"] for row in body["items"]] == [r.key for r in rollups] == ["Acme", "Bright", "Idle"]
    acme = body["items"][0]
    stored = rollups.get(key="Acme")
    assert (acme["supplier_id"], acme["figures"], acme["notes"]) == (
        stored.supplier_id,
        stored.figures,
        stored.notes,
    )


@pytest.mark.parametrize("dimension", ["sku", "country"])
def test_the_scorecard_of_each_dimension(client, raw, built, dimension):
    body = get(client, raw, "/api/scorecard", week="2026-11-12", dimension=dimension).json()
    stored = WeeklyRollup.objects.filter(week_start=WEEK, dimension=dimension).order_by("key")
    assert body["dimension"] == dimension and stored.exists()
    assert [(row["key"], row["figures"]) for row in body["items"]] == [(r.key, r.figures) for r in stored]
    assert all(row["dimension"] == dimension for row in body["items"])


def test_the_scorecard_without_a_week_is_the_latest_built_and_pages_by_key(client, raw, built):
    body = get(client, raw, "/api/scorecard").json()
    assert body["week_start"] == "2026-11-09"
    pages = walk_pages(client, raw, "/api/scorecard", limit=1)
    assert [row["key"] for page in pages for row in page] == ["Acme", "Bright", "Idle"]


def test_a_week_never_built_has_no_rows(client, raw, built):
    body = get(client, raw, "/api/scorecard", week="2025-01-01").json()
    assert (body["week_start"], body["items"]) == ("2024-12-30", [])


@pytest.mark.parametrize("query", [{"week": "2026-13-01"}, {"week": "last"}, {"dimension": "product"}])
def test_a_scorecard_query_it_cannot_read_is_refused_naming_it(client, raw, query):
    assert refused_fields(get(client, raw, "/api/scorecard", **query)) == set(query)


def test_the_policy_in_force_with_its_numbers_and_overrides(client, raw):
    v1 = Policy.objects.get(is_active=True)
    slow = SupplierFactory(name="Slow Co")
    CountryOverride.objects.create(policy=v1, country="BR", stale_in_transit_days=12)
    SupplierOverride.objects.create(policy=v1, supplier=slow, processing_window_days=6)
    body = get(client, raw, "/api/policy").json()
    assert body["version"] == v1.label and body["note"] == v1.note
    assert [(n["name"], n["value"]) for n in body["numbers"]] == [(n, getattr(v1, n)) for n in POLICY_FIELDS]
    assert all(n["means"] for n in body["numbers"])
    assert body["country_overrides"] == [
        {"applies_to": "BR", "supplier_id": None, "values": {"stale_in_transit_days": 12}}
    ]
    assert body["supplier_overrides"] == [
        {"applies_to": "Slow Co", "supplier_id": slow.pk, "values": {"processing_window_days": 6}}
    ]
    assert "supplier override beats a country override" in body["precedence"]
    assert body["lanes"] == {
        "fast_case_types": ["in_transit", "stale_in_transit", "accepted_no_movement", "label_created_only"],
        "fast_max_risk": "customer_update",
        "owner_only_case_types": ["wrong_destination", "delivered_conflict"],
        "owner_only_risks": ["chargeback_watch", "owner_only"],
        "owner_only_refunds": True,
    }


@pytest.fixture
def runs(owner):
    v1 = Policy.objects.get(is_active=True)
    draft = create_draft(base=v1, actor=owner, changes={"stale_in_transit_days": 10})
    as_of = timezone.now() - timedelta(hours=1)
    done = WhatIfRun.objects.create(
        draft=draft,
        baseline=v1,
        as_of=as_of,
        status="succeeded",
        finished_at=as_of + timedelta(minutes=1),
        open_cases=9,
        assessed=9,
        changed_any=2,
        changed_risk=2,
        risk_lowered=2,
        fast_now=7,
        fast_draft=7,
        standard_now=2,
        standard_draft=2,
        changes=[{"order_id": "#A-8", "risk_level": ["customer_update", "normal_watch"]}],
    )
    waiting = WhatIfRun.objects.create(draft=draft, as_of=as_of)
    return done, waiting


def test_what_if_runs_newest_first_without_their_changes(client, raw, runs):
    done, waiting = runs
    body = get(client, raw, "/api/whatif").json()
    assert [row["id"] for row in body["items"]] == [waiting.pk, done.pk]
    row = body["items"][1]
    assert (row["draft"], row["compared_with"], row["status"]) == (done.draft.label, "v1", "succeeded")
    assert (row["open_cases"], row["changed_any"], row["risk_lowered"]) == (9, 2, 2)
    assert (row["fast_now"], row["standard_draft"], row["lane_changed"]) == (7, 2, 0)
    assert "changes" not in row
    assert body["items"][0]["compared_with"] is None and body["items"][0]["finished_at"] is None
    pages = walk_pages(client, raw, "/api/whatif", limit=1)
    assert [row["id"] for page in pages for row in page] == [waiting.pk, done.pk]


def test_one_what_if_run_with_its_changes(client, raw, runs):
    done, _ = runs
    body = get(client, raw, f"/api/whatif/{done.pk}").json()
    assert body["id"] == done.pk and body["changes"] == done.changes
    assert get(client, raw, f"/api/whatif/{done.pk + 100}").status_code == 404


# --- a fixed number of queries per page ---------------------------------------------------------


@pytest.fixture
def sixty(agent, staff):
    """60 cases (some assigned), each with a proposal of the agent's token: 60 suppliers too."""
    cases = queue_cases(60, start=timezone.now() - timedelta(days=1))
    Case.objects.filter(pk__in=[c.pk for c in cases[::2]]).update(assignee=staff)
    for case in cases:
        agent_proposals.propose(token=agent[0], case=case, kind="note", text=f"Looked at {case.pk}.")
    return cases


def queries_of(client, raw, path, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = get(client, raw, path, **params)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize("path", ["/api/cases", "/api/suppliers", "/api/proposals"])
def test_a_page_takes_the_same_queries_whatever_its_length(client, raw, sixty, path):
    get(client, raw, path)  # the token's last use is written once a minute: not in the pages counted
    short = queries_of(client, raw, path, limit=5)
    long = queries_of(client, raw, path, limit=50)
    assert len(get(client, raw, path, limit=50).json()["items"]) == 50
    assert short == long == 3  # the token, the page (one query with its joins), the call's audit event


def test_the_next_page_takes_no_more_queries_than_the_first(client, raw, sixty):
    get(client, raw, "/api/cases")
    first = get(client, raw, "/api/cases", limit=5).json()
    assert queries_of(client, raw, "/api/cases", limit=5, cursor=first["next_cursor"]) == queries_of(
        client, raw, "/api/cases", limit=5
    )
    assert AgentProposal.objects.count() == 60


def test_the_proposals_page_lists_only_the_tokens_own_newest_first(client, raw, sixty, reader):
    pages = walk_pages(client, raw, "/api/proposals", limit=25)
    ids = [row["id"] for page in pages for row in page]
    assert ids == sorted(AgentProposal.objects.values_list("pk", flat=True), reverse=True)
    assert get(client, reader[1], "/api/proposals").json() == {"items": [], "next_cursor": None}
    assert get(client, raw, "/api/proposals", state="accepted").json()["items"] == []
    assert len(get(client, raw, "/api/proposals", state="pending", limit=200).json()["items"]) == 60


# --- the same bodies outside the API (the MCP tools' results) -----------------------------------


def test_payload_renders_a_read_as_the_api_answers_it(client, raw, case, staff):
    workbench.chase_supplier(case, actor=staff)
    pairs = [
        (CasePage, reads.find_cases(limit=5), "/api/cases?limit=5"),
        (CasePacket, reads.case_packet(case.pk), f"/api/cases/{case.pk}"),
        (CaseTimeline, reads.case_timeline_entries(case.pk), f"/api/cases/{case.pk}/timeline"),
        (CaseParcels, reads.case_parcels(case.pk), f"/api/cases/{case.pk}/parcels"),
    ]
    for schema, data, url in pairs:
        answer = client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").json()
        assert payload(schema, data) == answer, url


@pytest.mark.parametrize("limit", [1, 3, 50])
def test_the_pages_of_a_queue_filtered_on_what_cases_are_walk_them_rank_by_rank_in_order(
    client, raw, queue, limit
):
    """The filters on what a case is (next move, route, case type, a parcel's case type) read the queue rank
    by rank on PostgreSQL (cases.selectors.case_queue.queue_page): the same cases, in the queue's order, each
    once, whatever the page's length; a case whose headline and other parcel both match is given once."""
    cases = list(Case.objects.filter(pk__in=queue))
    for index, case in enumerate(cases):
        case.next_move = (v.NEXT_MOVES[0], v.NEXT_MOVES[1])[index % 2]
        case.case_type = (v.IN_TRANSIT_CASE, v.STALE_IN_TRANSIT)[index % 3 == 0]
        # One in four has another parcel in transit; some of those are in transit themselves (both match).
        case.parcel_case_types = [v.STALE_IN_TRANSIT, v.IN_TRANSIT_CASE] if index % 4 == 1 else []
        case.save(update_fields=["next_move", "case_type", "parcel_case_types"])
    for params, matches in (
        ({"next_move": v.NEXT_MOVES[1]}, lambda c: c.next_move == v.NEXT_MOVES[1]),
        ({"case_type": v.STALE_IN_TRANSIT}, lambda c: c.case_type == v.STALE_IN_TRANSIT),
        (
            {"parcel_case_type": v.IN_TRANSIT_CASE},
            lambda c: c.case_type == v.IN_TRANSIT_CASE or v.IN_TRANSIT_CASE in c.parcel_case_types,
        ),
        (
            {"parcel_case_type": v.STALE_IN_TRANSIT, "next_move": v.NEXT_MOVES[0]},
            lambda c: (
                (c.case_type == v.STALE_IN_TRANSIT or v.STALE_IN_TRANSIT in c.parcel_case_types)
                and c.next_move == v.NEXT_MOVES[0]
            ),
        ),
    ):
        chosen = {case.pk for case in Case.objects.filter(pk__in=queue) if matches(case)}
        pages = walk_pages(client, raw, "/api/cases", limit=limit, **params)
        assert [row["id"] for page in pages for row in page] == [pk for pk in queue if pk in chosen], params
