"""`manage.py evidence_pack ORDER_ID`: each format, to a file or standard output, and its errors named."""

import io
import json
import re

import pypdf
import pytest
from django.core.management import CommandError, call_command

from tests.helpers.evidence_orders import store_order

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("evidence_pack", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def order():
    return store_order("in_transit")


@pytest.mark.parametrize("typed", ["#1001", "1001"])
def test_json_goes_to_standard_output_by_default(order, typed):
    out, err = run(typed)
    pack = json.loads(out)
    assert pack["order"]["order_id"] == "#1001" and pack["dispute"]["processor"] == "stripe"
    assert pack["summary"]["headline"].startswith(
        "No delivered scan: the carrier shows the parcel only in transit"
    )
    assert err == ""


def test_html_to_standard_output_and_to_a_file(order, tmp_path):
    out, _ = run("#1001", "--format", "html", "-o", "-")
    assert out.startswith("<!DOCTYPE html>") and "Evidence pack: order #1001" in out
    target = tmp_path / "pack.html"
    out, _ = run("#1001", "--format", "html", "--facts-only", "-o", str(target))
    assert out.startswith(f"Wrote the evidence pack of order #1001 to {target}")
    page = target.read_text()
    assert "Departed from facility" in page and 'id="pack-summary"' not in page


def test_pdf_is_written_to_a_file(order, tmp_path):
    target = tmp_path / "pack.pdf"
    out, _ = run("1001", "--format", "pdf", "-o", str(target))
    assert "Wrote the evidence pack of order #1001" in out
    text = " ".join(pypdf.PdfReader(target).pages[0].extract_text().split())
    assert "Evidence pack: order #1001" in text and "No delivered scan" in text


def test_an_order_without_a_dispute_is_packed_with_a_note(db):
    store_order("label", order_id="#7001", dispute=False)
    out, err = run("#7001")
    assert json.loads(out)["dispute"] is None
    assert err.strip() == "note: no dispute is recorded on order #7001; the pack is built all the same."


@pytest.mark.parametrize(
    "args, message",
    [
        (["#404"], "No order with id '#404' (looked for it with and without '#')."),
        (["#1001", "--format", "pdf"], "A PDF is written to a file: name it with -o FILE."),
        (["#1001", "--format", "pdf", "-o", "-"], "A PDF is written to a file: name it with -o FILE."),
        (["#1001", "--format", "docx"], "argument --format: invalid choice: 'docx'"),
    ],
)
def test_errors_are_named_and_nothing_is_written(order, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run(*args)


def test_a_missing_folder_is_named(order, tmp_path):
    target = tmp_path / "nowhere" / "pack.json"
    with pytest.raises(CommandError, match=r"the folder .*nowhere does not exist"):
        run("#1001", "-o", str(target))
    assert not target.parent.exists()
