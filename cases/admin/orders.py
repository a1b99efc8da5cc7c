"""The orders admin.

Orders: the change list with import (django-import-export's preview, then confirm) and export, and the
records staff add to an order.

The import is staletrack's own (`cases.resources.OrderImportResource` -> `cases.intake.order_import`):
- only users with `cases.import_orders` may import (django-import-export lets any staff user who can add
  orders do it): `has_import_permission`, which guards the import and the confirm (process_import) views;
- a file over ORDER_IMPORT_MAX_BYTES is refused with the limit named; one over ORDER_IMPORT_ASYNC_BYTES
  runs as a Celery task, and the page goes to its ImportRun, which shows the progress;
- the preview lists new, updated, unchanged and skipped orders and every error with its line and column;
  with errors, the confirm button imports only the valid orders, and says so;
- the upload form asks how to read the file's times (rules.md section 1): the time zone of times written
  without an offset (the store's, settings.TIME_ZONE, by default) and the order of day and month; the
  preview says how times were read and offers to read the file again with other choices, and the confirm
  step imports with the choices the preview used;
- naming the columns (`import/columns/`): when a required column cannot be found, or on request, the
  preview shows one select per field listing the file's headers, pre-filled with the map remembered for
  these headers or with what the import recognises; submitting previews the file again with that
  `column_map`, which the import remembers once it succeeds. A file with no map given is read with the map
  remembered for its headers.

Between the steps the uploaded file stays in the project's own upload folder, under a random name the
server chose (`tmp_storage_class = staletrack.uploads.UploadStorage`, never django-import-export's default
of the system's temporary folder), and this session must hold that name
(`cases.intake.admin.orders.SessionUploads`): the confirm and the column step refuse a file name the
session did
not upload, before any file is opened.

Facts changed by hand (the order form and its inlines) go through `cases.services.orders`: checked with
named errors, audited with old and new values, and the order's case re-assessed after commit.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm

from cases.admin.erasure import CustomerErasureMixin
from cases.currencies import currency_code
from cases.forms import (
    DATE_ORDERS,
    ImportField,
    OrderColumnMapForm,
    ReadingChoicesMixin,
    parse_column_map,
    valid_time_zone,
)
from cases.intake import orders_csv
from cases.intake.admin.orders import (
    SessionUploads,
    missing_a_column,
    recognised_columns,
    summary_view,
)
from cases.intake.column_mappings import remembered_column_map
from cases.intake.csvfiles import CsvError, header_key
from cases.intake.order_import import (
    async_bytes,
    create_run,
    import_orders,
    max_bytes,
    megabytes,
    store_zone,
)
from cases.models import (
    Case,
    CaseBacklog,
    CustomerMessage,
    ImportRun,
    Order,
    Parcel,
    SupplierChase,
    SupplierEvidence,
)
from cases.permissions import IMPORT_ORDERS
from cases.resources import (
    HEADER_BYTES,
    OrderImportResource,
    OrderResource,
    OrdersCsvFormat,
    UploadedFile,
    read_header,
)
from cases.services import orders as order_facts
from cases.services.orders import ORDER_FACTS, order_problems
from cases.workbench.timeline import READABLE
from staletrack.admin import admin_paths
from staletrack.exports import SelectedRowsExportMixin
from staletrack.limits import time_problem
from staletrack.uploads import UploadStorage

ORDERS = ImportRun.Kind.ORDERS


class FactForm(forms.ModelForm):
    """A fact recorded by hand: its time inside the range every path takes (`staletrack.limits`)."""

    def clean_at(self):
        at = self.cleaned_data.get("at")
        if at is not None and (problem := time_problem(at)):
            raise forms.ValidationError(f"The time {problem}.")
        return at

    def validate_unique(self):
        """A record the order already has (same time, kind and text: its fingerprint) is named here,
        not refused by the database's constraint on save."""
        super().validate_unique()
        record = self.instance
        if not hasattr(record, "with_fingerprint") or record.order_id is None or record.at is None:
            return
        record.with_fingerprint()
        same = type(record).objects.filter(order_id=record.order_id, fingerprint=record.fingerprint)
        if same.exclude(pk=record.pk).exists():
            self.add_error(None, "The same record (time, kind and text) is already on this order.")


class RecordInline(admin.TabularInline):
    form = FactForm
    extra = 0
    readonly_fields = ("recorded_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return False  # what was recorded stays as recorded; add a new record instead

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # A stored time Python cannot hold is left out (the case page counts such facts).
        return super().get_queryset(request).filter(READABLE)


class SupplierEvidenceInline(RecordInline):
    model = SupplierEvidence
    fields = ("at", "kind", "text", "attachment", "recorded_by", "created_at")


class SupplierChaseInline(RecordInline):
    model = SupplierChase
    fields = ("at", "channel", "text", "recorded_by", "created_at")


class CustomerMessageInline(RecordInline):
    model = CustomerMessage
    fields = ("at", "direction", "text", "intents", "helpdesk_ticket", "recorded_by", "created_at")


class ParcelInline(admin.TabularInline):
    """An order's parcels (rules.md section 3a). Superseding one is `cases.tracking.services.supersede_parcel`
    (who, when and why), never an edit here."""

    model = Parcel
    extra = 0
    autocomplete_fields = ("tracking_number",)
    fields = (
        "tracking_number",
        "skus",
        "position",
        "assigned_at",
        "superseded_at",
        "superseded_by",
        "superseded_reason",
    )
    readonly_fields = ("position", "assigned_at", "superseded_at", "superseded_by", "superseded_reason")


class FactEditsMixin:
    """Inline facts saved through `cases.services.orders` (audited, their cases re-assessed after
    commit), never straight to the database: additions, changes and deletions alike. The admin's own
    records are deleted through the service too, one by one also from the list (`delete_record`)."""

    def delete_record(self, record, *, actor) -> None:
        """Delete `record`, one of this admin's own, through its service."""
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.delete_record(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for record in queryset:
            self.delete_record(record, actor=request.user)

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)
        for record in formset.deleted_objects:
            order_facts.remove_fact(record=record, actor=request.user)
        for record, _fields in formset.changed_objects:
            order_facts.change_fact(record=record, actor=request.user)
        for record in formset.new_objects:
            if hasattr(record, "recorded_by_id") and record.recorded_by_id is None:
                record.recorded_by = request.user
            order_facts.add_fact(record=record, actor=request.user)
        formset.save_m2m()


class OrderForm(forms.ModelForm):
    """An order's facts as a person edits them: the checks of every path an order enters by
    (`cases.services.orders.order_problems`), each named on its field."""

    class Meta:
        model = Order
        fields = ORDER_FACTS

    def clean_currency(self):
        currency = (self.cleaned_data.get("currency") or "").strip()
        return currency_code(currency) or currency

    def clean_country(self):
        return (self.cleaned_data.get("country") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned[name] for name in ORDER_FACTS if name in cleaned}
        if "value" not in cleaned and "value" in self.errors:
            values.pop("currency", None)  # the value's own error says enough
        for name, message in order_problems(values).items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return cleaned


def order_fields() -> list[ImportField]:
    """The fields of the orders import, as the column step offers them."""
    names = list(orders_csv.FIELDS)
    for columns in orders_csv.COLUMNS.values():
        names += [name for name in columns if name not in names]
    # A line item is known by its SKU, or by its name when it has none (orders_csv.read_layout).
    needs = {"sku": "this or product_title", "product_title": "this or sku"}
    needs.update({name: "required" for name in orders_csv.REQUIRED})
    return [ImportField(name, needs.get(name, "")) for name in names]


def recognised_order_columns(header: list[str]) -> dict[str, str]:
    """What the orders import finds by itself in `header`: the columns of the layout whose headers the
    file has most of (as cases.intake.orders_csv.read_layout chooses)."""
    keys = {header_key(cell) for cell in header}
    layout = max(
        orders_csv.COLUMNS.values(),
        key=lambda cols: sum(1 for spellings in cols.values() for s in spellings if header_key(s) in keys),
    )
    return recognised_columns(header, layout)


class OrderImportForm(ReadingChoicesMixin, ImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["import_file"].help_text = (
            f"A Shopify orders export or a staletrack orders CSV, saved as UTF-8; up to "
            f"{megabytes(max_bytes())}. Files over {megabytes(async_bytes())} are imported in the background."
        )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(
                f"The file is {megabytes(upload.size)}; the limit for an orders file is "
                f"{megabytes(max_bytes())}. "
                "Split it (by date range in Shopify's export) and import the parts."
            )
        return upload


class OrderConfirmImportForm(ConfirmImportForm):
    """The confirm step: the previewed file (a name this session holds) and the choices the preview
    used, so the import reads the file as the preview did."""

    only_valid_rows = forms.BooleanField(required=False, widget=forms.HiddenInput)
    time_zone = forms.CharField(required=False, widget=forms.HiddenInput)
    date_order = forms.ChoiceField(required=False, choices=DATE_ORDERS, widget=forms.HiddenInput)
    column_map = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_time_zone(self):
        return valid_time_zone(self.cleaned_data.get("time_zone") or "")

    def clean_column_map(self):
        return parse_column_map(self.cleaned_data.get("column_map") or "", [f.name for f in order_fields()])

    def import_choices(self) -> dict:
        data = self.cleaned_data
        return {
            "time_zone": data.get("time_zone") or None,
            "date_order": data.get("date_order") or None,
            "column_map": data.get("column_map") or None,
        }


@admin.register(Order)
class OrderAdmin(
    CustomerErasureMixin, FactEditsMixin, ImportExportMixin, SelectedRowsExportMixin, admin.ModelAdmin
):
    resource_classes = [OrderResource]
    import_form_class = OrderImportForm
    confirm_form_class = OrderConfirmImportForm
    tmp_storage_class = UploadStorage  # the project's upload folder, names the server chose
    import_template_name = "admin/cases/order/import.html"
    skip_admin_log = True  # the import writes its own audit trail (one event, and one per changed order)
    list_display = ("order_id", "ordered_at", "product", "country", "value", "currency", "payment_state")
    list_filter = ("payment_state", "country", "product__supplier")
    list_select_related = ("product",)
    search_fields = ("order_id", "customer_email", "tracking_numbers__normalized")
    autocomplete_fields = ("product",)
    date_hierarchy = "ordered_at"
    form = OrderForm
    fields = (*ORDER_FACTS, "erased_at", "case_link")
    readonly_fields = ("erased_at", "case_link")
    inlines = [ParcelInline, SupplierEvidenceInline, SupplierChaseInline, CustomerMessageInline]

    @admin.display(description="case")
    def case_link(self, obj):
        """The order's case; a large import creates its orders' cases right after it commits
        (cases.services.assessment.record_case_backlog), so for a few seconds there is none."""
        if obj is None or obj.pk is None:
            return "-"
        case_pk = Case.objects.filter(order_id=obj.pk).values_list("pk", flat=True).first()
        if case_pk is None:
            pending = CaseBacklog.objects.filter(first_order_pk__lte=obj.pk, last_order_pk__gte=obj.pk)
            if pending.exists():
                return "Its case is being created: a large import creates its orders' cases right after it."
            return "No case yet: it gets one when facts arrive for it or a bundle or import assesses it."
        return format_html(
            '<a href="{}">Case {}</a>', reverse("admin:cases_case_change", args=[case_pk]), obj
        )

    # --- import ---------------------------------------------------------------------------------------

    def has_import_permission(self, request):
        return request.user.is_active and request.user.has_perm(IMPORT_ORDERS)

    def get_import_resource_classes(self, request):
        return [OrderImportResource]

    def get_import_formats(self):
        return [OrdersCsvFormat]

    def get_urls(self):
        own = admin_paths(self, ("import/columns/", self.import_columns_view, "cases_order_import_columns"))
        return [*own, *super().get_urls()]

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.get("form")
        kwargs = super().get_import_data_kwargs(**kwargs)
        if isinstance(form, OrderConfirmImportForm):
            kwargs["only_valid_rows"] = form.cleaned_data.get("only_valid_rows", False)
            kwargs.update(form.import_choices())
        elif isinstance(form, OrderImportForm):
            kwargs.update(form.reading_choices())
        return kwargs

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = self.create_import_form(request)
            if form.is_valid() and form.cleaned_data["import_file"].size > async_bytes():
                return self._large_upload(request, form)
        response = super().import_action(request, **kwargs)
        context = response.context_data
        form = context.get("form")
        upload = form.cleaned_data.get("import_file") if form is not None and form.is_bound else None
        token = getattr(upload, "tmp_storage_name", None)
        if token is None:
            return response
        token = token.rsplit("/", 1)[-1]
        SessionUploads(request).allow(token, kind=ORDERS, file_name=upload.name)
        self._preview_context(request, context, token=token, file_name=upload.name, **form.reading_choices())
        return response

    def _preview_context(
        self, request, context, *, token, file_name, time_zone, date_order, column_form=None
    ) -> None:
        """The preview page's steps: confirm (with the preview's choices), read again, name the columns."""
        result = context.get("result")
        outcome = getattr(result, "order_import", None)
        if outcome is None:
            return
        column_map = getattr(result, "column_map", None) or {}
        choices = {
            "time_zone": time_zone or "",
            "date_order": date_order or "",
            "column_map": json.dumps(column_map) if column_map else "",
        }
        if not outcome.file_error and (not outcome.has_errors or outcome.valid_orders):
            confirm = OrderConfirmImportForm(
                initial={
                    "import_file_name": token,
                    "original_file_name": file_name,
                    "format": "0",
                    "resource": "0",
                    "only_valid_rows": outcome.has_errors,
                    **choices,
                }
            )
            context["confirm_form"] = confirm
        questions = (getattr(outcome, "summary", None) or {}).get("questions") or {}
        if column_form is None:
            if not time_zone and "time_zone" in questions:
                time_zone = questions["time_zone"].get("suggested") or store_zone()
            column_form = self._column_form(
                token, result.header, column_map, time_zone=time_zone, date_order=date_order
            )
        context["time_questions"] = bool(questions)
        context["column_form"] = column_form
        context["columns_needed"] = outcome.file_error and missing_a_column(outcome.issues)
        context["import_summary"] = summary_view(getattr(outcome, "summary", None))

    def _column_form(self, token, header, column_map, *, time_zone, date_order):
        if header is None:
            return None  # the file has no header to name columns from (not UTF-8, empty)
        mapping = column_map or remembered_column_map(kind=ORDERS, header=header)
        return OrderColumnMapForm(
            initial={"upload": token, "time_zone": time_zone or "", "date_order": date_order or ""},
            fields=order_fields(),
            header=header,
            mapping=mapping or recognised_order_columns(header),
        )

    def import_columns_view(self, request):
        """The stored upload previewed again with the person's choices: time zone, date order, columns."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        uploads = SessionUploads(request)
        token = request.POST.get("upload") or request.GET.get("upload") or ""
        kept = uploads.get(token, ORDERS)
        if kept is None:
            self.message_user(
                request, "That upload is no longer kept here; upload the file again.", messages.ERROR
            )
            return redirect(reverse("admin:cases_order_import"))
        try:
            header = read_header(kept.data)
        except CsvError:
            header = None
        if request.method != "POST" or header is None:
            form = self._column_form(
                token,
                header,
                {},
                time_zone=request.GET.get("time_zone", ""),
                date_order=request.GET.get("date_order", ""),
            )
            return self._columns_page(request, form, kept.file_name)
        form = OrderColumnMapForm(request.POST, fields=order_fields(), header=header)
        if not form.is_valid():
            return self._columns_page(request, form, kept.file_name)
        choices = {**form.reading_choices(), "column_map": form.column_map()}
        if len(kept.data) > async_bytes():
            uploads.forget(token)
            return self._import_in_background(
                request, ContentFile(kept.data, name=kept.file_name), kept.file_name, **choices
            )
        result = OrderImportResource().import_data(
            UploadedFile(kept.data),
            dry_run=True,
            file_name=kept.file_name,
            user=request.user,
            **choices,
        )
        context = {"result": result}
        self._preview_context(
            request,
            context,
            token=token,
            file_name=kept.file_name,
            time_zone=choices["time_zone"],
            date_order=choices["date_order"],
            column_form=form if result.order_import.file_error else None,
        )
        return self._preview_page(request, **context)

    def _columns_page(self, request, form, file_name):
        return self._preview_page(request, column_form=form, columns_needed=True, file_name=file_name)

    def _preview_page(self, request, *, file_name="", **context):
        form = OrderImportForm(self.get_import_formats(), self.get_import_resource_classes(request))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import {file_name}".strip(),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "fields_list": [],
            "import_error_display": self.import_error_display,
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm = self.create_confirm_form(request)
        token = confirm.cleaned_data.get("import_file_name", "") if confirm.is_valid() else ""
        uploads = SessionUploads(request)
        if confirm.is_valid() and not uploads.holds(token, ORDERS):
            # Only a file this session previewed is imported: never a name a client made up.
            self.message_user(
                request,
                "That file is not one you previewed here (or it was imported already); upload it again.",
                messages.ERROR,
            )
            return redirect(reverse("admin:cases_order_import"))
        response = super().process_import(request, **kwargs)
        if token:
            uploads.forget(token, remove=False)  # django-import-export removed the file
        return response

    def _large_upload(self, request, form):
        """A file for the background: its header is checked first, so a file whose columns must be named
        gets the column step here instead of a failed run."""
        upload = form.cleaned_data["import_file"]
        choices = form.reading_choices()
        head = b""
        for chunk in upload.chunks():  # the header only: the file itself goes to storage unread
            head += chunk
            if b"\n" in head or len(head) > HEADER_BYTES:
                break
        header = None
        try:
            header = read_header(head)
            import_orders(
                head[: head.index(b"\n") + 1] if b"\n" in head else head,
                file_name=upload.name,
                actor=request.user,
                via="admin import",
                dry_run=True,
                **choices,
            )
        except CsvError as exc:
            if missing_a_column(exc.issues) and header is not None:
                upload.seek(0)
                data = b"".join(upload.chunks())
                token = SessionUploads(request).keep(data, kind=ORDERS, file_name=upload.name)
                result = OrderImportResource.file_error_result(upload.name, exc, header=header)
                context = {"result": result}
                self._preview_context(request, context, token=token, file_name=upload.name, **choices)
                return self._preview_page(request, file_name=upload.name, **context)
        upload.seek(0)
        return self._import_in_background(request, upload, upload.name, **choices)

    def _import_in_background(self, request, upload, file_name, **choices):
        from cases.intake.tasks import queue_import

        run = create_run(file_name=file_name, actor=request.user, upload=upload, **choices)
        queue_import(run)
        self.message_user(
            request,
            f"{file_name} is large ({megabytes(upload.size)}): it is being imported in the background. "
            "If it has errors nothing is written, and this page offers to import only the valid rows.",
            messages.INFO,
        )
        return redirect(reverse("admin:cases_importrun_change", args=[run.pk]))

    def process_result(self, result, request):
        run = getattr(result, "import_run", None)
        if run is None:
            return super().process_result(result, request)
        level = messages.SUCCESS if run.status == ImportRun.Status.SUCCEEDED else messages.ERROR
        link = reverse("admin:cases_importrun_change", args=[run.pk])
        self.message_user(
            request, format_html('{} <a href="{}">Import run {}</a>', run.message, link, run.pk), level
        )
        return redirect(reverse("admin:cases_order_changelist"))

    # --- facts changed by hand: through the services (audited, re-assessed after commit) ---------------

    def save_model(self, request, obj, form, change):
        if change:
            changed = {name: form.cleaned_data[name] for name in form.changed_data if name in ORDER_FACTS}
            order_facts.update_order(order=obj, actor=request.user, changes=changed)
        else:
            order_facts.create_order(order=obj, actor=request.user)

    def delete_record(self, record, *, actor) -> None:
        order_facts.delete_order(order=record, actor=actor)
