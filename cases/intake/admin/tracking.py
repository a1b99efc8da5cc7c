"""Uploading tracking CSVs from the tracking-number list (docs/imports.md), with a step to name the columns.

Same shape as the bundle upload (cases.intake.admin.bundles): the permission is checked on the server for
GET and POST alike (403), the import is all or nothing, and every error is listed (escaped by the template).

Naming the columns: when a file lacks a column the import needs (the service says "required column is
missing"), or when the person asks for it ("Name the columns"), the page shows one select per field of
the import listing the file's headers, pre-filled with the map remembered for these headers, else with
what the import recognises. Submitting imports the file with that `column_map`; the import remembers a
map that worked, and a later file with the same headers is imported with it. Between the steps the file
stays in this session's kept uploads (`cases.intake.admin.orders.SessionUploads`), named by a token the
session
holds, never by a client-sent path.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from cases.forms import ColumnMapForm, ImportField, TrackingCsvUploadForm
from cases.intake.admin.orders import SessionUploads, missing_a_column, recognised_columns
from cases.intake.column_mappings import import_done_message, remembered_column_map
from cases.intake.csvfiles import CsvError
from cases.intake.tracking_csv import (
    EVENT_COLUMNS,
    EVENT_REQUIRED,
    NUMBER_COLUMNS,
    NUMBER_REQUIRED,
    read_header,
)
from cases.intake.tracking_import import FIELDS, IMPORTERS
from cases.intake.tracking_import import KINDS as IMPORT_KINDS
from cases.permissions import IMPORT_ORDERS
from staletrack.admin import admin_paths

SHOWN_ERRORS = 200  # beyond this the page says how many more; the file has to be fixed anyway

KINDS = {
    "numbers": {
        "title": "Import tracking numbers",
        "columns": "order_id, tracking_number, and optionally tracking_provider and date_shipped "
        "(or Shopify-style: Name or Order, Tracking Number, Tracking Company, Fulfilled at)",
    },
    "events": {
        "title": "Import tracking events",
        "columns": "order_id and/or tracking_number, time (with a UTC offset, or local time at the event's "
        "country), status, raw_status and/or description, "
        "and optionally carrier, tracker, location, country, postal_code",
    },
}


def import_fields(kind: str) -> list[ImportField]:
    """The fields of a tracking import, each with what the import needs of it."""
    if kind == "numbers":
        return [ImportField(name, "required" if name in NUMBER_REQUIRED else "") for name in FIELDS[kind]]
    needs = {}
    for group in EVENT_REQUIRED:
        for name in group:
            others = [other for other in group if other != name]
            needs[name] = f"this or {' or '.join(others)}" if others else "required"
    return [ImportField(name, needs.get(name, "")) for name in FIELDS[kind]]


class TrackingImportAdminMixin:
    """Adds `import-numbers/` and `import-events/` to a ModelAdmin (the TrackingNumber one), and tells
    its change list whether to offer them."""

    tracking_import_template = "admin/cases/trackingnumber/import_tracking.html"

    def get_urls(self):
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}"
        own = admin_paths(
            self,
            ("import-numbers/", self.import_numbers_view, f"{prefix}_import_numbers"),
            ("import-events/", self.import_events_view, f"{prefix}_import_events"),
        )
        return [*own, *super().get_urls()]

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
        uploads = SessionUploads(request)
        import_kind = IMPORT_KINDS[kind]
        token = request.POST.get("upload") or request.GET.get("upload")
        if token:
            return self._columns_step(request, kind, uploads, token)

        form = TrackingCsvUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            raw = upload.read()
            if "name_columns" in request.POST:
                token = uploads.keep(raw, kind=import_kind, file_name=upload.name)
                return self._columns_page(request, kind, token, raw)
            try:
                # No map: the import uses the one remembered for these headers, if any.
                summary = IMPORTERS[kind](raw, actor=request.user, via="admin upload")
            except CsvError as exc:
                token = uploads.keep(raw, kind=import_kind, file_name=upload.name)
                if missing_a_column(exc.issues):
                    return self._columns_page(request, kind, token, raw, errors=exc.issues)
                return self._page(request, kind, form=form, errors=exc.issues, token=token)
            return self._done(request, summary)
        return self._page(request, kind, form=form)

    # --- the column step --------------------------------------------------------------------------------

    def _columns_step(self, request, kind: str, uploads: SessionUploads, token: str):
        kept = uploads.get(token, IMPORT_KINDS[kind])
        if kept is None:
            self.message_user(
                request, "That upload is no longer kept here; upload the file again.", messages.ERROR
            )
            return redirect(request.path)
        if request.method != "POST":
            return self._columns_page(request, kind, token, kept.data)
        try:
            header = read_header(kept.data)
        except CsvError as exc:
            return self._page(request, kind, form=TrackingCsvUploadForm(), errors=exc.issues)
        form = ColumnMapForm(request.POST, fields=import_fields(kind), header=header)
        if not form.is_valid():
            return self._columns_page(request, kind, token, kept.data, form=form)
        try:
            summary = IMPORTERS[kind](
                kept.data, actor=request.user, via="admin upload", column_map=form.column_map()
            )
        except CsvError as exc:
            return self._columns_page(request, kind, token, kept.data, form=form, errors=exc.issues)
        uploads.forget(token)
        return self._done(request, summary)

    def _columns_page(self, request, kind: str, token: str, raw: bytes, *, form=None, errors=()):
        try:
            header = read_header(raw)
        except CsvError as exc:
            return self._page(request, kind, form=TrackingCsvUploadForm(), errors=exc.issues)
        columns = NUMBER_COLUMNS if kind == "numbers" else EVENT_COLUMNS
        remembered = remembered_column_map(kind=IMPORT_KINDS[kind], header=header)
        if form is None:
            form = ColumnMapForm(
                initial={"upload": token},
                fields=import_fields(kind),
                header=header,
                mapping=remembered or recognised_columns(header, columns),
            )
        return self._page(
            request,
            kind,
            form=None,
            column_form=form,
            remembered=bool(remembered),
            errors=errors,
            token=token,
        )

    # --- pages ------------------------------------------------------------------------------------------

    def _done(self, request, summary):
        level = messages.SUCCESS if summary.changed else messages.INFO
        self.message_user(request, import_done_message(summary), level)
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def _page(self, request, kind: str, *, form, errors=(), token="", column_form=None, remembered=False):
        errors = [str(issue) for issue in errors]
        context = {
            **self.admin_site.each_context(request),
            **KINDS[kind],
            "kind": kind,
            "opts": self.model._meta,
            "form": form,
            "column_form": column_form,
            "remembered": remembered,
            "upload_token": token,
            "errors": errors[:SHOWN_ERRORS],
            "error_count": len(errors),
            "more_errors": max(0, len(errors) - SHOWN_ERRORS),
            "max_mb": settings.BUNDLE_MAX_BYTES // (1024 * 1024),
        }
        return TemplateResponse(request, self.tracking_import_template, context)
