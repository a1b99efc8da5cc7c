import pytest


@pytest.fixture(autouse=True)
def applied_at_once(request):
    """Every test here reads what its deliveries wrote at once, but the worker's own tests."""
    if request.node.get_closest_marker("worker_applies") is None:
        request.getfixturevalue("deliveries_applied_at_once")
