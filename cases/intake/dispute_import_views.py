"""The admin page that imports a disputes CSV (Disputes → *Import disputes*; docs/disputes.md), with a step
to name the file's columns.

The Dispute admin serves it (`DisputeAdmin.get_urls`: `dispute_import_urls(self)`, the route `import/`
named `cases_dispute_import`), as the case admin serves the bundle upload (cases.intake.admin.bundles).
The permission (`cases.add_dispute`) is checked on the server for GET and POST alike (403) before anything
is read; the import checks each row's own (an outcome or a status step is an owner's, with a second factor)
and refuses the whole file, naming the rows, when one is not the user's. All or nothing: every error is
listed (escaped by the template) and nothing changes.

Naming the columns works as for the tracking files (cases.intake.admin.tracking): when the file lacks a
column the import needs, or the person asks for it, one select per field lists the file's headers,
pre-filled with the map remembered for these headers, else with what the import recognises. Between the
steps the file stays in this session's kept uploads (`SessionUploads`), named by a token the session
holds, never by a client-sent path.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from cases.choices import ImportKind
from cases.forms import DisputeColumnMapForm, DisputeCsvUploadForm, ImportField
from cases.intake.admin.orders import SessionUploads, missing_a_column, recognised_columns
from cases.intake.column_mappings import import_done_message, remembered_column_map
from cases.intake.csvfiles import CsvError
from cases.intake.dispute_import import ImportRefused, import_disputes
from cases.intake.disputes_csv import COLUMNS, FIELDS, REQUIRED
from cases.intake.tracking_csv import read_header
from cases.permissions import OPEN_DISPUTE
from staletrack.admin import admin_paths

TEMPLATE = "admin/cases/dispute/import_disputes.html"
URL_NAME = "cases_dispute_import"
SHOWN_ERRORS = 200  # beyond this the page says how many more; the file has to be fixed anyway
VIA = "admin upload"


def dispute_import_urls(model_admin) -> list:
    """The import page's URL pattern, to put before Django's in the Dispute admin's `get_urls`."""
    return admin_paths(
        model_admin, ("import/", lambda request: import_disputes_page(model_admin, request), URL_NAME)
    )


def may_import_disputes(user) -> bool:
    """Whether the change list offers the import (the page checks again)."""
    return user.has_perm(OPEN_DISPUTE)


def import_fields() -> list[ImportField]:
    """The fields of the disputes import, each with what the import needs of it."""
    needs = {}
    for group in REQUIRED:
        for name in group:
            others = [other for other in group if other != name]
            needs[name] = f"this or {' or '.join(others)}" if others else "required"
    return [ImportField(name, needs.get(name, "")) for name in FIELDS]


def import_disputes_page(model_admin, request):
    """The upload form; a file that imports whole goes back to the disputes with what changed."""
    if not may_import_disputes(request.user):
        raise PermissionDenied  # before the form: a crafted POST reads and writes nothing
    uploads = SessionUploads(request)
    token = request.POST.get("upload") or request.GET.get("upload")
    if token:
        return _columns_step(model_admin, request, uploads, token)
    form = DisputeCsvUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read()
        reading = form.reading_choices()
        if "name_columns" in request.POST:
            token = uploads.keep(raw, kind=ImportKind.DISPUTES, file_name=upload.name)
            return _columns_page(model_admin, request, token, raw, reading=reading)
        try:
            # No map: the import uses the one remembered for these headers, if any.
            summary = import_disputes(raw, actor=request.user, via=VIA, **reading)
        except CsvError as exc:
            token = uploads.keep(raw, kind=ImportKind.DISPUTES, file_name=upload.name)
            if missing_a_column(exc.issues):
                return _columns_page(model_admin, request, token, raw, reading=reading, error=exc)
            return _page(model_admin, request, form=form, error=exc, token=token)
        return _done(model_admin, request, summary)
    return _page(model_admin, request, form=form)


def _columns_step(model_admin, request, uploads: SessionUploads, token: str):
    kept = uploads.get(token, ImportKind.DISPUTES)
    if kept is None:
        model_admin.message_user(
            request, "That upload is no longer kept here; upload the file again.", messages.ERROR
        )
        return redirect(request.path)
    if request.method != "POST":
        return _columns_page(model_admin, request, token, kept.data)
    try:
        header = read_header(kept.data)
    except CsvError as exc:
        return _page(model_admin, request, form=DisputeCsvUploadForm(), error=exc)
    form = DisputeColumnMapForm(request.POST, fields=import_fields(), header=header)
    if not form.is_valid():
        return _columns_page(model_admin, request, token, kept.data, form=form)
    try:
        summary = import_disputes(
            kept.data, actor=request.user, via=VIA, column_map=form.column_map(), **form.reading_choices()
        )
    except CsvError as exc:
        return _columns_page(model_admin, request, token, kept.data, form=form, error=exc)
    uploads.forget(token)
    return _done(model_admin, request, summary)


def _columns_page(model_admin, request, token: str, raw: bytes, *, form=None, reading=None, error=None):
    try:
        header = read_header(raw)
    except CsvError as exc:
        return _page(model_admin, request, form=DisputeCsvUploadForm(), error=exc)
    remembered = remembered_column_map(kind=ImportKind.DISPUTES, header=header)
    if form is None:
        form = DisputeColumnMapForm(
            initial={"upload": token, **(reading or {})},
            fields=import_fields(),
            header=header,
            mapping=remembered or recognised_columns(header, COLUMNS),
        )
    return _page(
        model_admin,
        request,
        form=None,
        column_form=form,
        remembered=bool(remembered),
        error=error,
        token=token,
    )


def _done(model_admin, request, summary):
    level = messages.SUCCESS if summary.changed else messages.INFO
    model_admin.message_user(request, import_done_message(summary), level)
    opts = model_admin.model._meta
    return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))


def _page(model_admin, request, *, form, error=None, token="", column_form=None, remembered=False):
    errors = [str(issue) for issue in error.issues] if error is not None else []
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Import disputes",
        "opts": model_admin.model._meta,
        "form": form,
        "column_form": column_form,
        "remembered": remembered,
        "upload_token": token,
        "refused": isinstance(error, ImportRefused),
        "errors": errors[:SHOWN_ERRORS],
        "error_count": len(errors),
        "more_errors": max(0, len(errors) - SHOWN_ERRORS),
        "max_mb": settings.BUNDLE_MAX_BYTES // (1024 * 1024),
    }
    return TemplateResponse(request, TEMPLATE, context)
