"""Intake: everything that brings a store's facts in, through one writing path each.

The file readers, without a database: `orders_csv`, `tracking_csv`, `disputes_csv`, `csvfiles`,
`column_maps`, `bundles` (case bundles). The order import's two write paths, which `order_import` chooses
between: `orders_copy` (PostgreSQL COPY and set-based SQL, a large file in two halves at once:
`orders_split`) and `orders_batched` (elsewhere), with what they share in `orders_common`. The services:
`order_import`, `tracking_import`, `dispute_import`, `bundle_import`, `column_mappings`; the Celery task of
large imports (`tasks`); pushed facts (`webhooks`); the admin pages (`admin`; the disputes import's page is
`dispute_import_views`, which the Dispute admin serves). Formats: docs/imports.md, docs/imports-orders.md
and docs/disputes.md.
"""
