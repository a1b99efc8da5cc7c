"""Attachments of supplier evidence and of proposals read from emails: downloads for staff allowed to see
the record holding them, nothing for anyone else, nothing for a name no record holds."""

import pytest
from django.urls import reverse

from cases.intake.messages import proposals
from tests.factories import UserFactory
from tests.helpers.supplier_emails import reading

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 a carrier receipt"


@pytest.fixture
def kept(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    proposal, _ = proposals.propose(
        reading=reading(orders=(), numbers=()),
        raw=b"Subject: receipt\r\n\r\nattached",
        attachment=proposals.Attachment("receipt.pdf", "application/pdf", PDF),
    )
    return proposal


def url(name: str) -> str:
    return reverse("attachment", args=[name])


def test_staff_download_it_as_a_file_never_rendered(client, staff, kept):
    client.force_login(staff)
    response = client.get(url(kept.attachment.name))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        response["X-Content-Type-Options"] == "nosniff" and response["Content-Security-Policy"] == "sandbox"
    )


def test_confirmed_evidence_serves_the_same_file(client, staff, kept, orders):
    evidence = proposals.confirm(proposal=kept, actor=staff, order=orders["#1042"])
    client.force_login(staff)
    assert client.get(url(evidence.attachment.name)).status_code == 200


def test_no_one_else_gets_it(client, kept):
    assert client.get(url(kept.attachment.name)).status_code == 302  # to the login
    client.force_login(UserFactory(username="rita", is_staff=True))  # staff without a role
    assert client.get(url(kept.attachment.name)).status_code == 403


@pytest.mark.parametrize("name", ["proposals/nothing.pdf", "../settings.py", "../../etc/passwd"])
def test_a_name_no_record_holds_is_not_found(client, staff, kept, name):
    client.force_login(staff)
    assert client.get("/media/" + name).status_code == 404
