"""The fast lane (docs/fast-lane.md): the Owner role answers owner-only-lane cases
(`cases.answer_owner_only_case`, owner-only: a second factor), and every reply recorded as sent keeps its
lane and the customer's wait (`SentReply`)."""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

OWNER = [("cases", "answer_owner_only_case")]


def _permissions(apps, wanted):
    # Permissions are normally created after all migrations; the group needs this one now.
    app_config = apps.get_app_config("cases")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in wanted]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    owner, _ = Group.objects.get_or_create(name="Owner")
    owner.permissions.add(*_permissions(apps, OWNER))


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name="Owner").first()
    if group is not None:
        group.permissions.remove(*_permissions(apps, OWNER))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0038_dispute_import"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="case",
            options={
                "ordering": ["-risk_rank", "order__ordered_at"],
                "permissions": [
                    ("import_cases", "Can import case bundles"),
                    (
                        "answer_owner_only_case",
                        "Can answer owner-only-lane cases (mark replies sent, record outcomes)",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="SentReply",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "lane",
                    models.CharField(
                        choices=[
                            ("fast", "fast lane"),
                            ("standard", "standard"),
                            ("owner_only", "owner-only"),
                        ],
                        max_length=10,
                    ),
                ),
                ("sent_at", models.DateTimeField()),
                (
                    "waited_seconds",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="From the oldest message the customer still waited on to the reply; empty: none waited.",
                        null=True,
                    ),
                ),
                (
                    "in_bulk",
                    models.BooleanField(default=False, help_text="Marked as sent from the bulk review."),
                ),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sent_replies",
                        to="cases.case",
                    ),
                ),
                (
                    "message",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to="cases.customermessage",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "sent replies",
                "ordering": ["-sent_at", "-id"],
                "indexes": [models.Index(fields=["sent_at"], name="sent_reply_by_time")],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
