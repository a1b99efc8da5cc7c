"""The admin of the cases app, one module per area so each stays small.

Orders and their records, tracking numbers and their imports, the bundle upload, the audit trail, import
runs, replay, webhook deliveries, proposals read from supplier emails, what agents proposed, helpdesk
messages, erasure; the case queue, the case page, outcomes and money decisions are the workbench's
(`cases.workbench.admin`), registered from here like the others."""

from cases.admin import agent_proposals, audit, disputes, orders
from cases.intake.admin import orders as import_runs
from cases.intake.admin import proposals, ticket_messages, webhooks
from cases.tracking import admin as tracking
from cases.workbench import admin as workbench

__all__ = [
    "agent_proposals",
    "audit",
    "disputes",
    "import_runs",
    "orders",
    "proposals",
    "ticket_messages",
    "tracking",
    "webhooks",
    "workbench",
]
