"""The pack written out: the HTML page, the PDF made from it (its text read back with pypdf, its first page
rendered to a PNG with pypdfium2 and kept in test-artifacts/), and the JSON."""

import io
import json
from pathlib import Path

import pypdf
import pypdfium2
import pytest

from cases.evidence.facts import Message
from cases.evidence.pack import build_pack
from cases.evidence.render import FormatError, fetcher, render_pack
from tests.helpers.evidence_orders import (
    NUMBER,
    at,
    delivered_timeline,
    facts,
    label_timeline,
    parcel,
    pickup_proof,
    stripe_inr,
)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def pack_of(*parcels, **fields):
    fields.setdefault("disputes", (stripe_inr(),))
    fields.setdefault("evidence", (pickup_proof(),))
    return build_pack(facts(*parcels, **fields), generated_at=at(21))


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def first_page_png(pdf: bytes, name: str) -> Path:
    """The PDF's first page as a PNG in test-artifacts/ (kept for a person to look at)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=1.5).to_pil()
    finally:
        document.close()
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    image.save(path)
    return path


def test_the_pdf_holds_the_summary_the_timeline_and_the_processors_fields():
    pdf = render_pack(pack_of(parcel(*delivered_timeline())), "pdf")
    assert pdf.startswith(b"%PDF-")
    text = " ".join(pdf_text(pdf).split())
    for expected in (
        "Evidence pack: order #1001",
        "The carrier shows the order delivered to the order's postal code (2026-11-11).",
        "The delivered scan's postal code 94110 and country US match the order's.",
        NUMBER,
        "Delivered, front door",
        "Hi, my lamp has not arrived.",
        "Carrier receipt: UPS picked up 1 parcel",
        "shipping_tracking_number",
        "page 1 of",
    ):
        assert expected in text, expected
    path = first_page_png(pdf, "evidence-pack-delivered")
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=0.5).to_pil().convert("L")
    assert path.stat().st_size > 10_000
    assert image.getextrema()[0] < 100  # text was drawn: the page is not blank


def test_the_pdf_of_a_stuck_parcel_says_there_is_no_delivered_scan():
    pdf = render_pack(pack_of(parcel(*label_timeline())), "pdf")
    text = " ".join(pdf_text(pdf).split())
    assert "No delivered scan: the carrier shows only a label created on 2026-11-03" in text
    assert "usually loses" in text
    first_page_png(pdf, "evidence-pack-label-only")


def test_the_facts_only_pdf_leaves_out_the_summary_and_the_json():
    pdf = render_pack(pack_of(parcel(*delivered_timeline(postal_code="10001"))), "pdf", facts_only=True)
    text = " ".join(pdf_text(pdf).split())
    assert "Delivered, front door" in text and "San Francisco, 10001, US" in text and NUMBER in text
    for owner_only in ("usually", "It does not show", "differs", "uncategorized_text", "lost package days"):
        assert owner_only not in text
    first_page_png(pdf, "evidence-pack-facts-only")


def test_the_html_escapes_every_text_and_loads_nothing():
    hostile = Message(at(12), "inbound", '<script>alert(1)</script><img src="http://127.0.0.1:9/x.png">')
    html = render_pack(pack_of(parcel(*label_timeline()), messages=(hostile,)), "html").decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "<link" not in html and "<script" not in html
    assert 'id="pack-summary"' in html and 'id="pack-links"' not in html  # links only when given
    linked = render_pack(
        pack_of(parcel(*label_timeline())), "html", links={"pdf": "/p.pdf", "json": "/p.json"}
    )
    assert b'href="/p.pdf"' in linked and b'id="pack-links"' in linked


def test_weasyprint_fetches_no_address():
    for url in ("file:///etc/hostname", "http://127.0.0.1:9/x.png", "data:text/plain,hello"):
        with pytest.raises(ValueError):
            fetcher().fetch(url)


def test_json_is_the_whole_pack_and_a_bad_format_is_refused():
    pack = pack_of(parcel(*delivered_timeline()))
    assert json.loads(render_pack(pack, "json")) == pack
    with pytest.raises(
        FormatError, match="'docx' is not a format of the evidence pack: one of html, pdf, json"
    ):
        render_pack(pack, "docx")
