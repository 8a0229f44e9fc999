"""What every API view shares: private caching, and ETags on the detail resources."""

import hashlib

from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.response import Response

from ..exceptions import QueryValidationError


class ApiResponses:
    """Answers differ per person: never stored by a shared cache, revalidated by the client's own."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ("Authorization", "Cookie"))
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_cache=True)
        return response


class ETagged(ApiResponses):
    """An ETag from the representation this person gets, and 304 Not Modified for If-None-Match.

    Computed from the rendered body, so it changes whenever anything shown changes (a new
    update, a verification, a redaction) and never says more than the body itself.
    """

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200 and isinstance(response, Response):
            response.render()
            response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:40]}"'
            response = get_conditional_response(request._request, etag=response["ETag"], response=response)
        return response


class StrictFilterBackend(DjangoFilterBackend):
    """The list's filters (commitments/filters.py); a value not understood answers 400 naming the parameter."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise QueryValidationError(filterset.errors)
        return filterset.qs
