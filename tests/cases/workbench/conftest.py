"""People without the workbench's rights: one who may only see cases, one who may do nothing."""

import pytest
from django.contrib.auth.models import Permission

from tests.factories import UserFactory


@pytest.fixture
def viewer():
    user = UserFactory(username="vera")
    user.user_permissions.add(Permission.objects.get(codename="view_case"))
    return user


@pytest.fixture
def nobody():
    return UserFactory(username="nobody")
