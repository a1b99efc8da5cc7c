"""Uploading tracking CSVs from the tracking-number list (issue 4; docs/imports.md).

Same shape as the bundle upload (cases.admin.cases): the permission is checked on the server for GET
and POST alike (403), the import is all or nothing, and every error is listed (escaped by the template).
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from cases.csvfiles import CsvError
from cases.forms import TrackingCsvUploadForm
from cases.permissions import IMPORT_ORDERS
from cases.services.tracking_import import IMPORTERS

SHOWN_ERRORS = 200  # beyond this the page says how many more; the file has to be fixed anyway

KINDS = {
    "numbers": {
        "title": "Import tracking numbers",
        "columns": "order_id, tracking_number, and optionally tracking_provider and date_shipped "
        "(or Shopify-style: Name or Order, Tracking Number, Tracking Company, Fulfilled at)",
    },
    "events": {
        "title": "Import tracking events",
        "columns": "order_id and/or tracking_number, time with a UTC offset, status and/or raw_status, "
        "and optionally description, location, country, postal_code",
    },
}


class TrackingImportAdminMixin:
    """Adds `import-numbers/` and `import-events/` to a ModelAdmin (the TrackingNumber one), and tells
    its change list whether to offer them."""

    tracking_import_template = "admin/cases/trackingnumber/import_tracking.html"

    def get_urls(self):
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}"
        return [
            path(
                "import-numbers/",
                self.admin_site.admin_view(self.import_numbers_view),
                name=f"{prefix}_import_numbers",
            ),
            path(
                "import-events/",
                self.admin_site.admin_view(self.import_events_view),
                name=f"{prefix}_import_events",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import_tracking": request.user.has_perm(IMPORT_ORDERS)}
        return super().changelist_view(request, extra_context)

    def import_numbers_view(self, request):
        return self._import_view(request, "numbers")

    def import_events_view(self, request):
        return self._import_view(request, "events")

    def _import_view(self, request, kind: str):
        if not request.user.has_perm(IMPORT_ORDERS):
            raise PermissionDenied  # before the form: a crafted POST reads and writes nothing
        form = TrackingCsvUploadForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            raw = form.cleaned_data["file"].read()
            try:
                summary = IMPORTERS[kind](raw, actor=request.user, via="admin upload")
            except CsvError as exc:
                errors = [str(issue) for issue in exc.issues]
            else:
                level = messages.SUCCESS if summary.changed else messages.INFO
                self.message_user(request, summary.describe(), level)
                opts = self.model._meta
                return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        context = {
            **self.admin_site.each_context(request),
            **KINDS[kind],
            "kind": kind,
            "opts": self.model._meta,
            "form": form,
            "errors": errors[:SHOWN_ERRORS],
            "error_count": len(errors),
            "more_errors": max(0, len(errors) - SHOWN_ERRORS),
            "max_mb": settings.BUNDLE_MAX_BYTES // (1024 * 1024),
        }
        return TemplateResponse(request, self.tracking_import_template, context)
