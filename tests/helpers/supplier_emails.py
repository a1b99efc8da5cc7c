"""The corpus of supplier emails written for the tests (tests/data/emails) and what each must read as."""

import json
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "data" / "emails"


def expected() -> dict:
    """expected.json: per .eml its {kind, orders, tracking}; per .mbox a list of those, one per message."""
    return json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def corpus_entries() -> list[tuple[str, int | None, dict]]:
    """(file name, message index from 1 in an mbox else None, expectation), every email of the corpus."""
    entries = []
    for name, wanted in sorted(expected().items()):
        if name.endswith(".mbox"):
            entries += [(name, index, entry) for index, entry in enumerate(wanted, start=1)]
        else:
            entries.append((name, None, wanted))
    return entries
