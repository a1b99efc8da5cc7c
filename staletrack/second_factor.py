"""A second factor for owners.

TOTP authenticators (django-otp), the login form that asks for their code,
the page where a user sets one up, and the permission backend that withholds the owner-only
permissions (staletrack.permissions.OWNER_ONLY) from a session no code verified.

- The login form asks for the code only of a user with a confirmed authenticator: staff without one log
  in with their password as before. A right code verifies the session (django-otp keeps the device in it).
- `SecondFactorBackend` answers no to an owner-only permission for a user whose session is not verified,
  so the admin's forms, actions and buttons refuse what the services' `require()` refuses.
- The page (`setup_view`, /admin/second-factor/) lets a signed-in user set up an authenticator (QR code and
  otpauth:// address, confirmed by a first code), verify the current session with a code, or replace
  the authenticator from a verified session. A user who has one never replaces it with a password alone.
  The first one is set up with the password alone (trust on first use, audited): a store that wants
  otherwise sets its owners' authenticators up before handing out their passwords.
"""

from __future__ import annotations

import io
import ipaddress
import re
import time
from datetime import timedelta

import django_otp
import qrcode
from django import forms
from django.conf import settings
from django.contrib.admin import site as admin_site
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from cases.services import logins
from staletrack.permissions import OWNER_ONLY, holds_without_second_factor, is_verified, needs_second_factor

CODE_REQUIRED = "Enter the 6-digit code your authenticator app shows for staletrack."
CODE_WRONG = "That code is not the one your authenticator shows now: try the next one."
CODE_THROTTLED = "Too many wrong codes: wait {seconds} seconds before the next try."
DEVICE_NAME = "authenticator"


# ---------------------------------------------------------------------------------------------------
# Who is asking, and for how long a lockout lasts (django-axes reads `client_ip` too).


def client_ip(request) -> str | None:
    """The client's address. Behind `LOGIN_TRUSTED_PROXIES` reverse proxies of the store's own, the one
    the outermost of them saw: X-Forwarded-For read from the right, where a client cannot write. A value
    that is not an address falls back to the connection's own."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.LOGIN_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote


def cool_off_text() -> str:
    cool_off = settings.AXES_COOLOFF_TIME
    if not isinstance(cool_off, timedelta):
        return "until an administrator unlocks them"
    minutes = int(cool_off.total_seconds() // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


# ---------------------------------------------------------------------------------------------------
# The permission backend.


class SecondFactorBackend:
    """Authenticates no one and grants nothing. Listed before ModelBackend: for an owner-only permission
    asked of a user whose session no code verified it raises PermissionDenied, which makes Django answer
    False at once (`_user_has_perm`), whatever the user's roles. (An active superuser's `has_perm` never
    asks the backends; `require()` still refuses them.)"""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if needs_second_factor(user_obj, perm):
            raise PermissionDenied
        return False


def owner_actions_off(user) -> bool:
    """True for a user whose roles hold owner-only permissions that their session cannot use yet."""
    if not user.is_authenticated or is_verified(user):
        return False
    return user.is_superuser or any(holds_without_second_factor(user, perm) for perm in OWNER_ONLY)


def context(request) -> dict:
    """Template context: the header's link to the authenticator page says whether owner actions are off."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"second_factor": {"verified": is_verified(user), "owner_actions_off": owner_actions_off(user)}}


# ---------------------------------------------------------------------------------------------------
# Devices and codes.


def confirmed_devices(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")


def current_code(device: TOTPDevice) -> tuple[str, int, bool]:
    """The code `device` accepts now, the seconds it stays valid, and whether it was already used (a
    TOTP code is accepted once: the next one then works)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = now = time.time()
    step = int(device.step)
    left = step - int(now - device.t0) % step
    return f"{totp.token():0{device.digits}d}", left, totp.t() <= device.last_t


def _check(devices, token: str) -> tuple[TOTPDevice | None, str]:
    """Try `token` on each device (locked: two tries of one code cannot both pass). Returns the device
    that took it, or None and why not. Wrong codes slow the next tries down (django-otp's throttling),
    which is why this returns instead of raising: the count must be kept."""
    refusal = CODE_WRONG
    for device in devices.select_for_update():
        allowed, extra = device.verify_is_allowed()
        if not allowed:
            seconds = (extra or {}).get("locked_until")
            refusal = CODE_THROTTLED.format(seconds=_seconds_until(seconds) if seconds else "a few")
            continue
        if device.verify_token(token):
            return device, ""
    return None, refusal


def _seconds_until(moment) -> int:
    return max(1, int((moment - timezone.now()).total_seconds()) + 1)


def verify_code(user, token: str, *, request, where: str) -> TOTPDevice | None:
    """The confirmed device of `user` that accepts `token`; None when the user has none (no code asked).
    A missing or wrong code is a ValidationError; a wrong one is audited."""
    devices = confirmed_devices(user)
    if not devices.exists():
        return None
    token = (token or "").strip().replace(" ", "")
    if not token:
        raise ValidationError(CODE_REQUIRED, code="code_required")
    with transaction.atomic():
        device, refusal = _check(devices, token)
    if device is None:
        logins.record_second_factor_failure(user=user, ip_address=client_ip(request), where=where)
        raise ValidationError(refusal, code="code_wrong")
    return device


def start_setup(*, user) -> TOTPDevice:
    """The user's authenticator being set up (unconfirmed): a new secret, replacing any earlier one not
    confirmed. Confirmed devices stay until the new one is confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def confirm_setup(*, user, token: str, request) -> TOTPDevice:
    """Confirm the device being set up with its first code: it becomes the user's one authenticator
    (earlier ones are removed), this session is verified by it, and the change is audited. Refused with
    PermissionDenied when the user already has one and this session is not verified by it."""
    if confirmed_devices(user).exists() and not is_verified(user):
        raise PermissionDenied("Verify this session with your current authenticator before replacing it.")
    token = (token or "").strip().replace(" ", "")
    if not token:
        raise ValidationError(CODE_REQUIRED, code="code_required")
    with transaction.atomic():
        device, refusal = _check(TOTPDevice.objects.filter(user=user, confirmed=False), token)
        replaced = 0
        if device is not None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            replaced, _ = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    if device is None:
        logins.record_second_factor_failure(user=user, ip_address=client_ip(request), where="setting up")
        raise ValidationError(refusal, code="code_wrong")
    django_otp.login(request, device)
    logins.record_second_factor_set_up(user=user, ip_address=client_ip(request), replaced=replaced)
    return device


def qr_svg(uri: str) -> str:
    """The otpauth:// address as an inline SVG QR code (no image request, nothing a content security
    policy has to allow): one path in the default namespace, as HTML reads inline SVG, scaled by its box."""
    out = io.BytesIO()
    qrcode.make(uri, image_factory=SvgPathImage).save(out)
    svg = out.getvalue().decode()
    svg = svg[svg.index("<svg") :]
    return re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg width="100%" height="100%"', svg)


# ---------------------------------------------------------------------------------------------------
# The login form.


class SecondFactorLoginForm(AdminAuthenticationForm):
    """The admin's login form with an authenticator code, needed only from users who have set one up."""

    otp_token = forms.CharField(
        label="Authenticator code",
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text="If you set up an authenticator: the 6 digits it shows for staletrack now.",
    )

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        if user is not None:
            # django-otp's user_logged_in receiver keeps the device in the session once Django logs in.
            user.otp_device = verify_code(
                user, cleaned_data.get("otp_token", ""), request=self.request, where="login"
            )
        return cleaned_data


# ---------------------------------------------------------------------------------------------------
# The page.


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def setup_view(request):
    """GET: the user's authenticator and this session's state. POST `action`: `confirm` a device being set
    up with its first code, `verify` this session with a code, `replace` (from a verified session) or
    `cancel` a replacement."""
    user = request.user
    has_device = confirmed_devices(user).exists()
    verified = is_verified(user)
    form = CodeForm(request.POST or None)
    here = reverse("second_factor")
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in {"replace", "cancel"}:
            if not (has_device and verified):
                raise PermissionDenied("Verify this session with your current authenticator first.")
            if action == "replace":
                start_setup(user=user)
            else:
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            return redirect(here)
        if action not in {"confirm", "verify"}:
            raise PermissionDenied("Unknown action.")
        if form.is_valid():
            try:
                if action == "confirm":
                    confirm_setup(user=user, token=form.cleaned_data["code"], request=request)
                else:
                    device = verify_code(
                        user, form.cleaned_data["code"], request=request, where="verifying a session"
                    )
                    if device is None:
                        raise ValidationError("You have no authenticator yet: set one up below.")
                    django_otp.login(request, device)
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                return redirect(here)
    elif not has_device and not TOTPDevice.objects.filter(user=user, confirmed=False).exists():
        start_setup(user=user)
    pending = (
        TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if (not has_device or verified)
        else None
    )
    context = {
        **admin_site.each_context(request),
        "title": "Authenticator (second factor)",
        "has_device": has_device,
        "verified": is_verified(user),
        "owner_actions_off": owner_actions_off(user),
        "pending": pending,
        "otpauth_uri": pending.config_url if pending else "",
        "qr_svg": mark_safe(qr_svg(pending.config_url)) if pending else "",  # our own generated SVG
        "form": form,
    }
    return TemplateResponse(request, "admin/second_factor.html", context)
