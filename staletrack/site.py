"""The project's admin site: Django's, whose index is the home page of the work (`staletrack.home`).

`staletrack.admin_app.AdminConfig` makes it the default site, so `admin.site` and every `@admin.register` are
this one; the header, titles and login form are set in `staletrack.urls`."""

from django.contrib import admin
from django.utils import timezone

from cases.selectors.home import CAME_BACK_DAYS, LANE_DAYS
from staletrack.home import home_page


class AdminSite(admin.AdminSite):
    def index(self, request, extra_context=None):
        """Django's index (its list of every app and model stays, below) with the home page on top."""
        now = timezone.now()
        home = {
            "home": home_page(request.user, now=now),
            "now": now,
            "lane_days": LANE_DAYS,
            "came_back_days": CAME_BACK_DAYS,
        }
        return super().index(request, extra_context={**home, **(extra_context or {})})
