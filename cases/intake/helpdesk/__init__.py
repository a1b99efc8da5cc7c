"""Customer messages from helpdesks (rules.md section 3: inbound and outbound messages, intents read from
their text), read without a database: `messages` (the message every reader returns, and the order and
tracking numbers a text names), `zendesk` and `gorgias` (what each helpdesk pushes), `ticket_csv` (a
helpdesk's export). Setting each helpdesk up: docs/helpdesk.md.
"""
