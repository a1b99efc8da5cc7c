"""Orders: the change list with import (django-import-export's preview, then confirm) and export, and the
records staff add to an order.

The import is staletrack's own (`cases.resources.OrderImportResource` -> `cases.services.order_import`):
- only users with `cases.import_orders` may import (django-import-export lets any staff user who can add
  orders do it): `has_import_permission`, which guards the import and the confirm (process_import) views;
- a file over ORDER_IMPORT_MAX_BYTES is refused with the limit named; one over ORDER_IMPORT_ASYNC_BYTES
  runs as a Celery task, and the page goes to its ImportRun, which shows the progress;
- the preview lists new, updated, unchanged and skipped orders and every error with its line and column;
  with errors, the confirm button imports only the valid orders, and says so.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm

from cases.admin.exports import SelectedRowsExportMixin
from cases.models import (
    CustomerMessage,
    ImportRun,
    Order,
    OrderTracking,
    SupplierChase,
    SupplierEvidence,
)
from cases.permissions import IMPORT_ORDERS
from cases.resources import OrderImportResource, OrderResource, OrdersCsvFormat
from cases.services.order_import import async_bytes, create_run, max_bytes, megabytes


class RecordInline(admin.TabularInline):
    extra = 0
    readonly_fields = ("recorded_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return False  # what was recorded stays as recorded; add a new record instead

    def has_delete_permission(self, request, obj=None):
        return False


class SupplierEvidenceInline(RecordInline):
    model = SupplierEvidence
    fields = ("at", "kind", "text", "attachment", "recorded_by", "created_at")


class SupplierChaseInline(RecordInline):
    model = SupplierChase
    fields = ("at", "channel", "text", "recorded_by", "created_at")


class CustomerMessageInline(RecordInline):
    model = CustomerMessage
    fields = ("at", "direction", "text", "intents", "recorded_by", "created_at")


class OrderTrackingInline(admin.TabularInline):
    model = OrderTracking
    extra = 0
    autocomplete_fields = ("tracking_number",)
    readonly_fields = ("assigned_at",)


class OrderImportForm(ImportForm):
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
    only_valid_rows = forms.BooleanField(required=False, widget=forms.HiddenInput)


@admin.register(Order)
class OrderAdmin(ImportExportMixin, SelectedRowsExportMixin, admin.ModelAdmin):
    resource_classes = [OrderResource]
    import_form_class = OrderImportForm
    confirm_form_class = OrderConfirmImportForm
    import_template_name = "admin/cases/order/import.html"
    skip_admin_log = True  # the import writes its own audit trail (one event, and one per changed order)
    list_display = ("order_id", "ordered_at", "product", "country", "value", "currency", "payment_state")
    list_filter = ("payment_state", "country", "product__supplier")
    list_select_related = ("product",)
    search_fields = ("order_id", "customer_email", "tracking_numbers__normalized")
    autocomplete_fields = ("product",)
    date_hierarchy = "ordered_at"
    inlines = [OrderTrackingInline, SupplierEvidenceInline, SupplierChaseInline, CustomerMessageInline]

    # --- import ---------------------------------------------------------------------------------------

    def has_import_permission(self, request):
        return request.user.is_active and request.user.has_perm(IMPORT_ORDERS)

    def get_import_resource_classes(self, request):
        return [OrderImportResource]

    def get_import_formats(self):
        return [OrdersCsvFormat]

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.get("form")
        kwargs = super().get_import_data_kwargs(**kwargs)
        if isinstance(form, OrderConfirmImportForm):
            kwargs["only_valid_rows"] = form.cleaned_data.get("only_valid_rows", False)
        return kwargs

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = self.create_import_form(request)
            if form.is_valid() and form.cleaned_data["import_file"].size > async_bytes():
                return self._import_in_background(request, form.cleaned_data["import_file"])
        response = super().import_action(request, **kwargs)
        context = response.context_data
        result = context.get("result")
        outcome = getattr(result, "order_import", None)
        if outcome is not None and outcome.has_errors and not outcome.file_error and outcome.valid_orders:
            confirm = self.create_confirm_form(request, import_form=context["form"])
            confirm.initial["only_valid_rows"] = True
            context["confirm_form"] = confirm
        return response

    def _import_in_background(self, request, upload):
        from cases.tasks_imports import queue_import

        run = create_run(file_name=upload.name, actor=request.user, upload=upload)
        queue_import(run)
        self.message_user(
            request,
            f"{upload.name} is large ({megabytes(upload.size)}): it is being imported in the background. "
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

    # --- records ----------------------------------------------------------------------------------------

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            if hasattr(instance, "recorded_by_id") and instance.recorded_by_id is None:
                instance.recorded_by = request.user
            instance.save()
        formset.save_m2m()
