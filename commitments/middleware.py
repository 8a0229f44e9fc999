from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

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


class RequireTwoFactorMiddleware:
    """When two-factor is required, a reviewer or administrator signed in with a password only
    may reach nothing but enrolment, the code step and sign-out."""

    ALLOWED_URL_NAMES = ("two_factor_setup", "two_factor_verify", "logout", "login")

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
