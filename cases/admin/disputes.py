"""Disputes in the admin: the list by deadline, opening one, correcting it, and an owner's steps.

Every write goes through `cases.services.disputes` (checked, audited, re-assessed after commit); the form
names each problem on its field before anything is written. Staff open and correct disputes; only an owner
(`cases.record_dispute_outcome`, with a second factor) records a step after opening and sees outcomes:
for anyone else a won, lost or accepted dispute is "closed", in the list, its filter and its page, and a
query string that filters on the status or the outcome's fields is refused (Django's admin allows any
lookup on a model's own fields). Disputes are never deleted here: a mistaken one is corrected or closed."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Value
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from cases.choices import COMMON_REASON_CODES, DISPUTE_OUTCOMES, DisputeStatus
from cases.intake.dispute_import_views import dispute_import_urls, may_import_disputes
from cases.models import Dispute
from cases.selectors.disputes import dispute_row, sees_outcomes, shown_status
from cases.services import disputes as dispute_service
from cases.services.disputes import DISPUTE_FIELDS, dispute_problems

# Lookups only an owner may put in the list's query string: they would tell outcomes apart.
OUTCOME_LOOKUPS = ("status", "finalized_on", "outcome_by")


class ReasonCodeInput(forms.TextInput):
    """Free text with the common network codes offered (a datalist)."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {}), "list": "reason-codes"}
        options = format_html_join("", '<option value="{}">{}</option>', COMMON_REASON_CODES)
        return super().render(name, value, attrs, renderer) + format_html(
            '<datalist id="reason-codes">{}</datalist>', options
        )


class DisputeForm(forms.ModelForm):
    """A dispute's facts, checked as every path checks them (`dispute_problems`), each named on its field."""

    class Meta:
        model = Dispute
        fields = ("order", *DISPUTE_FIELDS)
        widgets = {"network_reason_code": ReasonCodeInput}

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned.get(name) for name in DISPUTE_FIELDS if name in cleaned}
        for name, message in dispute_problems(values).items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return cleaned


class DisputeStepForm(DisputeForm):
    """An owner's form of an existing dispute: its facts, and the step to record with them."""

    step = forms.ChoiceField(
        choices=[("", "(no change)"), *DisputeStatus.choices],
        required=False,
        help_text="Record the evidence as submitted, or the dispute's outcome.",
    )
    step_at = forms.DateTimeField(required=False, help_text="When the step happened (blank: now).")
    step_note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    form = DisputeForm
    list_display = (
        "order_link",
        "processor",
        "network_reason_code",
        "amount_shown",
        "opened_at",
        "evidence_due_by",
        "clock",
        "status_shown",
    )
    list_select_related = ("order__case",)
    list_filter = ("processor",)
    ordering = ("evidence_due_by", "id")
    search_fields = ("order__order_id", "external_id")
    raw_id_fields = ("order",)
    readonly_fields = (
        "status_shown",
        "evidence_sent_on",
        "finalized_on",
        "outcome_by",
        "opened_by",
        "source",
    )
    list_per_page = 50

    change_list_template = "admin/cases/dispute/change_list.html"

    def get_urls(self):
        return [*dispute_import_urls(self), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import_disputes": may_import_disputes(request.user)}
        return super().changelist_view(request, extra_context)

    def get_list_filter(self, request):
        return (StatusFilter, "processor")

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Whether this user may see outcomes, carried by each row to `status_shown`.
        return super().get_queryset(request).annotate(outcomes_visible=Value(sees_outcomes(request.user)))

    @admin.display(description="status")
    def status_shown(self, obj):
        return shown_status(obj.status, outcomes=bool(getattr(obj, "outcomes_visible", False)))

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("order")  # a dispute stays on the order it was opened on
        if not sees_outcomes(request.user):
            fields = [name for name in fields if name not in ("finalized_on", "outcome_by")]
        return fields

    def get_fields(self, request, obj=None):
        fields = list(dict.fromkeys(["order", *DISPUTE_FIELDS, *self.get_readonly_fields(request, obj)]))
        if obj is not None and sees_outcomes(request.user):
            fields += ["step", "step_at", "step_note"]
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The step's fields exist only in an owner's form: posted by anyone else, they are not even read.
        kwargs["form"] = DisputeStepForm if obj is not None and sees_outcomes(request.user) else DisputeForm
        kwargs["fields"] = [
            name
            for name in self.get_fields(request, obj)
            if name not in self.get_readonly_fields(request, obj)
        ]
        return super().get_form(request, obj, change, **kwargs)

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split("__")[0] in OUTCOME_LOOKUPS and (request is None or not sees_outcomes(request.user)):
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description="order", ordering="order__order_id")
    def order_link(self, obj):
        case = getattr(obj.order, "case", None)
        if case is None:
            return obj.order.order_id
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:cases_case_change", args=[case.pk]), obj.order.order_id
        )

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, obj):
        return "" if obj.amount is None else f"{obj.amount} {obj.currency}"

    @admin.display(description="evidence clock")
    def clock(self, obj):
        row = dispute_row(obj, outcomes=True, now=timezone.now())
        if not row.deadline_words:
            return "—"
        if row.owner_only:
            return format_html('<strong style="color:#c62828">{} (owner)</strong>', row.deadline_words)
        return row.deadline_words

    # -- writes: through the service -----------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data.get(name) for name in DISPUTE_FIELDS if name in form.cleaned_data}
        values = {
            name: ("" if value is None and name not in ("amount", "opened_at", "evidence_due_by") else value)
            for name, value in values.items()
        }
        if change:
            changed = {name: values[name] for name in form.changed_data if name in DISPUTE_FIELDS}
            if changed:
                dispute_service.update_dispute(dispute=obj, actor=request.user, changes=changed)
            step = form.cleaned_data.get("step")  # only in DisputeStepForm
            if step and step != obj.status:
                dispute_service.set_dispute_status(
                    dispute=obj,
                    actor=request.user,
                    status=step,
                    at=form.cleaned_data.get("step_at"),
                    note=form.cleaned_data.get("step_note") or "",
                )
        else:
            created = dispute_service.open_dispute(
                order=form.cleaned_data["order"], actor=request.user, values=values
            )
            obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        pass  # a dispute has no related rows a person edits here


class StatusFilter(admin.SimpleListFilter):
    """Where disputes stand; an owner sees each outcome, anyone else "closed" for all three."""

    title = "status"
    parameter_name = "state"
    CLOSED = "closed"

    def lookups(self, request, model_admin):
        choices = [(DisputeStatus.NEEDS_RESPONSE, "needs response"), (DisputeStatus.SUBMITTED, "submitted")]
        if sees_outcomes(request.user):
            return [
                *choices,
                *[
                    (s, DisputeStatus(s).label)
                    for s in (DisputeStatus.WON, DisputeStatus.LOST, DisputeStatus.ACCEPTED)
                ],
            ]
        return [*choices, (self.CLOSED, "closed")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == self.CLOSED:
            return queryset.filter(status__in=DISPUTE_OUTCOMES)
        if value in DISPUTE_OUTCOMES and not sees_outcomes(request.user):
            raise IncorrectLookupParameters("Only an owner may filter disputes by their outcome.")
        if value not in DisputeStatus.values:
            return queryset.none()
        return queryset.filter(status=value)
