"""rules.md section 2: supplier beats country beats default, field by field; versions are kept."""

import pytest

from policies.models import CountryOverride, Policy, SupplierOverride
from policies.selectors import active_policy_book
from policies.services import activate, create_draft
from policies.values import DEFAULTS, PolicyValues, resolve, validate_policy_fields
from tests.factories import SupplierFactory, UserFactory
from tests.helpers.otp import verified


def test_defaults_are_the_numbers_of_the_spec():
    assert PolicyValues().as_dict() == DEFAULTS
    assert DEFAULTS["lost_package_days"] == 20 and DEFAULTS["stale_in_transit_days"] == 7


def test_country_override_beats_default():
    assert resolve(PolicyValues(), {"stale_in_transit_days": 12}).stale_in_transit_days == 12


def test_supplier_override_beats_country_override():
    result = resolve(PolicyValues(), {"stale_in_transit_days": 12}, {"stale_in_transit_days": 9})
    assert result.stale_in_transit_days == 9


def test_an_override_field_left_empty_falls_through_to_the_next_layer():
    result = resolve(
        PolicyValues(),
        {"stale_in_transit_days": 12, "processing_window_days": 6},
        {"stale_in_transit_days": None, "processing_window_days": 2},
    )
    assert (result.stale_in_transit_days, result.processing_window_days) == (12, 2)


def test_policy_field_validation_names_each_bad_field():
    assert validate_policy_fields(
        {"lost_package_days": -1, "review_risk_unanswered": 0, "x": 1, "y": True}
    ) == {
        "lost_package_days": "must be between 0 and 365",
        "review_risk_unanswered": "must be between 1 and 365",
        "x": "is not a policy field",
        "y": "is not a policy field",
    }


@pytest.mark.django_db
def test_the_defaults_are_loaded_as_the_one_active_version():
    policy = Policy.objects.get(is_active=True)
    assert policy.version == 1
    assert {name: getattr(policy, name) for name in DEFAULTS} == DEFAULTS


@pytest.mark.django_db
def test_stored_overrides_resolve_supplier_over_country_over_default():
    policy = Policy.objects.get(is_active=True)
    slow = SupplierFactory(name="Slow Co")
    CountryOverride.objects.create(
        policy=policy, country="BR", stale_in_transit_days=14, lost_package_days=40
    )
    SupplierOverride.objects.create(policy=policy, supplier=slow, stale_in_transit_days=10)
    book = active_policy_book()
    assert book.for_order("US", None).stale_in_transit_days == 7
    br = book.for_order("BR", None)
    assert (br.stale_in_transit_days, br.lost_package_days) == (14, 40)
    br_slow = book.for_order("BR", slow.pk)
    assert (br_slow.stale_in_transit_days, br_slow.lost_package_days) == (10, 40)
    assert br_slow.version == "v1 + country BR + supplier override"


@pytest.mark.django_db
def test_a_suppliers_own_processing_time_applies_unless_an_override_sets_one():
    policy = Policy.objects.get(is_active=True)
    supplier = SupplierFactory(name="Made To Order", processing_window_days=7)
    book = active_policy_book()
    assert book.for_order("US", supplier.pk, 7).processing_window_days == 7
    SupplierOverride.objects.create(policy=policy, supplier=supplier, processing_window_days=5)
    assert active_policy_book().for_order("US", supplier.pk, 7).processing_window_days == 5


@pytest.mark.django_db
def test_a_draft_copies_overrides_and_activating_it_retires_the_old_version():
    owner = verified(UserFactory(username="olga", role="Owner"))
    v1 = Policy.objects.get(is_active=True)
    CountryOverride.objects.create(policy=v1, country="BR", lost_package_days=40)
    draft = create_draft(base=v1, actor=owner, changes={"stale_in_transit_days": 9})
    assert not draft.is_active and draft.country_overrides.get().lost_package_days == 40
    activate(draft, actor=owner)
    v1.refresh_from_db()
    assert (v1.is_active, Policy.objects.get(is_active=True).stale_in_transit_days) == (False, 9)
    with pytest.raises(ValueError, match="already activated"):
        activate(v1, actor=owner)
