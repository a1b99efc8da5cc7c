"""The promise review as plain text, for people (`manage.py promise_review --format text`). Pure."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from suppliers.promises.review import (
    HOLDS,
    NO_PROMISE,
    TOO_FEW,
    TOO_SHORT,
    UNREAD,
    PromiseLine,
    PromiseReview,
)

HEADINGS = {
    TOO_SHORT: "Promises shorter than their parcels take",
    UNREAD: "Promise texts that name no delivery time",
    NO_PROMISE: "Products without a promise",
    HOLDS: "Promises that hold",
    TOO_FEW: "Too few parcels to say",
}


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _figures(line: PromiseLine) -> str:
    scan, delivery = line.first_scan, line.delivery
    text = (
        f"{line.figures.parcels} parcels; order to first scan: median {_days(scan['median'])} d, "
        f"p90 {_days(scan['p90'])} d ({scan['count']}); order to delivery: median "
        f"{_days(delivery['median'])} d, p90 {_days(delivery['p90'])} d ({delivery['count']} delivered, "
        f"{line.still_on_the_way} still on the way)"
    )
    left_out = line.figures.scan_before_order + line.figures.delivered_before_order
    if left_out:
        text += f"; {left_out} instants dated before the order left out"
    return text


def _promise(line: PromiseLine) -> str:
    text = line.product.promise_text
    if line.promise is None:
        return f'"{text}" (no delivery time read)' if text else "none"
    shown = f'"{text}"' if text else "(no text)"
    if line.product.text_from_orders:
        shown += " (from its orders: the page has none)"
    reading = line.promise.describe()
    if line.promise.business:
        reading += f", at most {line.promise.calendar_days} days with weekends"
    if line.read_from == "promised_delivery_days":
        reading += ", from promised_delivery_days"
    return f"{shown} = {reading}"


def render_text(review: PromiseReview) -> str:
    zone = timezone.get_default_timezone()
    start = timezone.localtime(review.start, zone)
    last_day = timezone.localtime(review.end, zone).date() - timedelta(days=1)
    weeks = f"{review.weeks} week{'s' if review.weeks != 1 else ''}"
    lines = [
        f"Promise review: orders placed {start:%Y-%m-%d} to {last_day:%Y-%m-%d} ({weeks}, "
        f"store time), each parcel from order to its first carrier scan and to delivery.",
        "Days are calendar days; business days are Monday to Friday, and a business-day promise is compared "
        "with its longest span (an order on a Friday).",
        f"A verdict needs at least {review.min_parcels} parcels measured.",
    ]
    if not review.lines:
        lines += ["", "No parcels in these weeks."]
        return "\n".join(lines) + "\n"
    for verdict, heading in HEADINGS.items():
        group = [line for line in review.lines if line.verdict == verdict]
        if not group:
            continue
        lines += ["", f"{heading} ({len(group)}):"]
        for line in group:
            p = line.product
            state = f", {p.state}" if p.state != "active" else ""
            lines.append(f"  {p.sku}  {p.title}  ({p.supplier}{state})")
            lines.append(f"    promise: {_promise(line)}")
            lines.append(f"    {_figures(line)}")
            if line.suggestion:
                lines.append(f"    -> {line.suggestion}")
    return "\n".join(lines) + "\n"
