"""Stored orders for the evidence pack's tests (tests.helpers.evidence_orders), and a pack built from one."""

import pytest
from django.utils import timezone

from cases.evidence.pack import build_pack
from cases.selectors.evidence import evidence_facts
from tests.helpers.evidence_orders import store_order


@pytest.fixture
def delivered_order(db):
    """#1001: delivered to its postal code, with a Stripe "item not received" dispute."""
    return store_order("delivered")


@pytest.fixture
def label_order(db):
    """#1002: stuck at its label."""
    return store_order("label", order_id="#1002")


@pytest.fixture
def wrong_address_order(db):
    """#1003: delivered to another postal code."""
    return store_order("wrong_address", order_id="#1003")


@pytest.fixture
def build():
    """The pack of a stored order, as the views and the command build it."""

    def built(order, **kwargs):
        return build_pack(evidence_facts(order, **kwargs), generated_at=timezone.now())

    return built
