"""The admin of the cases app, one module per area so each stays small.

Orders and their records, tracking numbers and their imports, the case queue and the case page,
decisions and the audit trail, import runs, replay, webhook deliveries, erasure."""

from cases.admin import cases, decisions, imports, orders, tracking, webhooks

__all__ = ["cases", "decisions", "imports", "orders", "tracking", "webhooks"]
