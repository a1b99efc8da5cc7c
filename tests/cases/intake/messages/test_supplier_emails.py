"""Supplier emails read into proposals: the corpus, the phrase rules and their precedence, quoted and
forwarded parts, HTML, numbers and dates, attachments, mbox splitting, and hostile bytes."""

import ast
import contextlib
import hashlib
import json
import random
from datetime import date

import pytest

from cases.assessment.vocabulary import EVIDENCE_KINDS
from cases.intake.messages import supplier_emails as se
from cases.intake.messages.supplier_emails import (
    EmailError,
    choose_kind,
    html_to_text,
    match_phrases,
    normalize_text,
    read_eml,
    read_mbox,
    read_mbox_each,
    split_mbox,
)
from cases.tracking.normalize import normalize_number
from tests.helpers.supplier_emails import CORPUS, corpus_entries, expected


def proposal(name: str, index: int | None = None):
    data = (CORPUS / name).read_bytes()
    return read_eml(data) if index is None else read_mbox(data)[index - 1]


# ------------------------------------------------------------------------------------------- the corpus


@pytest.mark.parametrize(("name", "index", "wanted"), corpus_entries(), ids=lambda v: str(v))
def test_every_email_of_the_corpus_reads_as_expected(name, index, wanted):
    read = proposal(name, index)
    assert read.kind == wanted["kind"]
    assert sorted(order.value for order in read.order_numbers) == sorted(wanted["orders"])
    assert sorted(number.number for number in read.tracking_numbers) == sorted(wanted["tracking"])


def test_the_corpus_covers_every_kind_several_times_and_emails_without_one():
    entries = corpus_entries()
    assert sum(1 for name, index, _ in entries if index is None) >= 45
    kinds = [wanted["kind"] for _, _, wanted in entries]
    for kind in EVIDENCE_KINDS:
        assert kinds.count(kind) >= 5, kind
    assert kinds.count(None) >= 5
    assert sum(1 for name in expected() if name.endswith(".mbox")) >= 1


@pytest.mark.parametrize(("name", "index", "wanted"), corpus_entries(), ids=lambda v: str(v))
def test_every_reason_and_number_carries_the_sentence_it_came_from(name, index, wanted):
    read = proposal(name, index)
    attachments = {attachment.filename for attachment in read.attachments}
    for reason in read.reasons:
        if reason.part == se.ATTACHMENT:
            assert reason.sentence in attachments
        else:
            assert reason.phrase in normalize_text(reason.sentence)
    assert {reason.kind for reason in read.reasons} >= ({read.kind} - {None})
    for order in read.order_numbers:
        assert order.value[1:] in order.sentence
    for number in read.tracking_numbers:
        assert number.number in normalize_number(number.sentence)
    json.dumps(read.as_dict())  # every proposal is JSON as it stands


def test_a_proposal_as_a_dict_names_every_field():
    data = proposal("02_pickup_receipt_attached_png.eml").as_dict()
    assert data["kind"] == "pickup_proof"
    assert data["sent_at"] == "2026-11-03T09:02:00+08:00"
    assert data["sender"] == "amy@sunrise-elec.example"
    assert data["order_numbers"][0] == {
        "value": "#1002",
        "sentence": "Attached is the pickup receipt for order 1002.",
        "part": "own",
    }
    assert data["tracking_numbers"][0]["carrier"] == "yunexpress"
    assert set(data) >= {"message_id", "subject", "reasons", "dates", "attachments", "notes"}


# ------------------------------------------------------------------------------ phrases and precedence


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Sorry, goods is out of stock, pending restock.", "restock_note"),
        ("We will arrange another warehouse.", "replacement_source"),
        ("We can re-ship from US warehouse.", "replacement_source"),
        ("Courier has picked up the parcel.", "pickup_proof"),
        ("The parcel was handed over to logistics.", "pickup_proof"),
        ("Attached is the pickup receipt.", "pickup_proof"),
        ("Your order already ship.", "dispatch_claim"),
        ("It has been shipped out.", "dispatch_claim"),
        ("we send it yesterday", "dispatch_claim"),
        ("We\u2019re  packing it NOW.", "processing_note"),
        ("It will ship in 3 days.", "processing_note"),
        ("It will be shipped tomorrow.", "processing_note"),
        ("It has not been shipped yet.", "processing_note"),
        ("Parcel will be picked up by the courier tomorrow.", "processing_note"),
        ("Thank you for your message.", None),
        ("Has it shipped?", None),  # a question claims nothing
        ("The restocking fee is waived.", "restock_note"),  # at the start of a word, free to run on
        ("Unshipped items stay here.", None),  # not at the start of a word
    ],
)
def test_phrase_rules(sentence, kind):
    found = match_phrases(sentence)
    reasons = [se.Reason(k, phrase, sentence) for k, phrase in found]
    assert choose_kind(reasons) == kind


@pytest.mark.parametrize(
    ("kinds", "chosen"),
    [
        ({"restock_note", "replacement_source"}, "replacement_source"),
        ({"pickup_proof", "restock_note"}, "restock_note"),
        ({"pickup_proof", "dispatch_claim", "processing_note"}, "pickup_proof"),
        ({"dispatch_claim", "processing_note"}, "dispatch_claim"),
        ({"processing_note"}, "processing_note"),
        (set(), None),
    ],
)
def test_precedence(kinds, chosen):
    assert choose_kind([se.Reason(kind, "p", "s") for kind in kinds]) == chosen
    assert set(se.PRECEDENCE) == set(EVIDENCE_KINDS)


def test_several_kinds_are_all_given_as_reasons():
    read = proposal("61_precedence_pickup_and_restock.eml")
    assert read.kind == "restock_note"
    assert {reason.kind for reason in read.reasons} == {"restock_note", "pickup_proof"}
    read = proposal("40_replacement_another_warehouse.eml")
    assert {reason.kind for reason in read.reasons} == {"restock_note", "replacement_source"}


def test_a_claim_behind_a_promise_or_a_denial_is_no_claim():
    assert match_phrases("It will be shipped tomorrow.") == [("processing_note", "will be shipped")]
    assert ("dispatch_claim", "shipped") not in match_phrases("Once shipped we send the tracking.")
    assert match_phrases("It was not out of stock.") == []


def test_matching_straightens_apostrophes_collapses_spaces_and_reads_hyphens_as_spaces():
    assert normalize_text("We\u2019ll  RE-SHIP\tit") == "we'll re ship it"
    assert ("replacement_source", "re ship") in match_phrases("We will re-ship it.")


# ------------------------------------------------------------------------- quoted and forwarded parts


def test_the_suppliers_own_words_decide_not_the_quoted_store_message():
    read = proposal("16_dispatch_reply_quoting_store_about_restock.eml")
    assert read.kind == "dispatch_claim"
    assert {reason.part for reason in read.reasons} == {"own"}
    # The quoted question still gives its order number, with its sentence.
    assert [(order.value, order.part) for order in read.order_numbers] == [("#1016", "quoted")]


@pytest.mark.parametrize(
    "name",
    ["17_dispatch_outlook_reply.eml", "35_restock_outlook_quote_asks_to_ship.eml"],
)
def test_outlook_headers_start_the_quoted_part(name):
    read = proposal(name)
    assert all(reason.part == "own" for reason in read.reasons)
    assert read.order_numbers[0].part == "quoted"


def test_when_the_own_words_say_nothing_the_quoted_part_is_read_and_the_notes_say_so():
    read = proposal("56_quoted_fallback_see_below.eml")
    assert read.kind == "dispatch_claim"
    assert {reason.part for reason in read.reasons} == {"quoted"}
    assert any("quoted part" in note for note in read.notes)


@pytest.mark.parametrize(
    "name",
    [
        "06_pickup_inline_forward_from_warehouse.eml",
        "44_replacement_forwarded_rfc822.eml",
        "57_forward_begin_forwarded_message.eml",
    ],
)
def test_forwarded_messages_are_read_when_the_own_words_say_nothing(name):
    read = proposal(name)
    assert read.kind is not None
    assert {reason.part for reason in read.reasons} == {"forwarded"}
    assert any("forwarded part" in note for note in read.notes)


def test_a_signature_slogan_decides_no_kind_and_its_phone_number_is_no_tracking_number():
    read = proposal("54_none_signature_slogan.eml")
    assert read.kind is None
    assert read.tracking_numbers == ()


# --------------------------------------------------------------------------------------- text and HTML


def test_html_only_mail_is_read_without_its_scripts_and_styles():
    read = proposal("13_dispatch_html_only.eml")
    assert read.kind == "dispatch_claim"
    assert all(reason.kind != "restock_note" for reason in read.reasons)  # "out of stock" in <script>
    assert "text read from HTML" in read.notes


def test_html_to_text_breaks_blocks_unescapes_and_quotes_blockquotes():
    text = html_to_text(
        "<p>Order&nbsp;#1001 &amp; co</p><style>p{}</style><div>shipped<br>today</div>"
        "<blockquote><p>is it out of stock?</p></blockquote><script>x()</script><p>&amp;lt;</p>"
    )
    assert text.splitlines() == [
        "Order #1001 & co",
        "",
        "shipped",
        "today",
        "",
        "> is it out of stock?",
        "",
        "&lt;",
    ]


def test_an_empty_plain_part_gives_way_to_the_html():
    read = proposal("24_processing_html_with_empty_plain.eml")
    assert read.kind == "processing_note"
    assert [day.date for day in read.dates] == [date(2026, 11, 10)]


def test_a_gb2312_email_is_decoded():
    read = proposal("15_dispatch_gb2312_charset.eml")
    assert read.subject == "order #1015 已发货"
    assert read.kind == "dispatch_claim"


def test_an_unknown_charset_is_read_as_utf8_and_noted():
    read = read_eml(
        b"From: a@b.example\nContent-Type: text/plain; charset=x-nothing\n\norder #1001 shipped\n"
    )
    assert read.kind == "dispatch_claim"
    assert any("unknown charset" in note for note in read.notes)


# -------------------------------------------------------------------------------------- numbers, dates


def _body(text: str):
    return read_eml(f"From: s@supplier.example\nSubject: x\n\n{text}\n".encode())


@pytest.mark.parametrize(
    ("text", "orders"),
    [
        ("Your order #1001 is fine.", ["#1001"]),
        ("order 1002 ok", ["#1002"]),
        ("order #1003 ok", ["#1003"]),
        ("Order No. 1004 ok", ["#1004"]),
        ("order number: 1005 ok", ["#1005"]),
        ("Your PO#1006 ok", ["#1006"]),
        ("purchase order 1007 ok", ["#1007"]),
        ("P.O. 1009 and order id 1010", ["#1009", "#1010"]),
        ("order #01008 ok", ["#1008"]),
        ("SKU #12345 and item #2222", []),
        ("order 1000 pcs", []),
        ("order total $1001.50", []),
        ("call me: +86 13800138000", []),
        ("in order to ship on 2026-11-02", []),
        ("order 2026-11-02", []),
    ],
)
def test_order_numbers(text, orders):
    assert [order.value for order in _body(text).order_numbers] == orders


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("tracking LX123456785CN", [("LX123456785CN", "s10")]),
        ("tracking lx123456785cn", [("LX123456785CN", "s10")]),
        ("tracking LX 123 456 785 CN", [("LX123456785CN", "s10")]),
        ("tracking LX123456784CN", []),  # the S10 check digit fails
        ("tracking 9400 1000 0000 0000 0000 13", [("9400100000000000000013", "usps")]),
        ("order 1001 9400 1000 0000 0000 0000 13", [("9400100000000000000013", "usps")]),
        ("YunExpress YT2430112233445566", [("YT2430112233445566", "yunexpress")]),
        ("Tel: +1 555 0100 2000, WhatsApp +86 13800138000", []),
        ("order number 20261102000123", []),  # the supplier's own order number
        ("Reference 55501002000", []),  # 11 bare digits without a check digit, no word of tracking
        ("GLS tracking 55501002000", [("55501002000", "gls")]),
    ],
)
def test_tracking_numbers(text, numbers):
    assert [(n.number, n.carrier) for n in _body(text).tracking_numbers] == numbers


def test_dates_written_in_the_text_and_the_date_header():
    read = _body("Shipped 2026-11-02, or 3 Nov 2026, or November 4, 2026, or 25/11/2026 and 11/26/2026.")
    assert [day.date for day in read.dates] == [
        date(2026, 11, 2),
        date(2026, 11, 3),
        date(2026, 11, 4),
        date(2026, 11, 25),
        date(2026, 11, 26),
    ]
    assert proposal("55_none_ambiguous_date.eml").dates == ()
    assert any("02/11/2026" in note for note in proposal("55_none_ambiguous_date.eml").notes)
    assert proposal("01_pickup_courier_has_picked_up.eml").sent_at.utcoffset().total_seconds() == 8 * 3600
    assert read.sent_at is None and "no Date header" in read.notes


def test_a_date_header_without_a_time_zone_is_not_guessed():
    read = read_eml(b"From: a@b.example\nDate: Mon, 2 Nov 2026 10:00:00\n\nhi\n")
    assert read.sent_at is None
    assert any("Date header" in note for note in read.notes)


# ----------------------------------------------------------------------------------------- attachments


def test_attachments_are_described_and_sniffed_not_stored():
    (png,) = proposal("02_pickup_receipt_attached_png.eml").attachments
    assert png.filename == "pickup_receipt_1002.png"
    assert png.content_type == "image/png" and png.sniffed == "image/png"
    (pdf,) = proposal("05_pickup_only_a_waybill_pdf.eml").attachments
    assert pdf.sniffed == "application/pdf"
    (jpeg,) = proposal("04_pickup_handover_photo_jpeg.eml").attachments
    assert jpeg.sniffed == "image/jpeg"
    assert len(jpeg.sha256) == 64 and jpeg.size > 0


def test_an_attachment_named_like_a_receipt_proves_nothing_when_its_bytes_are_no_image():
    read = proposal("07_dispatch_fake_receipt_attachment.eml")
    (fake,) = read.attachments
    assert fake.sniffed is None
    assert fake.sha256 == hashlib.sha256(b"this is not really a picture\n").hexdigest()
    assert read.kind == "dispatch_claim"
    assert any("no image or PDF" in note for note in read.notes)


def test_an_invoice_pdf_is_no_pickup_proof():
    assert proposal("52_none_invoice_pdf.eml").kind is None


def test_pickup_language_without_an_attachment_is_noted():
    read = _body("Attached is the pickup receipt for order #1001.")
    assert read.kind == "pickup_proof"
    assert any("no image or PDF attachment" in note for note in read.notes)


# ------------------------------------------------------------------------------------------------- mbox


def test_an_mbox_is_split_on_its_from_lines_and_from_quoting_is_undone():
    data = (CORPUS / "week45_suppliers.mbox").read_bytes()
    messages = split_mbox(data)
    assert len(messages) == 4
    assert b"\nFrom the warehouse: order #1070" in messages[0]
    assert all(not message.startswith(b"From ") for message in messages)
    second = split_mbox((CORPUS / "week46_suppliers.mbox").read_bytes())[1]
    assert b"\n>From now on we use USPS." in second  # ">>From" was one level of quoting deeper


def test_a_from_line_inside_a_paragraph_does_not_split_the_message():
    data = b"From a@x Mon Nov  2 10:00:00 2026\nSubject: one\n\nhello\nFrom here it ships.\n\n"
    data += b"From b@x Mon Nov  2 11:00:00 2026\nSubject: two\n\nshipped\n"
    assert [read.subject for read in read_mbox(data)] == ["one", "two"]


def test_a_bad_message_of_an_mbox_is_named_and_does_not_hide_the_others():
    data = b"From a@x date\nSubject: one\n\nshipped\n\nFrom b@x date\n\n\n\n"
    data += b"From c@x date\nSubject: three\n\nhi\n"
    results = read_mbox_each(data)
    assert [type(result).__name__ for result in results] == ["EmailProposal", "EmailError", "EmailProposal"]
    with pytest.raises(EmailError, match="message 2 of the mbox"):
        read_mbox(data)


def test_bytes_that_are_no_mbox_are_refused():
    with pytest.raises(EmailError, match="does not start with a 'From ' line"):
        read_mbox(b"Subject: x\n\nhi\n")


# ---------------------------------------------------------------------------------------- hostile bytes


def _never_anything_but_email_error(read, data: bytes) -> None:
    with contextlib.suppress(EmailError):
        read(data)


def test_random_truncated_and_garbled_bytes_raise_nothing_but_email_error():
    rng = random.Random(20261102)
    files = [path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))]
    insertions = [
        b"\n--",
        b"=?utf-8?b?",
        b"Content-Type: multipart/mixed; boundary=",
        b"\r\n\r\n",
        b"=?x?q?\xff?=",
        b'charset="\xff"',
        b"<blockquote>" * 20,
        b"Content-Type: message/rfc822\n\n",
    ]
    for _ in range(400):
        original = rng.choice(files)
        roll = rng.random()
        if roll < 0.3:
            data = original[: rng.randint(0, len(original))]
        elif roll < 0.6:
            garbled = bytearray(original)
            for _ in range(rng.randint(1, 30)):
                garbled[rng.randrange(len(garbled))] = rng.randrange(256)
            data = bytes(garbled)
        elif roll < 0.8:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
        else:
            at = rng.randrange(len(original))
            data = original[:at] + rng.choice(insertions) + original[at:]
        _never_anything_but_email_error(read_eml, data)
    for path in sorted(CORPUS.glob("*.mbox")):
        data = path.read_bytes()
        for cut in range(0, len(data), 97):
            _never_anything_but_email_error(read_mbox, data[:cut])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\n\n   \n", "empty"),
        (b"just some words without headers", "not an email"),
        ("Subject: x\n\nhi", "must be bytes"),
        (None, "must be bytes"),
    ],
)
def test_what_is_no_email_is_said_so(data, message):
    with pytest.raises(EmailError, match=message):
        read_eml(data)


def test_an_email_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(se, "MAX_EMAIL_BYTES", 100)
    with pytest.raises(EmailError, match="more than the 100"):
        read_eml(b"Subject: x\n\n" + b"a" * 100)


def test_an_mbox_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(se, "MAX_MBOX_BYTES", 100)
    with pytest.raises(EmailError, match="more than the 100"):
        read_mbox(b"From x\n" + b"a" * 100)


def test_deeply_nested_parts_are_an_email_error_not_a_crash():
    nested = b"From: a@b.example\nSubject: x\n" + b"Content-Type: message/rfc822\n\nSubject: y\n" * 3000
    with pytest.raises(EmailError, match="cannot be read"):
        read_eml(nested + b"\nshipped\n")


def test_broken_headers_are_read_as_well_as_they_can_be():
    read = read_eml(
        b"From: =?utf-8?b?////?= <\xff@x>\nSubject: =?unknown-8?q?=FF?= order #1001\n"
        b"Date: Mon, 99 Foo 2026 99:99:99 +9999\n\nshipped\n"
    )
    assert read.kind == "dispatch_claim"
    assert read.sent_at is None
    json.dumps(read.as_dict(), ensure_ascii=False).encode("utf-8")


def test_the_reader_imports_no_django():
    tree = ast.parse(se.__loader__.get_source(se.__name__))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    assert not any(name.startswith(("django", "cases.models")) for name in imported)
