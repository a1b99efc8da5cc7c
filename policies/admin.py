"""The policy admin: versions with their overrides, copy to a draft, activate, and the draft's what-if."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from policies import services
from policies.models import CountryOverride, Policy, SupplierOverride, WhatIfRun
from policies.permissions import EDIT_POLICY
from policies.selectors import active_policy, policy_book
from policies.values import POLICY_FIELDS
from policies.whatif_diff import FIELDS, numbers_differences
from policies.whatif_runs import run_is_current, start_what_if
from staletrack.admin import RefuseUnpermittedActionsMixin
from suppliers.models import Supplier

WHAT_IF_UNDER_WAY = "A what-if of this draft with these numbers is already under way; this is its page."


class OverrideInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return bool(obj and obj.is_draft and request.user.has_perm(EDIT_POLICY))

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


class CountryOverrideInline(OverrideInline):
    model = CountryOverride
    fields = ("country", *POLICY_FIELDS)


class SupplierOverrideInline(OverrideInline):
    model = SupplierOverride
    fields = ("supplier", *POLICY_FIELDS)
    autocomplete_fields = ("supplier",)


@admin.register(Policy)
class PolicyAdmin(RefuseUnpermittedActionsMixin, admin.ModelAdmin):
    """Versions are never edited once activated: copy one into a draft, edit the draft, activate it."""

    list_display = ("label", "is_active", "activated_at", "note", "created_by", *POLICY_FIELDS[:6])
    readonly_fields = ("version", "is_active", "activated_at", "created_at", "created_by")
    fields = ("version", "is_active", "activated_at", "note", *POLICY_FIELDS, "created_at", "created_by")
    inlines = [CountryOverrideInline, SupplierOverrideInline]
    actions = ["copy_into_draft", "activate_draft"]
    change_form_template = "admin/policies/policy/change_form.html"

    def has_add_permission(self, request):
        return False  # a new version always starts as a copy, so its overrides come along

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return False
        return request.user.has_perm(EDIT_POLICY) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_edit_policy_permission(self, request):
        return request.user.has_perm(EDIT_POLICY)

    def save_model(self, request, obj, form, change):
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    @admin.action(description="Copy into a new draft version", permissions=["edit_policy"])
    def copy_into_draft(self, request, queryset):
        for policy in queryset:
            draft = services.create_draft(base=policy, actor=request.user, note=f"Copied from {policy.label}")
            self.message_user(request, f"Draft {draft.label} created from {policy.label}.", messages.SUCCESS)

    @admin.action(description="Activate the selected draft", permissions=["edit_policy"])
    def activate_draft(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one draft to activate.", messages.ERROR)
            return
        try:
            policy = services.activate(queryset.get(), actor=request.user, reason="activated from the admin")
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{policy.label} is now the active policy.", messages.SUCCESS)

    # --- what-if ----------------------------------------------------------------------------------------
    # Every view below requires edit_policy on the server (403 otherwise), whatever the page showed.

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/what-if/", view(self.what_if_view), name="policies_policy_what_if"),
            path(
                "what-if-runs/<int:run_id>/", view(self.what_if_run_view), name="policies_policy_what_if_run"
            ),
            path(
                "<int:pk>/activate/",
                view(require_POST(self.activate_view)),
                name="policies_policy_activate",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        policy = self.get_object(request, unquote(object_id))
        if policy is not None and policy.is_draft and request.user.has_perm(EDIT_POLICY):
            extra_context = {
                **(extra_context or {}),
                "can_what_if": True,
                "what_if_url": reverse("admin:policies_policy_what_if", args=[policy.pk]),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _require_edit_policy(self, request) -> None:
        if not request.user.has_perm(EDIT_POLICY):
            raise PermissionDenied("Only users who may edit the policy run what-ifs and activate drafts.")

    def _context(self, request, title: str, **extra) -> dict:
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **extra}

    def what_if_view(self, request, pk):
        """GET: what the draft changes, its earlier runs and a button to run it. POST: run it, or join the
        run of these numbers under way (saying so), and go to its page."""
        self._require_edit_policy(request)
        draft = get_object_or_404(Policy, pk=pk)
        change_url = reverse("admin:policies_policy_change", args=[draft.pk])
        if not draft.is_draft:
            self.message_user(request, f"{draft.label} is not a draft: nothing to try.", messages.ERROR)
            return redirect(change_url)
        if request.method == "POST":
            run, started = start_what_if(draft, actor=request.user)
            if not started:
                self.message_user(request, WHAT_IF_UNDER_WAY, messages.INFO)
            return redirect(reverse("admin:policies_policy_what_if_run", args=[run.pk]))
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
        context = self._context(
            request,
            f"What if {draft.label} were active?",
            draft=draft,
            active=active,
            differences=rows,
            runs=draft.what_if_runs.select_related("created_by")[:10],
            change_url=change_url,
        )
        return TemplateResponse(request, "admin/policies/what_if.html", context)

    def what_if_run_view(self, request, run_id):
        self._require_edit_policy(request)
        run = get_object_or_404(
            WhatIfRun.objects.select_related("draft", "baseline", "created_by"), pk=run_id
        )
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
        context = self._context(
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
        return TemplateResponse(request, "admin/policies/what_if_run.html", context)

    def activate_view(self, request, pk):
        self._require_edit_policy(request)
        draft = get_object_or_404(Policy, pk=pk)
        try:
            policy = services.activate(draft, actor=request.user, reason="activated from the what-if page")
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(
                request,
                f"{policy.label} is now the active policy. The open cases whose numbers changed are being "
                "re-assessed by the clocks.",
                messages.SUCCESS,
            )
        return redirect(reverse("admin:policies_policy_change", args=[draft.pk]))
