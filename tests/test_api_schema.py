"""The OpenAPI schema: valid OpenAPI 3, served to people signed in, and describing exactly the
endpoints and methods that exist."""

import re

import pytest
import yaml
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openapi_spec_validator import validate

from tests.factories import UserFactory, api_token

pytestmark = pytest.mark.django_db

API_NAMESPACE = "api"
# Not operations of the API but pages about it: the documentation, and the schema itself.
NOT_IN_THE_SCHEMA = {"api:docs", "api:schema"}


@pytest.fixture
def schema(client):
    _token, secret = api_token(UserFactory(role="Viewer"), access_level="read")
    response = client.get(reverse("api:schema"), HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def api_patterns(patterns=None, prefix="", namespace=""):
    """(name, OpenAPI path, view) for every URL under the API's namespace."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from api_patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and namespace == f"{API_NAMESPACE}:":
            path = "/" + prefix + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(entry.pattern))
            yield f"{namespace}{entry.name}", path, entry.callback


def test_the_schema_is_valid_openapi_3(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


def test_the_schema_describes_every_endpoint_and_nothing_else(schema):
    expected = {path for name, path, _view in api_patterns() if name not in NOT_IN_THE_SCHEMA}
    assert set(schema["paths"]) == expected


def test_each_path_has_the_methods_its_view_answers(schema):
    for name, path, view in api_patterns():
        if name in NOT_IN_THE_SCHEMA:
            continue
        view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
        answered = {method for method in ("get", "post", "put", "patch", "delete") if hasattr(view_class, method)}
        assert set(schema["paths"][path]) == answered, name


def test_every_operation_says_how_to_authenticate_and_errors_are_problem_details(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["token"]["description"],
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/api/problems/"):
                continue
            assert {"token": []} in operation["security"], (path, method)
            problem = operation["responses"]["4XX"]["content"]["application/problem+json"]
            assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}, (path, method)


def test_the_schema_is_for_people_signed_in(client):
    assert client.get(reverse("api:schema")).status_code == 401


def test_the_documentation_page_is_served_from_the_project_without_any_other_site(client):
    assert client.get(reverse("api:docs")).status_code == 302  # to the login page
    client.force_login(UserFactory(role="Viewer"))
    page = client.get(reverse("api:docs")).content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") for source in sources), sources
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content
