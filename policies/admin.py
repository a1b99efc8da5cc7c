from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from cases.admin.case_actions import RefuseUnpermittedActionsMixin
from cases.permissions import EDIT_POLICY
from policies import services
from policies.models import CountryOverride, Policy, SupplierOverride
from policies.values import POLICY_FIELDS


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
