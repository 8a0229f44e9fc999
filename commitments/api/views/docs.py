"""The OpenAPI schema, its documentation (Swagger UI, served from the project's own static files),
and the problem types that errors point to."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..errors import problem_type_url
from ..exceptions import PROBLEM_TYPES
from .base import ApiResponses


class Schema(ApiResponses, SpectacularAPIView):
    """The OpenAPI 3 schema of this API (YAML; ?format=json for JSON)."""


# A page for people: signing in is by the site's login page, like every other page. Swagger UI
# sets a few styles inline and draws its icons as data: images; on this page only, those are
# allowed (never an inline script, never another site).
docs = login_required(
    csp_update({"style-src": [UNSAFE_INLINE], "img-src": ["data:"]})(
        SpectacularSwaggerSplitView.as_view(url_name="api:schema")
    )
)


class ProblemType(ApiResponses, APIView):
    """What a problem type means. Open to anyone, like an error page: it holds no record."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "ProblemType",
            {"type": serializers.URLField(), "title": serializers.CharField(), "description": serializers.CharField()},
        )
    )
    def get(self, request, slug):
        if slug not in PROBLEM_TYPES:
            raise Http404
        title, description = PROBLEM_TYPES[slug]
        return Response({"type": problem_type_url(request, slug), "title": title, "description": description})
