"""`read_emails`: each email's proposal as text or JSON lines, bad files named, nothing written."""

import json
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.helpers.supplier_emails import CORPUS


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("read_emails", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_text_names_the_kind_the_phrase_and_the_sentences():
    out, err = run(str(CORPUS / "10_dispatch_already_ship.eml"))
    assert err == ""
    assert out.splitlines()[0].endswith("10_dispatch_already_ship.eml: dispatch_claim")
    assert '"already ship" in: Your order #1010 already ship, tracking number is UA403127655CN.' in out
    assert "order #1010 (own): Your order #1010 already ship" in out
    assert "tracking UA403127655CN [s10] (own)" in out


def test_text_of_an_mbox_numbers_its_messages():
    out, _ = run(str(CORPUS / "week45_suppliers.mbox"))
    assert "week45_suppliers.mbox (message 4): no evidence kind" in out
    assert "week45_suppliers.mbox (message 2): restock_note" in out


def test_json_is_one_object_per_email():
    out, _ = run(
        "--json", str(CORPUS / "02_pickup_receipt_attached_png.eml"), str(CORPUS / "week46_suppliers.mbox")
    )
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(line["message"], line["kind"]) for line in lines] == [
        (None, "pickup_proof"),
        (1, "pickup_proof"),
        (2, "replacement_source"),
        (3, "dispatch_claim"),
    ]
    assert lines[0]["attachments"][0]["sniffed"] == "image/png"
    assert lines[1]["tracking_numbers"][0]["number"] == "LX123456785CN"


def test_a_file_without_a_known_extension_is_told_by_its_content(tmp_path):
    mbox = tmp_path / "export"
    mbox.write_bytes((CORPUS / "week46_suppliers.mbox").read_bytes())
    eml = tmp_path / "message.txt"
    eml.write_bytes((CORPUS / "20_processing_being_processed.eml").read_bytes())
    out, _ = run("--json", str(mbox), str(eml))
    assert [json.loads(line)["kind"] for line in out.splitlines()] == [
        "pickup_proof",
        "replacement_source",
        "dispatch_claim",
        "processing_note",
    ]


def test_bad_files_are_named_and_the_others_still_read(tmp_path):
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    broken = tmp_path / "broken.mbox"
    broken.write_bytes(b"From a@x date\nSubject: one\n\nshipped\n\nFrom b@x date\n\n\n\n")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="3 of 4 file"):
        call_command(
            "read_emails",
            str(empty),
            str(tmp_path / "missing.eml"),
            str(broken),
            str(CORPUS / "30_restock_goods_is_out_of_stock.eml"),
            stdout=out,
            stderr=err,
        )
    assert f"{empty}: the email: empty" in err.getvalue()
    assert f"{tmp_path / 'missing.eml'}: cannot be read" in err.getvalue()
    assert f"{broken}: message 2 of the mbox: empty" in err.getvalue()
    assert "broken.mbox (message 1): dispatch_claim" in out.getvalue()
    assert "30_restock_goods_is_out_of_stock.eml: restock_note" in out.getvalue()


@pytest.mark.django_db
def test_reading_writes_nothing():
    models = apps.get_app_config("cases").get_models()
    before = {model.__name__: model.objects.count() for model in models}
    run(*(str(path) for path in sorted(CORPUS.glob("*.eml"))), str(CORPUS / "week45_suppliers.mbox"))
    run("--json", str(CORPUS / "week46_suppliers.mbox"))
    after = {model.__name__: model.objects.count() for model in apps.get_app_config("cases").get_models()}
    assert after == before


@pytest.mark.django_db
def test_propose_keeps_each_email_once_for_staff_with_its_proof_attachment(settings, tmp_path):
    from cases.models import EvidenceProposal, SupplierEvidence
    from tests.factories import OrderFactory

    settings.MEDIA_ROOT = tmp_path
    order = OrderFactory(order_id="#1002")
    out, _ = run(
        "--propose", str(CORPUS / "02_pickup_receipt_attached_png.eml"), str(CORPUS / "week45_suppliers.mbox")
    )
    kept = EvidenceProposal.objects.count()
    assert f"Kept {kept} proposal(s) for staff to confirm (0 already kept)." in out and kept > 2
    proposal = EvidenceProposal.objects.get(order=order)
    assert (proposal.kind, proposal.tracking_numbers) == ("pickup_proof", ["YT2430112233445566"])
    assert proposal.attachment.name.endswith(".png")
    assert proposal.attachment.read().startswith(b"\x89PNG")
    assert not SupplierEvidence.objects.exists()  # nothing is evidence until a person confirms it
    out, _ = run("--propose", str(CORPUS / "02_pickup_receipt_attached_png.eml"))
    assert "Kept 0 proposal(s) for staff to confirm (1 already kept)." in out


@pytest.mark.django_db
def test_propose_keeps_nothing_when_any_email_cannot_be_read(tmp_path):
    from cases.models import EvidenceProposal

    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="Nothing was proposed"):
        run("--propose", str(CORPUS / "30_restock_goods_is_out_of_stock.eml"), str(empty))
    assert not EvidenceProposal.objects.exists()
