"""Orders files as the importer reads them: Shopify's export built row by row (`order_row` for an order's
first line, `item_row` for a later line item, `shopify` for the bytes), three known orders, and a file in
staletrack's own columns."""

import csv
import io

# The header line of the Shopify exports built here: some of the export's columns, in its order.
SHOPIFY_HEADER_LINE = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Currency,Total,Created at,"
    "Lineitem quantity,Lineitem name,Lineitem sku,Shipping Zip,Shipping Country,Vendor,Id"
)
SHOPIFY_HEADER = next(csv.reader([SHOPIFY_HEADER_LINE]))


def order_row(name="#1001", **cells) -> dict:
    row = {
        "Name": name,
        "Email": "ana@example.com",
        "Financial Status": "paid",
        "Currency": "USD",
        "Total": "39.90",
        "Created at": "2026-11-02 09:15:11 -0500",
        "Lineitem quantity": "1",
        "Lineitem name": "Sunset lamp",
        "Lineitem sku": "LAMP-01",
        "Shipping Zip": "'02134",
        "Shipping Country": "US",
        "Vendor": "Bright Home Supply",
        "Id": "5001",
    }
    row.update(cells)
    return row


def item_row(name="#1001", sku="BULB-01", item="Bulb", vendor="Bright Home Supply", **cells) -> dict:
    """A later line item: Shopify leaves the order columns empty."""
    row = {
        "Name": name,
        "Lineitem quantity": "1",
        "Lineitem name": item,
        "Lineitem sku": sku,
        "Vendor": vendor,
    }
    row.update(cells)
    return row


def shopify(*rows: dict, header=SHOPIFY_HEADER, bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def three_orders() -> bytes:
    return shopify(
        order_row("#1001"),
        item_row("#1001"),
        order_row(
            "#1002",
            Email="bo@example.com",
            **{"Financial Status": "refunded", "Currency": "EUR", "Total": "12.00"},
            **{"Created at": "2026-11-03T10:00:00Z", "Lineitem sku": "MUG-01", "Lineitem name": "Mug"},
            **{"Shipping Zip": "10115", "Shipping Country": "DE", "Vendor": "Mugs Ltd"},
        ),
        order_row("#1003", **{"Financial Status": "partially_refunded", "Lineitem sku": "LAMP-01"}),
    )


STALETRACK = (
    b"order_id,ordered_at,customer_email,country,postal_code,sku,product_title,supplier,value,currency,"
    b"payment_state,promise_text,notes\n"
    b"#2001,2026-11-02T09:15:00Z,ana@example.com,US,94110,LAMP-01,Sunset lamp,Bright Home Supply,39.90,USD,"
    b"paid,Delivered in 7-12 business days,ignored\n"
    b"#2002,2026-11-04T10:00:00+01:00,,gb,,MUG-01,Mug,Mugs Ltd,,,,,\n"
)
