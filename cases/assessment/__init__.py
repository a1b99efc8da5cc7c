"""The pure assessment engine of rules.md: facts + policy + as_of in, decision packets out.

No Django and no ORM here: it imports with plain Python. Public API:
- `assess(case, as_of, peers=())` and `assess_many(cases, as_of, peers=())` -> `Packet`
- `render_text(packet)`, `check_draft(text, ...)`, `guard_context(packet_or_facts, as_of=None)`
- `read_intents(text)`, `message_intents(message)`
"""

from cases.assessment.guard import GuardContext, Violation, check_draft, guard_context
from cases.assessment.intents import message_intents, read_intents
from cases.assessment.packet import Packet
from cases.assessment.rules import assess, assess_many
from cases.assessment.text import render_text

__all__ = [
    "GuardContext",
    "Packet",
    "Violation",
    "assess",
    "assess_many",
    "check_draft",
    "guard_context",
    "message_intents",
    "read_intents",
    "render_text",
]
