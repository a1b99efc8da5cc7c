"""Tokens for the agents' API tests: one that proposes (the usual agent) and one that only reads."""

import pytest

from tests.helpers.api_calls import issue


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """No test here logs anyone in: the people's passwords need not cost a second each to hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def agent(owner):
    """A propose token named claude: (token, its plain copy). A high rate: the tests call a lot."""
    return issue(owner, name="claude", scope="propose", rate_per_minute=10_000)


@pytest.fixture
def raw(agent):
    return agent[1]


@pytest.fixture
def reader(owner):
    """A read token named watcher: (token, its plain copy)."""
    return issue(owner, name="watcher", scope="read", rate_per_minute=10_000)
