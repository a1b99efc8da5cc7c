"""Logins are throttled (django-axes: 5 failures lock the username and address out for 15 minutes) and
every failure is in the audit trail, with the username tried and the address, never the password."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from cases.models import AuditEvent
from cases.services.logins import failure_reason, lockout_begins, tried_name
from staletrack.second_factor import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
WRONG = "Tr0ub4dor&3-but-wrong"


def log_in(client, username="stan", password=PASSWORD, address="203.0.113.7"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(client, staff, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(30):
        log_in(client, password=WRONG)
    response = log_in(client)
    assert response.status_code == 429
    assert not logged_in(client)
    assert client.get(reverse("admin:index")).status_code == 302  # to the login page


def test_the_lockout_begins_at_the_fifth_failure(client, staff):
    for attempt in range(1, 5):
        assert log_in(client, password=WRONG).status_code == 200, attempt
    assert log_in(client, password=WRONG).status_code == 429
    assert log_in(client).status_code == 429
    assert not logged_in(client)


def test_a_failed_login_writes_an_audit_event_without_the_password(client, staff):
    log_in(client, password=WRONG)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_label, event.actor) == ("login_failed", "stan", None)
    assert event.object_id == str(staff.pk)  # found on the account's history too
    assert event.changes == {"ip_address": "203.0.113.7", "failures": 1}
    assert event.reason == "wrong username or password"
    assert WRONG not in f"{event.changes} {event.reason} {event.object_repr}"
    assert not logged_in(client)


def test_an_unknown_username_is_audited_too(client):
    log_in(client, username="admin", password=WRONG)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_label, event.object_id) == ("login_failed", "admin", "")


def test_the_lockout_is_audited_once_and_later_attempts_as_refused(client, staff):
    for _ in range(7):
        log_in(client, password=WRONG)
    log_in(client)  # the right password, refused unread
    events = list(AuditEvent.objects.order_by("pk").values_list("action", "reason", "changes"))
    actions = [action for action, _, _ in events]
    assert actions == ["login_failed"] * 5 + ["login_locked_out"] + ["login_failed"] * 3
    locked = events[5]
    assert locked[2] == {"ip_address": "203.0.113.7", "failures": 5, "limit": 5}
    assert "refused for 15 minutes" in locked[1]
    assert [reason for _, reason, _ in events[:5]] == ["wrong username or password"] * 5
    assert all(reason.startswith("refused unread") for _, reason, _ in events[6:])
    assert all(event[2]["ip_address"] == "203.0.113.7" for event in events)


def test_the_lockout_holds_for_the_username_from_that_address_only(client, staff):
    for _ in range(5):
        log_in(client, password=WRONG)
    assert log_in(client).status_code == 429
    assert log_in(client, address="198.51.100.20").status_code == 302
    assert logged_in(client)


def test_the_lockout_ends_after_the_cool_off(client, staff):
    for _ in range(5):
        log_in(client, password=WRONG)
    assert log_in(client).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert log_in(client).status_code == 302


def test_a_successful_login_resets_the_count(client, staff):
    for _ in range(4):
        log_in(client, password=WRONG)
    assert log_in(client).status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client, password=WRONG).status_code == 200
    assert log_in(client).status_code == 302


def test_the_stored_attempts_keep_no_password(client, staff):
    log_in(client, password=WRONG)
    attempt = AccessAttempt.objects.get()
    assert WRONG not in attempt.post_data and attempt.username == "stan"


def test_the_client_address_behind_trusted_proxies(settings, rf):
    request = rf.post("/admin/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.LOGIN_TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.1"  # the header is the client's to write: not read
    settings.LOGIN_TRUSTED_PROXIES = 1
    assert client_ip(request) == "203.0.113.7"  # what our proxy saw; the client's own "6.6.6.6" is not used
    settings.LOGIN_TRUSTED_PROXIES = 2
    assert client_ip(request) == "6.6.6.6"
    settings.LOGIN_TRUSTED_PROXIES = 3
    assert client_ip(request) == "10.0.0.1"  # fewer hops than proxies: the connection's address
    settings.LOGIN_TRUSTED_PROXIES = 1
    bad = rf.post("/admin/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(bad) == "10.0.0.1"


def test_a_hostile_username_is_kept_safely():
    assert tried_name("a\x00b") == "a\\x00b"
    assert len(tried_name("x" * 1000)) == 150
    assert tried_name("") == tried_name(None) == "(no username)"


def test_failure_reasons_and_the_start_of_a_lockout():
    assert failure_reason(failures=3, limit=5, locked_out=False) == "wrong username or password"
    assert failure_reason(failures=5, limit=5, locked_out=True) == "wrong username or password"
    assert failure_reason(failures=6, limit=5, locked_out=True).startswith("refused unread")
    assert lockout_begins(failures=5, limit=5, locked_out=True)
    assert not lockout_begins(failures=6, limit=5, locked_out=True)
    assert not lockout_begins(failures=4, limit=5, locked_out=False)
