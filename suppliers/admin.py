"""The supplier app's admin.

Suppliers, products (an owner pauses them and changes a SKU's supplier), the
vendor map (owner only) and the weekly rollups with the scorecard.

Every owner-only page and action checks its permission on the server: Django's admin hides what a user
may not do, and a crafted request gets 403 here and changes nothing."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from staletrack.admin import ReadOnlyAdmin, RefuseUnpermittedActionsMixin, admin_paths
from staletrack.exports import SelectedRowsExportMixin
from suppliers.digest import admin as digest_admin  # noqa: F401  (registers the weekly digests)
from suppliers.models import Product, Supplier, VendorMapping, WeeklyRollup, vendor_key
from suppliers.permissions import MANAGE_VENDOR_MAP, PAUSE_PRODUCT
from suppliers.resources import ProductResource, SupplierResource
from suppliers.scorecard import views as scorecard_views
from suppliers.services import (
    change_product_supplier,
    check_vendor_mapping,
    delete_vendor_mapping,
    save_vendor_mapping,
    set_product_state,
)
from suppliers.vendor_map import DEFAULT_SUPPLIER_NAME, read_vendors

NO_SKU = "no SKU (known by its title)"


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's field errors on the form: on their field when the form shows it, else on the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@admin.register(Supplier)
class SupplierAdmin(SelectedRowsExportMixin, admin.ModelAdmin):
    resource_classes = [SupplierResource]
    list_display = ("name", "status", "contact_email", "processing_window_days", "product_count")
    list_filter = ("status",)
    search_fields = ("name", "contact_email")
    readonly_fields = ("status", "status_reason", "status_changed_at", "status_changed_by", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_total=Count("products"))

    @admin.display(description="products", ordering="product_total")
    def product_count(self, obj):
        return obj.product_total


class ProductForm(forms.ModelForm):
    """A product added without a SKU is keyed by its title, as imports key a line item without one."""

    class Meta:
        model = Product
        fields = ("sku", "title", "supplier", "promise_text", "promised_delivery_days")
        help_texts = {
            "sku": "Leave empty for an item the store sells without a SKU: it is then known by its title."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "sku" in self.fields:
            self.fields["sku"].required = False

    def clean(self):
        data = super().clean()
        if "sku" in self.fields and not (data.get("sku") or "").strip():
            title = (data.get("title") or "").strip()
            if not title:
                self.add_error("title", "A product without a SKU is known by its title: give one.")
                return data
            data["sku"] = title
            self.instance.keyed_by_title = True
        elif "sku" in self.fields:
            self.instance.keyed_by_title = False
        return data


class ChangeSupplierForm(forms.Form):
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.order_by("name"))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Why this SKU's supplier changes (audited)."
    )


@admin.register(Product)
class ProductAdmin(RefuseUnpermittedActionsMixin, SelectedRowsExportMixin, admin.ModelAdmin):
    form = ProductForm
    resource_classes = [ProductResource]
    list_display = ("sku_shown", "title", "supplier", "state", "promise_text", "state_changed_at")
    list_filter = ("state", "supplier", "supplier_set_by_owner", "keyed_by_title")
    list_select_related = ("supplier",)
    search_fields = ("sku", "title", "supplier__name", "vendor")
    readonly_fields = (
        "sku_shown",
        "vendor",
        "supplier_set_by_owner",
        "state",
        "state_reason",
        "state_changed_at",
        "state_changed_by",
        "created_at",
    )
    actions = ["pause_products", "resume_products", "change_supplier"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:
            return [f for f in fields if f not in ("sku_shown", "vendor", "supplier_set_by_owner")]
        # An item known by its title shows "no SKU" where the SKU goes; its stored key is its title.
        shown = "sku_shown" if obj.keyed_by_title else "sku"
        return [shown, *(f for f in fields if f not in ("sku", "sku_shown"))]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # A SKU's supplier changes through the "Change supplier" action (owner, audited).
            readonly.append("supplier")
        return readonly

    def save_model(self, request, obj, form, change):
        if not change:
            obj.supplier_set_by_owner = True  # the owner chose its supplier here, not the vendor map
        super().save_model(request, obj, form, change)

    @admin.display(description="SKU", ordering="sku")
    def sku_shown(self, obj):
        if obj is None or obj.pk is None:
            return ""
        return NO_SKU if obj.keyed_by_title else obj.sku

    def has_pause_product_permission(self, request):
        return request.user.has_perm(PAUSE_PRODUCT)

    def has_manage_vendor_map_permission(self, request):
        return request.user.has_perm(MANAGE_VENDOR_MAP)

    @admin.action(
        description="Change the supplier of selected products (owner)", permissions=["manage_vendor_map"]
    )
    def change_supplier(self, request, queryset):
        if not self.has_manage_vendor_map_permission(request):
            raise PermissionDenied
        form = ChangeSupplierForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            supplier, reason = form.cleaned_data["supplier"], form.cleaned_data["reason"]
            try:
                with transaction.atomic():  # all or none, and one rollup rebuild after commit
                    for product in queryset:
                        change_product_supplier(
                            product=product, supplier=supplier, actor=request.user, reason=reason
                        )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                count = queryset.count()
                self.message_user(
                    request, f"{count} product(s) now with supplier {supplier.name}.", messages.SUCCESS
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Change the supplier of selected products",
            "opts": self.model._meta,
            "form": form,
            "products": queryset.select_related("supplier"),
            "action": "change_supplier",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/suppliers/product/change_supplier.html", context)

    @admin.action(description="Pause selected products (owner)", permissions=["pause_product"])
    def pause_products(self, request, queryset):
        self._set_state(request, queryset, Product.State.PAUSED, "paused")

    @admin.action(description="Resume selected products (owner)", permissions=["pause_product"])
    def resume_products(self, request, queryset):
        self._set_state(request, queryset, Product.State.ACTIVE, "resumed")

    def _set_state(self, request, queryset, state, verb):
        for product in queryset:
            set_product_state(product, state, actor=request.user, reason=f"{verb} from the admin")
        self.message_user(request, f"{queryset.count()} product(s) {verb}.", messages.SUCCESS)


class VendorMappingForm(forms.ModelForm):
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Goes in the audit trail."
    )

    class Meta:
        model = VendorMapping
        fields = ("vendor", "meaning", "supplier")
        help_texts = {
            "vendor": "As the store's files write it (case and spaces do not matter). Leave empty to set the "
            "default supplier: the one products get when their vendor is not a supplier or missing."
        }

    def clean(self):
        data = super().clean()
        vendor = data.get("vendor", self.instance.vendor) or ""
        try:
            check_vendor_mapping(
                vendor=vendor, meaning=data.get("meaning", ""), supplier=data.get("supplier")
            )
        except ValidationError as error:
            _add_errors(self, error)
        key = vendor_key(vendor)
        taken = VendorMapping.objects.filter(key=key).exclude(pk=self.instance.pk).first()
        if taken is not None:
            self.add_error(
                "vendor" if "vendor" in self.fields else None,
                f"{taken} is already in the map; change that row instead.",
            )
        self.instance.key = key  # the model's constraints are checked before save() sets it
        return data


@admin.register(VendorMapping)
class VendorMappingAdmin(admin.ModelAdmin):
    """The vendor map, owner only (`suppliers.manage_vendor_map` for every page, even to read it). Saves
    and deletions go through the services, which move the products the map places and audit them."""

    form = VendorMappingForm
    change_list_template = "admin/suppliers/vendormapping/change_list.html"
    list_display = ("vendor_shown", "meaning", "supplier", "updated_by", "updated_at")
    list_filter = ("meaning",)
    list_select_related = ("supplier", "updated_by")
    search_fields = ("vendor", "supplier__name")
    readonly_fields = ("updated_by", "updated_at")

    def _may(self, request) -> bool:
        return request.user.is_active and request.user.has_perm(MANAGE_VENDOR_MAP)

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_add_permission(self, request):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request)

    def has_delete_permission(self, request, obj=None):
        return self._may(request)

    def get_readonly_fields(self, request, obj=None):
        # A row's vendor name is its key; to map another name, add a row.
        return (*self.readonly_fields, "vendor") if obj is not None else self.readonly_fields

    @admin.display(description="vendor name", ordering="key")
    def vendor_shown(self, obj):
        return obj.vendor or "(empty: the default supplier)"

    def save_model(self, request, obj, form, change):
        result = save_vendor_mapping(
            vendor=obj.vendor,
            meaning=obj.meaning,
            supplier=obj.supplier,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
        )
        obj.pk, obj.key = result.mapping.pk, result.mapping.key
        self._moved_message(request, result.products_moved)

    def delete_model(self, request, obj):
        self._moved_message(request, delete_vendor_mapping(obj, actor=request.user).products_moved)

    def delete_queryset(self, request, queryset):
        moved = 0
        with transaction.atomic():
            for mapping in queryset:
                moved += delete_vendor_mapping(mapping, actor=request.user).products_moved
        self._moved_message(request, moved)

    def _moved_message(self, request, moved: int) -> None:
        if moved:
            self.message_user(request, f"{moved} product(s) moved to the supplier the map now gives.")

    def get_urls(self):
        own = admin_paths(
            self, ("default-supplier/", self.default_supplier_view, "suppliers_vendormapping_default")
        )
        return [*own, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "default_supplier": self._default_name()}
        return super().changelist_view(request, extra_context)

    @staticmethod
    def _default_name() -> str:
        return read_vendors([""]).suppliers[""]

    def default_supplier_view(self, request):
        """Set the default supplier (the map's row for the empty vendor name)."""
        if not self._may(request):
            raise PermissionDenied
        current = VendorMapping.objects.filter(key="").select_related("supplier").first()
        form = ChangeSupplierForm(
            request.POST if request.method == "POST" else None,
            initial={"supplier": current.supplier if current else None},
        )
        form.fields["reason"].required = False
        form.fields["reason"].help_text = "Goes in the audit trail."
        if request.method == "POST" and form.is_valid():
            try:
                result = save_vendor_mapping(
                    vendor="",
                    meaning=VendorMapping.Meaning.SUPPLIER,
                    supplier=form.cleaned_data["supplier"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                self.message_user(
                    request, f"The default supplier is now {result.mapping.supplier.name}.", messages.SUCCESS
                )
                self._moved_message(request, result.products_moved)
                return HttpResponseRedirect(reverse("admin:suppliers_vendormapping_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Default supplier",
            "opts": self.model._meta,
            "form": form,
            "current": self._default_name(),
            "fallback": DEFAULT_SUPPLIER_NAME,
        }
        return TemplateResponse(request, "admin/suppliers/vendormapping/default_supplier.html", context)


@admin.register(WeeklyRollup)
class WeeklyRollupAdmin(ReadOnlyAdmin):
    """Read-only: the weekly review and `manage.py build_rollups` write these rows. The scorecard page
    (`suppliers.scorecard.views`) reads them."""

    change_list_template = "admin/suppliers/scorecard_rollup_change_list.html"
    list_display = ("week_start", "dimension", "key", "orders", "notes_text", "built_at")
    list_filter = ("dimension", "week_start")
    list_select_related = ("supplier", "product")
    search_fields = ("key",)
    date_hierarchy = "week_start"
    readonly_fields = (
        "week_start",
        "dimension",
        "key",
        "supplier",
        "product",
        "figures",
        "notes",
        "built_at",
    )

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(lambda request, **kwargs: view(request, self, **kwargs))

        return [
            path("scorecard/", wrap(scorecard_views.scorecard_view), name="suppliers_weeklyrollup_scorecard"),
            path(
                "scorecard/export.csv",
                wrap(scorecard_views.scorecard_csv_view),
                name="suppliers_weeklyrollup_scorecard_csv",
            ),
            path(
                "scorecard/pause/<int:product_id>/",
                wrap(scorecard_views.pause_product_view),
                name="suppliers_weeklyrollup_scorecard_pause",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="orders")
    def orders(self, obj):
        return obj.figures.get("orders")

    @admin.display(description="notes")
    def notes_text(self, obj):
        return "; ".join(obj.notes)
