"""The admin page that imports a case bundle file (Cases → *Import case bundle*).

All or nothing, like `manage.py import_cases`: every error is named by case index and field, and a file
already imported changes nothing and says so. The permission is checked on the server before anything is
read. `CaseAdmin` (cases.workbench.admin) serves it at `import-bundle/`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from cases.forms import BundleUploadForm
from cases.intake.bundle_import import import_bundle
from cases.intake.bundles.reader import BundleError, read_bundle
from cases.permissions import IMPORT_CASES

TEMPLATE = "admin/cases/case/import_bundle.html"


def import_bundle_page(model_admin, request):
    """The upload form; a valid file is imported and the queue says what changed."""
    if not request.user.has_perm(IMPORT_CASES):
        raise PermissionDenied
    form = BundleUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read()
        try:
            summary = import_bundle(
                read_bundle(raw, max_bytes=settings.BUNDLE_MAX_BYTES),
                raw=raw,
                actor=request.user,
                via="admin upload",
            )
        except BundleError as exc:
            errors = [str(issue) for issue in exc.issues]
        else:
            level = messages.SUCCESS if summary.changed else messages.INFO
            model_admin.message_user(request, summary.describe(), level)
            return redirect(reverse("admin:cases_case_changelist"))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Import a case bundle",
        "opts": model_admin.model._meta,
        "form": form,
        "errors": errors,
        "max_mb": settings.BUNDLE_MAX_BYTES // (1024 * 1024),
    }
    return TemplateResponse(request, TEMPLATE, context)
