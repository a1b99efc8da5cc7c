"""Server-side permission checks shared by admin views, actions, commands and services."""

from django.core.exceptions import PermissionDenied

IMPORT_CASES = "cases.import_cases"
IMPORT_ORDERS = "cases.import_orders"
APPROVE_MONEY = "cases.approve_money_decision"
PAUSE_PRODUCT = "suppliers.pause_product"
EDIT_POLICY = "policies.edit_policy"


def require(actor, permission: str) -> None:
    """Refuse unless `actor` holds `permission`. `None` is the operator at the server's shell, who
    already has the database; every path a web user can reach passes a real user."""
    if actor is None:
        return
    if not (actor.is_active and actor.has_perm(permission)):
        raise PermissionDenied(f"{actor.get_username()} lacks the permission {permission}.")
