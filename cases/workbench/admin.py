"""The workbench's admin: the case queue, the case page's URLs, the outcome and money decision lists.

Queue: sorted by risk, then by how long the customer has waited; one query for the rows
(`list_select_related`), no per-row queries, no full-table COUNT when unfiltered (an estimate on
PostgreSQL), no facet counts, and an index behind every filter. Cases whose last assessment failed
(cases.services.assessment.record_unassessable) are counted above the list and have their own filter,
"Cannot be assessed".

The case page is `cases.workbench.views`; `CaseAdmin` also serves the replay pages (cases.replay.views),
the bulk review of fast-lane drafts (cases.workbench.bulk_view: its action "Review drafts in bulk" and its
own URL for a saved view), the bundle upload (cases.intake.admin.bundles) and a dispute's evidence pack
(cases.evidence.views), each under its URL. Outcomes and money decisions are written only through the case
page (`cases.workbench.services`, `cases.workbench.money`) and the bulk review (`cases.workbench.bulk`),
which check permissions and record the audit event; a crafted POST to their admins' add, change or delete
URLs gets 403.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import connections
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from cases.admin.filters import (
    AgeFilter,
    AssigneeFilter,
    CountsForProductFilter,
    CountsForSupplierFilter,
    DisputeFilter,
    FlagFilter,
    LaneFilter,
    ParcelCaseTypeFilter,
    SkuFilter,
    UnassessableFilter,
)
from cases.assessment.disputes import days_until, due_within_owner_days
from cases.choices import DISPUTE_CLOSINGS, DisputeStatus
from cases.evidence.views import evidence_pack_json, evidence_pack_page, evidence_pack_pdf
from cases.intake.admin.bundles import import_bundle_page
from cases.models import Case, Dispute, MoneyDecision, Order, Outcome, Parcel
from cases.permissions import IMPORT_CASES
from cases.replay.engine import REPLAY_PERMISSION
from cases.replay.views import MAX_CASES, replay_page, replay_run_page
from cases.resources import CaseResource
from cases.selectors.disputes import sees_outcomes
from cases.workbench.bulk_view import bulk_review_action, bulk_review_page
from cases.workbench.queue import SAVED_VIEWS, EstimatedCountPaginator, clock_exceeded, key_clock
from cases.workbench.services import WORK_CASE
from cases.workbench.views import case_page, risk_badge
from staletrack.admin import ReadOnlyAdmin, admin_paths
from staletrack.exports import SelectedRowsExportMixin
from suppliers.models import Product
from suppliers.scorecard.figures import CASE_LOOKUPS


class CountryFilter(admin.SimpleListFilter):
    """Destination countries present, read with an index skip-scan on PostgreSQL (no full scan)."""

    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        connection = connections[Order.objects.db]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "WITH RECURSIVE t AS (SELECT min(country) AS c FROM cases_order UNION ALL "
                    "SELECT (SELECT min(country) FROM cases_order WHERE country > t.c) FROM t "
                    "WHERE t.c IS NOT NULL) SELECT c FROM t WHERE c IS NOT NULL"
                )
                countries = [row[0] for row in cursor.fetchall()]
        else:
            countries = Order.objects.order_by("country").values_list("country", flat=True).distinct()
        return [(c, c) for c in countries]

    def queryset(self, request, queryset):
        return queryset.filter(order__country=self.value()) if self.value() else queryset


@admin.register(Case)
class CaseAdmin(SelectedRowsExportMixin, admin.ModelAdmin):
    resource_classes = [CaseResource]
    import_export_change_list_template = "admin/cases/case/change_list.html"
    change_form_template = "admin/cases/case/case_page.html"
    list_display = (
        "order_link",
        "case_type",
        "risk",
        "next_move",
        "route",
        "key_clock",
        "supplier",
        "sku",
        "country",
        "assignee",
        "status",
        "dispute_clock",
    )
    list_filter = (
        "case_type",
        ParcelCaseTypeFilter,
        "risk_level",
        LaneFilter,
        "next_move",
        "route",
        ("order__product__supplier", admin.RelatedFieldListFilter),
        SkuFilter,
        CountsForSupplierFilter,
        CountsForProductFilter,
        CountryFilter,
        "status",
        AssigneeFilter,
        FlagFilter,
        AgeFilter,
        UnassessableFilter,
        DisputeFilter,
    )
    list_select_related = ("order__product__supplier", "assignee")
    list_per_page = 50
    search_fields = ("order__order_id",)  # the real search is get_search_results: exact, indexed
    search_help_text = "Order id, tracking number, customer email or SKU (exact)."
    ordering = ("-risk_rank", "waiting_since")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    readonly_fields = ("assessed_at", "policy")
    actions = ["review_in_bulk", "replay_selected"]

    def has_add_permission(self, request):
        return False  # a case exists because an order does

    def has_delete_permission(self, request, obj=None):
        return False

    # -- queue -------------------------------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        """Exact matches only, each on an index, resolved to order keys first (an OR across joined tables
        would scan the queue): an order id (with or without "#"), a tracking number (any spacing or
        case), a customer email, or a SKU."""
        term = search_term.strip()
        if not term:
            return queryset, False
        product = Product.objects.filter(sku=term).values_list("pk", flat=True).first()
        if product is not None:
            return queryset.filter(order__product_id=product), False
        normalized = "".join(term.split()).replace("-", "").upper()
        matches = Q(order_id__in={term, term if term.startswith("#") else f"#{term}"})
        if "@" in term:
            matches |= Q(customer_email__in={term, term.lower()})
        order_pks = set(Order.objects.filter(matches).values_list("pk", flat=True)[:1000])
        carrying = Parcel.objects.filter(tracking_number__normalized=normalized)
        order_pks.update(carrying.values_list("order_id", flat=True)[:1000])
        return queryset.filter(order_id__in=order_pks), False

    def lookup_allowed(self, lookup, value, request=None):
        # The scorecard's figure links filter the queue with these; Django answers 400 to a related lookup
        # it does not allow.
        # Only an owner sees disputes' outcomes: filtering the cases on one would tell them apart.
        owner = request is not None and sees_outcomes(request.user)
        closing = any(kind in str(value) for kind in DISPUTE_CLOSINGS)
        if lookup.startswith("outcomes__kind") and closing and not owner:
            return False
        return lookup in CASE_LOOKUPS or super().lookup_allowed(lookup, value, request)

    def get_queryset(self, request):
        # The soonest evidence deadline of the order's disputes waiting for evidence: computed for the page's
        # rows only (a subquery of the select list), through the dispute table's order index.
        deadline = (
            Dispute.objects.filter(order_id=OuterRef("order_id"), status=DisputeStatus.NEEDS_RESPONSE)
            .order_by("evidence_due_by")
            .values("evidence_due_by")[:1]
        )
        return (
            super()
            .get_queryset(request)
            .defer("packet", "also", "clocks")
            .annotate(evidence_due_by=Subquery(deadline))
        )

    @admin.display(description="order", ordering="order__order_id")
    def order_link(self, obj):
        return obj.order.order_id

    @admin.display(description="risk", ordering="-risk_rank")
    def risk(self, obj):
        return risk_badge(obj.risk_level, obj.get_risk_level_display())

    @admin.display(description="key clock")
    def key_clock(self, obj):
        text = key_clock(obj.window, timezone.now())
        if clock_exceeded(obj.window, timezone.now()):
            return format_html('<strong style="color:#c62828;white-space:nowrap">{}</strong>', text)
        return format_html('<span style="white-space:nowrap">{}</span>', text)

    @admin.display(description="dispute evidence")
    def dispute_clock(self, obj):
        due = getattr(obj, "evidence_due_by", None)
        if due is None:
            return ""
        now = timezone.now()
        left = days_until(due, now)
        words = f"overdue {-left} d" if left < 0 else f"{left} d left"
        if due_within_owner_days(due, now):
            return format_html('<strong style="color:#c62828;white-space:nowrap">{}</strong>', words)
        return format_html('<span style="white-space:nowrap">{}</span>', words)

    @admin.display(description="supplier", ordering="order__product__supplier__name")
    def supplier(self, obj):
        return obj.order.product.supplier.name

    @admin.display(description="SKU", ordering="order__product__sku")
    def sku(self, obj):
        return obj.order.product.sku

    @admin.display(description="country", ordering="order__country")
    def country(self, obj):
        return obj.order.country

    def changelist_view(self, request, extra_context=None):
        base = reverse("admin:cases_case_changelist")
        extra_context = {
            **(extra_context or {}),
            "can_import_bundle": request.user.has_perm(IMPORT_CASES),
            "can_replay": request.user.has_perm(REPLAY_PERMISSION),
            "saved_views": [
                (slug, label, f"{base}?{urlencode(query)}") for slug, label, query in SAVED_VIEWS
            ],
            # The partial index on unassessable_since: a count of the few failing cases, never a scan.
            "unassessable_count": Case.objects.filter(unassessable_since__isnull=False).count(),
            "unassessable_url": f"{base}?{UnassessableFilter.parameter_name}={UnassessableFilter.YES}",
            "can_review_in_bulk": request.user.has_perm(WORK_CASE),
        }
        return super().changelist_view(request, extra_context)

    # -- URLs and the case page ----------------------------------------------------------------------

    def get_urls(self):
        own = admin_paths(
            self,
            ("import-bundle/", self.import_bundle_view, "cases_case_import_bundle"),
            ("replay/", self.replay_view, "cases_case_replay"),
            ("replay/runs/<int:pk>/", self.replay_run_view, "cases_case_replay_run"),
            # A dispute's evidence pack, by order (cases.evidence.views: each checks cases.view_dispute).
            ("<int:order_pk>/evidence-pack/", evidence_pack_page, "cases_case_evidence_pack"),
            ("<int:order_pk>/evidence-pack/pdf/", evidence_pack_pdf, "cases_case_evidence_pack_pdf"),
            ("<int:order_pk>/evidence-pack/json/", evidence_pack_json, "cases_case_evidence_pack_json"),
            ("bulk-review/", self.bulk_review_view, "cases_case_bulk_review"),
        )
        return [*own, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return case_page(self, request, object_id)

    # -- bulk review of fast-lane drafts ----------------------------------------------------------------

    @admin.action(description="Review drafts in bulk (fast lane)", permissions=["change"])
    def review_in_bulk(self, request, queryset):
        """The bulk review page for the chosen cases; those not in the fast lane are left out and named."""
        return bulk_review_action(self, request, queryset)

    def bulk_review_view(self, request):
        return bulk_review_page(self, request)

    # -- replay --------------------------------------------------------------------------------------

    @admin.action(description="Replay the selected cases", permissions=["view"])
    def replay_selected(self, request, queryset):
        """Render the replay page for the selection (reads only; cases.replay.views)."""
        chosen = list(queryset.values_list("pk", flat=True)[: MAX_CASES + 1])  # more is refused
        return replay_page(self, request, case_pks=chosen)

    def replay_view(self, request):
        return replay_page(self, request)

    def replay_run_view(self, request, pk: int):
        return replay_run_page(self, request, pk)

    # -- bundle upload -------------------------------------------------------------------------------

    def import_bundle_view(self, request):
        return import_bundle_page(self, request)


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyAdmin):
    list_display = ("case_order", "kind", "at", "by", "note")
    list_filter = ("kind",)
    list_select_related = ("case__order", "by")
    search_fields = ("=case__order__order_id",)

    @admin.display(description="case", ordering="case__order__order_id")
    def case_order(self, obj):
        return case_link(obj.case)


@admin.register(MoneyDecision)
class MoneyDecisionAdmin(ReadOnlyAdmin):
    """Requests are made, edited and decided on the case page, where the owner sees the amount and reason
    the approval is tied to. `amended_by` is the second person who set the terms: like the requester,
    they cannot decide."""

    list_display = (
        "case_order",
        "kind",
        "amount",
        "currency",
        "state",
        "requested_by",
        "amended_by",
        "decided_by",
        "decided_at",
        "version",
        "above_value",
    )
    list_filter = ("state", "kind")
    list_select_related = ("case__order", "requested_by", "amended_by", "decided_by")
    search_fields = ("=case__order__order_id",)

    @admin.display(description="case", ordering="case__order__order_id")
    def case_order(self, obj):
        return case_link(obj.case)

    @admin.display(description="above the order's value because")
    def above_value(self, obj):
        return obj.above_value_reason or "-"


def case_link(case):
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:cases_case_change", args=[case.pk]), case.order.order_id
    )
