"""Second-factor helpers for tests (staletrack.permissions: owner-only permissions need a verified session).

- `verified_login(client, user)`: log `user` in on a test client with a session verified by an
  authenticator, as the login form leaves it after a right code.
- `verified(user)`: a user object whose owner-only permissions count, for calling services directly
  (what a command run at the server's shell does, `staletrack.permissions.at_the_shell`).
- `give_authenticator(user)` and `code_now(device)`: a confirmed TOTP device and the code it accepts now.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from staletrack.permissions import at_the_shell
from staletrack.second_factor import confirmed_devices, current_code


def give_authenticator(user) -> TOTPDevice:
    """The user's confirmed authenticator (created when they have none)."""
    return confirmed_devices(user).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )


def code_now(device: TOTPDevice) -> str:
    """The code `device` accepts now (once: a used code is refused until the next one)."""
    device.refresh_from_db()
    return current_code(device)[0]


def verified_login(client, user) -> TOTPDevice:
    """`client.force_login(user)` with the session verified by the user's authenticator."""
    device = give_authenticator(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def verified(user):
    """`user`, marked as having passed a second factor, for direct service calls."""
    return at_the_shell(user)
