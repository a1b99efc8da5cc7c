"""The promise review: each product's delivery promise beside what its parcels really took.

- `texts.py`: promise texts read into numbers ("7-12 business days"), pure;
- `review.py`: the figures of a product's parcels and the verdict, pure;
- `selectors.py`: the reads (aggregated in SQL on PostgreSQL);
- `text.py`: the review as plain text; `manage.py promise_review` prints it (text or JSON), and the weekly
  digest (`suppliers.digest`) lists the promises too short.
"""
