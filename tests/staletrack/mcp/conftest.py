"""Tokens and cases for the MCP tests, and the SDK's client driven from a synchronous test."""

import pytest

from staletrack.tokens import create_token
from tests.helpers.clock import import_label_only_cases


@pytest.fixture
def cases(db):
    """Three label-only cases, assessed: one stale enough to chase."""
    return import_label_only_cases(2, label_days_ago=1) + import_label_only_cases(
        1, label_days_ago=7, first=2
    )


def make_token(scope: str, *, name: str | None = None, rate: int = 10_000) -> str:
    _, raw = create_token(name=name or f"claw-{scope}", scope=scope, actor=None, rate_per_minute=rate)
    return raw


@pytest.fixture
def read_token(db) -> str:
    return make_token("read")


@pytest.fixture
def propose_token(db) -> str:
    return make_token("propose")
