"""The scorecard's filters, built on django-filter: week range, dimension, supplier, SKU, country.

The scorecard shows one dimension at a time (suppliers, SKUs or destination countries). The supplier and SKU
filters narrow the supplier and SKU rows (a SKU's rows, and the row of the supplier that makes it); country
rows cover every supplier's orders, so those filters leave them as they are. The country filter narrows the
country rows only. Weeks are Mondays: a date inside a week stands for that week.
"""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q

from suppliers.models import Supplier, WeeklyRollup
from suppliers.selectors import monday_of

MAX_WEEKS = 104  # the widest range the page draws (two years of Mondays)
DEFAULT_WEEKS = 8

SUPPLIER = WeeklyRollup.Dimension.SUPPLIER
SKU = WeeklyRollup.Dimension.SKU
COUNTRY = WeeklyRollup.Dimension.COUNTRY


class ScorecardForm(forms.Form):
    def clean(self):
        data = super().clean()
        week_from, week_to = data.get("week_from"), data.get("week_to")
        if week_from:
            data["week_from"] = monday_of(week_from)
        if week_to:
            data["week_to"] = monday_of(week_to)
        if week_from and week_to:
            if data["week_from"] > data["week_to"]:
                raise forms.ValidationError("The first week comes after the last week.")
            if (data["week_to"] - data["week_from"]).days // 7 + 1 > MAX_WEEKS:
                raise forms.ValidationError(f"At most {MAX_WEEKS} weeks at a time.")
        return data


class WeeklyRollupFilter(django_filters.FilterSet):
    week_from = django_filters.DateFilter(
        field_name="week_start", lookup_expr="gte", label="From the week of", method="filter_week_from"
    )
    week_to = django_filters.DateFilter(
        field_name="week_start", lookup_expr="lte", label="To the week of", method="filter_week_to"
    )
    dimension = django_filters.ChoiceFilter(choices=WeeklyRollup.Dimension.choices, empty_label=None)
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.order_by("name"), method="filter_supplier", label="Supplier"
    )
    sku = django_filters.CharFilter(method="filter_sku", label="SKU")
    country = django_filters.CharFilter(method="filter_country", label="Country")

    class Meta:
        model = WeeklyRollup
        fields = ["week_from", "week_to", "dimension", "supplier", "sku", "country"]
        form = ScorecardForm

    def filter_week_from(self, queryset, name, value):
        return queryset.filter(week_start__gte=monday_of(value))

    def filter_week_to(self, queryset, name, value):
        return queryset.filter(week_start__lte=monday_of(value))

    def filter_supplier(self, queryset, name, value):
        return queryset.filter(Q(supplier=value) | Q(dimension=COUNTRY))

    def filter_sku(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(dimension=SKU, product__sku__iexact=value)
            | Q(dimension=SUPPLIER, supplier__products__sku__iexact=value)
            | Q(dimension=COUNTRY)
        )

    def filter_country(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(dimension=COUNTRY, key__iexact=value) | ~Q(dimension=COUNTRY))


def with_defaults(data, latest_week) -> dict:
    """The request's filter values with the defaults filled in: the suppliers, the DEFAULT_WEEKS weeks
    ending with the latest built week (or the week before today's when nothing is built yet)."""
    values = {key: data.get(key, "") for key in WeeklyRollupFilter.base_filters}
    if not values["dimension"]:
        values["dimension"] = SUPPLIER
    if not values["week_to"]:
        values["week_to"] = latest_week.isoformat()
    if not values["week_from"]:
        values["week_from"] = (latest_week - timedelta(weeks=DEFAULT_WEEKS - 1)).isoformat()
    return values
