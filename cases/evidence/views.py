"""The evidence pack in the admin: the printable page, its PDF and its JSON, for one order.

The Case admin routes to them (cases.workbench.admin: `<order_pk>/evidence-pack/`, `.../pdf/`,
`.../json/`), behind the admin site's login. Each checks on the server that the user may see disputes
(`cases.view_dispute`, Staff and Owner) before anything is read: 403 otherwise, 404 for an unknown order.
A dispute's outcome (won, lost, accepted) shows only to who may record it; for the others it is "closed".
`?facts_only=1` on the PDF (and the page) leaves out the summary and the processors' fields: the file to
upload to a processor.
"""

from __future__ import annotations

import re

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone

from cases.evidence.pack import build_pack
from cases.evidence.render import CONTENT_TYPES, render_pack
from cases.models import Case, Order
from cases.permissions import VIEW_DISPUTE
from cases.selectors.disputes import sees_outcomes
from cases.selectors.evidence import evidence_facts
from staletrack.permissions import require


def _pack(request, order_pk: int) -> dict:
    require(request.user, VIEW_DISPUTE)
    try:
        facts = evidence_facts(order_pk, show_outcomes=sees_outcomes(request.user))
    except Order.DoesNotExist:
        raise Http404("No such order.") from None
    return build_pack(facts, generated_at=timezone.now())


def file_name(pack: dict, fmt: str, *, facts_only: bool = False) -> str:
    """A download's name, from the order id's letters and digits only."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "", pack["order"]["order_id"]) or "order"
    return f"evidence-pack-{stem}{'-facts' if facts_only else ''}.{fmt}"


def _facts_only(request) -> bool:
    return request.GET.get("facts_only") in ("1", "true", "yes")


def _download(pack: dict, fmt: str, *, facts_only: bool = False) -> HttpResponse:
    response = HttpResponse(render_pack(pack, fmt, facts_only=facts_only), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{file_name(pack, fmt, facts_only=facts_only)}"'
    return response


def evidence_pack_page(request, order_pk: int):
    """The printable page, with links to the PDF, the facts-only PDF, the JSON and the case."""
    pack = _pack(request, order_pk)
    case_pk = Case.objects.filter(order_id=order_pk).values_list("pk", flat=True).first()
    pdf = reverse("admin:cases_case_evidence_pack_pdf", args=[order_pk])
    links = {
        "pdf": pdf,
        "facts_pdf": f"{pdf}?facts_only=1",
        "json": reverse("admin:cases_case_evidence_pack_json", args=[order_pk]),
        "case": reverse("admin:cases_case_change", args=[case_pk]) if case_pk is not None else "",
    }
    html = render_pack(pack, "html", facts_only=_facts_only(request), links=links)
    return HttpResponse(html, content_type=CONTENT_TYPES["html"])


def evidence_pack_pdf(request, order_pk: int):
    return _download(_pack(request, order_pk), "pdf", facts_only=_facts_only(request))


def evidence_pack_json(request, order_pk: int):
    return _download(_pack(request, order_pk), "json")
