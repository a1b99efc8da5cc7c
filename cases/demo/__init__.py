"""The demo data of `make run`: suppliers, products and orders whose facts tell every case type.

Read it in this order: `stories` (which cases the demo tells, and how often), `scenarios` (how each is
drawn), `builder` (the drawing kit), `events` (a parcel's road and its tracking events, in the engine's
vocabulary), then the data they draw from (`catalogue`, `customers`, `tracking_numbers`, `texts`).
`generator.generate` returns the whole demo as plain `records`; `seed.load_demo` writes it for
`manage.py seed_demo`, and `users` makes the demo's `owner` and `staff` for `manage.py create_demo_users`.
"""
