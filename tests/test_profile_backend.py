"""Who a request or socket is signed in as comes with their profile, in one query
(accounts/backends.py), and sessions made before the backend's name changed still work."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.backends import ProfileBackend
from accounts.models import Profile
from accounts.people import display_name

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
PROFILE_BACKEND = "accounts.backends.ProfileBackend"


def test_the_user_comes_with_their_profile_in_one_query(alice, django_assert_num_queries):
    Profile.objects.create(user=alice, display_name="Alice A.")
    with django_assert_num_queries(1):
        user = ProfileBackend().get_user(alice.pk)
        assert display_name(user) == "Alice A."


def test_someone_without_a_profile_shows_their_username_without_another_query(
    alice, django_assert_num_queries
):
    with django_assert_num_queries(1):
        user = ProfileBackend().get_user(alice.pk)
        assert display_name(user) == "alice"


def test_nobody_comes_back_for_an_unknown_or_inactive_account(alice):
    assert ProfileBackend().get_user(alice.pk + 1000) is None
    alice.is_active = False
    alice.save()
    assert ProfileBackend().get_user(alice.pk) is None


def test_a_post_renders_its_author_without_asking_for_their_profile(alice, room):
    Profile.objects.create(user=alice, display_name="Alice A.")
    client = Client()
    client.login(username="alice", password="correct horse battery")
    assert client.session[BACKEND_SESSION_KEY] == PROFILE_BACKEND
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/chat/{room.name}/messages/", {"body": "hello"}, headers={"HX-Request": "true"}
        )
    assert "Alice A." in response.content.decode()
    assert not [query for query in queries if query["sql"].startswith('SELECT "accounts_profile"')]


@pytest.mark.django_db(transaction=True)
def test_sessions_made_through_djangos_backend_are_renamed_and_stay_signed_in(alice):
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0002_profile_is_bot")])
    old = SessionStore()
    old.update({"_auth_user_id": str(alice.pk), BACKEND_SESSION_KEY: MODEL_BACKEND,
                "_auth_user_hash": alice.get_session_auth_hash(), "kept": "yes"})  # fmt: skip
    old.create()
    other = SessionStore()
    other.update({"kept": "too"})
    other.create()

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    renamed = SessionStore(old.session_key).load()
    assert renamed == {**dict(old.items()), BACKEND_SESSION_KEY: PROFILE_BACKEND}
    assert SessionStore(other.session_key).load() == {"kept": "too"}
    client = Client()
    client.cookies["sessionid"] = old.session_key
    response = client.get("/chat/")
    assert response.status_code == 200
    assert response.wsgi_request.user == get_user_model().objects.get(username="alice")
