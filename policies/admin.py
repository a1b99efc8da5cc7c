"""The policy admin: versions with their overrides, copy to a draft, activate, the what-if's routes.

The what-if pages themselves are policies.whatif.views."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from policies import services
from policies.lanes import POLICY_LANE_FIELDS, validate_lane_settings
from policies.models import (
    CASE_TYPE_CHOICES,
    FAST_RISK_CHOICES,
    RISK_CHOICES,
    CountryOverride,
    Policy,
    SupplierOverride,
)
from policies.permissions import EDIT_POLICY
from policies.values import POLICY_FIELDS
from policies.whatif.views import require_edit_policy, what_if_page, what_if_run_page
from staletrack.admin import RefuseUnpermittedActionsMixin, admin_paths


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


def _ticks(choices, help_text: str) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        choices=choices, required=False, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


class PolicyForm(forms.ModelForm):
    """A draft's numbers and lanes. The lanes' lists are ticks of the rules' own words; together they must
    hold (policies.lanes.validate_lane_settings), each refusal naming its setting."""

    lane_fast_case_types = _ticks(CASE_TYPE_CHOICES, Policy._meta.get_field("lane_fast_case_types").help_text)
    lane_fast_max_risk = forms.ChoiceField(
        choices=FAST_RISK_CHOICES, help_text=Policy._meta.get_field("lane_fast_max_risk").help_text
    )
    lane_owner_only_case_types = _ticks(
        CASE_TYPE_CHOICES, Policy._meta.get_field("lane_owner_only_case_types").help_text
    )
    lane_owner_only_risks = _ticks(RISK_CHOICES, Policy._meta.get_field("lane_owner_only_risks").help_text)

    class Meta:
        model = Policy
        fields = ("note", *POLICY_FIELDS, *POLICY_LANE_FIELDS, "refund_terms")

    def clean(self):
        data = super().clean()
        values = {name: data[column] for column, name in POLICY_LANE_FIELDS.items() if column in data}
        for name, reason in validate_lane_settings(values).items():
            self.add_error(f"lane_{name}", reason)
        return data


@admin.register(Policy)
class PolicyAdmin(RefuseUnpermittedActionsMixin, admin.ModelAdmin):
    """Versions are never edited once activated: copy one into a draft, edit the draft, activate it."""

    form = PolicyForm
    list_display = ("label", "is_active", "activated_at", "note", "created_by", *POLICY_FIELDS[:6])
    readonly_fields = ("version", "is_active", "activated_at", "created_at", "created_by")
    fieldsets = (
        (None, {"fields": ("version", "is_active", "activated_at", "note")}),
        ("Numbers (rules.md section 2)", {"fields": POLICY_FIELDS}),
        ("What customers are told", {"fields": ("refund_terms",)}),
        (
            "Lanes (docs/fast-lane.md)",
            {
                "fields": tuple(POLICY_LANE_FIELDS),
                "description": "Fast: staff may review these cases' drafts in bulk. Owner-only: only an "
                "owner marks their replies as sent or records their outcomes (owner-only wins). The rest "
                "are worked one case page at a time, as always.",
            },
        ),
        (None, {"fields": ("created_at", "created_by")}),
    )
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

    # --- what-if and activation -------------------------------------------------------------------------
    # Every view below requires edit_policy on the server (403 otherwise), whatever the page showed.

    def get_urls(self):
        own = admin_paths(
            self,
            ("<int:pk>/what-if/", self.what_if_view, "policies_policy_what_if"),
            ("what-if-runs/<int:run_id>/", self.what_if_run_view, "policies_policy_what_if_run"),
            ("<int:pk>/activate/", require_POST(self.activate_view), "policies_policy_activate"),
        )
        return [*own, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        policy = self.get_object(request, unquote(object_id))
        if policy is not None and policy.is_draft and request.user.has_perm(EDIT_POLICY):
            extra_context = {
                **(extra_context or {}),
                "can_what_if": True,
                "what_if_url": reverse("admin:policies_policy_what_if", args=[policy.pk]),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def what_if_view(self, request, pk):
        return what_if_page(self, request, pk)

    def what_if_run_view(self, request, run_id):
        return what_if_run_page(self, request, run_id)

    def activate_view(self, request, pk):
        require_edit_policy(request)
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
