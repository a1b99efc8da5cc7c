from django.contrib import admin, messages
from django.db.models import Count
from django.urls import path

from cases.admin.case_actions import RefuseUnpermittedActionsMixin
from cases.admin.exports import SelectedRowsExportMixin
from suppliers.models import Product, Supplier, WeeklyRollup
from suppliers.resources import ProductResource, SupplierResource
from suppliers.services import set_product_state


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


@admin.register(Product)
class ProductAdmin(RefuseUnpermittedActionsMixin, SelectedRowsExportMixin, admin.ModelAdmin):
    resource_classes = [ProductResource]
    list_display = ("sku", "title", "supplier", "state", "promise_text", "state_changed_at")
    list_filter = ("state", "supplier")
    list_select_related = ("supplier",)
    search_fields = ("sku", "title", "supplier__name")
    readonly_fields = ("state", "state_reason", "state_changed_at", "state_changed_by", "created_at")
    actions = ["pause_products", "resume_products"]

    def has_pause_product_permission(self, request):
        return request.user.has_perm("suppliers.pause_product")

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


@admin.register(WeeklyRollup)
class WeeklyRollupAdmin(admin.ModelAdmin):
    """Read-only: the weekly review and `manage.py build_rollups` write these rows. The scorecard page
    (issue 8, `suppliers.scorecard`) reads them."""

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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        from suppliers import scorecard

        def wrap(view):
            return self.admin_site.admin_view(lambda request, **kwargs: view(request, self, **kwargs))

        return [
            path("scorecard/", wrap(scorecard.scorecard_view), name="suppliers_weeklyrollup_scorecard"),
            path(
                "scorecard/export.csv",
                wrap(scorecard.scorecard_csv_view),
                name="suppliers_weeklyrollup_scorecard_csv",
            ),
            path(
                "scorecard/pause/<int:product_id>/",
                wrap(scorecard.pause_product_view),
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
