"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

Playwright never downloads a browser here: it launches /usr/bin/chromium (STALETRACK_CHROMIUM to
override). Tests here are marked `browser`; without Chromium they skip, and under REQUIRE_SERVICES=1
(CI, whose .ci/run installs Chromium) they fail instead. Screenshots go to test-artifacts/.

Modules here set `pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True,
serialized_rollback=True)]`: the live server needs committed data, and serialized rollback keeps the
roles and policy that migrations load for the next test.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("STALETRACK_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
# Chromium in a closed network: no background traffic, no sandbox as root, no GPU.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make beside it are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page):
    """Log `username` in through the admin login form, as a person would; `code`: their authenticator's."""

    def log_in(username: str, password: str = "correct horse battery staple", code: str = "") -> None:
        page.goto("/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        if code:
            page.fill("#id_otp_token", code)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")

    return log_in


def save_screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
