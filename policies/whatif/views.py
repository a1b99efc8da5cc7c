"""The what-if pages of the admin: a draft's what-if (differences in numbers and lanes, earlier runs, a
button) and a run's page (its counts, its open cases per lane under each version, its first changes).

Every view requires `edit_policy` on the server (403 otherwise), whatever the page showed. The Policy
admin routes to them (`what-if/`, `what-if-runs/<id>/`) and passes itself as `model_admin`. A start runs a
small what-if in the request, or queues a `WhatIfRun` (or joins the one of the same numbers under way) and
goes to the run's page, which refreshes itself until the run is done; a run that can no longer finish
(`WhatIfRun.lost`) says so instead.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from policies.lanes import lane_differences
from policies.models import Policy, WhatIfRun
from policies.permissions import EDIT_POLICY
from policies.selectors import active_policy, lane_settings_of, policy_book
from policies.whatif.diff import FIELDS, numbers_differences
from policies.whatif.runs import run_is_current, start_what_if
from suppliers.models import Supplier

TEMPLATE = "admin/policies/whatif/page.html"
RUN_TEMPLATE = "admin/policies/whatif/run.html"
RECENT_RUNS = 10  # earlier runs listed on the draft's what-if page
WHAT_IF_UNDER_WAY = "A what-if of this draft with these numbers is already under way; this is its page."


def require_edit_policy(request) -> None:
    """403 unless the user may edit the policy: what-ifs and activations are theirs."""
    if not request.user.has_perm(EDIT_POLICY):
        raise PermissionDenied("Only users who may edit the policy run what-ifs and activate drafts.")


def what_if_page(model_admin, request, pk: int):
    """GET: what the draft changes, its earlier runs and a button to run it. POST: run it, or join the
    run of these numbers under way (saying so), and go to its page."""
    require_edit_policy(request)
    draft = get_object_or_404(Policy, pk=pk)
    change_url = reverse("admin:policies_policy_change", args=[draft.pk])
    if not draft.is_draft:
        model_admin.message_user(request, f"{draft.label} is not a draft: nothing to try.", messages.ERROR)
        return redirect(change_url)
    if request.method == "POST":
        run, started = start_what_if(draft, actor=request.user)
        if not started:
            model_admin.message_user(request, WHAT_IF_UNDER_WAY, messages.INFO)
        return redirect(run_url(run))
    active = active_policy()
    differences = numbers_differences(policy_book(active), policy_book(draft))
    suppliers = {d.key for d in differences if d.kind == "supplier"}
    names = dict(Supplier.objects.filter(pk__in=suppliers).values_list("pk", "name"))
    rows = [
        {
            "scope": d.kind if d.kind == "default" else f"{d.kind} {names.get(d.key, d.key)}",
            "field": d.field,
            "active": d.active,
            "draft": d.draft,
        }
        for d in differences
    ]
    context = _context(
        model_admin,
        request,
        f"What if {draft.label} were active?",
        draft=draft,
        active=active,
        differences=rows,
        lane_differences=lane_differences(lane_settings_of(active), lane_settings_of(draft)),
        runs=draft.what_if_runs.select_related("created_by")[:RECENT_RUNS],
        change_url=change_url,
    )
    return TemplateResponse(request, TEMPLATE, context)


def what_if_run_page(model_admin, request, run_id: int):
    """A run: its progress while it is queued or running (the page reloads itself), then its counts and
    first changes (each linking to its case), whether the draft changed since, and the button that
    activates it; or why it failed, or that it can no longer finish."""
    require_edit_policy(request)
    run = get_object_or_404(WhatIfRun.objects.select_related("draft", "baseline", "created_by"), pk=run_id)
    changes = []
    for change in run.changes:
        changes.append(
            {
                **change,
                "case_url": reverse("admin:cases_case_change", args=[change["case_pk"]]),
                "cells": [
                    (change["before"][name], change["after"][name], name in change["changed"])
                    for name in FIELDS
                ],
            }
        )
    lost = run.lost
    context = _context(
        model_admin,
        request,
        f"What if {run.draft.label} were active?",
        run=run,
        changes=changes,
        running=not run.finished and not lost,
        lost_message=run.lost_message if lost else "",
        current=run_is_current(run) if run.draft.is_draft else True,
        can_activate=run.draft.is_draft and run.status == WhatIfRun.Status.SUCCEEDED,
        activate_url=reverse("admin:policies_policy_activate", args=[run.draft.pk]),
        what_if_url=reverse("admin:policies_policy_what_if", args=[run.draft.pk]),
        change_url=reverse("admin:policies_policy_change", args=[run.draft.pk]),
    )
    return TemplateResponse(request, RUN_TEMPLATE, context)


def run_url(run: WhatIfRun) -> str:
    """The page of a run (registered by the Policy admin)."""
    return reverse("admin:policies_policy_what_if_run", args=[run.pk])


def _context(model_admin, request, title: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        **extra,
    }
