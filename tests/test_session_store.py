"""Sessions are read with plain SQL (accounts/session_store.py) exactly as Django's own
database store reads them: on SQLite and PostgreSQL alike (TEST_DATABASE)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def stored(data: dict) -> str:
    session = db.SessionStore()
    session.update(data)
    session.create()
    return session.session_key


def test_a_session_reads_as_djangos_store_reads_it():
    key = stored({"a": 1, "text": "ñ <b>", "nested": {"list": [1, 2]}})
    assert SessionStore(key).load() == db.SessionStore(key).load()
    assert SessionStore(key).load() == {"a": 1, "text": "ñ <b>", "nested": {"list": [1, 2]}}


def test_an_expired_session_reads_as_none_and_is_not_kept():
    key = stored({"a": 1})
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    session = SessionStore(key)
    assert session.load() == {}
    assert session.session_key is None


@pytest.mark.parametrize(
    "key", ["", "a" * 40, "' OR '1'='1", "x" * 4000, "ключключ", "abcdefgh\x00ijk"], ids=repr
)
def test_unknown_empty_and_hostile_keys_read_as_no_session(key):
    stored({"a": 1})
    session = SessionStore(key)
    assert session.load() == {}
    assert session.session_key is None


def test_a_signed_in_person_stays_signed_in(alice):
    client = Client()
    assert client.login(username="alice", password="correct horse battery")
    assert client.get("/chat/").status_code == 200
    assert client.get("/chat/").wsgi_request.user.username == "alice"
