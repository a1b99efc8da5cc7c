"""Suppliers, products, the vendor map and the weekly rollups the scorecard reads."""

from django.conf import settings
from django.db import models

from staletrack.fields import done_by, optional_link, standing


class Supplier(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        FLAGGED = "flagged", "Flagged for review"

    name = models.CharField(max_length=200, unique=True)
    contact_email = models.EmailField(blank=True)
    processing_window_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The supplier's own processing time. Used as this supplier's processing window "
        "unless a supplier policy override sets one.",
    )
    status, status_reason, status_changed_at, status_changed_by = standing(Status, max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        permissions = [("flag_supplier", "Can flag or unflag a supplier")]

    def __str__(self):
        return self.name


class Product(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        REVIEW_REQUIRED = "review_required", "Review required"
        PAUSED = "paused", "Paused"

    sku = models.CharField(
        "SKU",
        max_length=300,
        unique=True,
        help_text="The store's SKU or, for a line item without one, its title (keyed_by_title).",
    )
    keyed_by_title = models.BooleanField(
        default=False, help_text="The store gave this item no SKU: it is known by its title."
    )
    title = models.CharField(max_length=300, blank=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="products")
    vendor = models.CharField(
        max_length=200,
        blank=True,
        help_text="The vendor name the store's file gave (Shopify's Vendor), read through the vendor map.",
    )
    supplier_set_by_owner = models.BooleanField(
        default=False, help_text="An owner chose this SKU's supplier: the vendor map no longer moves it."
    )
    promise_text = models.CharField(
        max_length=300, blank=True, help_text="The delivery promise shown on the product page."
    )
    promised_delivery_days = models.PositiveSmallIntegerField(null=True, blank=True)
    state, state_reason, state_changed_at, state_changed_by = standing(State, max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sku"]
        permissions = [("pause_product", "Can pause or resume a product")]
        indexes = [models.Index(fields=["supplier", "state"])]

    def __str__(self):
        return f"{self.sku} {self.title}".strip()


def vendor_key(name: str) -> str:
    """How vendor names compare: without regard to case or surrounding and repeated spaces."""
    return " ".join(name.split()).casefold()


class VendorMapping(models.Model):
    """What a vendor name in a store's file stands for: a supplier, or nothing (the store's own name, a
    category). The empty vendor's row names the default supplier: the one products get when their vendor
    is not a supplier or is missing."""

    class Meaning(models.TextChoices):
        SUPPLIER = "supplier", "stands for a supplier"
        NOT_A_SUPPLIER = "not_a_supplier", "is not a supplier (the store's name, a category)"

    vendor = models.CharField(max_length=200, blank=True, help_text="As files write it; empty: the default.")
    key = models.CharField(max_length=200, unique=True, editable=False)
    meaning = models.CharField(max_length=16, choices=Meaning.choices, default=Meaning.SUPPLIER)
    supplier = optional_link(Supplier, on_delete=models.PROTECT, related_name="vendor_mappings")
    updated_by = done_by()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = "vendor map entry"
        verbose_name_plural = "vendor map"
        permissions = [("manage_vendor_map", "Can change the vendor map and a SKU's supplier")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(meaning="supplier", supplier__isnull=False)
                | models.Q(meaning="not_a_supplier", supplier__isnull=True),
                name="vendor_mapping_supplier_iff_supplier",
            ),
            models.CheckConstraint(
                condition=~models.Q(key="") | models.Q(meaning="supplier"),
                name="vendor_mapping_default_is_a_supplier",
            ),
        ]

    def __str__(self):
        return self.vendor or "(default supplier)"

    def save(self, *args, **kwargs):
        self.key = vendor_key(self.vendor)
        super().save(*args, **kwargs)


class WeeklyRollup(models.Model):
    """One week's figures for one supplier, SKU or destination country, built by the weekly
    review and rebuildable with `manage.py build_rollups`. The week is an order cohort: the orders placed
    from Monday 00:00 to the next Monday 00:00 in the store's time zone, with their cases as they stood
    when the row was built (`built_at`). `figures` keys and their definitions:
    `suppliers.scorecard.rollups`."""

    class Dimension(models.TextChoices):
        SUPPLIER = "supplier", "Supplier"
        SKU = "sku", "SKU"
        COUNTRY = "country", "Destination country"

    week_start = models.DateField(help_text="The Monday the week starts on, in the store's time zone.")
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    key = models.CharField(max_length=200, help_text="The supplier's name, the SKU or the country code.")
    supplier = optional_link(Supplier, on_delete=models.SET_NULL, related_name="weekly_rollups")
    product = optional_link(Product, on_delete=models.SET_NULL, related_name="weekly_rollups")
    figures = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(
        default=list, blank=True, help_text="Plain-language notes computed from figures."
    )
    built_at = models.DateTimeField()

    class Meta:
        ordering = ["-week_start", "dimension", "key"]
        constraints = [
            models.UniqueConstraint(fields=["week_start", "dimension", "key"], name="weekly_rollup_once")
        ]
        indexes = [models.Index(fields=["dimension", "week_start"], name="weekly_rollup_dimension")]

    def __str__(self):
        return f"{self.get_dimension_display()} {self.key}, week of {self.week_start:%Y-%m-%d}"


class SentDigest(models.Model):
    """The weekly digest of one week sent to one owner: claimed (this row inserted) in the transaction that
    sends it, so two workers or a re-delivered task send it once (`suppliers.digest.services`)."""

    week_start = models.DateField(help_text="The Monday of the digest's week, in the store's time zone.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(help_text="The address it was sent to.")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-week_start", "user_id"]
        verbose_name = "weekly digest sent"
        verbose_name_plural = "weekly digests"
        constraints = [
            models.UniqueConstraint(fields=["week_start", "user"], name="weekly_digest_once_per_owner")
        ]

    def __str__(self):
        return f"Weekly digest of {self.week_start:%Y-%m-%d} to {self.email}"
