"""Sign-in: password-guessing throttle and two-factor helpers."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses sign-in for a user name and address locked out after repeated failures.

    Sign-in through a page always carries the request. Code that authenticates without one
    (management commands, the test client's login()) is not a password-guessing channel,
    so it is let through to the next backend rather than failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip_address(request):
    """The client's address as the nearest trusted proxy saw it (TRUSTED_PROXY_COUNT proxies).

    The one definition of a client's address: sign-in throttling and the download log both use it.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def confirmed_totp_device(user):
    """The user's confirmed TOTP device, or None."""
    return next((d for d in devices_for_user(user, confirmed=True) if isinstance(d, TOTPDevice)), None)


def has_second_factor(user):
    return any(True for _ in devices_for_user(user, confirmed=True))
