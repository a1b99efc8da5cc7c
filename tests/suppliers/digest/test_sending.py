"""Sending the weekly digest: to every owner with an email address, once per owner and week, whoever sends
it and however often (beat's re-delivery, the backstop entry, two workers at once); a failed email leaves
no claim and is sent by the next run; the weekly review queues it once the week's rollups are built."""

import threading
import time
from datetime import UTC, datetime
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection

from suppliers.digest import tasks
from suppliers.digest.selectors import recipients
from suppliers.digest.services import DigestNotBuilt, send_weekly_digest
from suppliers.models import SentDigest
from suppliers.tasks import weekly_review_task
from tests.helpers.digest_week import WEEK, build_digest_week, owners

pytestmark = pytest.mark.django_db


@pytest.fixture
def week_and_owners(settings):
    settings.STALETRACK_BASE_URL = "https://shop.example"
    build_digest_week()
    return owners()


def test_the_owners_with_an_email_address_receive_it(week_and_owners):
    assert [user.username for user in recipients()] == ["olga", "otto"]


def test_each_owner_gets_one_email_with_text_html_and_absolute_links(week_and_owners, mailoutbox):
    result = send_weekly_digest(week_start=WEEK)
    assert (result.sent, result.already_sent, result.failed) == (["olga", "otto"], [], {})
    assert [message.to for message in mailoutbox] == [["olga@example.com"], ["otto@example.com"]]
    message = mailoutbox[0]
    assert message.subject == (
        "Weekly digest, week of 2026-11-09: 8 orders, 4 problem cases, 1 promise to review"
    )
    assert "The store: 8 orders (+5 on the week before), 4 problem cases (50.0%, +3)" in message.body
    assert "https://shop.example/admin/suppliers/sentdigest/digest/?week=2026-11-09" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert 'href="https://shop.example/admin/cases/case/?' in html
    assert 'href="https://shop.example/admin/suppliers/product/' in html  # the promise to review
    assert "<svg" not in html  # mail clients drop inline SVG: the page has the charts
    rows = SentDigest.objects.order_by("user__username").values_list("week_start", "user__username", "email")
    assert list(rows) == [(WEEK, "olga", "olga@example.com"), (WEEK, "otto", "otto@example.com")]


def test_sending_again_sends_nothing(week_and_owners, mailoutbox):
    send_weekly_digest(week_start=WEEK)
    again = send_weekly_digest(week_start=WEEK)
    assert (again.sent, again.already_sent) == ([], ["olga", "otto"])
    assert len(mailoutbox) == 2


def test_beat_delivering_the_task_twice_sends_once_per_owner(week_and_owners, mailoutbox):
    first = tasks.send_weekly_digest_task.apply(args=[WEEK.isoformat()]).get()
    second = tasks.send_weekly_digest_task.apply(args=[WEEK.isoformat()]).get()
    assert (first["sent"], second["sent"], second["already_sent"]) == (["olga", "otto"], [], ["olga", "otto"])
    assert sorted(m.to[0] for m in mailoutbox) == ["olga@example.com", "otto@example.com"]


def test_a_new_owner_gets_the_weeks_digest_on_the_next_run(week_and_owners, mailoutbox):
    from tests.factories import UserFactory

    send_weekly_digest(week_start=WEEK)
    UserFactory(username="oona", role="Owner", email="oona@example.com")
    assert send_weekly_digest(week_start=WEEK).sent == ["oona"]
    assert len(mailoutbox) == 3


def test_a_failed_email_leaves_no_claim_and_the_next_run_sends_it(week_and_owners, mailoutbox):
    real = EmailBackend.send_messages

    def refuse_otto(backend, messages):
        if messages[0].to == ["otto@example.com"]:
            raise ConnectionRefusedError("the mail server refused")
        return real(backend, messages)

    with mock.patch.object(EmailBackend, "send_messages", refuse_otto):
        result = send_weekly_digest(week_start=WEEK)
    assert (result.sent, result.failed) == (["olga"], {"otto": "the mail server refused"})
    assert list(SentDigest.objects.values_list("user__username", flat=True)) == ["olga"]
    assert send_weekly_digest(week_start=WEEK).sent == ["otto"]
    assert [m.to[0] for m in mailoutbox] == ["olga@example.com", "otto@example.com"]


def test_the_task_retries_while_an_owners_email_fails(week_and_owners):
    with (
        mock.patch.object(EmailBackend, "send_messages", side_effect=TimeoutError("timed out")),
        mock.patch.object(tasks.send_weekly_digest_task, "retry", side_effect=Retry) as retry,
        pytest.raises(Retry),
    ):
        tasks.send_weekly_digest_task(WEEK.isoformat())
    retry.assert_called_once_with(countdown=tasks.RETRY_SECONDS)
    assert not SentDigest.objects.exists()


def test_a_week_not_built_sends_nothing(db, mailoutbox):
    owners()
    with pytest.raises(DigestNotBuilt):
        send_weekly_digest(week_start=WEEK)
    assert tasks.send_weekly_digest_task(WEEK.isoformat()) == {"week_start": "2026-11-09", "not_built": True}
    assert mailoutbox == []


def test_the_backstop_sends_the_week_that_ended(week_and_owners, mailoutbox):
    monday = datetime(2026, 11, 16, 7, 45, tzinfo=UTC)
    with mock.patch("suppliers.digest.tasks.timezone.now", return_value=monday):
        assert tasks.send_weekly_digest_task()["week_start"] == "2026-11-09"
    assert len(mailoutbox) == 2


def test_the_weekly_review_queues_the_digest_of_the_week_it_built(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.send_weekly_digest_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = weekly_review_task("2026-11-16T07:00:00+00:00")
    assert result["week_start"] == "2026-11-09"
    delay.assert_called_once_with("2026-11-09")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_send_once_per_owner(settings):
    """Two threads, each with its own database connection, send the same week's digest at the same moment;
    the mail server is slow, so each owner's claim is still open while the other worker reaches it."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    build_digest_week()
    owners()
    from django.core import mail

    mail.outbox = []
    real = EmailBackend.send_messages

    def slow(backend, messages):
        time.sleep(0.5)
        return real(backend, messages)

    start = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            start.wait()
            results.append(send_weekly_digest(week_start=WEEK))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    with mock.patch.object(EmailBackend, "send_messages", slow):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert errors == []
    assert sorted(m.to[0] for m in mail.outbox) == ["olga@example.com", "otto@example.com"]
    assert sorted(name for r in results for name in r.sent) == ["olga", "otto"]
    assert sorted(name for r in results for name in r.already_sent) == ["olga", "otto"]
    assert SentDigest.objects.count() == 2
