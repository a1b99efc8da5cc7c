"""The admin's home page: what needs the owner (each count linking to the list it counts), the open cases by
risk level with the change since the day began, the longest waits, what ran last; each shown only to those
who may see its list, with a fixed number of queries."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.choices import RiskLevel
from cases.models import ImportRun, OpenCaseCount
from staletrack.home import ago
from staletrack.job_reports import SWEEP, WEEKLY_REVIEW, record_job
from tests.factories import UserFactory
from tests.helpers.home_page import fill, make_case

pytestmark = pytest.mark.django_db

HOME = "/admin/"


def home_of(client, user):
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response, response.context["home"]


def test_the_owner_sees_what_waits_and_each_count_is_the_count_of_the_list_it_links_to(client, owner, owner2):
    expected = fill(3, requester=owner2, decider=owner)

    response, home = home_of(client, owner)

    assert {need.key: need.count for need in home.needs} == expected
    html = response.content.decode()
    for need in home.needs:
        assert f'id="need-{need.key}"' in html
        assert need.url in html.replace("&amp;", "&")
        listed = client.get(need.url)
        assert listed.status_code == 200, need.url  # the list accepted its filter (else 400 or ?e=1)
        assert listed.context["cl"].result_count == need.count, need.key


def test_the_owner_only_count_links_to_the_queues_saved_view(client, owner):
    _, home = home_of(client, owner)
    (need,) = [need for need in home.needs if need.key == "owner-only"]
    assert (
        need.url
        == reverse("admin:cases_case_changelist") + "?risk_level__exact=owner_only&status__exact=open"
    )


def test_staff_see_no_owner_block_but_the_open_cases_the_waits_and_the_runs(client, staff):
    make_case(RiskLevel.OWNER_ONLY, waited_days=2)

    response, home = home_of(client, staff)

    assert not home.owner and home.needs == []
    html = response.content.decode()
    assert 'id="owner-needs"' not in html
    assert 'id="open-by-risk"' in html and 'id="longest-waiting"' in html and 'id="last-runs"' in html
    assert [run.key for run in home.runs] == ["sweep", "import", "weekly_review"]
    # Django's list of every app and model stays, below.
    assert 'id="all-models"' in html and 'href="/admin/cases/"' in html


def test_each_count_shows_only_to_those_who_may_see_its_list(client):
    """An owner's own permission without the lists' view permissions: the owner block holds only what the
    user may open."""
    user = UserFactory(username="partial")
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["approve_money_decision", "view_case", "view_supplier"],
            content_type__app_label__in=["cases", "suppliers"],
        )
    )
    _, home = home_of(client, user)
    assert home.owner
    assert [need.key for need in home.needs] == ["owner-only", "suppliers"]
    assert home.risks is not None
    assert [run.key for run in home.runs] == ["sweep"]  # no import runs, no scorecard


def test_a_user_who_may_not_see_cases_sees_no_case_figures(client):
    user = UserFactory(username="reader")
    user.user_permissions.add(Permission.objects.get(codename="view_importrun"))
    _, home = home_of(client, user)
    assert not home.owner and home.risks is None and home.waiting is None
    assert [run.key for run in home.runs] == ["import"]


def test_the_open_cases_by_risk_level_with_the_change_since_the_day_began(client, staff):
    for _ in range(3):
        make_case(RiskLevel.OWNER_ONLY)
    make_case(RiskLevel.SUPPLIER_CHASE)
    counted_at = timezone.now() - timedelta(hours=2)
    today = timezone.localdate()
    for level, cases in (("owner_only", 1), ("supplier_chase", 4), ("normal_watch", 0)):
        OpenCaseCount.objects.create(day=today, risk_level=level, cases=cases, counted_at=counted_at)
    # An older day's count is not the one compared with.
    OpenCaseCount.objects.create(
        day=today - timedelta(days=1), risk_level="owner_only", cases=50, counted_at=counted_at
    )

    response, home = home_of(client, staff)

    rows = {row.level: row for row in home.risks}
    assert next(iter(rows)) == "owner_only"  # highest risk first
    assert "" not in rows  # no case waits for its first assessment
    assert (rows["owner_only"].now, rows["owner_only"].before, rows["owner_only"].change.text) == (3, 1, "+2")
    assert rows["supplier_chase"].change.text == "-3"
    assert rows["normal_watch"].change.text == "0"
    assert rows["refund_risk"].change.text == "0"  # a level the count had none of
    assert (home.open_now, home.open_before, home.open_change.text) == (4, 5, "-1")
    assert rows["owner_only"].url.endswith("?risk_level__exact=owner_only&status__exact=open")
    html = response.content.decode()
    assert re.search(r'id="risk-owner_only".*?class="change-up">\+2<', html, re.S)


def test_without_a_days_count_the_change_is_not_guessed(client, staff):
    make_case(RiskLevel.OWNER_ONLY)
    response, home = home_of(client, staff)
    assert home.open_before is None and all(row.change.text == "—" for row in home.risks)
    assert "No earlier count yet" in response.content.decode()


def test_the_longest_waits_link_to_their_case_pages(client, staff):
    cases = [make_case(RiskLevel.CUSTOMER_UPDATE, waited_days=days) for days in (1, 4, 2)]
    response, home = home_of(client, staff)
    assert [case.pk for case in home.waiting] == [cases[1].pk, cases[2].pk, cases[0].pk]
    html = response.content.decode()
    for case in cases:
        assert f'href="{reverse("admin:cases_case_change", args=[case.pk])}"' in html


def test_what_ran_last_in_words(client, staff):
    started = timezone.now() - timedelta(minutes=3)
    record_job(
        SWEEP, started_at=started, summary={"assessed": 120, "written": 8, "changed": 2, "unassessable": 1}
    )
    record_job(
        WEEKLY_REVIEW,
        started_at=started,
        summary={
            "week_start": "2026-11-09",
            "rollups": {"supplier": 4, "sku": 30, "country": 9},
            "products_marked": ["LAMP"],
            "suppliers_flagged": [],
        },
    )
    run = ImportRun.objects.create(
        kind="orders", file_name="orders.csv", status="succeeded", created_rows=1200, error_rows=3
    )

    response, home = home_of(client, staff)

    runs = {run.key: run for run in home.runs}
    assert runs["sweep"].what == (
        "120 due cases assessed, 8 packets changed, 2 changed case type or risk, 1 could not be assessed."
    )
    assert runs["import"].what == (
        "orders CSV orders.csv, succeeded: 1,200 created, 0 updated, 0 unchanged, 3 with errors."
    )
    assert runs["import"].url == reverse("admin:cases_importrun_change", args=[run.pk])
    assert runs["weekly_review"].what == (
        "week of 2026-11-09: rollups of 4 suppliers, 30 SKUs and 9 countries; 1 product marked for review "
        "(LAMP); no supplier flagged."
    )
    assert runs["weekly_review"].url == reverse("admin:suppliers_weeklyrollup_scorecard")
    assert runs["sweep"].ago == "just now"
    assert 'id="run-sweep">Last sweep: <span' in response.content.decode()


def test_before_any_run_the_page_says_so(client, staff):
    _, home = home_of(client, staff)
    assert [run.at for run in home.runs] == [None, None, None]
    assert home.runs[0].what.startswith("No sweep has finished yet")


def test_the_home_page_needs_a_login(client):
    response = client.get(HOME)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def queries(client, user) -> int:
    client.force_login(user)
    client.get(HOME)  # warm the per-process caches (content types)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_the_home_page_runs_a_fixed_number_of_queries_whatever_the_data(client, who, owner, owner2, staff):
    user = {"owner": owner, "staff": staff}[who]
    fill(1, requester=owner2, decider=owner)
    small = queries(client, user)
    fill(12, requester=owner2, decider=owner)
    for days in range(20):
        make_case(RiskLevel.CUSTOMER_UPDATE, waited_days=days)
    ImportRun.objects.create(kind="orders", file_name="b.csv", status="running", total_rows=10)
    record_job(SWEEP, started_at=timezone.now(), summary={"assessed": 3})
    record_job(WEEKLY_REVIEW, started_at=timezone.now(), summary={"week_start": "2026-11-09"})
    OpenCaseCount.objects.create(
        day=timezone.localdate(), risk_level="owner_only", cases=3, counted_at=timezone.now()
    )

    assert queries(client, user) == small


# The session and its user (2), the user's permissions (2), the open cases by risk level, the day's count,
# the longest waits, the disputes waiting for evidence, the job reports, the last import and the sidebar's
# admin log (Django's recent actions); an owner's page adds its five counts of its own (money decisions,
# disputes, products, suppliers, agent proposals; the owner-only cases come with the open cases by risk
# level) and the lanes' replies of the last weeks.
QUERIES = {"staff": 11, "owner": 17}


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_the_home_page_query_count(client, who, owner, owner2, staff, django_assert_num_queries):
    fill(2, requester=owner2, decider=owner)
    client.force_login({"owner": owner, "staff": staff}[who])
    client.get(HOME)
    with django_assert_num_queries(QUERIES[who]):
        client.get(HOME)


def test_how_long_ago_in_one_unit():
    now = timezone.now()
    assert ago(now - timedelta(seconds=20), now) == "just now"
    assert ago(now - timedelta(hours=3, minutes=5), now) == "3\xa0hours ago"


def test_the_last_weekly_review_links_to_its_weeks_digest(client, owner):
    from staletrack.job_reports import WEEKLY_REVIEW, record_job

    record_job(WEEKLY_REVIEW, started_at=timezone.now(), summary={"week_start": "2026-11-23", "rollups": {}})
    _, home = home_of(client, owner)
    (run,) = [run for run in home.runs if run.key == "weekly_review"]
    assert run.digest_url == reverse("admin:suppliers_sentdigest_digest") + "?week=2026-11-23"
    assert client.get(run.digest_url).status_code in (200, 400)  # the page answers (its week has no rollups)


def test_the_disputes_waiting_for_evidence_are_listed_by_deadline(client, owner, owner2):
    fill(3, requester=owner2, decider=owner)
    response, home = home_of(client, owner)
    deadlines = [row.dispute.evidence_due_by for row in home.disputes]
    assert len(deadlines) == 3 and deadlines == sorted(deadlines)
    assert [row.owner_only for row in home.disputes] == [True, False, False]  # 1, 4 and 7 days left
    html = response.content.decode()
    assert html.count('class="dispute-row owner-only"') == 1
    assert "No dispute is waiting for evidence." not in html


def test_staff_see_the_disputes_by_deadline_too(client, staff, owner, owner2):
    fill(1, requester=owner2, decider=owner)
    _, home = home_of(client, staff)
    assert len(home.disputes) == 1
