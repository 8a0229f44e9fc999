"""The API's one permission: signed in, and within the token's scope. Which records a person
may read or change is decided by visible_to(user) and access.py, as on the pages."""

from rest_framework import permissions

from .. import access
from .exceptions import ReadOnlyToken


class SignedInWithinTokenScope(permissions.BasePermission):
    def has_permission(self, request, view):
        if not access.is_signed_in(request.user):
            return False
        if request.method not in permissions.SAFE_METHODS and not access.may_write_through(request.auth):
            raise ReadOnlyToken()
        return True
