"""Admin base classes and action mixins the apps share, and the owner's page of API tokens."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers

from staletrack import tokens
from staletrack.models import ApiToken
from staletrack.permissions import MANAGE_TOKENS, VIEW_TOKENS, require


def admin_paths(model_admin: admin.ModelAdmin, *routes: tuple) -> list:
    """The URL patterns of a ModelAdmin's own pages, to put before Django's in `get_urls`: one for each
    `(route, view, name)`, the view behind the admin site's check that a staff member is logged in."""
    return [path(route, model_admin.admin_site.admin_view(view), name=name) for route, view, name in routes]


class ReadOnlyAdmin(admin.ModelAdmin):
    """A list of records that only code writes: no add, change or delete page, no actions; a crafted POST
    to those URLs gets 403."""

    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RefuseUnpermittedActionsMixin:
    """Admin actions refused on the server with 403.

    Django's admin drops the actions a user lacks the permission for from the action menu, so a crafted
    POST naming one only redirects with "No action selected". Admins that mix this in answer such a POST
    with 403 instead, and nothing is written."""

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST":
            for name in request.POST.getlist("action"):
                if name and not self.may_run_action(request, name):
                    raise PermissionDenied("You may not run that action.")
        return super().changelist_view(request, extra_context)

    def may_run_action(self, request, name: str) -> bool:
        """Whether `request`'s user holds one of the permissions action `name` declares (Django's own rule
        for the action menu); a name that is no action, or an action that declares none, is Django's to
        answer."""
        action = self.get_action(name)
        permissions = getattr(action[0], "allowed_permissions", ()) if action else ()
        if not permissions:
            return True
        return any(getattr(self, f"has_{permission}_permission")(request) for permission in permissions)


# ---------------------------------------------------------------------------------------------------
# API tokens (staletrack.tokens): the owner's, behind a second factor.


class NewTokenForm(forms.Form):
    """What `tokens.create_token` needs; the service checks each again and names the field it refuses."""

    name = forms.CharField(
        max_length=100, help_text="Who uses it: the agent or integration, by name (the audit trail's name)."
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ, widget=forms.RadioSelect
    )
    days = forms.IntegerField(
        min_value=1,
        max_value=tokens.MAX_DAYS,
        initial=tokens.DEFAULT_DAYS,
        help_text="It expires after these days; make a new one then.",
    )
    rate_per_minute = forms.IntegerField(
        label="Calls per minute",
        min_value=1,
        max_value=tokens.MAX_RATE,
        initial=ApiToken._meta.get_field("rate_per_minute").default,
        help_text="More calls in a minute are answered 429 until the minute ends.",
    )


class ApiTokenAdmin(RefuseUnpermittedActionsMixin, admin.ModelAdmin):
    """Tokens for agents: made (and shown once) on the add page, revoked by the action or the change page's
    button, never edited or deleted (a revoked token stays listed: the audit trail names it).

    Every page and action checks on the server that the user holds the token permission and that their
    session passed a second factor (`staletrack.permissions`); the service checks again."""

    list_display = (
        "name",
        "scope",
        "key_id",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "created_by",
    )
    list_filter = ("scope",)
    list_select_related = ("created_by",)
    search_fields = ("name", "=key_id")
    # The digest is left out: it proves nothing to a person and is no business of the page's.
    fields = (
        "name",
        "scope",
        "key_id",
        "created_by",
        "created_at",
        "expires_at",
        "rate_per_minute",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    readonly_fields = fields
    actions = ["revoke_selected"]
    change_form_template = "admin/staletrack/apitoken/change_form.html"

    @staticmethod
    def _may(request, permission: str) -> bool:
        """`require()` without raising: an unverified session (a superuser's too) is refused here."""
        try:
            require(request.user, permission)
        except PermissionDenied:
            return False
        return True

    def has_module_permission(self, request):
        return self._may(request, VIEW_TOKENS)

    def has_view_permission(self, request, obj=None):
        return self._may(request, VIEW_TOKENS)

    def has_add_permission(self, request):
        return self._may(request, MANAGE_TOKENS)

    def has_change_permission(self, request, obj=None):
        return False  # read-only after it is made: a different scope or life is a new token

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail's calls keep naming the token

    def has_revoke_permission(self, request, obj=None):
        return self._may(request, MANAGE_TOKENS)  # what tokens.revoke_token requires

    def get_urls(self):
        own = admin_paths(self, ("<path:object_id>/revoke/", self.revoke_view, "staletrack_apitoken_revoke"))
        return [*own, *super().get_urls()]

    # -- making one --------------------------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        """The form; a valid POST makes the token and answers with the one page that shows it (never
        redirected to, never cached: a message or a session would keep it)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = NewTokenForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                token, raw = tokens.create_token(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)  # the service names the field
            else:
                return self._shown_once(request, token, raw)
        context = {
            **self.admin_site.each_context(request),
            "title": "Make an API token",
            "opts": self.opts,
            "form": form,
        }
        return TemplateResponse(request, "admin/staletrack/apitoken/add.html", context)

    def _shown_once(self, request, token: ApiToken, raw: str):
        context = {
            **self.admin_site.each_context(request),
            "title": f"API token for {token.name}",
            "opts": self.opts,
            "token": token,
            "raw": raw,
        }
        response = TemplateResponse(request, "admin/staletrack/apitoken/created.html", context)
        add_never_cache_headers(response)
        return response

    # -- revoking ----------------------------------------------------------------------------------------

    @admin.action(
        description="Revoke the selected tokens (their next call is refused)", permissions=["revoke"]
    )
    def revoke_selected(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke_token(token, actor=request.user)
            revoked += 1
        self.message_user(request, f"{revoked} token(s) revoked.", messages.SUCCESS)

    def revoke_view(self, request, object_id):
        """POST from the change page's button: revoke the token, back to its page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_revoke_permission(request):
            raise PermissionDenied
        token = self.get_object(request, object_id)
        if token is None:
            raise Http404("No such token.")
        already = token.revoked_at is not None
        token = tokens.revoke_token(token, actor=request.user)
        self.message_user(
            request,
            f"The token {token.name} was already revoked."
            if already
            else f"The token {token.name} is revoked: its next call is refused.",
            messages.WARNING if already else messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:staletrack_apitoken_change", args=[token.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_revoke": self.has_revoke_permission(request),
            "revoke_url": reverse("admin:staletrack_apitoken_revoke", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)


admin.site.register(ApiToken, ApiTokenAdmin)
