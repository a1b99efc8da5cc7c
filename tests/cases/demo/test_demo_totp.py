"""The demo owner of `make run` has an authenticator, so a first look still decides money: `manage.py
demo_totp` prints its current code, which the login form takes."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import AuditEvent
from cases.permissions import APPROVE_MONEY
from tests.factories import UserFactory
from tests.helpers.demo import create_demo_users, passwords

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("var_dir")]  # var_dir: tests/conftest.py


def demo_totp(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command("demo_totp", *args, stdout=out, stderr=err)
    return out.getvalue().strip()


def test_the_demo_owner_gets_an_authenticator_and_staff_none(tmp_path):
    output = create_demo_users()
    owner, staff = (get_user_model().objects.get(username=name) for name in ("owner", "staff"))
    device = TOTPDevice.objects.get(user=owner)
    assert device.confirmed
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert device.config_url in output and "manage.py demo_totp" in output
    credentials = tmp_path / "demo-credentials.txt"
    assert device.config_url in credentials.read_text()
    assert credentials.stat().st_mode & 0o777 == 0o600
    assert AuditEvent.objects.filter(action="second_factor_set_up", object_id=str(owner.pk)).exists()


def test_the_printed_code_logs_the_demo_owner_in_with_a_verified_session(client):
    password = passwords(create_demo_users())["owner"]
    code = demo_totp()
    assert re.fullmatch(r"\d{6}", code)
    response = client.post(
        reverse("admin:login"),
        {"username": "owner", "password": password, "otp_token": code, "next": "/admin/"},
    )
    assert response.status_code == 302
    page = client.get(reverse("admin:index")).content.decode()
    assert "Authenticator: verified" in page
    assert response.wsgi_request.user.has_perm(APPROVE_MONEY)


def test_without_the_code_the_demo_owner_is_asked_for_it(client):
    password = passwords(create_demo_users())["owner"]
    response = client.post(
        reverse("admin:login"), {"username": "owner", "password": password, "next": "/admin/"}
    )
    assert response.status_code == 200 and "Enter the 6-digit code" in response.content.decode()


def test_running_it_again_keeps_the_authenticator_and_an_older_owner_gets_one():
    create_demo_users()
    device = TOTPDevice.objects.get()
    create_demo_users()
    assert list(TOTPDevice.objects.all()) == [device]

    TOTPDevice.objects.all().delete()  # an owner created before authenticators existed
    output = create_demo_users()
    assert TOTPDevice.objects.get().user.username == "owner"
    assert "owner's authenticator: otpauth://" in output


def test_demo_totp_names_what_is_missing():
    with pytest.raises(CommandError, match="No user named 'owner'"):
        demo_totp()
    UserFactory(username="stan", role="Staff")
    with pytest.raises(CommandError, match="stan has no authenticator"):
        demo_totp("--user", "stan")
