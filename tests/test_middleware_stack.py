"""The HTTP middleware stack runs synchronously in one worker thread (chatsite/middleware.py)."""

from __future__ import annotations

import logging

import pytest
from django.core.handlers.asgi import ASGIHandler

ADAPTED = "handler adapted for"


@pytest.fixture
def adaptations(settings, caplog) -> list[str]:
    """What Django says it adapts while it builds the stack for ASGI (it says so with DEBUG)."""
    settings.DEBUG = True
    with caplog.at_level(logging.DEBUG, logger="django.request"):
        ASGIHandler()
    return [record.getMessage() for record in caplog.records if ADAPTED in record.getMessage()]


def test_every_middleware_runs_synchronously_with_one_hop_back_to_the_view(adaptations):
    # Django adapts (and says so) wherever one layer's mode differs from the next one's: one
    # adaptation, below the last middleware, means that all of them run in one mode, sync,
    # in the thread the request enters once (that top hop Django does not log).
    assert adaptations == [
        "Asynchronous handler adapted for middleware chatsite.middleware.SynchronousStack."
    ]


def test_the_stack_ends_with_the_synchronous_middleware(settings):
    assert settings.MIDDLEWARE[-1] == "chatsite.middleware.SynchronousStack"
