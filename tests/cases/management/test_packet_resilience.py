"""`packet` prints every order it can assess and names the one it cannot (a stored time that cannot be read
back), instead of failing for all of them."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.helpers.clock import import_label_only_cases
from tests.helpers.unreadable_rows import insert_unreadable_event

pytestmark = pytest.mark.django_db


def run_packet(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("packet", *args, stdout=out, stderr=err)
        failed = None
    except CommandError as error:
        failed = str(error)
    return out.getvalue(), err.getvalue(), failed


def check_packet_names_the_unreadable_order():
    cases = import_label_only_cases(3)
    bad = cases[1]
    insert_unreadable_event(bad)
    out, err, failed = run_packet("--all")
    printed = [packet["order_id"] for packet in json.loads(out)]
    assert sorted(printed) == sorted(c.order.order_id for c in cases if c.pk != bad.pk)
    assert f"error: order {bad.order.order_id} cannot be assessed" in err
    assert failed and "1 order(s) cannot be assessed" in failed
    out, err, failed = run_packet("--order", cases[0].order.order_id)
    assert failed is None and len(json.loads(out)) == 1


@pytest.mark.postgres
def test_packet_names_an_order_with_a_bc_time_and_prints_the_others_on_postgresql():
    check_packet_names_the_unreadable_order()


def test_packet_names_an_order_with_a_time_that_is_no_time_and_prints_the_others():
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses such a value; its own test stores a BC time")
    check_packet_names_the_unreadable_order()
