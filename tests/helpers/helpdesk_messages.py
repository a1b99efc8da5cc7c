"""Helpdesk bodies and files as staletrack receives them: the documented samples of tests/data/helpdesk/
(each folder's SOURCES.md says where they come from), and reading a sample with a hostile value in each
of its fields."""

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cases.intake.helpdesk.messages import DIRECTIONS, HelpdeskMessage
from cases.intake.webhooks.pushed import PayloadError
from staletrack import limits
from tests.helpers.json_paths import paths, replaced
from tests.helpers.pushed_deliveries import HOSTILE_VALUES

DATA = Path(__file__).resolve().parent.parent / "data" / "helpdesk"
RECEIVED = datetime(2025, 3, 10, 9, 15, 5, tzinfo=UTC)  # when a delivery read by a test arrived

# Beyond the pushed sources' hostile values: texts over the message limits, a NUL that survives JSON as
# text, and the words the yes/no fields take.
HELPDESK_HOSTILE = (*HOSTILE_VALUES, "x" * (limits.MAX_TEXT + 1), "True", "no", "@", ["a\x00"], [{}])


def sample(helpdesk: str, name: str) -> bytes:
    return (DATA / helpdesk / name).read_bytes()


def sample_json(helpdesk: str, name: str) -> dict:
    return copy.deepcopy(json.loads(sample(helpdesk, name)))


def body_of(payload) -> bytes:
    return json.dumps(payload).encode()


def message_problem(message: HelpdeskMessage) -> str | None:
    """Why a message read could not be kept, or None: what every reader promises of what it returns."""
    if not isinstance(message, HelpdeskMessage):
        return f"not a HelpdeskMessage: {type(message).__name__}"
    if limits.time_problem(message.at):
        return f"at {message.at!r}"
    if message.direction not in DIRECTIONS:
        return f"direction {message.direction!r}"
    if not message.ticket_id:
        return "no ticket id"
    for field, limit in (
        ("ticket_id", 200),
        ("message_id", 200),
        ("from_email", limits.MAX_EMAIL),
        ("subject", limits.MAX_TEXT),
        ("text", limits.MAX_TEXT),
    ):
        value = getattr(message, field)
        if not isinstance(value, str) or limits.text_problem(value, limit):
            return f"{field} {value!r:.40}"
    if any(not isinstance(tag, str) or limits.text_problem(tag, 100) for tag in message.tags):
        return f"tags {message.tags!r:.40}"
    return None


def hostile_reading_problems(read: Callable, document: dict, headers=None) -> list[str]:
    """Read `document` with each of HELPDESK_HOSTILE in each of its fields: each must be read into
    messages that can be kept, or refused with PayloadError. The problems found, one line each."""
    problems = []
    for path in paths(document):
        for value in HELPDESK_HOSTILE:
            body = body_of(replaced(document, path, value))
            try:
                messages = read(body, headers or {}, RECEIVED)
            except PayloadError:
                continue
            except Exception as error:
                problems.append(f"{path} = {value!r:.30}: {type(error).__name__}: {error}")
                continue
            if not isinstance(messages, list):
                problems.append(f"{path} = {value!r:.30}: read returned {type(messages).__name__}")
                continue
            for message in messages:
                problem = message_problem(message)
                if problem:
                    problems.append(f"{path} = {value!r:.30}: cannot keep {problem}")
    return problems
