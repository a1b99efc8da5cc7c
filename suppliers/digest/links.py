"""The digest's links into the admin: relative on its admin page, absolute (settings.STALETRACK_BASE_URL)
in the email. A row's link is the scorecard's: the case changelist narrowed to the row's group and the
orders of the week (`suppliers.scorecard.links`)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.urls import reverse

from suppliers.digest.content import STORE, Row
from suppliers.models import Product, Supplier
from suppliers.scorecard import links as scorecard_links


class DigestLinks:
    def __init__(self, week_start: date, base: str = ""):
        self.week_start = week_start
        self.base = base.rstrip("/")

    def _url(self, name: str, *args, query: dict | None = None) -> str:
        url = self.base + reverse(name, args=args)
        return f"{url}?{urlencode(query)}" if query else url

    def page(self, week: date | None = None) -> str:
        week = week or self.week_start
        return self._url("admin:suppliers_sentdigest_digest", query={"week": week.isoformat()})

    def scorecard(self, dimension: str) -> str:
        week = self.week_start.isoformat()
        return self._url(
            "admin:suppliers_weeklyrollup_scorecard",
            query={"dimension": dimension, "week_from": week, "week_to": week},
        )

    def cases(self, row: Row) -> str | None:
        """The cases of the row's orders placed in the week (the whole store's for the store row)."""
        weeks = scorecard_links.weeks(self.week_start, self.week_start)
        if row.dimension == STORE:
            return self._url("admin:cases_case_changelist", query=weeks)
        group = scorecard_links.group(
            dimension=row.dimension, key=row.key, supplier_id=row.supplier_id, product_id=row.product_id
        )
        if group is None:
            return None
        return self._url("admin:cases_case_changelist", query={**group, **weeks})

    def product(self, product_id: int) -> str:
        return self._url(f"admin:{Product._meta.app_label}_product_change", product_id)

    def supplier(self, supplier_id: int) -> str:
        return self._url(f"admin:{Supplier._meta.app_label}_supplier_change", supplier_id)

    def products_waiting(self) -> str:
        return self._url("admin:suppliers_product_changelist", query={"state__exact": "review_required"})

    def suppliers_flagged(self) -> str:
        return self._url("admin:suppliers_supplier_changelist", query={"status__exact": "flagged"})
