"""The HTTP API, version 1 (README "Integrations"): /api/v1/, its OpenAPI document at
/api/v1/openapi.json and interactive docs at /api/v1/docs, served from this site's own
static files (django-ninja ships Swagger UI's), so the site's CSP holds there too."""

from __future__ import annotations

from ninja import NinjaAPI, Swagger

from api import messages, problems, rooms
from api.auth import AUTH

api = NinjaAPI(
    title="Chat API",
    version="1",
    description=(
        "Post and read messages as a bot or a person. Authenticate with "
        "`Authorization: Bearer <key>` (a bot's key, or a personal API token from your "
        "settings page). Errors are RFC 9457 problem details."
    ),
    urls_namespace="api-v1",
    docs=Swagger(settings={"persistAuthorization": False}),
    auth=AUTH,
)
api.add_router("", rooms.router)
api.add_router("", messages.router)
problems.install(api)
