"""The admin, one module per area so each stays small: orders and their records, tracking numbers,
the case queue, decisions and the audit trail."""

from cases.admin import cases, decisions, imports, orders, tracking, webhooks

__all__ = ["cases", "decisions", "imports", "orders", "tracking", "webhooks"]
