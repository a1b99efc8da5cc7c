"""A cell of the scorecard table, and how the scorecard writes a number, a rate, an amount or a duration."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    text: str
    url: str | None = None
    title: str = ""
    detail: str = ""


def number(value) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def per_order(value: float | None) -> str:
    return f"{number(value)}/order"


def amounts(amount: dict) -> str:
    """{currency: amount} as "EUR 10.00, USD 34.90" (the rollups keep the currencies sorted)."""
    return ", ".join(f"{currency} {value}" for currency, value in amount.items())


def blank(value) -> object:
    """A value for the CSV: nothing to measure is an empty cell."""
    return "" if value is None else value


def duration_days(value: float | None) -> float | None:
    """A duration as the scorecard shows, sorts and charts it: never negative. Rollups built before first
    scans before the order were left out may hold one; it is shown as not measured (rebuild the week)."""
    return None if value is None or value < 0 else value
