"""Connections and their deliveries in the admin (docs/connections.md).

Connections: one page listing every source with the address to paste into it, whether a secret is set
(its last four characters at most), whether it is on, its last delivery, today's deliveries and refusals
with their reasons. Owners (`cases.manage_connections`, a second factor) set a secret, switch a source
on or off, set the retention, and send a test delivery: the source's sample body, signed with the
connection's secret, posted through the real endpoint inside a transaction that is rolled back (the
answer is shown; nothing stays). Every change is refused on the server to anyone else.

Deliveries: read-only records of what a source sent and what it changed; an owner may replay kept ones
(a fixed reader reads them again; what they write is written once). Editing or deleting one would
re-open the door the unique body digest closes. Refusals: read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from cases.intake.webhooks import services
from cases.intake.webhooks.selectors import connection_states
from cases.intake.webhooks.sources import SOURCES
from cases.models import Connection, WebhookDelivery, WebhookRefusal
from cases.permissions import MANAGE_CONNECTIONS
from staletrack.admin import ReadOnlyAdmin, admin_paths


class ConnectionForm(forms.Form):
    secret = forms.CharField(
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the secret set.",
    )
    enabled = forms.BooleanField(required=False)
    retention_days = forms.IntegerField(min_value=1, max_value=services.MAX_RETENTION_DAYS)


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            *admin_paths(
                self,
                ("<str:source>/set/", self.set_view, "cases_connection_set"),
                ("<str:source>/test/", self.test_view, "cases_connection_test"),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/cases/connection/states.html",
            {
                **self.admin_site.each_context(request),
                "title": "Connections",
                "opts": self.model._meta,
                "states": connection_states(),
                "site_root": request.build_absolute_uri("/").rstrip("/"),
                "can_manage": request.user.has_perm(MANAGE_CONNECTIONS),
            },
        )

    def set_view(self, request, source: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(MANAGE_CONNECTIONS):
            raise PermissionDenied
        form = ConnectionForm(request.POST)
        if not form.is_valid():
            errors = "; ".join(f"{name}: {' '.join(error)}" for name, error in form.errors.items())
            messages.error(request, f"Nothing changed: {errors}")
            return self._back()
        data = form.cleaned_data
        try:
            connection = services.set_connection(
                source=source,
                actor=request.user,
                secret=data["secret"] or None,
                enabled=data["enabled"],
                retention_days=data["retention_days"],
            )
        except ValueError as error:
            messages.error(request, f"Nothing changed: {error}")
            return self._back()
        said = f"{connection} saved."
        found = SOURCES.get(source)
        if data["secret"] and found is not None and found.by_token:
            # The one time the whole address is shown: it holds the token.
            url = request.build_absolute_uri(reverse("webhooks:by_token", args=[connection.secret]))
            said += f" Paste this address into {connection}: {url}"
        messages.success(request, said)
        return self._back()

    def test_view(self, request, source: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(MANAGE_CONNECTIONS):
            raise PermissionDenied
        found = SOURCES.get(source)
        if found is None:
            messages.error(request, f"No source {source!r}.")
            return self._back()
        status, answer = services.send_test_delivery(
            source=found, host=request.get_host(), secure=request.is_secure()
        )
        level = messages.SUCCESS if status == 200 else messages.ERROR
        messages.add_message(
            request,
            level,
            f"Test delivery to {found.name}: answered {status} {answer} "
            "(rolled back: a test writes nothing).",
        )
        return self._back()

    def _back(self):
        return HttpResponseRedirect(reverse("admin:cases_connection_changelist"))


@admin.action(description="Replay the selected deliveries (read their kept bodies again)")
def replay_deliveries(modeladmin, request, queryset):
    if not request.user.has_perm(MANAGE_CONNECTIONS):
        raise PermissionDenied
    done = 0
    for delivery in queryset.exclude(body=b"").filter(source__in=list(SOURCES)):
        services.replay(delivery=delivery, actor=request.user)
        done += 1
    messages.success(request, f"Replayed {done} deliver{'y' if done == 1 else 'ies'}.")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    actions = [replay_deliveries]
    list_display = ("received_at", "source", "topic", "verdict", "delivery_id", "numbers", "events_created")
    list_filter = ("source", "verdict")
    search_fields = ("delivery_id", "body_sha256", "tracking_numbers")
    date_hierarchy = "received_at"
    fields = (
        "source",
        "topic",
        "verdict",
        "reason",
        "delivery_id",
        "received_at",
        "applied_at",
        "tracking_numbers",
        "order_ids",
        "events_created",
        "changes",
        "body_sha256",
        "headers",
        "body_text",
    )
    readonly_fields = fields

    def get_fields(self, request, obj=None):
        # The raw body is the owners': it holds customers' personal data and, for some sources, the
        # account's own identifiers (a CJdropshipping body carries its openId, the signing key).
        fields = super().get_fields(request, obj)
        if request.user.has_perm(MANAGE_CONNECTIONS):
            return fields
        return [name for name in fields if name != "body_text"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_actions(self, request):
        # Shown to owners only; the action itself refuses anyone else on the server.
        if not request.user.has_perm(MANAGE_CONNECTIONS):
            return {}
        return super(ReadOnlyAdmin, self).get_actions(request)

    @admin.display(description="tracking numbers")
    def numbers(self, obj):
        return ", ".join(obj.tracking_numbers or []) or "—"

    @admin.display(description="body")
    def body_text(self, obj):
        return bytes(obj.body or b"").decode("utf-8", "replace") or "—"


@admin.register(WebhookRefusal)
class WebhookRefusalAdmin(ReadOnlyAdmin):
    list_display = ("at", "source", "status_code", "reason", "remote_addr")
    list_filter = ("source", "status_code")
    date_hierarchy = "at"
