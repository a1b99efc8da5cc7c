"""Import runs: what each file import did, and, while a background import runs, how far it is.

Read-only for everyone (the runs are the record of what was imported). The page of a run shows a progress
bar that a small inline script refreshes every second from `status/` (JSON) until the run finishes or can
no longer finish (a lost run, staletrack.runs.run_is_lost: the page says so and stops polling); its
errors download as CSV from `errors.csv` (cells neutralised like every export); a failed orders run whose
file is still stored offers to import only its valid rows (a new run, for users who may import orders).
The page also shows what the import read besides its counts (`ImportRun.summary`): skipped orders by reason,
orders fulfilled without a tracking number (with the way to import their numbers), vendor names the vendor
map does not know (with the way to map them) and how the file's times were read.

`SessionUploads` keeps an uploaded file between the steps of an admin import (preview, naming the columns,
confirm) for the session that uploaded it, in the project's own upload folder (`staletrack.uploads`).
"""

import csv
import os
import time
from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from cases.intake.csvfiles import CsvIssue, header_key
from cases.intake.order_import import times_notes
from cases.models import ImportRun
from cases.permissions import IMPORT_ORDERS
from staletrack import uploads
from staletrack.admin import admin_paths
from staletrack.exports import neutralise

SHOWN_ERRORS = 100
SHOWN_NAMES = 50  # vendor names, order ids: the page lists this many and counts the rest


# --- uploads kept between the steps of an import -----------------------------------------------------

SESSION_KEY = "staletrack_import_uploads"
KEPT_UPLOADS = 10  # per session: an older upload is deleted when a newer one needs the place


@dataclass(frozen=True)
class KeptUpload:
    token: str
    kind: str
    file_name: str
    data: bytes


class SessionUploads:
    """Uploaded files kept for the next step of an import, in the project's upload folder
    (`staletrack.uploads`, the same storage the orders preview-then-confirm flow of django-import-export
    writes to: `OrderAdmin.tmp_storage_class`), each known to the session that uploaded it.

    A step names its file by the token `keep` gave (the random name the server chose) and gets it back
    only when this session holds that token for that kind of import: a name sent by the client alone never
    opens a file, so one user cannot reach another's upload, nor anything outside the folder."""

    def __init__(self, request):
        self.session = request.session

    def _entries(self) -> dict:
        return dict(self.session.get(SESSION_KEY) or {})

    def keep(self, data: bytes, *, kind: str, file_name: str) -> str:
        token = uploads.keep(data)
        self.allow(token, kind=kind, file_name=file_name)
        return token

    def allow(self, token: str, *, kind: str, file_name: str) -> None:
        """Let this session use `token`, a file already in the storage (the orders preview writes it)."""
        if not uploads.is_upload_name(token):
            raise uploads.UploadNameError("That is not the name of an upload kept here.")
        entries = self._entries()
        entries[token] = {"kind": kind, "file_name": os.path.basename(file_name)[:255], "at": time.time()}
        while len(entries) > KEPT_UPLOADS:
            oldest = min(entries, key=lambda t: entries[t]["at"])
            entries.pop(oldest)
            _remove(oldest)
        self.session[SESSION_KEY] = entries

    def holds(self, token: str, kind: str) -> bool:
        entry = self._entries().get(token or "")
        return bool(entry) and entry["kind"] == kind and uploads.is_upload_name(token)

    def get(self, token: str, kind: str) -> KeptUpload | None:
        """The kept file, or None when this session did not keep it for `kind` or it is gone."""
        if not self.holds(token, kind):
            return None
        try:
            data = uploads.read(token)
        except OSError:
            return None
        return KeptUpload(token=token, kind=kind, file_name=self._entries()[token]["file_name"], data=data)

    def forget(self, token: str, *, remove: bool = True) -> None:
        entries = self._entries()
        if entries.pop(token, None) is not None:
            self.session[SESSION_KEY] = entries
            if remove:
                _remove(token)


def _remove(token: str) -> None:
    if uploads.is_upload_name(token):
        uploads.remove(token)


def recognised_columns(header: list[str], columns: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """`{field: header}` for the fields the import finds by itself (the first header spelled its way)."""
    found: dict[str, str] = {}
    taken: set[str] = set()
    for field, spellings in columns.items():
        keys = {header_key(s) for s in spellings}
        for cell in header:
            key = header_key(cell)
            if key in keys and key not in taken and cell.strip():
                found[field] = cell.strip()
                taken.add(key)
                break
    return found


MISSING_COLUMN = "required column is missing"  # the words of every CSV import (cases.intake.csvfiles)


def missing_a_column(issues: list[CsvIssue]) -> bool:
    return any(MISSING_COLUMN in issue.message for issue in issues)


# --- the run's summary --------------------------------------------------------------------------------


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # an admin this site does not register
        return ""


def summary_view(summary: dict | None) -> dict:
    """What a page shows of an orders import's summary (ImportRun.summary, or a preview's; written by
    cases.intake.order_import): skipped orders by reason, orders fulfilled without a tracking number,
    vendor names the vendor map does not know, how times were read, the columns used, and the questions
    a file's times left open."""
    summary = summary or {}
    skipped = summary.get("skipped") or {}
    skipped_rows = sorted(
        ((str(reason), n) for reason, n in skipped.items() if n), key=lambda r: (-r[1], r[0])
    )
    unfulfilled = summary.get("fulfilled_without_tracking") or 0
    vendors = [str(name) for name in (summary.get("vendors") or {}).get("unmapped") or []]
    times = times_lines(summary.get("times") or {})
    columns = summary.get("column_map") or {}
    questions = question_lines(summary.get("questions") or {})
    return {
        "any": bool(skipped_rows or unfulfilled or vendors or times or columns or questions),
        "skipped": skipped_rows,
        "skipped_total": sum(n for _, n in skipped_rows),
        "fulfilled_without_tracking": unfulfilled,
        "tracking_import_url": _url("admin:cases_trackingnumber_import_numbers"),
        "unmapped_vendors": vendors[:SHOWN_NAMES],
        "unmapped_vendors_more": max(0, len(vendors) - SHOWN_NAMES),
        "vendor_map_url": _url("admin:suppliers_vendormapping_changelist"),
        "times": times,
        "columns": sorted(columns.items()),
        "columns_remembered": bool(summary.get("column_map_remembered")),
        "questions": questions,
    }


def times_lines(times: dict) -> list[str]:
    """How the file's order times were read (rules.md section 1), as sentences."""
    return times_notes(times, day_first="day first (31/12/2026)", month_first="month first (12/31/2026)")


QUESTIONS = {
    "time_zone": "Its times have no UTC offset: say which time zone they are in",
    "date_order": "Its dates read day first as well as month first: say which",
}


def question_lines(questions: dict) -> list[str]:
    """What a file's times left open (cases.intake.orders_csv.OrderTimesError.questions), as sentences."""
    lines = []
    for name, ask in QUESTIONS.items():
        question = questions.get(name)
        if isinstance(question, dict):
            where = (
                f"column {question.get('column')!r}, line {question.get('line')}: {question.get('example')!r}"
            )
            lines.append(f"{ask} ({where}).")
    return lines


def progress_bar(run: ImportRun):
    return format_html(
        '<progress max="100" value="{}" style="width:8em" title="{} of {} rows"></progress> {}%',
        run.progress_percent,
        run.processed_rows,
        run.total_rows,
        run.progress_percent,
    )


def status_payload(run: ImportRun) -> dict:
    """What the page's script shows; it stops polling (and reloads the page) once `finished`, which a
    run that can no longer finish (`lost`, with the page's message instead of the run's) also is."""
    lost = run.lost
    return {
        "status": run.status,
        "status_label": run.get_status_display(),
        "finished": lost or run.status not in ImportRun.UNFINISHED,
        "lost": lost,
        "percent": run.progress_percent,
        "processed_rows": run.processed_rows,
        "total_rows": run.total_rows,
        "created_rows": run.created_rows,
        "updated_rows": run.updated_rows,
        "unchanged_rows": run.unchanged_rows,
        "error_rows": run.error_rows,
        "message": run.lost_message if lost else run.message,
    }


def can_import_valid_rows(run: ImportRun) -> bool:
    return (
        run.kind == ImportRun.Kind.ORDERS
        and run.status == ImportRun.Status.FAILED
        and not run.only_valid_rows
        and bool(run.errors)
        and any(e.get("line") for e in run.errors)  # row errors, not a file that cannot be read
        and bool(run.file)
        and run.file.storage.exists(run.file.name)
    )


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "file_name",
        "status",
        "progress",
        "created_rows",
        "updated_rows",
        "unchanged_rows",
        "error_rows",
        "created_by",
    )
    list_filter = ("kind", "status")
    list_select_related = ("created_by",)
    search_fields = ("file_name", "message")
    date_hierarchy = "created_at"
    fields = (
        "kind",
        "file_name",
        "status",
        "message",
        "runs_in",
        "only_valid_rows",
        "total_rows",
        "processed_rows",
        "created_rows",
        "updated_rows",
        "unchanged_rows",
        "error_rows",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields
    change_form_template = "admin/cases/importrun/change_form.html"

    def has_add_permission(self, request):
        return False  # a run exists because a file was imported

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="progress")
    def progress(self, obj):
        return progress_bar(obj)

    def get_urls(self):
        own = admin_paths(
            self,
            ("<int:pk>/status/", self.status_view, "cases_importrun_status"),
            ("<int:pk>/errors.csv", self.errors_view, "cases_importrun_errors"),
            (
                "<int:pk>/import-valid-rows/",
                require_POST(self.import_valid_rows_view),
                "cases_importrun_import_valid_rows",
            ),
        )
        return [*own, *super().get_urls()]

    def _run(self, request, pk) -> ImportRun:
        run = get_object_or_404(ImportRun.objects.select_related("created_by"), pk=pk)
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        return run

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self._run(request, object_id)
        lost = run.lost
        extra_context = {
            **(extra_context or {}),
            "run": run,
            "running": run.status in ImportRun.UNFINISHED and not lost,
            "lost_message": run.lost_message if lost else "",
            "errors_shown": run.errors[:SHOWN_ERRORS],
            "errors_stored": len(run.errors),
            "status_url": reverse("admin:cases_importrun_status", args=[run.pk]),
            "errors_url": reverse("admin:cases_importrun_errors", args=[run.pk]),
            "valid_rows_url": reverse("admin:cases_importrun_import_valid_rows", args=[run.pk]),
            "can_import_valid_rows": can_import_valid_rows(run) and request.user.has_perm(IMPORT_ORDERS),
            "summary": summary_view(run.summary),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def status_view(self, request, pk):
        return JsonResponse(status_payload(self._run(request, pk)))

    def errors_view(self, request, pk):
        run = self._run(request, pk)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-errors.csv"'
        writer = csv.writer(response)
        writer.writerow(["line", "column", "message"])
        for entry in run.errors:
            writer.writerow([neutralise(str(entry.get(key) or "")) for key in ("line", "column", "message")])
        return response

    def import_valid_rows_view(self, request, pk):
        from cases.intake.tasks import queue_import

        run = self._run(request, pk)
        if not request.user.has_perm(IMPORT_ORDERS):
            raise PermissionDenied
        if not can_import_valid_rows(run):
            self.message_user(request, "This run cannot be imported again.", messages.ERROR)
            return redirect(reverse("admin:cases_importrun_change", args=[run.pk]))
        again = ImportRun.objects.create(
            kind=run.kind,
            file_name=run.file_name,
            file=run.file.name,
            only_valid_rows=True,
            created_by=request.user,
            # read as the first run read it: the same time zone, date order and columns
            summary={"options": (run.summary or {}).get("options") or {}},
        )
        queue_import(again)
        self.message_user(
            request,
            f"Importing the valid rows of {run.file_name} (the rows with errors are left out).",
            messages.INFO,
        )
        return redirect(reverse("admin:cases_importrun_change", args=[again.pk]))
