"""The case queue and the case page.

Queue: sorted by risk, then by how long the customer has waited; one query for the rows
(`list_select_related`), no per-row queries, no full-table COUNT when unfiltered (an estimate on
PostgreSQL), no facet counts, and an index behind every filter. Cases whose last assessment failed
(cases.services.assessment.record_unassessable) are counted above the list and have their own filter,
"Cannot be assessed".

Case page: the decision packet on top (with why the case cannot be assessed, when it cannot, and how many
of its facts have a stored time that cannot be read: the page answers all the same), then one timeline;
the forms post back to the same URL with an `action`, and every action checks its permission on the
server before it reads the form (403, nothing written), then calls `cases.services.workbench`, which
checks again.
"""

from __future__ import annotations

import logging
from datetime import datetime, time

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from cases.admin.filters import AgeFilter, AssigneeFilter, FlagFilter, SkuFilter, UnassessableFilter
from cases.assessment.text import render_text
from cases.bundles.reader import BundleError, read_bundle
from cases.choices import ChaseChannel, EvidenceKind, MoneyKind, MoneyState
from cases.currencies import currency_code
from cases.forms import BundleUploadForm
from cases.models import Case, MoneyDecision, Order, OrderTracking
from cases.permissions import APPROVE_MONEY, IMPORT_CASES
from cases.replay.engine import REPLAY_PERMISSION
from cases.replay.views import MAX_CASES, replay_page, replay_run_page
from cases.resources import CaseResource
from cases.services.assessment import unassessable_reason
from cases.services.bundle_import import import_bundle
from cases.workbench import services as workbench
from cases.workbench.queue import SAVED_VIEWS, EstimatedCountPaginator, clock_exceeded, key_clock
from cases.workbench.timeline import case_timeline, proved, unreadable_facts
from staletrack.exports import SelectedRowsExportMixin
from staletrack.permissions import require
from suppliers.models import Product
from suppliers.permissions import FLAG_SUPPLIER, PAUSE_PRODUCT
from suppliers.scorecard.figures import CASE_LOOKUPS

logger = logging.getLogger(__name__)

RISK_COLOURS = {
    "normal_watch": "#2e7d32",
    "supplier_chase": "#1565c0",
    "customer_update": "#6a1b9a",
    "review_risk": "#ef6c00",
    "refund_risk": "#c62828",
    "chargeback_watch": "#b71c1c",
    "owner_only": "#000000",
}


def risk_badge(risk_level: str, label: str):
    return format_html(
        '<span class="risk-badge risk-{}" style="background:{};color:#fff;padding:2px 6px;'
        'border-radius:3px;white-space:nowrap">{}</span>',
        risk_level or "none",
        RISK_COLOURS.get(risk_level, "#555"),
        label or "not assessed",
    )


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


# The case page's actions: name -> (permission checked before anything is read, handler name).
ACTIONS = {
    "chase_supplier": ("cases.change_case", "_chase"),
    "record_proof": ("cases.change_case", "_proof"),
    "mark_customer_updated": ("cases.change_case", "_customer_updated"),
    "hold": ("cases.change_case", "_hold"),
    "assign": ("cases.change_case", "_assign"),
    "resolve": ("cases.change_case", "_resolve"),
    "save_draft": ("cases.change_case", "_save_draft"),
    "mark_sent": ("cases.change_case", "_mark_sent"),
    "request_money": ("cases.add_moneydecision", "_request_money"),
    "approve_money": (APPROVE_MONEY, "_approve_money"),
    "reject_money": (APPROVE_MONEY, "_reject_money"),
    "edit_money": ("cases.add_moneydecision", "_edit_money"),
    "pause_product": (PAUSE_PRODUCT, "_pause_product"),
    "flag_supplier": (FLAG_SUPPLIER, "_flag_supplier"),
}


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
    )
    list_filter = (
        "case_type",
        "risk_level",
        "next_move",
        "route",
        ("order__product__supplier", admin.RelatedFieldListFilter),
        SkuFilter,
        CountryFilter,
        "status",
        AssigneeFilter,
        FlagFilter,
        AgeFilter,
        UnassessableFilter,
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
    actions = ["replay_selected"]

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
        carrying = OrderTracking.objects.filter(tracking_number__normalized=normalized)
        order_pks.update(carrying.values_list("order_id", flat=True)[:1000])
        return queryset.filter(order_id__in=order_pks), False

    def lookup_allowed(self, lookup, value, request=None):
        # The scorecard's figure links filter the queue with these; Django answers 400 to a related lookup
        # it does not allow.
        return lookup in CASE_LOOKUPS or super().lookup_allowed(lookup, value, request)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("packet", "also", "clocks")

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
        }
        return super().changelist_view(request, extra_context)

    # -- case page ---------------------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "import-bundle/",
                self.admin_site.admin_view(self.import_bundle_view),
                name="cases_case_import_bundle",
            ),
            path("replay/", self.admin_site.admin_view(self.replay_view), name="cases_case_replay"),
            path(
                "replay/runs/<int:pk>/",
                self.admin_site.admin_view(self.replay_run_view),
                name="cases_case_replay_run",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return self.case_action(request, object_id)
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET", "POST"])
        case = self._case(request, object_id)
        return self.render_case_page(request, case)

    def _case(self, request, object_id) -> Case:
        case = (
            Case.objects.select_related("order__product__supplier", "assignee", "policy")
            .filter(pk=object_id)
            .first()
            if str(object_id).isdigit()
            else None
        )
        if case is None:
            raise Http404("No such case.")
        if not self.has_view_or_change_permission(request, case):
            raise PermissionDenied
        return case

    def render_case_page(self, request, case: Case, *, draft_text=None, violations=None, status=200):
        user = request.user
        packet = case.packet or {}
        decisions = list(
            MoneyDecision.objects.filter(case=case).select_related("requested_by", "amended_by", "decided_by")
        )
        for decision in decisions:
            # Whoever set the terms (the requester, the one other person who changed them) never decides;
            # once two people set them, nobody else changes them (cases.services.workbench).
            setters = {decision.requested_by_id, decision.amended_by_id} - {None}
            decision.can_decide = (
                decision.state == MoneyState.PENDING
                and user.has_perm(APPROVE_MONEY)
                and user.pk not in setters
            )
            decision.can_edit = (
                decision.state != MoneyState.REJECTED
                and (decision.requested_by_id == user.pk or user.has_perm(APPROVE_MONEY))
                and (len(setters) < 2 or user.pk in setters)
            )
        now = timezone.now()
        timeline, timeline_error = _timeline(case)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Case {case.order.order_id}",
            "subtitle": None,
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "original": case,
            "has_view_permission": True,
            "case": case,
            "order": case.order,
            "packet": packet,
            "risk_badge": risk_badge(case.risk_level, case.get_risk_level_display()),
            "key_clock": key_clock(case.window, now),
            "clock_exceeded": clock_exceeded(case.window, now),
            "packet_text": render_text(packet) if packet else "",
            "timeline": timeline,
            "timeline_error": timeline_error,
            "unreadable_facts": unreadable_facts(case),
            "proved": proved(timeline),
            "draft_text": workbench.current_draft(case) if draft_text is None else draft_text,
            "violations": violations,
            "decisions": decisions,
            "pending_decisions": [d for d in decisions if d.state == MoneyState.PENDING],
            "can_work": user.has_perm("cases.change_case"),
            "can_request_money": user.has_perm("cases.add_moneydecision"),
            "can_pause": user.has_perm(PAUSE_PRODUCT),
            "can_flag": user.has_perm(FLAG_SUPPLIER),
            "chase_channels": ChaseChannel.choices,
            "evidence_kinds": EvidenceKind.choices,
            "money_kinds": MoneyKind.choices,
            "order_currency": currency_code(case.order.currency),
            "is_owner": user.has_perm(APPROVE_MONEY),
            "endings": [(e, str(e).replace("_", " ")) for e in workbench.ENDINGS],
            "assignees": list(workbench.assignable_users()),
            "queue_url": reverse("admin:cases_case_changelist"),
        }
        return TemplateResponse(request, self.change_form_template, context, status=status)

    def case_action(self, request, object_id):
        name = request.POST.get("action", "")
        if name not in ACTIONS:
            raise PermissionDenied("Unknown action.")
        permission, handler = ACTIONS[name]
        require(request.user, permission)  # before the form is read: a crafted POST writes nothing
        case = self._case(request, object_id)
        try:
            response = getattr(self, handler)(request, case)
        except ValidationError as exc:
            if isinstance(exc, workbench.DraftRefused):
                self.message_user(
                    request, "The reply was not marked as sent: fix what is listed.", messages.ERROR
                )
                return self.render_case_page(
                    request,
                    case,
                    draft_text=request.POST.get("text", ""),
                    violations=exc.violations,
                    status=400,
                )
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return redirect(request.path)
        return response or redirect(request.path)

    def _done(self, request, text):
        self.message_user(request, text, messages.SUCCESS)

    def _chase(self, request, case):
        channel = request.POST.get("channel") or ChaseChannel.EMAIL
        workbench.chase_supplier(case, actor=request.user, channel=channel, note=request.POST.get("note", ""))
        self._done(request, "Supplier chase recorded. The supplier message draft is below.")

    def _proof(self, request, case):
        at = _parse_datetime(request.POST.get("at"))
        workbench.record_proof(
            case,
            actor=request.user,
            kind=request.POST.get("kind", ""),
            text=request.POST.get("text", ""),
            at=at,
        )
        self._done(request, "Supplier proof recorded.")

    def _customer_updated(self, request, case):
        workbench.mark_customer_updated(case, actor=request.user, note=request.POST.get("note", ""))
        self._done(request, "Recorded that the customer was updated.")

    def _hold(self, request, case):
        until = _parse_date(request.POST.get("until"))
        workbench.hold(case, actor=request.user, reason=request.POST.get("reason", ""), until=until)
        self._done(request, "Case held.")

    def _assign(self, request, case):
        raw = request.POST.get("assignee", "")
        assignee = None
        if raw:
            if raw == "me":
                assignee = request.user
            else:
                assignee = get_user_model().objects.filter(pk=raw if raw.isdigit() else None).first()
                if assignee is None:
                    raise ValidationError("No such user.")
        workbench.assign(case, actor=request.user, assignee=assignee)
        self._done(request, "Assignee changed.")

    def _resolve(self, request, case):
        workbench.resolve(
            case,
            actor=request.user,
            ending=request.POST.get("ending") or workbench.RESOLVED,
            note=request.POST.get("note", ""),
        )
        self._done(request, "Case resolved.")

    def _save_draft(self, request, case):
        text = request.POST.get("text", "")
        check = workbench.save_draft(case, actor=request.user, text=text)
        if check.ok:
            self._done(request, "Draft saved; it passes the reply guard.")
            return None
        self.message_user(request, "Draft saved, but it cannot be sent as it is.", messages.WARNING)
        case.refresh_from_db()
        return self.render_case_page(request, case, draft_text=text, violations=check.violations)

    def _mark_sent(self, request, case):
        workbench.mark_draft_sent(case, actor=request.user, text=request.POST.get("text", ""))
        self._done(request, "Reply recorded as sent to the customer.")

    def _request_money(self, request, case):
        workbench.request_money_decision(
            case,
            actor=request.user,
            kind=request.POST.get("kind", ""),
            amount=request.POST.get("amount", ""),
            reason=request.POST.get("reason", ""),
            currency=request.POST.get("currency", ""),
            above_value_reason=request.POST.get("above_value_reason", ""),
        )
        self._done(request, "Money decision requested; an owner decides.")

    def _decision(self, request, case) -> MoneyDecision:
        decision = MoneyDecision.objects.filter(case=case, pk=_int(request.POST.get("decision"))).first()
        if decision is None:
            raise ValidationError("No such money request on this case.")
        return decision

    def _decide(self, request, case, approve: bool):
        decision = self._decision(request, case)
        try:
            workbench.decide_money_decision(
                decision,
                actor=request.user,
                approve=approve,
                seen_version=_int(request.POST.get("version")),
                seen_amount=request.POST.get("amount", ""),
                seen_reason=request.POST.get("reason", ""),
                note=request.POST.get("note", ""),
            )
        except workbench.AlreadyDecided as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect(request.path)
        self._done(request, "Money decision approved." if approve else "Money decision rejected.")
        return None

    def _approve_money(self, request, case):
        return self._decide(request, case, True)

    def _reject_money(self, request, case):
        return self._decide(request, case, False)

    def _edit_money(self, request, case):
        decision = self._decision(request, case)
        workbench.edit_money_request(
            decision,
            actor=request.user,
            amount=request.POST.get("amount", ""),
            reason=request.POST.get("reason", ""),
            above_value_reason=request.POST.get("above_value_reason", ""),
        )
        self._done(request, "Money request edited.")

    def _pause_product(self, request, case):
        workbench.pause_product(case, actor=request.user, reason=request.POST.get("reason", ""))
        self._done(request, "Product paused.")

    def _flag_supplier(self, request, case):
        workbench.flag_supplier(case, actor=request.user, reason=request.POST.get("reason", ""))
        self._done(request, "Supplier flagged.")

    # -- replay --------------------------------------------------------------------------------------

    @admin.action(description="Replay the selected cases", permissions=["view"])
    def replay_selected(self, request, queryset):
        """Render the replay page for the selection (reads only; cases.admin.replay)."""
        chosen = list(queryset.values_list("pk", flat=True)[: MAX_CASES + 1])  # more is refused
        return replay_page(self, request, case_pks=chosen)

    def replay_view(self, request):
        return replay_page(self, request)

    def replay_run_view(self, request, pk: int):
        return replay_run_page(self, request, pk)

    # -- bundle upload -------------------------------------------------------------------------------

    def import_bundle_view(self, request):
        if not request.user.has_perm(IMPORT_CASES):
            raise PermissionDenied
        form = BundleUploadForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            raw = form.cleaned_data["file"].read()
            try:
                summary = import_bundle(
                    read_bundle(raw, max_bytes=settings.BUNDLE_MAX_BYTES),
                    raw=raw,
                    actor=request.user,
                    via="admin upload",
                )
            except BundleError as exc:
                errors = [str(issue) for issue in exc.issues]
            else:
                level = messages.SUCCESS if summary.changed else messages.INFO
                self.message_user(request, summary.describe(), level)
                return redirect(reverse("admin:cases_case_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a case bundle",
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
            "max_mb": settings.BUNDLE_MAX_BYTES // (1024 * 1024),
        }
        return TemplateResponse(request, "admin/cases/case/import_bundle.html", context)


def _timeline(case: Case) -> tuple[list, str]:
    """The case's timeline, or none and why when a stored fact cannot be read (the page still answers:
    it is where a person sees what is wrong with the case). Times that cannot be read are left out by
    the timeline's own queries; this catches what else a broken row may raise."""
    try:
        with transaction.atomic():  # a savepoint: a failed read leaves the request's transaction usable
            return case_timeline(case), ""
    except (DatabaseError, ValueError, OverflowError, TypeError) as exc:
        logger.warning("The timeline of case %s cannot be read: %s", case.pk, exc)
        return [], unassessable_reason(exc)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not a number.") from exc


def _parse_date(value):
    if not value:
        raise ValidationError("A review date is required.")
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise ValidationError("The review date is YYYY-MM-DD.") from exc
    return timezone.make_aware(datetime.combine(day, time(9)))


def _parse_datetime(value):
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError("The time is YYYY-MM-DDTHH:MM.") from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
