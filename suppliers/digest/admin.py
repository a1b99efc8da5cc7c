"""The weekly digests in the admin: the list of digests sent (which week, to which owner, when) and the
digest page (`views.digest_view`) its "Read the weekly digest" button opens.

Both read with `suppliers.view_weeklyrollup` (Staff and Owner), checked on the server; the rows are
written only by sending (`services.send_digest_once`), so the list is read-only."""

from django.contrib import admin
from django.urls import path

from staletrack.admin import ReadOnlyAdmin
from suppliers.digest import views
from suppliers.models import SentDigest


@admin.register(SentDigest)
class SentDigestAdmin(ReadOnlyAdmin):
    change_list_template = "admin/suppliers/sentdigest/change_list.html"
    list_display = ("week_start", "user", "sent_at")
    list_filter = ("week_start",)
    list_select_related = ("user",)
    date_hierarchy = "week_start"
    fields = ("week_start", "user", "email", "sent_at")

    def has_view_permission(self, request, obj=None):
        return views.may_view(request.user)

    def has_module_permission(self, request):
        return views.may_view(request.user)

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(lambda request, **kwargs: view(request, self, **kwargs))

        return [
            path("digest/", wrap(views.digest_view), name="suppliers_sentdigest_digest"),
            *super().get_urls(),
        ]
