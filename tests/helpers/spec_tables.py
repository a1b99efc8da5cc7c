"""The spec's tables that tests compare the code with (tests/spec/rules_tables.json), read once.

Written down apart from the code on purpose: a test that took them from the code would agree with any change.
"""

import json
from pathlib import Path

_TABLES = json.loads(
    (Path(__file__).resolve().parents[1] / "spec" / "rules_tables.json").read_text(encoding="utf-8")
)

# The keys of a packet rules.md section 9 lists (ours add three more).
SPEC_PACKET_KEYS: frozenset[str] = frozenset(_TABLES["packet_keys"])
# rules.md section 2: every policy field and its default.
SPEC_POLICY_DEFAULTS: dict[str, int] = _TABLES["policy_defaults"]
# rules.md section 3: the phrases of each intent of a customer message, in the spec's order.
SPEC_INTENT_LEXICON: dict[str, tuple[str, ...]] = {
    intent: tuple(phrases) for intent, phrases in _TABLES["intent_lexicon"].items()
}
