"""The demo's suppliers and the products they sell (`products.csv`), with the delivery each page promises.

Shenzhen Gadget Co is where the demo's supplier trouble lands, and a few SKUs draw most of the carrier
trouble, so the review flags (rules.md section 6) point at something instead of everywhere.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DemoSupplier:
    name: str
    contact_email: str
    processing_window_days: int | None  # None: the policy's processing window applies
    origin_city: str
    origin_hub: str


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    title: str
    supplier: str
    price_usd: float
    promise_text: str
    promised_delivery_days: int


SUPPLIERS: tuple[DemoSupplier, ...] = (
    DemoSupplier(
        "Bright Home Supply",
        "orders@brighthome-supply.example",
        None,
        "Yiwu, Zhejiang",
        "Yiwu sorting center",
    ),
    DemoSupplier(
        "Coastal Ceramics",
        "support@coastal-ceramics.example",
        5,
        "Chaozhou, Guangdong",
        "Chaozhou collection hub",
    ),
    DemoSupplier(
        "Shenzhen Gadget Co", "ops@szgadget.example", None, "Shenzhen, Guangdong", "Shenzhen sorting center"
    ),
)
TROUBLED_SUPPLIER = "Shenzhen Gadget Co"
# What each supplier's product pages promise: the text, and the business days it names at the most.
PROMISES = {
    "Bright Home Supply": ("Delivered in 7-12 business days", 12),
    "Coastal Ceramics": ("Handmade to order: delivered in 10-18 business days", 18),
    "Shenzhen Gadget Co": ("Delivered in 8-15 business days", 15),
}
# The products, supplier by supplier, one a row (supplier, sku, title, price_usd): a table to edit as one.
PRODUCTS_FILE = Path(__file__).with_name("products.csv")
# The SKUs that draw most of the trouble, so product review flags land on a few products, not all.
TROUBLED_SKUS = ("EARB-TWS", "CAM-MINI", "PROJ-MINI", "LAMP-01", "RUG-ROUND", "TEAPOT-JP")


def catalogue() -> list[DemoProduct]:
    """Every product of `PRODUCTS_FILE`, in its order, with its supplier's promise."""
    with PRODUCTS_FILE.open(newline="", encoding="utf-8") as handle:
        return [
            DemoProduct(
                row["sku"], row["title"], row["supplier"], float(row["price_usd"]), *PROMISES[row["supplier"]]
            )
            for row in csv.DictReader(handle)
        ]
