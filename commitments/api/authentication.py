"""Who is asking: a personal access token (`Authorization: Bearer trk_...`), or a browser's session.

A token acts as its owner. Whether it is accepted is access.api_token_refusal(); every request
made with an accepted token is logged (services.people.api_token_use_record).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication

from .. import access
from ..auth import client_ip_address
from ..models import ApiToken
from ..services import people
from .exceptions import TokenRefused

KEYWORD = "Bearer"
# Longer than any token this tracker makes: anything longer is refused without a lookup.
MAX_TOKEN_LENGTH = 200


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        # Read as text: a header is whatever the client sent (a server decodes it as Latin-1).
        header = request.META.get("HTTP_AUTHORIZATION", "").split()
        if not header or header[0].lower() != KEYWORD.lower():
            return None
        if len(header) != 2 or len(header[1]) > MAX_TOKEN_LENGTH:
            raise TokenRefused(_("Send the token as: Authorization: Bearer <token>."))
        secret = header[1]
        if not (secret.isascii() and secret.isprintable()):
            raise TokenRefused(_("The token is not valid."))
        token = ApiToken.objects.select_related("user").filter(key_hash=people.api_token_hash(secret)).first()
        if token is None:
            raise TokenRefused(_("The token is not valid."))
        refusal = access.api_token_refusal(token)
        if refusal:
            raise TokenRefused(refusal)
        people.api_token_use_record(
            token=token,
            method=request.method,
            path=request.path,
            ip_address=client_ip_address(request),
        )
        return token.user, token

    def authenticate_header(self, request):
        # Makes an unauthenticated request answer 401 (with this challenge), not 403.
        return f'{KEYWORD} realm="api"'


class BrowserSessionAuthentication(authentication.SessionAuthentication):
    """The signed-in browser's session (with Django's CSRF check on writes), as on the pages."""
