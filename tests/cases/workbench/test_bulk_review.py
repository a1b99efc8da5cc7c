"""The bulk review of fast-lane drafts (cases.workbench.bulk, bulk_view): drawn from the queue's action or a
saved view, other lanes left out and named; the ticked replies marked as sent in one action, each guarded
by rules.md section 8 and recorded as its own outcome and audit event; a case whose packet changed since the
page was drawn left out and named; a fixed number of queries whatever the number of cases."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.choices import Direction
from cases.models import AuditEvent, Case, CustomerMessage, Outcome, SentReply
from cases.workbench.bulk import MAX_CASES, Reviewed, mark_sent_in_bulk
from tests.factories import UserFactory
from tests.helpers.lanes import FINE, PROMISE, import_lane_cases
from tests.helpers.workbench import counts

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:cases_case_changelist")
BULK = reverse("admin:cases_case_bulk_review")


def choose(client, cases):
    """The queue's action "Review drafts in bulk" over `cases`."""
    return client.post(
        QUEUE, {"action": "review_in_bulk", "index": "0", "_selected_action": [c.pk for c in cases]}
    )


def page_post(response, *, send, texts=None):
    """What the drawn page posts back: every text as drawn (or edited in `texts`), `send` ticked."""
    context = response.context
    data = {"drawn": context["drawn"], "view": context["view"], "send": [c.pk for c in send]}
    for row in context["rows"]:
        data[f"text-{row.pk}"] = (texts or {}).get(row.pk, row.text)
    return data


@pytest.fixture
def three_fast(db):
    return import_lane_cases("fast", "fast", "fast")


def test_the_action_draws_fast_lane_drafts_and_names_the_cases_left_out(client, staff):
    fast, refund, exception = import_lane_cases("fast", "refund", "exception")
    client.force_login(staff)
    response = choose(client, [fast, refund, exception])
    assert response.status_code == 200
    assert [row.pk for row in response.context["rows"]] == [fast.pk]
    page = response.content.decode()
    assert "#L1</strong>: owner-only: a refund request or a dispute is on it" in page
    assert "#L2</strong>: standard: carrier exception is not a fast case type" in page
    # Each draft beside its case's key facts and its customer's waiting message.
    assert f'id="text-{fast.pk}"' in page and "no new carrier update since" in page.lower()
    assert "where is my order?" in page and "stale in transit; next move draft update" in page
    assert response.context["drawn"] == f"{fast.pk}:{fast.packet_digest}"


def test_ticked_replies_are_marked_sent_each_with_its_own_outcome_audit_event_and_lane(
    client, staff, three_fast
):
    client.force_login(staff)
    drawn = choose(client, three_fast)
    first, second, third = three_fast
    edited = "We have no new carrier update; we are checking with the carrier and will write again."
    response = client.post(BULK, page_post(drawn, send=[first, second], texts={second.pk: edited}))
    assert response.status_code == 200  # the third, unticked, is drawn again
    assert [row.pk for row in response.context["rows"]] == [third.pk]
    sent = CustomerMessage.objects.filter(direction=Direction.OUTBOUND)
    assert {(m.order_id, m.text) for m in sent} == {
        (first.order_id, first.packet["draft_reply"]),
        (second.order_id, edited),
    }
    for case in (first, second):
        assert Outcome.objects.filter(case=case, kind="customer_updated", by=staff).count() == 1
        event = AuditEvent.objects.get(action="reply_marked_sent", object_id=str(case.pk))
        assert event.changes["lane"] == "fast" and event.changes["in_bulk"] is True and event.actor == staff
        reply = SentReply.objects.get(case=case)
        assert (reply.lane, reply.in_bulk, reply.by) == ("fast", True, staff)
        case.refresh_from_db()
        assert case.waiting_since is None and case.draft_text == ""  # re-assessed: answered
    assert AuditEvent.objects.get(object_id=str(second.pk), action="reply_marked_sent").changes["edited"]
    assert not Outcome.objects.filter(case=third).exists()


def test_when_every_drawn_reply_went_out_the_page_goes_back_to_the_fast_lane(client, staff, three_fast):
    client.force_login(staff)
    drawn = choose(client, three_fast)
    response = client.post(BULK, page_post(drawn, send=three_fast))
    assert response.status_code == 302 and "lane=fast" in response["Location"]
    assert Outcome.objects.count() == 3


def test_the_guard_checks_every_draft_and_refuses_only_those_that_break_it(client, staff, three_fast):
    client.force_login(staff)
    drawn = choose(client, three_fast)
    first, second, third = three_fast
    response = client.post(BULK, page_post(drawn, send=three_fast, texts={second.pk: PROMISE}))
    assert [row.pk for row in response.context["rows"]] == [second.pk]
    row = response.context["rows"][0]
    assert row.text == PROMISE and {v.code for v in row.violations} == {"delivery_promise"}
    page = response.content.decode()
    assert f'id="bulk-violations-{second.pk}"' in page
    assert "#L1 left out: it breaks the reply rules (rules.md section 8)" in page
    assert not Outcome.objects.filter(case=second).exists()
    assert Outcome.objects.filter(case__in=[first, third]).count() == 2


def test_a_case_whose_packet_changed_since_the_page_was_drawn_is_left_out_and_named(
    client, staff, three_fast
):
    client.force_login(staff)
    drawn = choose(client, three_fast)
    first, second, third = three_fast
    # New facts arrive for the second case while the page is open: its packet changes.
    Case.objects.filter(pk=second.pk).update(packet_digest="0" * 32)
    response = client.post(BULK, page_post(drawn, send=[first, second]))
    page = response.content.decode()
    assert "#L1 left out: its packet changed since the page was drawn" in page
    rows = {row.pk: row for row in response.context["rows"]}
    assert set(rows) == {second.pk, third.pk}  # the unticked third is drawn again too
    assert rows[second.pk].stale and not rows[third.pk].stale
    assert f'class="bulk-case stale" id="bulk-case-{second.pk}"' in page
    assert not Outcome.objects.filter(case=second).exists()
    assert Outcome.objects.filter(case=first).count() == 1
    # Drawn again, it carries its new digest: ticked now, it goes out.
    again = client.post(BULK, page_post(response, send=[second]))
    assert Outcome.objects.filter(case=second).count() == 1 and again.status_code in (200, 302)


def test_an_owner_only_case_posted_to_the_bulk_review_is_left_out_for_staff(client, staff):
    (refund,) = import_lane_cases("refund")
    client.force_login(staff)
    before = counts()
    forged = {"drawn": f"{refund.pk}:{refund.packet_digest}", "send": [refund.pk], f"text-{refund.pk}": FINE}
    response = client.post(BULK, forged)
    assert "#L0 left out: it is not in the fast lane (owner-only" in response.content.decode()
    assert counts() == before and not SentReply.objects.exists()


def test_the_service_leaves_out_an_owner_only_case_even_for_an_owner(owner):
    # The bulk review is the fast lane's: an owner answers an owner-only case on its own page.
    (refund,) = import_lane_cases("refund")
    result = mark_sent_in_bulk(actor=owner, replies=[Reviewed(refund.pk, refund.packet_digest, FINE)])
    assert not result.sent and result.left_out[0][0] == "#L0" and "owner-only" in result.left_out[0][1]


def test_empty_and_unknown_replies_are_named(staff, three_fast):
    first = three_fast[0]
    result = mark_sent_in_bulk(
        actor=staff,
        replies=[Reviewed(first.pk, first.packet_digest, "  "), Reviewed(99999, "", FINE)],
    )
    assert result.left_out == [("#L0", "The reply is required."), ("case 99999", "no such case")]
    assert not result.sent


def test_people_without_the_workbench_are_refused(client, three_fast):
    client.force_login(UserFactory(username="vera"))
    assert client.get(BULK).status_code == 403
    forged = {"drawn": f"{three_fast[0].pk}:{three_fast[0].packet_digest}", "send": [three_fast[0].pk]}
    assert client.post(BULK, forged).status_code == 403
    assert not Outcome.objects.exists()


def test_nothing_ticked_sends_nothing_and_says_so(client, staff, three_fast):
    client.force_login(staff)
    drawn = choose(client, three_fast)
    response = client.post(BULK, page_post(drawn, send=[]))
    assert response.status_code == 400 and "Tick the replies you reviewed" in response.content.decode()
    assert not Outcome.objects.exists()


def test_a_page_list_that_cannot_be_read_is_refused(client, staff):
    client.force_login(staff)
    response = client.post(BULK, {"drawn": "12:abc,x:y", "send": ["12"]})
    assert response.status_code == 400 and "cannot be read" in response.content.decode()


def test_the_saved_view_url_draws_the_views_fast_lane_cases(client, staff):
    fast, refund, _, other = import_lane_cases("fast", "refund", "exception", "fast")
    client.force_login(staff)
    response = client.get(BULK, {"view": "fast-lane"})
    assert {row.pk for row in response.context["rows"]} == {fast.pk, other.pk}
    assert response.context["view"] == "fast-lane" and not response.context["left_out"]
    # A view of every lane (customer support) still draws only its fast-lane cases.
    support = client.get(BULK, {"view": "customer-support"})
    assert {row.pk for row in support.context["rows"]} == {fast.pk, other.pk}
    assert client.get(BULK, {"view": "nope"}).status_code == 400
    chosen = client.get(BULK, {"cases": f"{fast.pk},{refund.pk}"})
    assert [row.pk for row in chosen.context["rows"]] == [fast.pk]
    assert chosen.context["left_out"][0][0] == "#L1"


def queries(client, callable_):
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_drawing_and_sending_run_a_fixed_number_of_queries(client, staff):
    small = import_lane_cases("fast", "fast")
    large = import_lane_cases(*["fast"] * 8, first=10)
    client.force_login(staff)
    choose(client, small)  # warm the per-process caches
    drawn_small = queries(client, lambda: choose(client, small))
    drawn_large = queries(client, lambda: choose(client, large))
    assert drawn_small == drawn_large
    viewed = [queries(client, lambda: client.get(BULK, {"view": "fast-lane"})) for _ in range(2)]
    assert viewed[0] == viewed[1]
    page_small, page_large = choose(client, small), choose(client, large)
    sent_small = queries(client, lambda: client.post(BULK, page_post(page_small, send=small)))
    sent_large = queries(client, lambda: client.post(BULK, page_post(page_large, send=large)))
    assert sent_small == sent_large
    assert Outcome.objects.count() == 10


def test_a_page_of_the_largest_size_fits_the_fields_a_request_may_carry():
    # Two fields a case (its text, its tick), the drawn list, the view and the CSRF token.
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS >= 2 * MAX_CASES + 3


def test_more_than_the_largest_page_is_refused_by_the_service(staff):
    with pytest.raises(Exception, match="At most 500"):
        mark_sent_in_bulk(actor=staff, replies=[Reviewed(n, "", FINE) for n in range(MAX_CASES + 1)])


def test_a_case_answered_before_shows_when_its_last_reply_went_out(client, staff, three_fast):
    # A stale parcel keeps asking for an update (rules.md section 5): the reader sees the last one sent.
    first, second, _ = three_fast
    client.force_login(staff)
    client.post(BULK, page_post(choose(client, three_fast), send=[first]))
    rows = {row.pk: dict(row.facts) for row in choose(client, [first, second]).context["rows"]}
    assert rows[first.pk]["last reply"] != "none yet" and rows[second.pk]["last reply"] == "none yet"
    assert "waiting since" not in rows[first.pk] and "waiting since" in rows[second.pk]
