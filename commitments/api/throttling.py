"""Per-token request rates (per person for a browser session): reads and writes counted apart.

The rates are settings.TRACKER_API_RATES, read on every request so that a change takes effect
without a restart of the module. Counts live in the cache that every app server shares.
"""

from django.conf import settings
from rest_framework import throttling
from rest_framework.permissions import SAFE_METHODS

from ..models import ApiToken


class TokenRateThrottle(throttling.SimpleRateThrottle):
    cache_format = "api-throttle:%(scope)s:%(ident)s"

    def __init__(self):
        # The scope depends on the request; the rate is chosen in allow_request().
        pass

    def allow_request(self, request, view):
        self.scope = "read" if request.method in SAFE_METHODS else "write"
        self.rate = settings.TRACKER_API_RATES[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
