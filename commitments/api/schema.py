"""How the schema describes this API's authentication (drf-spectacular extensions)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "commitments.api.authentication.BearerTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token from your settings page: `Authorization: Bearer trk_...`.",
        }


class BrowserSessionScheme(OpenApiAuthenticationExtension):
    target_class = "commitments.api.authentication.BrowserSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem-details document.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "about:blank, or the address of a problem type of this API"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The address asked for."},
        "errors": {
            "type": "array",
            "description": "Each problem of a 400, with where it is.",
            "items": {
                "type": "object",
                "required": ["detail"],
                "properties": {
                    "detail": {"type": "string"},
                    "pointer": {"type": "string", "description": "A JSON pointer into the body, e.g. #/note"},
                    "parameter": {"type": "string", "description": "A query parameter"},
                    "header": {"type": "string", "description": "A request header"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}


def add_problem_responses(result, generator, request, public):
    """Every operation may answer a problem (4XX, 5XX) as application/problem+json: say so in the schema."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {
        "description": "A problem: see `errors` for each field of a 400.",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            operation.setdefault("responses", {}).setdefault("4XX", problem)
    return result
