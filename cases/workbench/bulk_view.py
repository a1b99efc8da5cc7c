"""The bulk review page (docs/fast-lane.md): fast-lane drafts one under the other, each beside its case's
key facts, editable, ticked when reviewed and marked as sent in one action (cases.workbench.bulk).

It is drawn for the cases chosen in the queue (the action "Review drafts in bulk") or for a saved view of
the queue (`bulk-review/?view=fast-lane`); only fast-lane cases are drawn, the first `MAX_CASES` in the
queue's order, and a chosen case of another lane is left out and named. Each drawn case carries its
packet's digest in the page, so a case whose packet changed before the person sends is left out and
named. Drawing runs a fixed number of queries whatever the number of cases (the cases, their customers'
unanswered messages, the policy's lanes).

The page posts back, for each drawn case, its text (`text-<key>`) and, when ticked, its key (`send`), and
once for all the drawn keys with their digests (`drawn`): two fields a case, so that 500 cases stay
under the number of fields a request may carry (DATA_UPLOAD_MAX_NUMBER_FIELDS in settings). The
workbench's permission is checked on the server before anything is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from cases.admin.filters import AssigneeFilter
from cases.choices import CaseStatus
from cases.models import Case
from cases.selectors.case_queue import QUEUE_ORDER, flag_q
from cases.workbench.bulk import MAX_CASES, Reviewed, mark_sent_in_bulk
from cases.workbench.lanes import FAST, active_lane_settings, case_lane, case_lane_reason, lane_q
from cases.workbench.queue import SAVED_VIEWS, clock_exceeded, key_clock
from cases.workbench.selectors import bulk_review_cases, current_draft, review_messages
from cases.workbench.services import WORK_CASE
from cases.workbench.views import risk_badge
from staletrack.permissions import require

TEMPLATE = "admin/cases/case/bulk_review.html"
FAST_VIEW = "fast-lane"


@dataclass
class Row:
    """One drawn case on the page: the case, its key facts, the text in its box and what the guard found."""

    case: Case
    text: str
    unanswered: list[dict]
    facts: list[tuple[str, str]]
    violations: list = field(default_factory=list)
    stale: bool = False
    ticked: bool = False

    @property
    def pk(self) -> int:
        return self.case.pk

    @property
    def badge(self):
        return risk_badge(self.case.risk_level, self.case.get_risk_level_display())

    @property
    def html(self):
        """The row as the page shows it: its case's facts and messages beside its draft's box and tick.
        Built with format_html (every value escaped) rather than in the template: a template's loops over
        500 cases' facts cost more than the rest of the page."""
        order_id = self.case.order.order_id
        facts = format_html_join("", "<dt>{}</dt><dd>{}</dd>", self.facts)
        messages = format_html_join(
            "",
            '<div class="customer-message"><small>{}</small> {}</div>',
            ((f"{m['at']:%Y-%m-%d %H:%M}", m["text"]) for m in self.unanswered),
        )
        violations = ""
        if self.violations:
            violations = format_html(
                '<ul class="violations" id="bulk-violations-{}">{}</ul>',
                self.pk,
                format_html_join(
                    "",
                    '<li data-code="{}"><code>{}</code> {}</li>',
                    ((v.code, v.code, v.message) for v in self.violations),
                ),
            )
        stale = STALE_NOTE if self.stale else ""
        return format_html(
            ROW,
            stale=" stale" if self.stale else "",
            pk=self.pk,
            order_id=order_id,
            url=reverse("admin:cases_case_change", args=[self.pk]),
            badge=self.badge,
            stale_note=stale,
            facts=facts,
            messages=messages or "no message waiting for an answer",
            violations=violations,
            text=self.text,
        )


STALE_NOTE = format_html(
    '<p class="errornote stale-note">{}</p>',
    "Its facts changed since you last drew this page: read them again before you tick it.",
)
ROW = """
  <div class="bulk-case{stale}" id="bulk-case-{pk}" data-order="{order_id}">
    <div class="facts">
      <h3><a href="{url}" target="_blank" rel="noopener">{order_id}</a> {badge}</h3>
      {stale_note}
      <dl>{facts}<dt>customer</dt><dd>{messages}</dd></dl>
    </div>
    <div class="draft">
      {violations}
      <label for="text-{pk}">Reply to the customer</label>
      <textarea name="text-{pk}" id="text-{pk}" rows="11">
{text}</textarea>
      <label class="tick"><input type="checkbox" name="send" value="{pk}" class="send-tick" id="send-{pk}">
        Reviewed: mark as sent</label>
    </div>
  </div>"""


def bulk_review_action(model_admin, request, queryset):
    """The queue's action: the chosen cases, in the queue's order, the first `MAX_CASES` of them."""
    require(request.user, WORK_CASE)
    pks = list(queryset.order_by(*QUEUE_ORDER).values_list("pk", flat=True)[: MAX_CASES + 1])
    note = ""
    if len(pks) > MAX_CASES:
        note = (
            f"More than {MAX_CASES:,} cases were chosen: the first {MAX_CASES:,} in the queue's order are "
            "drawn. Mark them, then run the action again for the rest."
        )
    return _page(model_admin, request, pks[:MAX_CASES], note=note, name_left_out=True)


def bulk_review_page(model_admin, request):
    """GET: the page for a saved view (`?view=<slug>`, default the fast lane) or chosen cases
    (`?cases=1,2,3`). POST: mark the ticked replies as sent."""
    require(request.user, WORK_CASE)
    if request.method == "POST":
        return _post(model_admin, request)
    if "cases" in request.GET:
        pks = _keys(request.GET.get("cases", ""))[:MAX_CASES]
        return _page(model_admin, request, pks, name_left_out=True)
    slug = request.GET.get("view", FAST_VIEW)
    views = {view: query for view, _, query in SAVED_VIEWS}
    if slug not in views:
        return _page(model_admin, request, [], errors=[f"No saved view {slug!r}."], status=400)
    settings = active_lane_settings()
    queryset = _saved_view(Case.objects.all(), views[slug], request.user, settings).filter(
        lane_q(FAST, settings)
    )
    pks = list(queryset.order_by(*QUEUE_ORDER).values_list("pk", flat=True)[: MAX_CASES + 1])
    note = ""
    if len(pks) > MAX_CASES:
        note = (
            f"The first {MAX_CASES:,} fast-lane cases of this view, in the queue's order; mark them for "
            "the next."
        )
    return _page(model_admin, request, pks[:MAX_CASES], note=note, view=slug, settings=settings)


def _saved_view(queryset, query: dict, user, settings):
    """A saved view's filters (cases.workbench.queue.SAVED_VIEWS), applied as the queue applies them."""
    for key, value in query.items():
        if key == "lane":
            queryset = queryset.filter(lane_q(value, settings))
        elif key == AssigneeFilter.parameter_name:
            queryset = queryset.filter(assignee=user) if value == "mine" else queryset
        elif key == "flag":
            queryset = queryset.filter(flag_q(queryset, value))
        else:
            queryset = queryset.filter(**{key.removesuffix("__exact"): value})
    return queryset


def _keys(text: str) -> list[int]:
    return list(dict.fromkeys(int(key) for key in text.split(",") if key.strip().isdigit()))


def _page(
    model_admin,
    request,
    case_pks: list[int],
    *,
    note: str = "",
    view: str = "",
    settings=None,
    name_left_out: bool = False,
    texts: dict[int, str] | None = None,
    violations: dict | None = None,
    stale: set[int] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
):
    settings = settings or active_lane_settings()
    now = timezone.now()
    rows, left_out = [], []
    cases = bulk_review_cases(case_pks)
    messages_of = review_messages([case.order_id for case in cases])
    for case in cases:
        if case_lane(case, settings) != FAST or case.status == CaseStatus.RESOLVED:
            reason = (
                "it is resolved" if case.status == CaseStatus.RESOLVED else case_lane_reason(case, settings)
            )
            left_out.append((case.order.order_id, reason))
            continue
        text = (texts or {}).get(case.pk)
        last_reply, waiting = messages_of.get(case.order_id, (None, []))
        rows.append(
            Row(
                case=case,
                text=current_draft(case) if text is None else text,
                unanswered=waiting,
                facts=_facts(case, now, last_reply),
                violations=(violations or {}).get(case.pk, []),
                stale=case.pk in (stale or ()),
            )
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Review drafts in bulk",
        "opts": model_admin.model._meta,
        "rows": rows,
        "drawn": ",".join(f"{row.pk}:{row.case.packet_digest}" for row in rows),
        "left_out": left_out if name_left_out else [],
        "not_drawn": len(left_out),
        "note": note,
        "view": view,
        "errors": errors or [],
        "max_cases": MAX_CASES,
        "action_url": reverse("admin:cases_case_bulk_review"),
        "queue_url": _fast_lane_queue(),
    }
    return TemplateResponse(request, TEMPLATE, context, status=status)


def _fast_lane_queue() -> str:
    query = next(query for slug, _, query in SAVED_VIEWS if slug == FAST_VIEW)
    return f"{reverse('admin:cases_case_changelist')}?{urlencode(query)}"


def _facts(case: Case, now, last_reply) -> list[tuple[str, str]]:
    """What the person reads beside a draft: what the case is, its clock, the carrier, the customer's wait
    and the last reply they had (a stale parcel keeps asking for an update: the reader sees when the last
    went out), why the rules say so."""
    packet = case.packet or {}
    order = case.order
    clocks = packet.get("clocks") or {}
    moved = clocks.get("days_since_last_movement")
    facts = [
        ("what", f"{case.get_case_type_display()}; next move {case.get_next_move_display()}"),
        ("item", f"{order.product.sku} from {order.product.supplier.name} to {order.country or '?'}"),
        ("ordered", f"{order.ordered_at:%Y-%m-%d}"),
        (
            "clock",
            key_clock(case.window, now) + (" (exceeded)" if clock_exceeded(case.window, now) else ""),
        ),
        (
            "carrier",
            (packet.get("carrier") or "unknown")
            + (f"; last movement {moved} d before assessment" if moved is not None else "; no movement yet"),
        ),
    ]
    if case.waiting_since:
        facts.append(("waiting since", f"{case.waiting_since:%Y-%m-%d %H:%M}"))
    facts.append(("last reply", f"{last_reply:%Y-%m-%d %H:%M}" if last_reply else "none yet"))
    if packet.get("reasons"):
        facts.append(("why", "; ".join(packet["reasons"])))
    return facts


def _post(model_admin, request):
    """Mark the ticked replies as sent; the page again with what was not (each named), or the queue."""
    try:
        drawn = _drawn(request.POST.get("drawn", ""))
    except ValidationError as error:
        return _page(model_admin, request, [], errors=error.messages, status=400)
    texts = {pk: request.POST.get(f"text-{pk}", "").replace("\r\n", "\n") for pk, _ in drawn}
    ticked = {int(key) for key in request.POST.getlist("send") if key.isdigit()}
    replies = [Reviewed(pk, digest, texts[pk]) for pk, digest in drawn if pk in ticked]
    view = request.POST.get("view", "")
    if not replies:
        model_admin.message_user(
            request, "Tick the replies you reviewed: none was marked as sent.", messages.ERROR
        )
        return _page(model_admin, request, [pk for pk, _ in drawn], texts=texts, view=view, status=400)
    result = mark_sent_in_bulk(actor=request.user, replies=replies)
    if result.sent:
        names = ", ".join(case.order.order_id for case in result.sent)
        replies = "1 reply" if len(result.sent) == 1 else f"{len(result.sent)} replies"
        model_admin.message_user(request, f"{replies} recorded as sent: {names}.", messages.SUCCESS)
    for order_id, reason in result.left_out:
        model_admin.message_user(request, f"{order_id} left out: {reason}.", messages.WARNING)
    sent = {case.pk for case in result.sent}
    remaining = [pk for pk, _ in drawn if pk not in sent]
    if not remaining:
        # Every drawn reply went out: the view's next cases, or the queue's fast lane.
        if view:
            return redirect(f"{reverse('admin:cases_case_bulk_review')}?{urlencode({'view': view})}")
        return redirect(_fast_lane_queue())
    return _page(
        model_admin,
        request,
        remaining,
        texts=texts,
        violations=result.refused,
        stale=result.stale,
        view=view,
        name_left_out=True,
    )


def _drawn(value: str) -> list[tuple[int, str]]:
    """The drawn cases the page carried back ("key:digest,..."), in page order; anything else is refused."""
    drawn = []
    for part in filter(None, value.split(",")):
        key, _, digest = part.partition(":")
        if not key.isdigit() or len(digest) > 32:
            raise ValidationError(f"The page's list of cases cannot be read at {part[:40]!r}.")
        drawn.append((int(key), digest))
    if not drawn:
        raise ValidationError("The page carried no cases back: draw it again from the queue.")
    if len(drawn) > MAX_CASES:
        raise ValidationError(f"At most {MAX_CASES:,} cases are reviewed at once.")
    return drawn
