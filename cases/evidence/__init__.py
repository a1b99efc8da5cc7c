"""The evidence pack of a dispute: every fact staletrack holds about an order, put together for the owner to
answer a chargeback or a payment dispute, with an honest summary of what it shows and what it does not.

The package holds the whole feature (docs/disputes.md, "The evidence pack"):

- `facts.py` (pure: no Django, no ORM): the plain values the pack is built from, which
  `cases.selectors.evidence` loads from the database.
- `pack.py` (pure): `build_pack(facts)`, the pack as a JSON-ready dict, and its summary.
- `processors.py` (pure): the same facts under the field names of Stripe's and Shopify Payments' dispute
  evidence, to paste or submit; their documented field names, with the pages that list them.
- `render.py`: `render_pack(pack, fmt)`, the pack as HTML (one template), as a PDF made from that same
  HTML with WeasyPrint, or as JSON.
- `views.py`: the admin's pages (the Case admin routes to them).

staletrack submits nothing to a processor: the owner pastes, uploads or submits what the pack holds.
"""
