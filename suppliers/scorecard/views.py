"""The scorecard's admin views: the page, its CSV export, and the owner's one-click pause of a product.

Reading needs `suppliers.view_weeklyrollup` (Staff and Owner), checked here on the server for the page and
the CSV; pausing needs `suppliers.pause_product` (Owner), is a POST, and goes through
`suppliers.services.set_product_state`. The views are mounted under the weekly rollup admin
(`suppliers.admin.WeeklyRollupAdmin.get_urls`), so `admin_view` sends anyone not logged in to the login.

What a row shows: counts summed over the weeks of the range, rates recomputed from the sums, durations of
the row's latest week (`figures.py`); the notes of its latest week with notes and how many earlier weeks
had some (the CSV carries them all with their week); the trend, one figure week by week (`trends.py`).
Which figure columns it shows is the person's choice (`columns.py`): a few by default, the rest a click
away in the column picker.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from staletrack.exports import neutralise
from suppliers.models import Product, WeeklyRollup
from suppliers.permissions import PAUSE_PRODUCT
from suppliers.scorecard.card import build_scorecard, mondays
from suppliers.scorecard.columns import chosen_columns, picker, visible_columns, visible_figures
from suppliers.scorecard.exports import csv_rows
from suppliers.scorecard.figures import COLUMNS, FIGURE, Column
from suppliers.scorecard.html import case_types_html, cells_html, notes_html
from suppliers.scorecard.selectors import review_triggers
from suppliers.scorecard.trends import TRENDS, trend_html
from suppliers.services import set_product_state

VIEW_SCORECARD = "suppliers.view_weeklyrollup"
CASES_BY_TYPE = FIGURE["cases_by_type"]  # shown in the row's heading, not as columns


def _require_view(request) -> None:
    if not request.user.has_perm(VIEW_SCORECARD):
        raise PermissionDenied


def _query(request, **changes) -> str:
    params = request.GET.copy()
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return params.urlencode()


def _headers(request, order: str, columns: tuple[Column, ...] = COLUMNS) -> list[dict]:
    current, descending = order.lstrip("-"), order.startswith("-")
    headers = []
    for name, label, title in [("key", "", ""), *((c.name, c.label, c.title) for c in columns)]:
        # A first click sorts numbers worst (largest) first and names from A.
        first = name if name == "key" else f"-{name}"
        target = (name if descending else f"-{name}") if name == current else first
        sort_state = ("descending" if descending else "ascending") if name == current else ""
        headers.append(
            {
                "name": name,
                "label": label,
                "title": title,
                "url": "?" + _query(request, o=target, p=None),
                "sorted": sort_state,
            }
        )
    return headers


def scorecard_view(request, model_admin):
    _require_view(request)
    card = build_scorecard(request)
    columns = chosen_columns(request)
    page = card.page
    weeks = mondays(card.week_from, card.week_to) if card.valid else []
    table = [
        {
            "row": row,
            "sparkline": mark_safe(trend_html(row, weeks, card.trend)),  # numbers and escaped text only
            "cells": (cells := row.cells(columns)),
            "cells_html": cells_html(cells),
            "case_types": (
                case_types := [
                    (kind, count, CASES_BY_TYPE.url(row.links, kind))
                    for kind, count in row.figures[CASES_BY_TYPE.key].items()
                    if count
                ]
            ),
            "case_types_html": case_types_html(case_types),
            "notes": sorted(row.notes, reverse=True),
            "notes_html": notes_html(row.notes, multiple_weeks=len(weeks) > 1),
        }
        for row in card.rows
    ]
    supplier = card.filterset.form.cleaned_data.get("supplier") if card.valid else None
    products, more_products, flagged, more_flagged = review_triggers(supplier=supplier)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Supplier scorecard",
        "opts": model_admin.model._meta,
        "card": card,
        "filter_form": card.filterset.form,
        "table": table,
        "page": page,
        "headers": _headers(request, card.order, columns),
        "column_choices": picker(columns, available := visible_columns(request.user)),
        "columns_shown": len(columns),
        "columns_total": len(available),
        "dimension_label": WeeklyRollup.Dimension(card.dimension).label,
        "dimension_tabs": [
            (value, label, "?" + _query(request, dimension=value, o=None, p=None, trend=None))
            for value, label in WeeklyRollup.Dimension.choices
        ],
        "trend_choices": [(name, label) for name, (label, _) in TRENDS.items()],
        "trend_label": TRENDS[card.trend][0],
        "csv_url": reverse("admin:suppliers_weeklyrollup_scorecard_csv") + "?" + _query(request, p=None),
        "previous_url": "?" + _query(request, p=page.previous_page_number())
        if page and page.has_previous()
        else "",
        "next_url": "?" + _query(request, p=page.next_page_number()) if page and page.has_next() else "",
        "review_products": products,
        "more_review_products": more_products,
        "flagged_suppliers": flagged,
        "more_flagged_suppliers": more_flagged,
        "can_pause": request.user.has_perm(PAUSE_PRODUCT),
        "here": request.get_full_path(),
        "week_count": len(weeks),
    }
    return TemplateResponse(request, "admin/suppliers/scorecard.html", context)


def scorecard_csv_view(request, model_admin):
    """The scorecard as CSV, every row of the filters in the page's order, every cell neutralised
    (`staletrack.exports.neutralise`: a leading =, +, -, @, tab or CR gets an apostrophe)."""
    _require_view(request)
    card = build_scorecard(request, full=True)
    if not card.valid:
        return HttpResponse(
            "Invalid filters: " + "; ".join(" ".join(e) for e in card.filterset.errors.values()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    name = f"scorecard-{card.dimension}-{card.week_from:%Y-%m-%d}-{card.week_to:%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    for cells in csv_rows(card, visible_figures(request.user)):
        writer.writerow([neutralise(cell) for cell in cells])
    return response


@require_POST
def pause_product_view(request, model_admin, product_id: int):
    """The owner's one-click pause of a product (from the review list). Anyone else: 403, nothing written."""
    if not request.user.has_perm(PAUSE_PRODUCT):
        raise PermissionDenied
    product = get_object_or_404(Product, pk=product_id)
    reason = "Paused from the supplier scorecard."
    if product.state_reason:
        reason += f" Review reason: {product.state_reason}"
    if product.state == Product.State.PAUSED:
        messages.info(request, f"{product.sku} was already paused.")
    else:
        set_product_state(product, Product.State.PAUSED, actor=request.user, reason=reason)
        messages.success(request, f"{product.sku} paused.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:suppliers_weeklyrollup_scorecard")
    return redirect(target)
