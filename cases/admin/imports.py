"""Import runs: what each file import did, and, while a background import runs, how far it is.

Read-only for everyone (the runs are the record of what was imported). The page of a run shows a progress
bar that a small inline script refreshes every second from `status/` (JSON) until the run finishes or can
no longer finish (a lost run, staletrack.runs.run_is_lost: the page says so and stops polling); its
errors download as CSV from `errors.csv` (cells neutralised like every export); a failed orders run whose
file is still stored offers to import only its valid rows (a new run, for users who may import orders).
"""

import csv

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from cases.models import ImportRun
from cases.permissions import IMPORT_ORDERS
from cases.resources import neutralise

SHOWN_ERRORS = 100


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
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/status/", view(self.status_view), name="cases_importrun_status"),
            path("<int:pk>/errors.csv", view(self.errors_view), name="cases_importrun_errors"),
            path(
                "<int:pk>/import-valid-rows/",
                view(require_POST(self.import_valid_rows_view)),
                name="cases_importrun_import_valid_rows",
            ),
            *super().get_urls(),
        ]

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
        from cases.tasks_imports import queue_import

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
        )
        queue_import(again)
        self.message_user(
            request,
            f"Importing the valid rows of {run.file_name} (the rows with errors are left out).",
            messages.INFO,
        )
        return redirect(reverse("admin:cases_importrun_change", args=[again.pk]))
