"""What each lane costs and saves (cases.selectors.home.replies_by_lane, the owner's home): per lane, the
replies recorded as sent in the last weeks, how long their customers had waited, and how many customers
wrote again within a week; one query, shown to owners only."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.choices import Direction
from cases.models import CustomerMessage, SentReply
from cases.selectors.home import replies_by_lane
from staletrack.home import duration_words
from tests.factories import CaseFactory
from tests.helpers.otp import verified_login

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def reply(lane, *, days_ago, waited_hours=None, wrote_again_after_days=None):
    """A reply sent `days_ago`, after the customer waited `waited_hours` (None: nobody waited), and the
    customer's next message `wrote_again_after_days` after it (None: never)."""
    case = CaseFactory()
    sent = NOW - timedelta(days=days_ago)
    message = CustomerMessage.objects.create(
        order=case.order, at=sent, text="reply", direction=Direction.OUTBOUND
    )
    if wrote_again_after_days is not None:
        CustomerMessage.objects.create(
            order=case.order,
            at=sent + timedelta(days=wrote_again_after_days),
            text="still nothing?",
            direction=Direction.INBOUND,
        )
    waited = None if waited_hours is None else int(waited_hours * 3600)
    return SentReply.objects.create(
        case=case, message=message, lane=lane, sent_at=sent, waited_seconds=waited
    )


def test_each_lane_counts_its_replies_their_customers_wait_and_who_came_back():
    reply("fast", days_ago=10, waited_hours=2, wrote_again_after_days=3)  # came back
    reply("fast", days_ago=9, waited_hours=4, wrote_again_after_days=8)  # wrote again, but after a week
    reply("fast", days_ago=8)  # a proactive update: nobody waited
    reply("owner_only", days_ago=5, waited_hours=30, wrote_again_after_days=1)
    reply("fast", days_ago=40, waited_hours=100, wrote_again_after_days=1)  # before the period
    with CaptureQueriesContext(connection) as captured:
        figures = replies_by_lane(since=NOW - timedelta(days=28))
    assert len(captured) == 1
    assert set(figures) == {"fast", "owner_only"}
    fast = figures["fast"]
    assert (fast.replies, fast.waited, fast.came_back) == (3, 2, 1)
    assert (fast.average_wait, fast.longest_wait) == (3 * 3600, 4 * 3600)
    owner_only = figures["owner_only"]
    assert (owner_only.replies, owner_only.came_back, owner_only.longest_wait) == (1, 1, 30 * 3600)


def test_a_message_before_the_reply_is_no_coming_back():
    sent = reply("fast", days_ago=3)
    CustomerMessage.objects.create(
        order=sent.case.order,
        at=sent.sent_at - timedelta(hours=1),
        text="where?",
        direction=Direction.INBOUND,
    )
    assert replies_by_lane(since=NOW - timedelta(days=28))["fast"].came_back == 0


def test_the_owners_home_shows_the_lanes_and_staffs_does_not(client, owner, staff):
    reply("fast", days_ago=2, waited_hours=1.5, wrote_again_after_days=1)
    verified_login(client, owner)
    response = client.get("/admin/")
    rows = {row.lane: row for row in response.context["home"].lanes}
    assert list(rows) == ["fast", "standard", "owner_only"]
    assert (rows["fast"].replies, rows["fast"].average_wait, rows["fast"].came_back_percent) == (
        1,
        "1.5 h",
        "100%",
    )
    assert (rows["standard"].replies, rows["standard"].average_wait, rows["standard"].came_back_percent) == (
        0,
        "—",
        "—",
    )
    page = response.content.decode()
    assert 'id="lane-figures"' in page and "Came back within 7 days" in page
    assert "?lane=fast&amp;status__exact=open" in page
    listed = client.get(rows["fast"].url)
    assert listed.status_code == 200 and listed.context["cl"].result_count == 0  # the queue took the filter
    client.force_login(staff)
    assert client.get("/admin/").context["home"].lanes is None


def test_the_home_page_runs_as_many_queries_with_many_replies_as_with_none(client, owner):
    verified_login(client, owner)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as none:
        client.get("/admin/")
    for n in range(6):
        reply("fast" if n % 2 else "owner_only", days_ago=n, waited_hours=n, wrote_again_after_days=1)
    with CaptureQueriesContext(connection) as some:
        client.get("/admin/")
    assert len(some) == len(none)


@pytest.mark.parametrize(
    ("seconds", "words"), [(None, "—"), (40 * 60, "40 min"), (5.5 * 3600, "5.5 h"), (2.25 * 86400, "2.2 d")]
)
def test_waits_in_words(seconds, words):
    assert duration_words(seconds) == words
