"""Server-side permission checks shared by admin views, actions, commands and services.

Each app names its permissions in its own `permissions.py`. The owner-only ones (`OWNER_ONLY`, the
apps' together) also need a second factor: a web session counts as the owner only once an authenticator
code verified it (django-otp's `OTPMiddleware` marks `request.user`), so a stolen password alone never
decides money, pauses a product, flags a supplier, changes the policy or the vendor map. Two places
refuse them to an unverified user: `require()` here, with a message that says why, and
`staletrack.second_factor.SecondFactorBackend`, which makes `has_perm` answer False for them, so the
admin's own checks (change forms, actions, buttons) agree with the services.
"""

from django.core.exceptions import PermissionDenied

from cases import permissions as cases_permissions
from policies import permissions as policies_permissions
from suppliers import permissions as suppliers_permissions

# API tokens for agents (staletrack.tokens): the owner makes, sees and revokes them (staletrack's 0003).
MANAGE_TOKENS = "staletrack.add_apitoken"
VIEW_TOKENS = "staletrack.view_apitoken"
TOKENS_OWNER_ONLY = frozenset({MANAGE_TOKENS, "staletrack.change_apitoken", VIEW_TOKENS})

# What the Owner role holds beyond Staff (cases/migrations/0003_roles.py, suppliers' 0004): a test keeps
# this set equal to that difference, so a new owner-only permission cannot skip the second factor.
OWNER_ONLY = (
    cases_permissions.OWNER_ONLY
    | suppliers_permissions.OWNER_ONLY
    | policies_permissions.OWNER_ONLY
    | TOKENS_OWNER_ONLY
)
SETUP_HINT = "enter your authenticator's code at /admin/second-factor/ (or log in again with it)"

# Set on a user object by `at_the_shell`; never on one a request carries.
_SHELL_MARK = "_second_factor_at_the_shell"


def at_the_shell(user):
    """Mark `user`, loaded by a command run at the server's shell (`--as-user`), as verified: whoever runs
    the command already holds the server and its database, which is more than a second factor proves.
    Returns the user (None stays None: the operator)."""
    if user is not None:
        setattr(user, _SHELL_MARK, True)
    return user


def is_verified(user) -> bool:
    """Whether `user` passed a second factor: a web session verified by an authenticator code (django-otp's
    middleware sets `otp_device` on `request.user` to the session's confirmed device, the login form to
    the device that took the code), or a command's user marked by `at_the_shell`. A user object that came
    from neither (loaded in code, a test's factory) is not."""
    return bool(getattr(user, _SHELL_MARK, False)) or getattr(user, "otp_device", None) is not None


def needs_second_factor(user, permission: str) -> bool:
    """True when `permission` is owner-only and `user` has not passed a second factor."""
    return permission in OWNER_ONLY and not is_verified(user)


def holds_without_second_factor(user, permission: str) -> bool:
    """Whether `user`'s roles grant `permission`, whatever their session: to tell an owner who must verify
    from a user who lacks the permission altogether."""
    if not user.is_active:
        return False
    return user.is_superuser or permission in user.get_all_permissions()


def require(actor, permission: str) -> None:
    """Refuse unless `actor` holds `permission`, and, for an owner-only one, passed a second factor. `None`
    is the operator at the server's shell, who already has the database; every path a web user can
    reach passes a real user (`request.user`)."""
    if actor is None:
        return
    if needs_second_factor(actor, permission):
        if holds_without_second_factor(actor, permission):
            raise PermissionDenied(
                f"{actor.get_username()} may use {permission} only from a session verified by a second "
                f"factor: {SETUP_HINT}."
            )
        raise PermissionDenied(f"{actor.get_username()} lacks the permission {permission}.")
    if not (actor.is_active and actor.has_perm(permission)):
        raise PermissionDenied(f"{actor.get_username()} lacks the permission {permission}.")
