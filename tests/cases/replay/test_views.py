"""The replay page of the admin (cases.replay.views): the queue's action, chosen cases, a policy version,
an uploaded bundle replayed without importing it; seeing cases is enough, and needed."""

import json

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case, Order
from tests.factories import UserFactory
from tests.helpers.replay_bundles import basic_with_actuals, stored_counts

# The admin -----------------------------------------------------------------------------------------


def test_the_replay_action_renders_the_report_for_the_selection(client, imported, staff):
    client.force_login(staff)
    pks = list(Case.objects.values_list("pk", flat=True))
    before = stored_counts()
    response = client.post(
        reverse("admin:cases_case_changelist"), {"action": "replay_selected", "_selected_action": pks}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="replay-report"' in page
    assert "5 of 7</strong>" in page
    assert "delivered 3 days later" in page
    assert stored_counts() == before


def test_the_replay_page_takes_a_policy_version(client, imported, staff):
    client.force_login(staff)
    pks = Case.objects.values_list("pk", flat=True)
    response = client.post(reverse("admin:cases_case_replay"), {"case": list(pks), "policy": "v1"})
    assert response.status_code == 200
    assert "Policy v1 (chosen) for every case." in response.content.decode()


def test_the_replay_page_replays_an_uploaded_bundle_without_importing_it(client, past_bundle, staff):
    client.force_login(staff)
    upload = SimpleUploadedFile("past.json", past_bundle.read_bytes(), content_type="application/json")
    response = client.post(reverse("admin:cases_case_replay"), {"file": upload})
    assert response.status_code == 200
    assert "5 of 7</strong>" in response.content.decode()
    assert Order.objects.count() == 0


def test_the_replay_page_names_bundle_errors(client, spec_dir, staff):
    client.force_login(staff)
    document = basic_with_actuals(spec_dir)
    document["cases"][0]["actual"] = {"next_move": "panic"}
    upload = SimpleUploadedFile("bad.json", json.dumps(document).encode())
    response = client.post(reverse("admin:cases_case_replay"), {"file": upload})
    assert response.status_code == 400
    assert "case 0, actual.next_move" in response.content.decode()


def test_the_replay_page_renders_for_a_user_with_only_view_permission(client, imported):
    viewer = UserFactory(username="vera")
    viewer.user_permissions.add(Permission.objects.get(codename="view_case"))
    client.force_login(viewer)
    response = client.get(
        reverse("admin:cases_case_replay"), {"case": Case.objects.values_list("pk", flat=True)}
    )
    assert response.status_code == 200
    assert 'id="replay-report"' in response.content.decode()


def test_the_replay_page_is_403_without_view_permission(client, imported):
    client.force_login(UserFactory(username="nobody"))
    response = client.get(reverse("admin:cases_case_replay"), {"all": "1"})
    assert response.status_code == 403


def test_the_queue_links_to_the_replay_page(client, staff):
    client.force_login(staff)
    assert 'id="replay-link"' in client.get(reverse("admin:cases_case_changelist")).content.decode()
