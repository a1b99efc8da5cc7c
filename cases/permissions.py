"""The cases app's permission names, and those only the Owner role holds (they need a second factor:
staletrack.permissions)."""

IMPORT_CASES = "cases.import_cases"
IMPORT_ORDERS = "cases.import_orders"
APPROVE_MONEY = "cases.approve_money_decision"
MANAGE_CONNECTIONS = "cases.manage_connections"
# Staff open disputes and build their evidence packs; an owner records (and sees) their outcomes.
OPEN_DISPUTE = "cases.add_dispute"
VIEW_DISPUTE = "cases.view_dispute"
CHANGE_DISPUTE = "cases.change_dispute"
RECORD_DISPUTE_OUTCOME = "cases.record_dispute_outcome"
# The owner-only lane (policies.lanes): marking its replies as sent and recording its outcomes.
ANSWER_OWNER_ONLY_CASE = "cases.answer_owner_only_case"

# Given to the Owner role by cases/migrations/0003_roles.py, 0025_owner_manages_connections.py,
# 0037_dispute_roles.py and 0039_fast_lane.py.
OWNER_ONLY = frozenset(
    {
        APPROVE_MONEY,
        "cases.change_moneydecision",
        MANAGE_CONNECTIONS,
        RECORD_DISPUTE_OUTCOME,
        ANSWER_OWNER_ONLY_CASE,
    }
)
