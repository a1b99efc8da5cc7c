"""Review counts (rules.md section 6, overlays 5 and 6) from stored assessments, for writes at scale.

Loading the facts of every order a supplier had in 30 days to re-assess a batch of cases does not
scale; the stored cases already say which of them count: overlays 5 and 6 never change risk, so a
stored `risk_rank > 0` is exactly "risk after overlays 1-4 above normal_watch", and a stored
`supplier_silence`, or `label_created_only` with its window exceeded, is a supplier-stuck case.

The counts use the default policy's review windows. The cases being re-assessed are taken out of the
stored counts, because the engine counts them itself from their fresh facts. SKUs and supplier names
compare without regard to case or surrounding spaces (rules.md section 3a, review.group_name): the counts
are keyed that way, and asking for some products or suppliers counts every product or supplier spelled
like one of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q

from cases.assessment.review import PRODUCT, SUPPLIER, group_name
from cases.choices import CaseType
from cases.models import Case
from cases.selectors.case_states import CaseState
from cases.selectors.facts import named_ids
from policies.selectors import PolicyBook
from suppliers.models import Product, Supplier

STUCK = Q(case_type=CaseType.SUPPLIER_SILENCE) | Q(
    case_type=CaseType.LABEL_CREATED_ONLY, window__exceeded=True
)


@dataclass
class StoredReviewCounts:
    as_of: datetime
    product_days: int
    supplier_days: int
    products: Counter = field(default_factory=Counter)  # group name of the SKU -> qualifying cases
    suppliers: Counter = field(default_factory=Counter)

    def outside(self, cases: Iterable[CaseState]) -> dict[tuple[str, str], int]:
        """The counts without `cases`: what the engine adds to its own count of those cases."""
        products, suppliers = Counter(self.products), Counter(self.suppliers)
        for case in cases:
            age = self.as_of - case.ordered_at
            if case.risk_rank > 0 and timedelta(0) <= age <= timedelta(days=self.product_days):
                products[group_name(case.sku)] -= 1
            if case.supplier_stuck and timedelta(0) <= age <= timedelta(days=self.supplier_days):
                suppliers[group_name(case.supplier)] -= 1
        return {(PRODUCT, name): n for name, n in products.items() if n > 0} | {
            (SUPPLIER, name): n for name, n in suppliers.items() if n > 0
        }


def stored_review_counts(
    as_of: datetime,
    book: PolicyBook,
    *,
    product_ids: Iterable[int] | None = None,
    supplier_ids: Iterable[int] | None = None,
) -> StoredReviewCounts:
    """Two grouped queries: qualifying stored cases per SKU and per supplier inside the review windows,
    for the given products and suppliers (None: all of them, as a sweep needs)."""
    counts = StoredReviewCounts(as_of, book.default.product_review_days, book.default.supplier_review_days)
    window = Q(order__ordered_at__lte=as_of)
    products = Case.objects.filter(
        window, risk_rank__gt=0, order__ordered_at__gte=as_of - timedelta(days=counts.product_days)
    )
    if product_ids is not None:
        products = products.filter(_counted_for(_spelled_alike(Product, "sku", product_ids), "id"))
    for name, n in _grouped(products, "sku"):
        counts.products[group_name(name)] += n
    suppliers = Case.objects.filter(
        window, STUCK, order__ordered_at__gte=as_of - timedelta(days=counts.supplier_days)
    )
    if supplier_ids is not None:
        suppliers = suppliers.filter(
            _counted_for(_spelled_alike(Supplier, "name", supplier_ids), "supplier_id")
        )
    for name, n in _grouped(suppliers, "supplier__name"):
        counts.suppliers[group_name(name)] += n
    return counts


def _counted_for(ids: list[int], column: str) -> Q:
    """Cases that count for a product (or supplier) of `ids`: through the product they count for (rules.md
    section 3a: the headline parcel's), stored when it is not the order's first item's."""
    return Q(**{f"counted_product__{column}__in": ids}) | Q(
        counted_product__isnull=True, **{f"order__product__{column}__in": ids}
    )


def _grouped(cases, column: str) -> list[tuple[str, int]]:
    """(name, cases) per `column` of the product each case counts for (one grouped query)."""
    rows = cases.values(f"counted_product__{column}", f"order__product__{column}").annotate(n=Count("id"))
    return [
        (row[f"counted_product__{column}"] or row[f"order__product__{column}"], row["n"])
        for row in rows.order_by()
    ]


def _spelled_alike(model, column: str, ids: Iterable[int]) -> list[int]:
    """`ids` and the ids of every other row of `model` whose `column` compares equal to one of theirs."""
    ids = set(ids)
    names = model.objects.filter(pk__in=list(ids)).values_list(column, flat=True)
    return sorted(ids | named_ids(model._meta.db_table, column, {group_name(name) for name in names}))
