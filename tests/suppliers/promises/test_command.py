"""`manage.py promise_review [--weeks N] [--format text|json]`: the review of the last whole weeks, as text
for people and JSON for programs; a bad --weeks is named."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from cases.assessment import vocabulary as v
from tests.factories import ProductFactory, SupplierFactory
from tests.helpers.known_week import make_order, track

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 18, 9, tzinfo=UTC)  # Wednesday: the week that ended began on 2026-11-09
DAY = timedelta(days=1)


@pytest.fixture
def slow_lamp():
    """Six lamps ordered in the week of 2026-11-09, delivered after 20 to 25 days, promised 7-12 business
    days; a mug with too few parcels."""
    bright = SupplierFactory(name="Bright")
    lamp = ProductFactory(
        sku="LAMP", title="Lamp", supplier=bright, promise_text="Delivered in 7-12 business days"
    )
    mug = ProductFactory(sku="MUG", title="Mug", supplier=bright, promise_text="Arrives in 2-3 weeks")
    for i in range(6):
        ordered = datetime(2026, 11, 9, 10, tzinfo=UTC) + i * DAY
        order = make_order(f"#L{i}", lamp, "US", ordered, v.DELIVERED_CASE, v.NORMAL_WATCH)
        track(order, (ordered + 2 * DAY, v.ACCEPTED), (ordered + (20 + i) * DAY, v.DELIVERED))
    ordered = datetime(2026, 11, 12, 10, tzinfo=UTC)
    track(
        make_order("#M0", mug, "US", ordered, v.IN_TRANSIT_CASE, v.NORMAL_WATCH), (ordered + DAY, v.ACCEPTED)
    )


def run(*args) -> str:
    out = StringIO()
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        call_command("promise_review", *args, stdout=out)
    return out.getvalue()


def test_text_names_the_weeks_the_promise_and_the_suggestion(slow_lamp):
    text = run("--weeks", "1")
    assert text.startswith("Promise review: orders placed 2026-11-09 to 2026-11-15 (1 week, store time)")
    assert "Promises shorter than their parcels take (1):\n  LAMP  Lamp  (Bright)\n" in text
    assert '    promise: "Delivered in 7-12 business days" = 7-12 business days, at most 18 days' in text
    # Deliveries 20..25 days: p90 at rank 6 is 25.
    assert "order to delivery: median 22.5 d, p90 25.0 d (6 delivered, 0 still on the way)" in text
    assert (
        "-> The page promises 7-12 business days (at most 18 days with weekends); 90% of parcels took up to "
        "25 days from order to delivery. Promise up to 17 business days, or ask Bright to ship faster."
    ) in text
    assert "Too few parcels to say (1):\n  MUG  Mug  (Bright)" in text


def test_json_for_programs(slow_lamp):
    data = json.loads(run("--weeks", "1", "--format", "json"))
    assert data["weeks"] == 1
    assert data["orders_placed_from"] == "2026-11-09T00:00:00+00:00"
    assert data["verdicts"] == {"too_short": 1, "unread": 0, "no_promise": 0, "holds": 0, "too_few": 1}
    lamp = data["products"][0]
    assert (lamp["sku"], lamp["verdict"], lamp["parcels"]) == ("LAMP", "too_short", 6)
    assert lamp["delivery_days"] == {"count": 6, "median": 22.5, "p90": 25.0}
    assert lamp["first_scan_days"] == {"count": 6, "median": 2.0, "p90": 2.0}


def test_the_default_is_eight_weeks_and_an_empty_store_says_so():
    text = run()
    assert "orders placed 2026-09-21 to 2026-11-15 (8 weeks" in text
    assert "No parcels in these weeks." in text


@pytest.mark.parametrize(("weeks", "message"), [("two", "'two'"), ("0", "got 0"), ("105", "got 105")])
def test_a_bad_weeks_is_named(weeks, message):
    with pytest.raises(CommandError, match="--weeks") as error:
        run("--weeks", weeks)
    assert message in str(error.value)
