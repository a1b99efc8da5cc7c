"""Reading the files stores already have: tracking exports and order exports.

Their formats: docs/imports.md and docs/imports-orders.md.

The readers (`tracking_csv`, `orders_csv`) turn a file's bytes into validated plain values or name every
problem, without a database; `orders_copy` (PostgreSQL COPY and set-based SQL) and `orders_batched`
(batched inserts elsewhere) are the two write paths `cases.services.order_import` chooses between.
"""
