"""The supplier scorecard: weekly figures per supplier, SKU and destination country, and its admin page.

The weekly review (`suppliers.services.build_weekly_rollups`) stores one `WeeklyRollup` a week per supplier,
SKU and country (`seed_demo` builds the demo's past weeks); the page and its CSV read them over a range of
weeks. One module a concern:

- `rollups.py`: the figures and notes of one week from plain rows (pure: no ORM, no clock);
- `selectors.py`: the week's plain rows read from the orders, and the lists beside the table;
- `figures.py`: one declaration per figure: its label, how its weeks add up, how it sorts, the cases it links
  to, its CSV columns;
- `rows.py`: the stored rollups of one dimension folded into one row per key, ranked and sorted;
- `links.py`: the case changelist URLs of a row (its group and weeks);
- `cells.py`: a table cell and how a number is written in one;
- `html.py`: the pieces of the table rendered in Python; `trends.py` and `sparklines.py`: the trend column
  (a small SVG chart per row, each week's number one hover or click away);
- `columns.py`: which figure columns the table shows (a few by default, the rest in the column picker);
- `filters.py`: the page's filters (django-filter); `card.py`: the scorecard of one request;
- `exports.py`: the CSV; `views.py`: the admin views (page, CSV, the owner's pause of a product).

Adding a figure: its computation in `rollups.py` (and `selectors.py` when it needs new data), then one
declaration in `figures.FIGURES`; the table, the sorts, the links and the CSV follow from it (a column the
person picks; `columns.DEFAULT` if it should be shown without asking).
"""
