"""Supplier emails read per second by cases.intake.messages.supplier_emails, and how many it reads right.

    make bench-messages        # the test corpus (tests/data/emails), read again and again for BENCH_SECONDS

Every email of the corpus (each .eml, each message of each .mbox) is read and compared with
tests/data/emails/expected.json: "kind right" when the evidence kind is the expected one (or none when none
is expected), "numbers right" when the order numbers and the tracking numbers are exactly the expected ones.
The corpus is then read again as a whole until at least BENCH_SECONDS (default 2) have passed, to time it.
The corpus was written for the tests, so "right" here says that the rules do what they were written for; it
says nothing of mail the corpus does not resemble. No Django needed.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cases.intake.messages.supplier_emails import read_eml, read_mbox

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "emails"
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))


def read_corpus(files: list[tuple[str, bytes]]) -> list[tuple[str, object]]:
    """(name, proposal) for every email of the corpus, mbox messages named "file[index]" from 1."""
    read = []
    for name, data in files:
        if name.endswith(".mbox"):
            read += [(f"{name}[{index}]", p) for index, p in enumerate(read_mbox(data), start=1)]
        else:
            read.append((name, read_eml(data)))
    return read


def expectations() -> dict[str, dict]:
    wanted = {}
    for name, entry in json.loads((CORPUS / "expected.json").read_text(encoding="utf-8")).items():
        if name.endswith(".mbox"):
            wanted.update({f"{name}[{index}]": each for index, each in enumerate(entry, start=1)})
        else:
            wanted[name] = entry
    return wanted


def main() -> None:
    files = [
        (path.name, path.read_bytes())
        for path in sorted(CORPUS.iterdir())
        if path.suffix in (".eml", ".mbox")
    ]
    wanted = expectations()
    proposals = read_corpus(files)
    total = len(proposals)
    kind_right = numbers_right = 0
    wrong = []
    for name, proposal in proposals:
        expected = wanted[name]
        kind_ok = proposal.kind == expected["kind"]
        numbers_ok = sorted(o.value for o in proposal.order_numbers) == sorted(expected["orders"]) and sorted(
            t.number for t in proposal.tracking_numbers
        ) == sorted(expected["tracking"])
        kind_right += kind_ok
        numbers_right += numbers_ok
        if not (kind_ok and numbers_ok):
            wrong.append(name)

    rounds = 0
    started = time.perf_counter()
    while True:
        read_corpus(files)
        rounds += 1
        elapsed = time.perf_counter() - started
        if elapsed >= SECONDS:
            break
    read_count = rounds * total

    print(f"emails in the corpus:               {total:>10,}")
    print(f"emails read (corpus x {rounds}):         {read_count:>10,}")
    print(f"kind right:                         {kind_right:>4}/{total} ({100 * kind_right / total:.1f}%)")
    print(
        f"numbers right:                      {numbers_right:>4}/{total} ({100 * numbers_right / total:.1f}%)"
    )
    print(f"emails per second:                  {read_count / elapsed:>10,.0f}")
    if wrong:
        print("read wrong: " + ", ".join(wrong))


if __name__ == "__main__":
    main()
