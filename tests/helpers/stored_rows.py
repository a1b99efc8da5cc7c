"""Row counts of what an import stores, to show that a refused file writes nothing: `stored()` for an orders
file (NOTHING when the database is empty), `counts()` per model for a bundle, `row_counts(*models)` for
any models."""

from cases.models import (
    Case,
    CustomerMessage,
    Order,
    SupplierChase,
    SupplierEvidence,
    TrackingEvent,
    TrackingNumber,
)
from suppliers.models import Product, Supplier


def stored() -> dict[str, int]:
    return {
        "orders": Order.objects.count(),
        "cases": Case.objects.count(),
        "products": Product.objects.count(),
        "suppliers": Supplier.objects.count(),
    }


NOTHING = {"orders": 0, "cases": 0, "products": 0, "suppliers": 0}


STORED = (
    Order,
    Case,
    TrackingNumber,
    TrackingEvent,
    SupplierEvidence,
    SupplierChase,
    CustomerMessage,
    Product,
)


def counts():
    return {model.__name__: model.objects.count() for model in STORED}


def row_counts(*models) -> tuple[int, ...]:
    """How many rows each of `models` has, in their order."""
    return tuple(model.objects.count() for model in models)
