"""The admin in Chromium against the production server as well as the development one: gunicorn with DEBUG
off, the static files collected and served by whitenoise under hashed names, and the content security policy
on. A person logs in, opens the case queue, a case and a running import (whose page polls with an inline
script carrying the response's nonce); the styles load, the script runs and the browser reports no CSP
violation.

The production server is a separate process, so it needs the test database to be a real one it can reach:
PostgreSQL (marked `postgres`; on SQLite the test database lives in this process's memory). It runs without
the HTTPS settings (the browser speaks plain HTTP to 127.0.0.1); check --deploy covers those
(tests/staletrack/test_settings.py, .ci/run)."""

import re
import urllib.error
import urllib.request

import pytest

from cases.models import ImportRun
from tests.browser.conftest import save_screenshot
from tests.factories import UserFactory
from tests.helpers.clock import import_label_only_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Every violation the page sees, kept where the test can read it (an init script runs outside the page's CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture(params=["development", pytest.param("production", marks=pytest.mark.postgres)])
def server(request) -> tuple[str, str]:
    """(which, URL): pytest-django's live server (static files from the apps), or gunicorn as deployed."""
    if request.param == "development":
        return "development", request.getfixturevalue("live_server").url
    return "production", request.getfixturevalue("production_server")


def test_a_person_works_the_admin_under_the_content_security_policy(browser, server):
    which, url = server
    import_label_only_cases(2)
    stan = UserFactory(username="stan", role="Staff")
    run = ImportRun.objects.create(kind="orders", file_name="orders.csv", created_by=stan)

    context = browser.new_context(base_url=url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console_errors, static = [], []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.on("response", lambda r: "/static/" in r.url and static.append((r.url, r.status)))
    violations = []

    def visit(path: str | None = None) -> None:
        if path:
            response = page.goto(path)
            assert response.status == 200, path
            assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        violations.extend(page.evaluate("window.__cspViolations"))

    try:
        visit("/admin/login/")
        page.fill("#id_username", "stan")
        page.fill("#id_password", "correct horse battery staple")
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        visit()
        visit("/admin/cases/case/")
        rows = page.locator("#result_list tbody tr")
        assert rows.count() == 2
        rows.first.locator("th a").first.click()
        page.wait_for_url(re.compile(r"/admin/cases/case/\d+/change/"))
        visit()
        assert page.locator("#packet-next-move").is_visible()
        # The admin's stylesheet came and applies: its header colour, not the browser's default.
        header = page.evaluate("getComputedStyle(document.querySelector('#header')).backgroundColor")
        assert header not in ("rgba(0, 0, 0, 0)", "transparent")
        save_screenshot(page, f"case-page-{which}-server")
        # A running import's page polls its progress with the one inline script, allowed by its nonce.
        with page.expect_request(re.compile(rf"/admin/cases/importrun/{run.pk}/status/"), timeout=10_000):
            visit(f"/admin/cases/importrun/{run.pk}/change/")
        visit()
    finally:
        context.close()

    assert violations == []
    assert [text for text in console_errors if "Content Security Policy" in text] == []
    assert static, "no static file was asked for"
    assert [(u, status) for u, status in static if status >= 400] == []
    stylesheets = [u for u, status in static if u.endswith(".css")]
    assert any("/static/admin/css/base" in u for u in stylesheets)
    if which == "production":
        # whitenoise serves the collected files under names that carry their hash.
        assert all(re.search(r"\.[0-9a-f]{12}\.css$", u) for u in stylesheets), stylesheets


@pytest.mark.postgres
def test_the_production_server_hides_its_errors_and_serves_static_files_for_ever(production_server):
    """DEBUG is off: a missing page is a plain 404, not Django's debug page; a hashed static file may be kept
    by browsers for ever."""
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{production_server}/admin-no-such-page/", timeout=10)
    assert missing.value.code == 404
    assert b"URLconf" not in missing.value.read()

    login = urllib.request.urlopen(f"{production_server}/admin/login/", timeout=10).read().decode()
    (css,) = re.findall(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login)
    response = urllib.request.urlopen(f"{production_server}{css}", timeout=10)
    assert response.status == 200
    assert "immutable" in response.headers["Cache-Control"]
