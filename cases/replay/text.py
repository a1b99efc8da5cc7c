"""A replay report as text for people (`python manage.py replay --format text`)."""

from __future__ import annotations

import textwrap

from cases.assessment import vocabulary as v
from cases.assessment.clock import iso_z
from cases.replay.scoring import Agreement, ReplayReport

# Column heads of the confusion grid: the full words would make it 200 characters wide.
SHORT_MOVES = {
    v.WAIT: "wait",
    v.CHASE_SUPPLIER: "chase",
    v.REQUEST_PROOF: "proof",
    v.DRAFT_UPDATE: "update",
    v.PREPARE_REFUND_REVIEW: "refund",
    v.PAUSE_PRODUCT: "pause",
    v.FLAG_SUPPLIER: "flag",
    v.ESCALATE: "escal.",
    v.CLOSE: "close",
}


def percent(agreement: Agreement) -> str:
    rate = agreement.rate
    return "-" if rate is None else f"{rate * 100:.1f}%"


def _agreement_line(what: str, agreement: Agreement, of: str) -> str:
    if not agreement.compared:
        return f"{what}: nothing to compare (no case gives an actual {of})."
    return (
        f"{what}: {agreement.agreed} of {agreement.compared} agreed ({percent(agreement)}), "
        f"over the cases whose actual gives a {of}."
    )


def _grid(rows: list[list[str]]) -> list[str]:
    """Left-align the first column, right-align the others."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def render_report(report: ReplayReport) -> str:
    lines = [
        f"Replay of {report.cases} past case{'s' if report.cases != 1 else ''}, each as of its decision."
    ]
    lines += report.notes
    if report.policies:
        lines.append(
            "Policy versions used: "
            + ", ".join(f"{label or '?'} ({n})" for label, n in sorted(report.policies.items()))
        )
    lines.append("")
    lines.append(_agreement_line("Next move", report.next_move, "next move"))
    if report.not_comparable_total:
        more = f", and {report.more_not_comparable} more" if report.more_not_comparable else ""
        lines.append(
            f"Not comparable (no actual next move): {report.not_comparable_total}: "
            + ", ".join(report.not_comparable)
            + more
        )
    lines.append(_agreement_line("Risk level", report.risk_level, "risk level"))
    if report.skipped_total:
        lines.append(f"Not replayed: {report.skipped_total}")
        lines += [f"  {order_id}: {why}" for order_id, why in report.skipped]
        if report.more_skipped:
            lines.append(f"  and {report.more_skipped} more")

    if report.per_case_type:
        lines += ["", "By case type (the packet's)"]
        rows = [["case type", "cases", "next move", "agreement", "risk", "agreement"]]
        for row in report.per_case_type:
            rows.append(
                [
                    row.case_type,
                    str(row.cases),
                    f"{row.next_move.agreed}/{row.next_move.compared}",
                    percent(row.next_move),
                    f"{row.risk_level.agreed}/{row.risk_level.compared}",
                    percent(row.risk_level),
                ]
            )
        lines += ["  " + line for line in _grid(rows)]

    if report.next_move.compared:
        lines += ["", "Confusion: rows are the recommended next move, columns what the store really did"]
        head = ["recommended \\ actual", *(SHORT_MOVES.get(move, move) for move in report.moves), "total"]
        rows = [head]
        for move in report.moves:
            counts = [report.confusion[move][actual] for actual in report.moves]
            rows.append([move, *(str(n) if n else "." for n in counts), str(sum(counts))])
        totals = [sum(report.confusion[row][col] for row in report.moves) for col in report.moves]
        rows.append(["total", *(str(n) for n in totals), str(sum(totals))])
        lines += ["  " + line for line in _grid(rows)]
        legend = ", ".join(f"{SHORT_MOVES[m]} = {m}" for m in report.moves if SHORT_MOVES.get(m, m) != m)
        lines += textwrap.wrap(f"({legend})", width=100, initial_indent="  ", subsequent_indent="   ")

    shown = len(report.disagreements)
    first = f" (the first {shown} listed)" if report.more_disagreements else ""
    lines += ["", f"Disagreements: {report.disagreements_total}{first}"]
    for item in report.disagreements:
        actual = item.actual
        lines.append(
            f"- {item.order_id} ({item.case_type}), decided {iso_z(item.decided_at)}, policy "
            f"{item.policy_version}; differs on {item.differs_on}"
        )
        also = f" (also {', '.join(item.also)})" if item.also else ""
        lines.append(f"    packet: {item.next_move}{also}, risk {item.risk_level}")
        lines += [f"      because {reason}" for reason in item.reasons]
        lines.append(
            f"    actual: {actual.next_move or '(no next move given)'}, "
            f"risk {actual.risk_level or '(not given)'}"
        )
        if actual.outcome:
            lines.append(f"      outcome: {actual.outcome}")
        if actual.dispute:
            lines.append(f"      dispute: {actual.dispute}")
    if report.more_disagreements:
        lines.append(f"and {report.more_disagreements} more disagreements, not listed.")
    return "\n".join(lines)
