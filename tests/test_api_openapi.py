"""The API's OpenAPI document: valid OpenAPI, listing every endpoint the URLconf routes, with
its security schemes and error shapes; and the interactive docs, served from this site."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import get_resolver
from openapi_spec_validator import validate

from api.api import api


def document() -> dict:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def routed_paths() -> set[str]:
    """Every operation path the URLconf routes under /api/v1/, as OpenAPI writes them."""
    paths = set()
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern) != "api/v1/":
            continue
        for route in pattern.url_patterns:
            if route.name in ("api-root", "openapi-json", "openapi-view"):
                continue
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(route.pattern))
            paths.add("/api/v1/" + path)
    return paths


def test_the_document_is_valid_openapi():
    validate(document())


def test_the_document_lists_every_endpoint():
    paths = document()["paths"]
    assert set(paths) == routed_paths()
    operations = {(method, path) for path, item in paths.items() for method in item}
    assert operations == {
        ("get", "/api/v1/rooms"),
        ("get", "/api/v1/rooms/{room}/messages"),
        ("post", "/api/v1/rooms/{room}/messages"),
        ("get", "/api/v1/messages/{message_id}"),
    }


def test_every_operation_requires_a_key_or_session_and_documents_its_errors():
    doc = document()
    assert set(doc["components"]["securitySchemes"]) == {"BearerKey", "SessionCookie"}
    for item in doc["paths"].values():
        for operation in item.values():
            assert {"BearerKey": []} in operation["security"]
            for status in ("401", "404", "429"):
                assert status in operation["responses"]


def test_posting_documents_json_text_and_multipart_bodies():
    post = document()["paths"]["/api/v1/rooms/{room}/messages"]["post"]
    content = post["requestBody"]["content"]
    assert set(content) == {"application/json", "text/plain", "multipart/form-data"}
    assert "201" in post["responses"]


def test_the_docs_page_uses_only_this_sites_files():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(source.startswith("/static/ninja/") for source in sources)
    assert "<script>" not in html.replace('<script type="application/json"', "")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "cdn" not in csp


def test_the_api_is_version_1_under_its_namespace():
    assert api.version == "1"
    assert api.urls_namespace == "api-v1"
