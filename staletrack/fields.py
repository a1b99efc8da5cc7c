"""Model fields the apps declare alike: a link that may be empty, and the user who did something."""

from django.conf import settings
from django.db import models


def optional_link(to, *, on_delete, related_name: str = "+", **options) -> models.ForeignKey:
    """A foreign key that may be empty (NULL, and blank in forms); not followed back unless named."""
    return models.ForeignKey(
        to, null=True, blank=True, on_delete=on_delete, related_name=related_name, **options
    )


def done_by(*, on_delete=models.SET_NULL, **options) -> models.ForeignKey:
    """The user who did something: emptied when the user is deleted, unless `on_delete` protects it."""
    return optional_link(settings.AUTH_USER_MODEL, on_delete=on_delete, **options)


def standing(choices: type[models.TextChoices], *, max_length: int) -> tuple[models.Field, ...]:
    """A standing that a person sets with a reason (a supplier's status, a product's state), starting at the
    first of its choices: the fields (standing, its reason, when it last changed, who changed it),
    declared together as `x, x_reason, x_changed_at, x_changed_by = standing(...)`."""
    return (
        models.CharField(max_length=max_length, choices=choices.choices, default=choices.values[0]),
        models.TextField(blank=True),
        models.DateTimeField(null=True, blank=True),
        done_by(),
    )
