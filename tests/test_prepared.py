"""One-row reads compiled once (chatsite/prepared.py) find what Django's own queryset finds,
related rows and converted values included, on SQLite and PostgreSQL (TEST_DATABASE)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Profile
from chatsite.prepared import Prepared
from rooms.models import Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_profile() -> Prepared:
    return Prepared(lambda pk: get_user_model().objects.select_related("profile").filter(pk=pk))


def test_each_read_finds_its_own_row_with_its_related_row(with_profile, alice, bob):
    Profile.objects.create(user=alice, display_name="Alice A.", is_bot=True)
    for _ in range(2):  # compiled by the first read, run prepared by the second
        found = with_profile.first(alice.pk)
        assert found == alice
        assert found.date_joined == alice.date_joined
        assert isinstance(found.date_joined, datetime)
        assert found.is_active is True
        with CaptureQueriesContext(connection) as queries:
            assert (found.profile.display_name, found.profile.is_bot) == ("Alice A.", True)
            # No profile: cached as missing, so reading it asks nothing either.
            with pytest.raises(Profile.DoesNotExist):
                with_profile.first(bob.pk).profile  # noqa: B018
        assert len(queries) == 1  # bob's read itself


def test_a_read_after_the_first_runs_the_kept_sql(with_profile, alice, bob):
    with_profile.first(alice.pk)
    with CaptureQueriesContext(connection) as queries:
        assert with_profile.first(bob.pk) == bob
    assert queries[0]["sql"].count('"auth_user"."id"') >= 1
    assert str(bob.pk) in queries[0]["sql"]  # the new value, not the first one


def test_nothing_found_is_none(with_profile, alice):
    assert with_profile.first(alice.pk + 1000) is None
    assert with_profile.first(alice.pk + 1000) is None


def test_a_value_of_another_type_is_not_run_prepared(with_profile, alice):
    with_profile.first(alice.pk)
    # "7" would reach PostgreSQL as text against an integer column.
    assert with_profile.first(str(alice.pk)) == alice


def test_a_lookup_that_rewrites_its_value_is_never_kept(room):
    like = Prepared(lambda name: Room.objects.filter(name__iexact=name))
    assert like.first("GENERAL") == room
    assert like.first("GENERAL") == room
    assert like.compiled == {}
    assert like.first("gen%") is None
