"""The API's own exceptions and problem types (see errors.py for how every error is answered).

Kept apart from errors.py, which imports DRF's views: authentication imports these while DRF
itself is still being set up.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status

# The problem types this API defines, each described at /api/problems/<slug>/.
PROBLEM_TYPES = {
    "validation-error": (
        _("The request has errors"),
        _("One or more fields, query parameters or headers are invalid; `errors` names each one and says why."),
    ),
    "idempotency-key-reused": (
        _("Idempotency-Key reused for a different request"),
        _(
            "The Idempotency-Key was used before, by you, for a request that recorded something else. "
            "Use a new key for a new update."
        ),
    ),
    "token-refused": (
        _("The token is not accepted"),
        _("The token is unknown, expired or revoked, or its owner's account no longer allows it. Make a new one."),
    ),
    "read-only-token": (
        _("The token is read-only"),
        _("This request changes records; make a read-and-write token on your settings page to send it."),
    ),
}


class ApiValidationError(exceptions.ValidationError):
    """Errors where each entry says where it is: {"pointer"|"parameter"|"header": name, "detail": message}."""

    def __init__(self, errors):
        super().__init__(detail=[])
        self.errors = errors


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used for a different update.")
    problem_type = "idempotency-key-reused"


class ReadOnlyToken(exceptions.PermissionDenied):
    default_detail = _("This token is read-only.")
    problem_type = "read-only-token"


class TokenRefused(exceptions.AuthenticationFailed):
    problem_type = "token-refused"


class QueryValidationError(exceptions.ValidationError):
    """Invalid query parameters (the list's filters): each error names its parameter."""
