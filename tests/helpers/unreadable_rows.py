"""Rows written past the ORM that the ORM cannot read back, for tests of what survives them."""

from django.db import connection

from cases.models import Case, TrackingEvent


def insert_unreadable_event(case: Case) -> None:
    """A tracking event whose stored time Python cannot hold: on PostgreSQL a BC instant (0001-01-01 at
    +14:00), which psycopg refuses to load; on SQLite a time that is not one."""
    number = case.order.tracking_numbers.get()
    at = "0001-01-01 00:00:00+14" if connection.vendor == "postgresql" else "not a time"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TrackingEvent._meta.db_table} (tracking_number_id, at, status, raw_status, "
            "description, location, country, postal_code, source, approximate, created_at) "
            "VALUES (%s, %s, 'in_transit', '', 'bad time', '', '', '', 'manual', false, %s)",
            [number.pk, at, case.assessed_at],
        )
