"""The demo users of `make run` (cases.demo.users, `manage.py create_demo_users`): created once, with
printed passwords that log in and the roles' permissions."""

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from tests.helpers.demo import create_demo_users, passwords
from tests.helpers.otp import verified

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("var_dir")]  # var_dir: tests/conftest.py


def login_request():
    """django-axes counts logins per client: authenticate() needs the request."""
    return RequestFactory().post("/admin/login/")


def created_credentials() -> dict[str, str]:
    return passwords(create_demo_users())


def test_demo_owner_and_staff_are_created_with_printed_passwords_that_log_in():
    credentials = created_credentials()
    assert set(credentials) == {"owner", "staff"}
    owner = authenticate(login_request(), username="owner", password=credentials["owner"])
    staff = authenticate(login_request(), username="staff", password=credentials["staff"])
    assert verified(owner).has_perm("cases.approve_money_decision") and not owner.is_superuser
    assert staff.has_perm("cases.view_case") and not staff.has_perm("cases.approve_money_decision")


def test_demo_users_are_not_recreated_and_passwords_not_changed(tmp_path):
    first = created_credentials()
    assert created_credentials() == {}
    assert authenticate(login_request(), username="owner", password=first["owner"]) is not None
    assert first["owner"] in (tmp_path / "demo-credentials.txt").read_text()
