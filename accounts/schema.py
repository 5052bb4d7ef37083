"""How the API key scheme appears in the OpenAPI schema (and so in the docs' Authorize box)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "The API key, in `X-API-Key: <key>` or `Authorization: Api-Key <key>`.",
        }
