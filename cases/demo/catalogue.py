"""The demo's suppliers and the products they sell (`products.csv`), with the delivery each page promises.

Shaped like a real store's: most orders go to a few bestsellers of the two home-goods suppliers, and most
orders are calm. The trouble is concentrated, so the review flags (rules.md section 6, overlays 5 and 6)
name something instead of everything: Shenzhen Gadget Co, a small side line, is where the supplier
trouble lands (silence, labels printed and never handed over), and four SKUs (`TROUBLED_SKUS`) draw most
of the carrier trouble. At the policy's default thresholds the weekly review's triggers then name those
four SKUs and that one supplier, and every other SKU and supplier stays under them
(tests/cases/demo/test_review_flags.py holds the demo to it).
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
    popularity: float  # its share of the store's calm orders, in percent (the column sums to 100)
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
# A page that promises more than its parcels keep: the earbuds' "express" promise, which the batteries held at
# export break (the promise review names it).
PROMISE_OF_SKU = {"EARB-TWS": ("Express: delivered in 4-7 business days", 7)}
# The products, supplier by supplier, one a row (supplier, sku, title, price_usd, popularity): a table to
# edit as one.
PRODUCTS_FILE = Path(__file__).with_name("products.csv")
# The SKUs that draw most of the trouble, so product review flags land on a few products, not all: the
# earbuds and the camera (batteries held at export; the troubled supplier's), the projection lamp (a
# fragile box) and the teapot (it breaks).
TROUBLED_SKUS = ("EARB-TWS", "CAM-MINI", "LAMP-01", "TEAPOT-JP")
# How much of each kind of trouble lands on them: carrier trouble mostly on TROUBLED_SKUS (the rest on any
# product, by popularity), supplier trouble always on TROUBLED_SUPPLIER and mostly on its TROUBLED_SKUS.
CARRIER_TROUBLE_ON_TROUBLED_SKUS = 0.95
SUPPLIER_TROUBLE_ON_TROUBLED_SKUS = 0.9


def catalogue() -> list[DemoProduct]:
    """Every product of `PRODUCTS_FILE`, in its order, with its supplier's promise."""
    with PRODUCTS_FILE.open(newline="", encoding="utf-8") as handle:
        return [
            DemoProduct(
                row["sku"],
                row["title"],
                row["supplier"],
                float(row["price_usd"]),
                float(row["popularity"]),
                *PROMISE_OF_SKU.get(row["sku"], PROMISES[row["supplier"]]),
            )
            for row in csv.DictReader(handle)
        ]
