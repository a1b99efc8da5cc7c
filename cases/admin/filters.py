"""Queue filters that Django's field filters do not give.

The assignee (with "mine"), flags, the case type of any parcel, order age buckets, the supplier or SKU a
case counts for (the scorecard's links), cases that cannot be assessed, and the lane of the policy in force
(docs/fast-lane.md). Each filter narrows on an indexed column (flags: a GIN index on PostgreSQL; cannot be
assessed: the partial index on `unassessable_since`; counts for: the partial index on `counted_product`,
or'd with the order's product; the lane: case type, risk and route)."""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from cases.assessment import vocabulary as v
from cases.assessment.disputes import OWNER_DAYS
from cases.choices import DisputeStatus
from cases.models import Dispute
from cases.selectors.case_queue import flag_q, parcel_case_type_q
from cases.workbench.lanes import active_lane_settings, lane_q
from cases.workbench.queue import AGE_BUCKETS, age_bucket_filter

FLAGS = v.FLAGS


class AssigneeFilter(admin.SimpleListFilter):
    title = "assignee"
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        users = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        return [("mine", "Mine"), ("none", "Unassigned"), *((str(u.pk), u.get_username()) for u in users)]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "mine":
            return queryset.filter(assignee_id=request.user.pk)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class LaneFilter(admin.SimpleListFilter):
    """The lanes of the policy in force (policies.lanes): fast (drafts reviewed in bulk), standard,
    owner-only. The policy is read only when the filter is used."""

    title = "lane"
    parameter_name = "lane"

    def lookups(self, request, model_admin):
        return [("fast", "fast lane"), ("standard", "standard"), ("owner_only", "owner-only")]

    def queryset(self, request, queryset):
        if self.value() not in ("fast", "standard", "owner_only"):
            return queryset
        return queryset.filter(lane_q(self.value(), active_lane_settings()))


class FlagFilter(admin.SimpleListFilter):
    title = "flag"
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return [(flag, flag.replace("_", " ")) for flag in FLAGS]

    def queryset(self, request, queryset):
        flag = self.value()
        if flag not in FLAGS:
            return queryset
        return queryset.filter(flag_q(queryset, flag))


class ParcelCaseTypeFilter(admin.SimpleListFilter):
    """A case type the order's headline or any other of its parcels has (rules.md section 3a): a delivered
    lamp's order is found under "delivered" even while its stuck rug makes it stale in transit."""

    title = "case type of any parcel"
    parameter_name = "parcel_case_type"

    def lookups(self, request, model_admin):
        return [(case_type, case_type.replace("_", " ")) for case_type in v.CASE_TYPES]

    def queryset(self, request, queryset):
        case_type = self.value()
        if case_type not in v.CASE_TYPES:
            return queryset
        return queryset.filter(parcel_case_type_q(queryset, case_type))


class AgeFilter(admin.SimpleListFilter):
    title = "order age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [(bucket.key, bucket.label) for bucket in AGE_BUCKETS]

    def queryset(self, request, queryset):
        if self.value() not in {bucket.key for bucket in AGE_BUCKETS}:
            return queryset
        return queryset.filter(**age_bucket_filter(self.value(), timezone.now()))


class SkuFilter(admin.SimpleListFilter):
    """The SKUs of the chosen supplier (a store may sell thousands; the search box also takes a SKU)."""

    title = "SKU (choose a supplier first, or search a SKU)"
    parameter_name = "sku"
    supplier_parameter = "order__product__supplier__id__exact"

    def lookups(self, request, model_admin):
        from suppliers.models import Product

        supplier = request.GET.get(self.supplier_parameter, "")
        if supplier.isdigit():
            products = Product.objects.filter(supplier_id=int(supplier))
        elif (self.value() or "").isdigit():
            products = Product.objects.filter(pk=int(self.value()))
        else:
            return []
        return [(str(p.pk), p.sku) for p in products.order_by("sku")[:500]]

    def queryset(self, request, queryset):
        value = self.value() or ""
        return queryset.filter(order__product_id=int(value)) if value.isdigit() else queryset


class CountsForFilter(admin.SimpleListFilter):
    """The cases that count for one supplier or product (rules.md section 3a), as the supplier scorecard
    counts them and links to them: an order in several parcels for its headline parcel's first item's
    product (`Case.counted_product`), any other for the order's own product. Shown only when chosen (the
    scorecard's links choose it). A subclass names `counted`, the path from the counted product to the id
    compared, and `model`, what the id is of."""

    counted = ""
    model = ""

    @classmethod
    def condition(cls, pk: int) -> Q:
        return Q(**{f"counted_product__{cls.counted}": pk}) | Q(
            counted_product__isnull=True, **{f"order__product__{cls.counted}": pk}
        )

    def lookups(self, request, model_admin):
        value = self.value() or ""
        if not value.isdigit():
            return []
        found = apps.get_model(self.model).objects.filter(pk=int(value)).first()
        return [(value, str(found) if found else value)]

    def queryset(self, request, queryset):
        value = self.value() or ""
        return queryset.filter(self.condition(int(value))) if value.isdigit() else queryset


class CountsForSupplierFilter(CountsForFilter):
    title = "counts for supplier"
    parameter_name = "counts_for_supplier"  # suppliers.scorecard.links.SUPPLIER_PARAMETER
    counted = "supplier_id"
    model = "suppliers.Supplier"


class CountsForProductFilter(CountsForFilter):
    title = "counts for SKU"
    parameter_name = "counts_for_sku"  # suppliers.scorecard.links.PRODUCT_PARAMETER
    counted = "id"
    model = "suppliers.Product"


class UnassessableFilter(admin.SimpleListFilter):
    """Cases whose last assessment failed (cases.services.assessment.record_unassessable): their packet
    is the last one that succeeded, or none. The case page says why."""

    title = "assessment"
    parameter_name = "unassessable"
    YES = "yes"

    def lookups(self, request, model_admin):
        return [(self.YES, "Cannot be assessed")]

    def queryset(self, request, queryset):
        if self.value() == self.YES:
            return queryset.filter(unassessable_since__isnull=False)
        return queryset


class DisputeFilter(admin.SimpleListFilter):
    """Cases whose order has a dispute: waiting for evidence (those under the owner's last days first in
    the list's options), or any still open. Read from the small dispute table, then the cases by order."""

    title = "dispute"
    parameter_name = "dispute"
    NEAR = "near"
    WAITING = "waiting"
    OPEN = "open"

    def lookups(self, request, model_admin):
        return [
            (self.NEAR, f"Evidence due in under {OWNER_DAYS} days"),
            (self.WAITING, "Waiting for evidence"),
            (self.OPEN, "Any open dispute"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value not in (self.NEAR, self.WAITING, self.OPEN):
            return queryset
        if value == self.OPEN:
            disputes = Dispute.objects.filter(
                status__in=(DisputeStatus.NEEDS_RESPONSE, DisputeStatus.SUBMITTED)
            )
        else:
            disputes = Dispute.objects.filter(status=DisputeStatus.NEEDS_RESPONSE)
        if value == self.NEAR:
            disputes = disputes.filter(evidence_due_by__lt=timezone.now() + timedelta(days=OWNER_DAYS))
        return queryset.filter(order_id__in=disputes.values("order_id"))
