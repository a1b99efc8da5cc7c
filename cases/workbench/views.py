"""The case page: the decision packet on top, what agents proposed, the draft reply, the actions, and one
timeline.

The packet says why the case cannot be assessed, when it cannot, and how many of its facts have a stored
time that cannot be read: the page answers all the same. The page's forms post back to the same URL with an
`action`; each action checks its permission on the server before its form is read (403, nothing written),
then its form (`cases.workbench.forms`) reads the fields and calls its service, which checks again. A
refused action says why above the page and changes nothing.

`CaseAdmin` (cases.workbench.admin) serves these views as its change view.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from cases.assessment.text import render_text
from cases.choices import (
    COMMON_REASON_CODES,
    ChaseChannel,
    DisputeProcessor,
    DisputeStatus,
    EvidenceKind,
    MoneyKind,
    MoneyState,
)
from cases.currencies import currency_code
from cases.models import Case
from cases.permissions import APPROVE_MONEY, OPEN_DISPUTE, RECORD_DISPUTE_OUTCOME
from cases.selectors.disputes import order_disputes, sees_outcomes
from cases.services.assessment import unassessable_reason
from cases.tracking.services import SUPERSEDE_PARCEL
from cases.workbench.forms import ACTIONS, ProposalDraftRefused
from cases.workbench.lanes import OwnerOnlyCase, active_lane_settings, case_lane, case_lane_reason, may_answer
from cases.workbench.money import REQUEST_MONEY
from cases.workbench.queue import clock_exceeded, key_clock
from cases.workbench.selectors import (
    assignable_users,
    case_agent_proposals,
    case_money_decisions,
    current_draft,
    last_carrier_events,
    parcel_rows,
    parcels_in_force,
)
from cases.workbench.services import ENDINGS, WORK_CASE, DraftCheck, DraftRefused
from cases.workbench.timeline import case_timeline, proved, unreadable_facts
from policies.lanes import LANE_LABELS
from staletrack.permissions import require
from suppliers.permissions import FLAG_SUPPLIER, PAUSE_PRODUCT

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
    """The coloured risk label of the queue's rows and the page's heading (built from choice values)."""
    return format_html(
        '<span class="risk-badge risk-{}" style="background:{};color:#fff;padding:2px 6px;'
        'border-radius:3px;white-space:nowrap">{}</span>',
        risk_level or "none",
        RISK_COLOURS.get(risk_level, "#555"),
        label or "not assessed",
    )


def case_page(model_admin, request, object_id):
    """GET shows the page; POST runs the action it names."""
    if request.method == "POST":
        return case_action(model_admin, request, object_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return render_case_page(model_admin, request, get_case(model_admin, request, object_id))


def get_case(model_admin, request, object_id) -> Case:
    """The case the URL names, with what the page shows of it; 404 when there is none, 403 when the user
    may neither see nor change cases."""
    case = (
        Case.objects.select_related("order__product__supplier", "assignee", "policy")
        .filter(pk=object_id)
        .first()
        if str(object_id).isdigit()
        else None
    )
    if case is None:
        raise Http404("No such case.")
    if not model_admin.has_view_or_change_permission(request, case):
        raise PermissionDenied
    return case


def render_case_page(
    model_admin,
    request,
    case: Case,
    *,
    draft_text=None,
    violations=None,
    refused_proposal: ProposalDraftRefused | None = None,
    status=200,
):
    """The page for `case`; `draft_text` and `violations` show a reply the guard refused,
    `refused_proposal` an agent's draft it refused as the person left it."""
    user = request.user
    packet = case.packet or {}
    decisions = case_money_decisions(case, user=user)
    proposals, decided_proposals = case_agent_proposals(case)
    for proposal in proposals:
        refused = refused_proposal is not None and refused_proposal.proposal.pk == proposal.pk
        proposal.shown_text = refused_proposal.text if refused else proposal.text
        proposal.violations = refused_proposal.violations if refused else []
    now = timezone.now()
    timeline, timeline_error = _timeline(case, outcomes=sees_outcomes(user))
    opts = model_admin.model._meta
    lanes = active_lane_settings()
    lane = case_lane(case, lanes)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Case {case.order.order_id}",
        "subtitle": None,
        "opts": opts,
        "app_label": opts.app_label,
        "original": case,
        "has_view_permission": True,
        "case": case,
        "order": case.order,
        "packet": packet,
        "parcels": parcel_rows(packet, last_carrier_events(case.order)),
        "risk_badge": risk_badge(case.risk_level, case.get_risk_level_display()),
        "key_clock": key_clock(case.window, now),
        "clock_exceeded": clock_exceeded(case.window, now),
        "packet_text": render_text(packet) if packet else "",
        "timeline": timeline,
        "timeline_error": timeline_error,
        "unreadable_facts": unreadable_facts(case),
        "proved": proved(timeline),
        "draft_text": current_draft(case) if draft_text is None else draft_text,
        "violations": violations,
        "decisions": decisions,
        "pending_decisions": [d for d in decisions if d.state == MoneyState.PENDING],
        "disputes": order_disputes(case.order_id, user=user, now=now),
        "can_open_dispute": user.has_perm(OPEN_DISPUTE),
        "can_record_dispute": user.has_perm(RECORD_DISPUTE_OUTCOME),
        "dispute_processors": DisputeProcessor.choices,
        "dispute_statuses": DisputeStatus.choices,
        "reason_codes": COMMON_REASON_CODES,
        "agent_proposals": proposals,
        "decided_agent_proposals": decided_proposals,
        "can_work": user.has_perm(WORK_CASE),
        "lane": lane,
        "lane_label": LANE_LABELS[lane],
        # "owner-only: its risk is owner only" -> "its risk is owner only" (the label is shown beside it).
        "lane_reason": case_lane_reason(case, lanes).partition(": ")[2],
        # The owner-only lane: only an owner marks the reply as sent or records the outcome.
        "can_answer": user.has_perm(WORK_CASE) and may_answer(user, lane),
        "can_request_money": user.has_perm(REQUEST_MONEY),
        "can_pause": user.has_perm(PAUSE_PRODUCT),
        "can_flag": user.has_perm(FLAG_SUPPLIER),
        "can_supersede": user.has_perm(SUPERSEDE_PARCEL),
        "parcels_in_force": parcels_in_force(case.order),
        "chase_channels": ChaseChannel.choices,
        "evidence_kinds": EvidenceKind.choices,
        "money_kinds": MoneyKind.choices,
        "order_currency": currency_code(case.order.currency),
        "is_owner": user.has_perm(APPROVE_MONEY),
        "endings": [(e, str(e).replace("_", " ")) for e in ENDINGS],
        "assignees": list(assignable_users()),
        "queue_url": reverse("admin:cases_case_changelist"),
    }
    return TemplateResponse(request, model_admin.change_form_template, context, status=status)


def case_action(model_admin, request, object_id):
    """Run the action the POST names through its form: done, the page again with what the reply guard
    found, or back to the page with every error named."""
    form_class = ACTIONS.get(request.POST.get("action", ""))
    if form_class is None:
        raise PermissionDenied("Unknown action.")
    require(request.user, form_class.permission)  # before the form is read: a crafted POST writes nothing
    case = get_case(model_admin, request, object_id)
    form = form_class(request.POST, case=case, actor=request.user)
    if not form.is_valid():
        return _refused(
            model_admin, request, [message for errors in form.errors.values() for message in errors]
        )
    try:
        result = form.save()
    except DraftRefused as exc:
        model_admin.message_user(
            request, "The reply was not marked as sent: fix what is listed.", messages.ERROR
        )
        return render_case_page(
            model_admin,
            request,
            case,
            draft_text=form.cleaned_data["text"],
            violations=exc.violations,
            status=400,
        )
    except OwnerOnlyCase as exc:
        # The lane refused it (nothing written): the page again, saying why, as a refusal.
        model_admin.message_user(request, str(exc), messages.ERROR)
        return render_case_page(model_admin, request, case, status=403)
    except ProposalDraftRefused as exc:
        # Nothing accepted; the page shows the person's text again, so an edit is not lost.
        for message in exc.messages:
            model_admin.message_user(request, message, messages.ERROR)
        return render_case_page(model_admin, request, case, refused_proposal=exc, status=400)
    except ValidationError as exc:
        return _refused(model_admin, request, exc.messages)
    if isinstance(result, DraftCheck) and not result.ok:
        # The draft is saved all the same; the page shows it again with each breach named.
        model_admin.message_user(request, form.not_sendable, messages.WARNING)
        case.refresh_from_db()
        return render_case_page(
            model_admin, request, case, draft_text=form.cleaned_data["text"], violations=result.violations
        )
    model_admin.message_user(request, form.done, messages.SUCCESS)
    return redirect(request.path)


def _refused(model_admin, request, errors: list[str]):
    for message in errors:
        model_admin.message_user(request, message, messages.ERROR)
    return redirect(request.path)


def _timeline(case: Case, *, outcomes: bool) -> tuple[list, str]:
    """The case's timeline, or none and why when a stored fact cannot be read (the page still answers:
    it is where a person sees what is wrong with the case). Times that cannot be read are left out by
    the timeline's own queries; this catches what else a broken row may raise."""
    try:
        with transaction.atomic():  # a savepoint: a failed read leaves the request's transaction usable
            return case_timeline(case, outcomes=outcomes), ""
    except (DatabaseError, ValueError, OverflowError, TypeError) as exc:
        logger.warning("The timeline of case %s cannot be read: %s", case.pk, exc)
        return [], unassessable_reason(exc)
