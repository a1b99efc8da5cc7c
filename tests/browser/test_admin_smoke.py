"""The admin as a person sees it: log in, open the case queue."""

import pytest

from tests.browser.conftest import save_screenshot
from tests.factories import UserFactory
from tests.helpers.clock import import_label_only_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_staff_logs_in_and_sees_the_case_queue(page, login):
    import_label_only_cases(2)
    UserFactory(username="stan", role="Staff")
    login("stan")
    page.goto("/admin/cases/case/")
    assert page.locator("#result_list tbody tr").count() == 2
    assert page.get_by_text("Import case bundle").is_visible()
    save_screenshot(page, "case-queue-smoke")
