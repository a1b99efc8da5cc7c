"""Version 1 of the store policy: the defaults of spec rules.md section 2, active."""

from django.db import migrations
from django.utils import timezone

# Frozen here on purpose: a migration must load the same numbers whatever the code says later.
RULES_V1_DEFAULTS = {
    "processing_window_days": 3,
    "label_created_max_days": 5,
    "accepted_no_movement_days": 4,
    "stale_in_transit_days": 7,
    "exception_grace_days": 3,
    "lost_package_days": 20,
    "supplier_response_days": 2,
    "review_risk_unanswered": 2,
    "product_review_threshold": 3,
    "product_review_days": 14,
    "supplier_flag_threshold": 3,
    "supplier_review_days": 30,
}


def load_defaults(apps, schema_editor):
    Policy = apps.get_model("policies", "Policy")
    if Policy.objects.exists():
        return
    Policy.objects.create(
        version=1,
        is_active=True,
        activated_at=timezone.now(),
        note="Defaults of the stale-tracking rules, version 1.",
        **RULES_V1_DEFAULTS,
    )


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
