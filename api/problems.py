"""Errors as RFC 9457 problem details: `application/problem+json` with type, title, status
and detail, and `errors` (each with where and what) for a request that did not validate.

Every error of the API comes through here, so that clients see one shape whatever failed:
their key, the room, the input or the rate limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

CONTENT_TYPE = "application/problem+json"

UNAUTHORIZED = gettext_lazy(
    "Send a valid API key: “Authorization: Bearer <key>”. This one is unknown or was revoked."
)
NOT_FOUND = gettext_lazy("There is nothing here, or you may not see it.")
TOO_MANY = gettext_lazy("Too many requests with this key. Wait %(seconds)d seconds, then retry.")
TOO_BIG = gettext_lazy("The request is too large.")
MALFORMED = gettext_lazy("The request could not be read.")


class Problem(Exception):
    """An error to answer with: raised anywhere in the API's code."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail
        self.errors, self.headers = errors, headers or {}


def problem_response(problem: Problem) -> HttpResponse:
    body: dict[str, Any] = {
        # "about:blank": the status says it all (RFC 9457, section 4.2.1).
        "type": "about:blank",
        "title": HTTPStatus(problem.status).phrase,
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.errors is not None:
        body["errors"] = problem.errors
    response = JsonResponse(body, status=problem.status, content_type=CONTENT_TYPE)
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def field_errors(errors: Mapping[str, Iterable[Any]]) -> list[dict[str, Any]]:
    """A Django form's errors ({field: [messages]}) as the problem's `errors`."""
    return [
        {"field": field, "message": str(message)}
        for field, messages in errors.items()
        for message in messages
    ]


def install(api: NinjaAPI) -> None:
    """Answer every error of `api` with a problem document."""
    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (Problem, lambda request, exc: problem_response(exc)),
        (AuthenticationError, _unauthorized),
        (HttpError, _http_error),
        (ValidationError, _invalid),
        (Http404, _answer(404, NOT_FOUND)),
        # Bodies Django cannot or will not parse (too many fields, broken multipart, too large).
        (SuspiciousOperation, _answer(400, MALFORMED)),
        (MultiPartParserError, _answer(400, MALFORMED)),
        (RequestDataTooBig, _answer(413, TOO_BIG)),
    ]
    for exception, handler in handlers:
        api.add_exception_handler(exception, handler)


def _answer(status: int, detail: Any) -> Callable[[HttpRequest, Any], HttpResponse]:
    return lambda request, exc: problem_response(Problem(status, str(detail)))


def _unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    problem = Problem(401, str(UNAUTHORIZED), headers={"WWW-Authenticate": "Bearer"})
    return problem_response(problem)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(Problem(exc.status_code, exc.message))


def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        # "loc" is where: ("query", "limit"), ("path", "message_id"), ...
        {"field": ".".join(str(part) for part in error.get("loc", ())), "message": error["msg"]}
        for error in exc.errors
    ]
    return problem_response(Problem(422, _("The request is not valid."), errors))
