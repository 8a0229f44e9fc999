from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from . import access, auth
from .views.operations import healthz


class HealthCheckMiddleware:
    """Answers /healthz before host checks, HTTPS redirects and sessions: load balancers
    probe servers by address over plain HTTP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return healthz(request)
        return self.get_response(request)


class PrivateCacheMiddleware:
    """Every response to a signed-in person (pages, exports, downloads) carries
    `Cache-Control: private, no-store`: what they may read is theirs, not a cache's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class RequireTwoFactorMiddleware:
    """When two-factor is required, a reviewer or administrator signed in with a password only
    may reach nothing but enrolment, the code step and sign-out."""

    # The QR code is part of enrolment: without it a forced enrolment shows a broken image.
    ALLOWED_URL_NAMES = ("two_factor_setup", "two_factor_qr", "two_factor_verify", "logout", "login")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.TRACKER_REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and access.needs_two_factor(user)
        ):
            allowed = [reverse(name) for name in self.ALLOWED_URL_NAMES]
            static = request.path.startswith("/static/")
            if request.path not in allowed and not static:
                target = "two_factor_verify" if auth.has_second_factor(user) else "two_factor_setup"
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
