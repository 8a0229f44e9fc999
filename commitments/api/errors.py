"""Errors as RFC 9457 problem details (application/problem+json), with each field's error.

Every error of the API, whatever raised it (a serializer, a filter, the service's own
checks, a missing record, a refused token, a throttle), leaves here in one shape:

    {"type": ..., "title": ..., "status": 400, "detail": ..., "instance": "/api/...",
     "errors": [{"detail": ..., "pointer": "#/effective_on"} | {"parameter": "status"} | {"header": ...}]}
"""

from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ..views.errors import page_not_found
from .exceptions import PROBLEM_TYPES, ApiValidationError, QueryValidationError

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_type_url(request, slug):
    return request.build_absolute_uri(reverse("api:problem_type", args=[slug]))


def _flatten(detail, prefix=""):
    """[(JSON pointer, message, code)] from a DRF error detail (dicts and lists nest)."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            where = prefix if key in ("non_field_errors", "__all__") else f"{prefix}/{key}"
            found += _flatten(value, where)
        return found
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [(prefix, str(item), getattr(item, "code", None)) for item in detail]
        found = []
        for index, value in enumerate(detail):
            if value:
                found += _flatten(value, f"{prefix}/{index}")
        return found
    return [(prefix, str(detail), getattr(detail, "code", None))]


def field_errors(detail, *, query=False):
    """The `errors` member: each message with where it applies (a body pointer, or a query parameter)."""
    errors = []
    for pointer, message, code in _flatten(detail):
        entry = {"detail": message}
        if query:
            entry["parameter"] = pointer.lstrip("/").split("/")[0] or None
        else:
            entry["pointer"] = "#" + pointer if pointer else "#/"
        if code:
            entry["code"] = code
        errors.append(entry)
    return errors


def problem(request, *, status_code, title, detail="", type_slug=None, errors=None, headers=None):
    """A problem-details response."""
    body = {
        "type": problem_type_url(request, type_slug) if type_slug else "about:blank",
        "title": str(title),
        "status": status_code,
    }
    if detail:
        body["detail"] = str(detail)
    body["instance"] = request.path
    if errors is not None:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
    return response


def _title(status_code):
    return HTTPStatus(status_code).phrase


def problem_exception_handler(exc, context):
    """DRF's exception handler, answering problem details (and a 400/413 for Django's refusals)."""
    request = context["request"]
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, RequestDataTooBig):
        return problem(
            request,
            status_code=413,
            title=_title(413),
            detail=_("The request is larger than this server accepts."),
        )
    if isinstance(exc, SuspiciousOperation):
        return problem(request, status_code=400, title=_title(400), detail=_("The request was refused as malformed."))
    # DRF turns Django's Http404 and PermissionDenied into its own; anything else is a server error.
    response = exception_handler(exc, context)
    if response is None:
        return None
    headers = {key: value for key, value in response.items() if key.lower() in ("retry-after", "www-authenticate")}
    status_code = response.status_code
    if isinstance(exc, ApiValidationError):
        return problem(
            request,
            status_code=400,
            title=PROBLEM_TYPES["validation-error"][0],
            type_slug="validation-error",
            errors=exc.errors,
            detail=_("See `errors` for each problem."),
        )
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            request,
            status_code=400,
            title=PROBLEM_TYPES["validation-error"][0],
            type_slug="validation-error",
            errors=field_errors(exc.detail, query=isinstance(exc, QueryValidationError)),
            detail=_("See `errors` for each problem."),
        )
    slug = getattr(exc, "problem_type", None)
    title = PROBLEM_TYPES[slug][0] if slug else _title(status_code)
    detail = exc.detail if isinstance(getattr(exc, "detail", None), str) else ""
    return problem(request, status_code=status_code, title=title, detail=detail, type_slug=slug, headers=headers)


def not_found(request, exception=None):
    """The site's 404 page; under /api/, a problem-details answer instead of HTML."""
    if request.path.startswith(reverse("api:root")):
        body = {"type": "about:blank", "title": _title(404), "status": 404, "instance": request.path}
        return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"default": str})
    return page_not_found(request, exception)
