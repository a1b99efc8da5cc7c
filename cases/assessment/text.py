"""A packet as plain text a store owner reads in a minute (rules.md section 9, human form).

Order of lines: what the case is and what to do, the clocks against their windows, proof and gaps,
flags, what the owner must approve, why, and the drafts. No colours, no markup.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cases.assessment import vocabulary as v
from cases.assessment.clock import plural
from cases.assessment.packet import Packet

WINDOW_LABELS: dict[str, str] = {
    v.PROCESSING_WINDOW: "processing (order to tracking number)",
    v.LABEL_WINDOW: "label created to first carrier scan",
    v.ACCEPTED_WINDOW: "carrier acceptance to next movement",
    v.IN_TRANSIT_WINDOW: "last movement to next movement",
    v.EXCEPTION_WINDOW: "carrier exception grace",
}


def _words(token: str | None) -> str:
    return token.replace("_", " ") if token else "none"


def _when(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _days(count: int | None) -> str:
    return "-" if count is None else plural(count, "day")


def _approval(packet: dict) -> str:
    if not packet["requires_owner_approval"]:
        return "Owner approval: not needed for the next move"
    what = []
    if v.PREPARE_REFUND_REVIEW in (packet["next_move"], *packet["also"]):
        what.append("the refund review")
    if packet["risk_level"] == v.CHARGEBACK_WATCH:
        what.append("every reply and step (chargeback watch)")
    if packet["risk_level"] == v.OWNER_ONLY:
        what.append("every reply and step (owner only)")
    return "Owner approval: REQUIRED for " + "; ".join(what)


def _block(title: str, lines) -> list[str]:
    lines = list(lines)
    if not lines:
        return [f"{title}: none"]
    return [f"{title}:", *(f"  - {line}" for line in lines)]


def _draft(title: str, text: str | None) -> list[str]:
    if text is None:
        return [f"{title}: none"]
    return [
        f"{title} (review before sending):",
        *(f"  | {line}" if line else "  |" for line in text.split("\n")),
    ]


def render_text(packet: Packet | dict) -> str:
    """The packet as text; takes a Packet or its `to_dict()` form (what a case stores)."""
    if isinstance(packet, Packet):
        packet = packet.to_dict()
    lines = [f"Order {packet['order_id']}: {_words(packet['case_type'])}"]
    move = f"Risk: {_words(packet['risk_level'])}. Next move: {_words(packet['next_move'])}"
    if packet["also"]:
        move += " (also: " + ", ".join(_words(m) for m in packet["also"]) + ")"
    lines.append(move + ".")
    lines.append(f"Route: {_words(packet['route'])}")

    window = packet["window"]
    if window is None:
        lines.append("Window: none for this case type")
    else:
        state = "EXCEEDED" if window["exceeded"] else "inside"
        lines.append(
            f"Window: {WINDOW_LABELS[window['name']]}, {plural(window['days'], 'day')} from "
            f"{_when(window['started_at'])}; {plural(window['elapsed_days'], 'day')} elapsed, {state}"
        )
    c = packet["clocks"]
    lines.append(
        f"Clocks: order {_days(c['order_age_days'])}, label {_days(c['tracking_age_days'])}, "
        f"first scan {_days(c['days_since_first_scan'])}, "
        f"last movement {_days(c['days_since_last_movement'])}"
        + (f" (carrier: {packet['carrier']})" if packet["carrier"] else "")
    )
    lines += _block("Gaps", packet["evidence_gaps"])
    lines.append("Flags: " + (", ".join(packet["flags"]) if packet["flags"] else "none"))
    lines.append(_approval(packet))
    lines += _block("Why", packet["reasons"])
    lines += _draft("Customer draft", packet["draft_reply"])
    lines += _draft("Supplier draft", packet.get("supplier_draft"))
    if packet.get("draft_notes"):
        lines += _block("Draft notes", packet["draft_notes"])
    nxt = packet["next_assessment_at"] or "none (nothing changes without new facts)"
    lines.append(
        f"Next assessment: {nxt}. As of {packet.get('as_of') or '-'}, policy {packet['policy_version']}."
    )
    return "\n".join(lines) + "\n"
