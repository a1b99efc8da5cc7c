"""The scorecard's filters (django-filter): one supplier, SKU or country, a week range, invalid filters."""

from datetime import timedelta

import django_filters
import pytest
from django.urls import reverse

from suppliers.models import Supplier
from suppliers.scorecard.filters import WeeklyRollupFilter
from tests.helpers.known_week import WEEK
from tests.helpers.scorecard import CSV, ONE_WEEK, page, rows_of

pytestmark = pytest.mark.django_db


def test_the_filterset_is_django_filter():
    assert issubclass(WeeklyRollupFilter, django_filters.FilterSet)
    assert set(WeeklyRollupFilter.base_filters) == {
        "week_from",
        "week_to",
        "dimension",
        "supplier",
        "sku",
        "country",
    }


def test_filter_to_one_supplier(client, built, staff):
    client.force_login(staff)
    bright = Supplier.objects.get(name="Bright")
    assert list(rows_of(page(client, supplier=bright.pk, **ONE_WEEK))) == ["Bright"]
    assert list(rows_of(page(client, supplier=bright.pk, dimension="sku", **ONE_WEEK))) == ["B-1"]
    # Country rows cover every supplier: the supplier filter leaves them as they are.
    assert set(rows_of(page(client, supplier=bright.pk, dimension="country", **ONE_WEEK))) == {
        "US",
        "BR",
        "DE",
    }


def test_filter_to_one_sku_and_one_country(client, built, staff):
    client.force_login(staff)
    assert list(rows_of(page(client, sku="a-2", dimension="sku", **ONE_WEEK))) == ["A-2"]
    assert list(rows_of(page(client, sku="A-2", **ONE_WEEK))) == ["Acme"]  # the SKU's supplier
    assert list(rows_of(page(client, country="br", dimension="country", **ONE_WEEK))) == ["BR"]


def test_the_week_range_filters_rows_and_a_date_stands_for_its_week(client, built, staff):
    client.force_login(staff)
    wednesday = WEEK + timedelta(days=2)
    assert page(client, week_from=wednesday, week_to=wednesday).context["card"].week_from == WEEK
    later = WEEK + timedelta(weeks=1)
    assert page(client, week_from=later, week_to=later).context["table"] == []


def test_invalid_filters_show_errors_and_no_rows(client, built, staff):
    client.force_login(staff)
    response = page(client, week_from=WEEK, week_to=WEEK - timedelta(weeks=2))
    assert response.context["table"] == []
    assert b"The first week comes after the last week." in response.content
    assert (
        client.get(reverse(CSV), {"week_from": WEEK, "week_to": WEEK - timedelta(weeks=2)}).status_code == 400
    )
