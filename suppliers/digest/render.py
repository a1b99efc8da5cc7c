"""The digest written out: its subject, its plain text, and the values its HTML templates show (the admin
page and the email's HTML alternative share `admin/suppliers/digest/body.html`). No ORM: links are reversed
URLs, charts inline SVG."""

from __future__ import annotations

from datetime import timedelta

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from suppliers.digest import charts
from suppliers.digest.content import COUNTRY, SKU, SUPPLIER, Digest, Row
from suppliers.digest.links import DigestLinks

PROBLEMS_MEANING = (
    "label-only past their window, no tracking from a silent supplier, out of stock, stale in transit, "
    "carrier exceptions, wrong tracking or destination, disputed deliveries and unclear tracking."
)
FIRST_SCAN_MEANING = "median days from the order to the first carrier scan."


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _change(value, *, places: int = 0, suffix: str = "") -> str:
    if value is None:
        return "new"
    value = round(value, places)  # a change too small to show is none
    if not value:
        return "="
    return (f"{value:+.{places}f}" if places else f"{value:+d}") + suffix


def _percent(part: int, whole: int) -> str:
    return "-" if not whole else f"{part / whole * 100:.1f}%"


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} d"


def subject(digest: Digest) -> str:
    store = digest.store.now
    promises = len(digest.promises_to_review)
    text = (
        f"Weekly digest, week of {digest.week_start:%Y-%m-%d}: {store.orders} orders, "
        f"{store.problems} problem cases"
    )
    if promises:
        text += f", {promises} promise{'s' if promises != 1 else ''} to review"
    return text


def row_view(row: Row, links: DigestLinks, *, weeks, with_charts: bool) -> dict:
    """What one row shows: its figures, their changes on the week before, its link and chart."""
    before = row.before
    rate_change = None
    if before is not None and row.now.problem_rate is not None and before.problem_rate is not None:
        rate_change = round((row.now.problem_rate - before.problem_rate) * 100, 1)
    return {
        "key": row.key,
        "dimension": row.dimension,
        "url": links.cases(row),
        "orders": row.now.orders,
        "orders_change": _change(row.change("orders")),
        "problems": row.now.problems,
        "problem_rate": _percent(row.now.problems, row.now.orders),
        "problems_change": _change(row.change("problems")),
        "rate_change": "" if rate_change is None else _change(rate_change, places=1, suffix=" pts"),
        "messages": row.now.messages,
        "messages_change": _change(row.change("messages")),
        "money_risk": row.now.money_risk,
        "first_scan": _days(row.now.first_scan_median),
        "first_scan_change": ""
        if row.change("first_scan_median") is None
        else _change(row.change("first_scan_median"), places=1, suffix=" d"),
        "notes": row.notes,
        "chart": mark_safe(  # numbers, dates and escaped text only (charts.py)
            charts.trend_svg(
                row.problems_trend, weeks, label=f"{row.key}: problem cases", unit="problem cases"
            )
        )
        if with_charts and weeks
        else "",
    }


def context(digest: Digest, links: DigestLinks, *, with_charts: bool) -> dict:
    """The values the HTML templates (and the plain text) show."""
    weeks = digest.chart_weeks

    def rows(items):
        return [row_view(row, links, weeks=weeks, with_charts=with_charts) for row in items]

    suppliers, skus, countries = rows(digest.suppliers), rows(digest.skus), rows(digest.countries)
    promises = digest.promises
    store_chart = ""
    if with_charts and weeks:
        store = digest.store
        # Numbers, dates and escaped text only (charts.py).
        store_chart = mark_safe(
            charts.bars_svg(store.orders_trend, store.problems_trend, weeks, label="Orders")
        )
    return {
        "digest": digest,
        "week_end": digest.week_start + timedelta(days=6),
        "store": row_view(digest.store, links, weeks=weeks, with_charts=False),
        "store_chart": store_chart,
        # (heading, row views, how many there are, scorecard link, id) of the three lists.
        "sections": [
            ("Suppliers", suppliers, digest.supplier_total, links.scorecard(SUPPLIER), "suppliers"),
            ("SKUs with the most problem cases", skus, digest.sku_total, links.scorecard(SKU), "skus"),
            (
                "Destination countries with the most orders",
                countries,
                digest.country_total,
                links.scorecard(COUNTRY),
                "countries",
            ),
        ],
        "outcomes": digest.outcomes,
        "changes": digest.changes,
        "promises": [
            {"line": line, "url": links.product(line.product.product_id)} for line in digest.promises_shown
        ],
        "promises_total": len(digest.promises_to_review),
        "promise_window": promises,
        "promise_last_day": (promises.end - timedelta(days=1)) if promises else None,
        "products_marked": [
            {"item": item, "url": links.product(item.ident)} for item in digest.products_marked
        ],
        "suppliers_flagged": [
            {"item": item, "url": links.supplier(item.ident)} for item in digest.suppliers_flagged
        ],
        "links": {
            "page": links.page(),
            "store_cases": links.cases(digest.store),
            "products_waiting": links.products_waiting(),
            "suppliers_flagged": links.suppliers_flagged(),
        },
        "with_charts": with_charts,
        "problems_meaning": PROBLEMS_MEANING,
        "first_scan_meaning": FIRST_SCAN_MEANING,
    }


def render_html(digest: Digest, links: DigestLinks) -> str:
    """The email's HTML alternative (no charts: mail clients drop inline SVG)."""
    return render_to_string("admin/suppliers/digest/email.html", context(digest, links, with_charts=False))


def _table(views: list[dict]) -> list[str]:
    """The rows as aligned plain-text columns, each figure with its change on the week before."""
    header = ("", "orders", "problem cases", "rate", "messages", "first scan")
    cells = [
        (
            view["key"][:32],
            f"{view['orders']} ({view['orders_change']})",
            f"{view['problems']} ({view['problems_change']})",
            view["problem_rate"],
            f"{view['messages']} ({view['messages_change']})",
            view["first_scan"],
        )
        for view in views
    ]
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header))]

    def line(row) -> str:
        first = f"{row[0]:<{widths[0]}}"
        rest = "  ".join(f"{cell:>{width}}" for cell, width in zip(row[1:], widths[1:], strict=True))
        return f"  {first}  {rest}".rstrip()

    return [line(header), *(line(row) for row in cells)]


def render_text(digest: Digest, links: DigestLinks) -> str:
    """The plain-text digest (the email's body, and what `manage.py weekly_digest` prints)."""
    ctx = context(digest, links, with_charts=False)
    week_end = ctx["week_end"]
    out = [f"Weekly digest: orders placed {digest.week_start:%Y-%m-%d} to {week_end:%Y-%m-%d} (store time)"]
    if not digest.built:
        out += [
            "",
            "The rollups of this week are not built yet: the weekly review builds them on Monday morning "
            f"(or: manage.py build_rollups --week {digest.week_start:%Y-%m-%d}).",
        ]
        return "\n".join(out) + "\n"
    store = ctx["store"]
    out += [
        f"Rollups built {timezone.localtime(digest.built_at):%Y-%m-%d %H:%M %Z}. "
        f"On the page, with charts: {ctx['links']['page']}",
        "",
        f"The store: {store['orders']} orders ({store['orders_change']} on the week before), "
        f"{store['problems']} problem cases ({store['problem_rate']}, {store['problems_change']}), "
        f"{store['messages']} customer messages, {store['money_risk']} at refund risk or chargeback watch.",
        "",
        "What changed against the week before:",
        *(f"- {line}" for line in ctx["changes"]),
        "",
        f"Problem cases: {PROBLEMS_MEANING} First scan: {FIRST_SCAN_MEANING}",
    ]
    for heading, views, total, link, _ in ctx["sections"]:
        shown = f"{len(views)} of {total}" if total > len(views) else str(total)
        out += ["", f"{heading} ({shown}; the change on the week before in brackets):"]
        out += _table(views) if views else ["  none"]
        out.append(f"  Scorecard: {link}")
    out += ["", "Outcomes recorded this week (cases; the week before in brackets):"]
    out += [f"  {line.label}: {line.now} ({line.before})" for line in digest.outcomes] or ["  none"]
    promises = digest.promises
    if promises is not None:
        out += [
            "",
            f"Promises to review ({ctx['promises_total']}), from the orders placed "
            f"{promises.start:%Y-%m-%d} to {ctx['promise_last_day']:%Y-%m-%d} ({promises.weeks} weeks):",
        ]
        for item in ctx["promises"]:
            line, product = item["line"], item["line"].product
            out.append(f"  {product.sku} {product.title} ({product.supplier}): {line.suggestion}")
            out.append(f"    {item['url']}")
        if not ctx["promises"]:
            out.append("  none: every promise with enough parcels holds at the p90")
        elif ctx["promises_total"] > len(ctx["promises"]):
            more = ctx["promises_total"] - len(ctx["promises"])
            out.append(f"  and {more} more: manage.py promise_review lists them all")
    out += [
        "",
        f"Waiting for an owner: {_count(digest.products_waiting, 'product')} to review "
        f"({ctx['links']['products_waiting']}), {_count(digest.suppliers_waiting, 'supplier')} flagged "
        f"({ctx['links']['suppliers_flagged']}).",
    ]
    for title, items in (
        ("Marked for review since the week began", digest.products_marked),
        ("Flagged since the week began", digest.suppliers_flagged),
    ):
        if items:
            out.append(f"  {title}: " + ", ".join(item.name for item in items) + ".")
    return "\n".join(out) + "\n"
