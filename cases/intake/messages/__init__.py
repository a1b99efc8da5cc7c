"""Messages from suppliers, read into proposals a person confirms (rules.md section 3, supplier evidence).

`supplier_emails`: .eml and mbox bytes read into `EmailProposal`s (the evidence kind with the phrases
behind it, order and tracking numbers, dates, attachments). A pure reader: no database, nothing stored.
How it reads: docs/messages.md.
"""
