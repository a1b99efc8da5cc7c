"""`manage.py read_emails FILE... [--json] [--propose]`: what supplier emails propose, read from .eml and
mbox files.

Prints each email's proposal (rules.md section 3's evidence kind with the phrases and sentences behind it,
order and tracking numbers, dates, attachments) and writes nothing; `--propose` also keeps the proposals
for staff to confirm in the admin (Evidence proposals): all of them, or none when any email cannot be
read. Nothing becomes evidence until a person confirms it. How emails are read: docs/messages.md.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.intake.messages.proposals import propose_emails
from cases.intake.messages.supplier_emails import (
    MAX_EMAIL_BYTES,
    MAX_MBOX_BYTES,
    EmailError,
    EmailProposal,
    read_eml,
    read_mbox_each,
    split_mbox,
)


class Command(BaseCommand):
    help = (
        "Read supplier emails (.eml files and mbox files) and print what each proposes: the evidence kind "
        "and why, order and tracking numbers with the sentence behind each. Writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="+", metavar="FILE", help=".eml or .mbox (else told by its content)"
        )
        parser.add_argument("--json", action="store_true", help="One JSON object per email, one per line.")
        parser.add_argument(
            "--propose",
            action="store_true",
            help="Also keep the proposals for staff to confirm (none when any email cannot be read).",
        )

    def handle(self, *args, files: list[str], json: bool = False, propose: bool = False, **options):
        failed = 0
        readable: list[tuple[bytes, EmailProposal]] = []
        for file in files:
            try:
                results = _read_file(Path(file))
            except EmailError as error:
                failed += 1
                self.stderr.write(f"{file}: {error}")
                continue
            mbox = len(results) != 1 or results[0][0] is not None
            file_failed = False
            for index, raw, result in results:
                if isinstance(result, EmailError):
                    file_failed = True
                    self.stderr.write(f"{file}: {result}")
                    continue
                readable.append((raw, result))
                if json:
                    self.stdout.write(_json_line(file, index, result))
                else:
                    self.stdout.write(_text(file, index if mbox else None, result))
            failed += file_failed
        if failed:
            kept = " Nothing was proposed." if propose else ""
            raise CommandError(
                f"{failed} of {len(files)} file(s) could not be read in full (see above).{kept}"
            )
        if propose:
            created = sum(created for _, created in propose_emails(emails=readable))
            self.stdout.write(
                f"Kept {created} proposal(s) for staff to confirm ({len(readable) - created} already kept)."
            )


def _read_file(path: Path) -> list[tuple[int | None, bytes, EmailProposal | EmailError]]:
    """(message index from 1 in an mbox, else None; its bytes; its proposal or error) for each email of
    the file."""
    try:
        size = path.stat().st_size
        if size > MAX_MBOX_BYTES:
            raise EmailError(f"{size:,} bytes, more than the {MAX_MBOX_BYTES:,} a file may have")
        data = path.read_bytes()
    except OSError as error:
        raise EmailError(f"cannot be read ({error.strerror or error})") from error
    suffix = path.suffix.lower()
    # By extension, else by content: an mbox starts with a "From " separator line, an email with headers.
    is_mbox = suffix == ".mbox" or (suffix != ".eml" and data.lstrip(b"\r\n").startswith(b"From "))
    if is_mbox:
        raws = split_mbox(data)
        return [
            (index, raw, result)
            for index, (raw, result) in enumerate(zip(raws, read_mbox_each(data), strict=True), start=1)
        ]
    if len(data) > MAX_EMAIL_BYTES:
        raise EmailError(f"{len(data):,} bytes, more than the {MAX_EMAIL_BYTES:,} an email may have")
    return [(None, data, read_eml(data))]


def _json_line(file: str, index: int | None, proposal: EmailProposal) -> str:
    return json.dumps({"file": file, "message": index, **proposal.as_dict()}, ensure_ascii=False)


def _text(file: str, index: int | None, proposal: EmailProposal) -> str:
    where = f"{file} (message {index})" if index is not None else file
    lines = [f"{where}: {proposal.kind or 'no evidence kind'}"]
    sent = proposal.sent_at.isoformat() if proposal.sent_at else "no date"
    lines.append(f"  from {proposal.sender or '(unknown)'}, {sent}: {proposal.subject or '(no subject)'}")
    for reason in proposal.reasons:
        lines.append(f'  because ({reason.kind}, {reason.part}): "{reason.phrase}" in: {reason.sentence}')
    for order in proposal.order_numbers:
        lines.append(f"  order {order.value} ({order.part}): {order.sentence}")
    for number in proposal.tracking_numbers:
        lines.append(f"  tracking {number.number} [{number.carrier}] ({number.part}): {number.sentence}")
    for day in proposal.dates:
        lines.append(f"  date {day.date.isoformat()} ({day.part}): {day.sentence}")
    for attachment in proposal.attachments:
        shown = attachment.sniffed or "neither image nor PDF"
        lines.append(
            f"  attachment {attachment.filename} ({attachment.content_type}, content {shown}, "
            f"{attachment.size:,} bytes, sha256 {attachment.sha256[:16]}…)"
        )
    lines += [f"  note: {note}" for note in proposal.notes]
    return "\n".join(lines)
