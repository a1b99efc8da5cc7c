"""What the demo tests share: the clock they generate at, the spec's case types, and the demo users'
printed passwords."""

from datetime import UTC, datetime
from io import StringIO

from django.core.management import call_command

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SPEC_CASE_TYPES = {
    "cancelled",
    "refunded",
    "fulfilled_no_tracking",
    "wrong_destination",
    "wrong_tracking",
    "unclear",
    "delivered_conflict",
    "delivered",
    "carrier_exception",
    "supplier_blocked",
    "supplier_silence",
    "awaiting_tracking",
    "label_created_only",
    "accepted_no_movement",
    "stale_in_transit",
    "in_transit",
}


def create_demo_users() -> str:
    """What `manage.py create_demo_users` prints."""
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    return out.getvalue()


def passwords(output: str) -> dict[str, str]:
    """The passwords `create_demo_users` printed, by user name (empty when it created no one)."""
    pairs = [line.split("(")[0].split(" / ") for line in output.splitlines() if line.startswith("  ")]
    return {user.strip(): password.strip() for user, password in pairs}
