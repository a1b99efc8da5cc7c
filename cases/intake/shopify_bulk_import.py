"""Bringing a store's Shopify history in once: the JSONL of a Shopify bulk operation over its orders with
their fulfillments (docs/connections.md gives the query), read by cases.intake.shopify_bulk.

All or nothing: one transaction; an error names the JSONL line (or the order and its line) and nothing is
written. Orders go through the orders import and numbers through the tracking services, in batches, by
the same writing path as Shopify's webhooks (cases.intake.webhooks.services.write), so bringing in a file
that overlaps what the webhooks already brought writes nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from cases.intake.shopify_bulk import BulkError, read_bulk
from cases.intake.webhooks.pushed import Pushed
from cases.intake.webhooks.services import OrdersRefused, write
from cases.permissions import IMPORT_ORDERS
from cases.tracking.services import EventRefused
from staletrack.permissions import require

BATCH = 1000  # orders per write: one orders import each


@dataclass
class BulkImportResult:
    orders: int = 0
    orders_created: int = 0
    orders_updated: int = 0
    numbers: int = 0
    events_created: int = 0


def import_shopify_bulk(stream, *, actor=None, via: str = "import_shopify_bulk") -> BulkImportResult:
    """Import the bulk operation's JSONL (`stream`: a binary file or an iterable of lines). Raises
    BulkError naming the lines at fault; PermissionDenied when `actor` may not import orders."""
    require(actor, IMPORT_ORDERS)
    orders = read_bulk(stream)
    result = BulkImportResult(orders=len(orders))
    lines = {bulk.order.order_id: bulk.line for bulk in orders}
    with transaction.atomic():
        for start in range(0, len(orders), BATCH):
            chunk = orders[start : start + BATCH]
            pushed = Pushed(
                topic="bulk operation",
                orders=tuple(bulk.order for bulk in chunk),
                numbers=tuple(number for bulk in chunk for number in bulk.numbers),
            )
            try:
                written = write(pushed, source="shopify", via=via)
            except OrdersRefused as refused:
                raise BulkError(
                    [
                        (lines.get(order_id, 0), f"order {order_id}: " + _issue(issue))
                        for order_id, issue in refused.problems
                    ]
                ) from None
            except EventRefused as refused:
                raise BulkError([(0, str(refused))]) from None
            result.orders_created += written.changes.get("orders_created", 0)
            result.orders_updated += written.changes.get("orders_updated", 0)
            result.numbers += len(pushed.numbers)
            result.events_created += written.events_created
    return result


def _issue(issue) -> str:
    return (f"{issue.column}: " if issue.column else "") + issue.message
