"""Attachments kept with supplier evidence and with proposals read from supplier emails (a handover photo,
a carrier receipt), served only to a logged-in member of staff allowed to see the record that holds them,
always as a download (never rendered in the page: a file a supplier sent is not trusted)."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest

from cases.models import EvidenceProposal, SupplierEvidence

HOLDERS = (
    (SupplierEvidence, "cases.view_supplierevidence"),
    (EvidenceProposal, "cases.view_evidenceproposal"),
)


def attachment(request: HttpRequest, name: str) -> FileResponse:
    """MEDIA_URL + `name`: the file, when a record the user may see holds it; 404 for any other name."""
    held = [
        (model, permission) for model, permission in HOLDERS if model.objects.filter(attachment=name).exists()
    ]
    if not held:
        raise Http404("no such attachment")
    if not any(request.user.has_perm(permission) for _, permission in held):
        raise PermissionDenied
    field = held[0][0]._meta.get_field("attachment")
    try:
        handle = field.storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("the attachment's file is missing") from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=True, filename=PurePosixPath(name).name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
