"""The weekly digest as an admin page: the same digest the owners receive, with its charts, for any built
week (`?week=YYYY-MM-DD`, a day of the week; default the latest built week).

Reading needs `suppliers.view_weeklyrollup` (Staff and Owner: the digest is made of the scorecard's rollups
and the promise review of orders they already see), checked here on the server; the page is mounted under
the sent digests' admin (`suppliers.digest.admin`), so `admin_view` sends anyone not logged in to the login.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from suppliers.digest import selectors
from suppliers.digest.links import DigestLinks
from suppliers.digest.render import context
from suppliers.scorecard.card import latest_week
from suppliers.selectors import monday_of

VIEW_DIGEST = "suppliers.view_weeklyrollup"


def may_view(user) -> bool:
    return user.is_active and user.has_perm(VIEW_DIGEST)


def _week(request) -> date:
    """The week asked for (any day of it), else the latest built week, else the week that ended."""
    asked = request.GET.get("week", "").strip()
    if asked:
        try:
            return monday_of(date.fromisoformat(asked))
        except ValueError:
            messages.error(request, f"Not a date (YYYY-MM-DD): {asked[:40]!r}. Showing the latest week.")
    return latest_week()


def digest_view(request, model_admin):
    if not may_view(request.user):
        raise PermissionDenied
    week = _week(request)
    digest = selectors.weekly_digest(week)
    previous_week, next_week = selectors.built_weeks_around(week)
    values = {
        **model_admin.admin_site.each_context(request),
        **context(digest, DigestLinks(week), with_charts=True),
        "title": f"Weekly digest, week of {week:%Y-%m-%d}",
        "opts": model_admin.model._meta,
        "previous_week": previous_week,
        "next_week": next_week,
        "week_end": week + timedelta(days=6),
    }
    return TemplateResponse(request, "admin/suppliers/digest/page.html", values)
