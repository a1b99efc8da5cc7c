"""Messages from suppliers, read into proposals a person confirms (rules.md section 3, supplier evidence).

`supplier_emails`: .eml and mbox bytes read into `EmailProposal`s (the evidence kind with the phrases
behind it, order and tracking numbers, dates, attachments). A pure reader: no database, nothing stored.
`proposals`: what an email proposes kept for a person (`EvidenceProposal`), who confirms, corrects or
dismisses it. How it reads and decides: docs/messages.md.
"""
