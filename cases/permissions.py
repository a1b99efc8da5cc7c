"""The cases app's permission names, and those only the Owner role holds (they need a second factor:
staletrack.permissions)."""

IMPORT_CASES = "cases.import_cases"
IMPORT_ORDERS = "cases.import_orders"
APPROVE_MONEY = "cases.approve_money_decision"
MANAGE_CONNECTIONS = "cases.manage_connections"

# Given to the Owner role by cases/migrations/0003_roles.py and 0025_owner_manages_connections.py.
OWNER_ONLY = frozenset({APPROVE_MONEY, "cases.change_moneydecision", MANAGE_CONNECTIONS})
