"""Message search (rooms/search.py and the search page), on whichever database the suite
runs on: SQLite FTS5, or PostgreSQL full-text search (TEST_DATABASE=postgres)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rooms import search as message_search
from rooms.actions import (
    add_member,
    delete_message,
    edit_message,
    open_direct,
    open_room,
    post_message,
    remove_member,
)
from rooms.models import Message
from rooms.search import highlight, search

SEARCH_URL = "/chat/~search/"


def bodies(messages: list[Message]) -> list[str]:
    return [message.body for message in messages]


@pytest.fixture
def carol(db):
    return get_user_model().objects.create_user("carol", password="correct horse battery")


@pytest.fixture
def bob_client(bob) -> Client:
    client = Client()
    client.force_login(bob)
    return client


def get(client: Client, **params: str):
    return client.get(f"{SEARCH_URL}?{urlencode(params)}")


class TestMatching:
    def test_finds_a_word_and_misses_the_rest(self, room, alice):
        post_message(room, alice, "The deploy went fine")
        post_message(room, alice, "Lunch at noon?")
        assert bodies(search(alice, "deploy")) == ["The deploy went fine"]
        assert search(alice, "dinner") == []

    def test_every_word_must_match(self, room, alice):
        post_message(room, alice, "deploy on friday")
        post_message(room, alice, "deploy on monday")
        assert bodies(search(alice, "deploy friday")) == ["deploy on friday"]
        assert bodies(search(alice, "friday deploy")) == ["deploy on friday"]
        assert search(alice, "deploy sunday") == []

    def test_words_match_by_prefix_not_in_the_middle(self, room, alice):
        post_message(room, alice, "Deploying the release candidate")
        assert bodies(search(alice, "depl")) == ["Deploying the release candidate"]
        assert bodies(search(alice, "rel cand")) == ["Deploying the release candidate"]
        assert search(alice, "ploying") == []
        assert search(alice, "deployingx") == []

    @pytest.mark.parametrize("query", ["hello", "HELLO", "Hello", "hElLo", "HEL"])
    def test_case_does_not_matter(self, room, alice, query):
        post_message(room, alice, "HeLLo there")
        assert bodies(search(alice, query)) == ["HeLLo there"]

    @pytest.mark.parametrize(
        ("body", "query"),
        [
            ("Größe und Gewicht", "größe"),
            ("Größe und Gewicht", "GRÖ"),
            ("ÜBER ALLES", "über"),
            ("über alles", "ÜBER"),
            ("Привет, мир!", "привет"),
            ("ПРИВЕТ МИР", "мир"),
            ("Ελληνικά γράμματα", "ΕΛΛΗΝΙΚΆ"),
            ("Un café crème", "café"),
            ("東京タワーへ行こう", "東京"),
            ("emoji 🎉 party", "party"),
            ("naïve résumé", "résumé"),
        ],
    )
    def test_unicode_words(self, room, alice, body, query):
        post_message(room, alice, body)
        assert bodies(search(alice, query)) == [body]

    def test_unicode_misses(self, room, alice):
        post_message(room, alice, "Привет, мир!")
        assert search(alice, "пока") == []
        assert search(alice, "🎉") == []

    def test_punctuation_separates_words(self, room, alice):
        message = post_message(room, alice, "e-mail me: bob@example.com, don't wait (really)")
        for query in ["mail", "e-mail", "really", "(really)", "don't", "bob"]:
            assert search(alice, query) == [message], query

    def test_newest_first(self, room, alice):
        first = post_message(room, alice, "status one")
        second = post_message(room, alice, "status two")
        third = post_message(room, alice, "status three")
        assert search(alice, "status") == [third, second, first]

    def test_best_match_first_when_asked(self, room, alice):
        strong = post_message(room, alice, "release release release")
        weak = post_message(room, alice, "the release notes are long and mostly about other things")
        assert search(alice, "release") == [weak, strong]
        assert search(alice, "release", order="relevance") == [strong, weak]

    def test_an_unknown_order_is_refused(self, room, alice):
        with pytest.raises(ValueError, match="order"):
            search(alice, "x", order="random")  # type: ignore[arg-type]

    def test_limit(self, room, alice):
        posted = [post_message(room, alice, f"item {n}") for n in range(5)]
        assert search(alice, "item", limit=2) == [posted[4], posted[3]]
        assert search(alice, "item", limit=0) == []

    @pytest.mark.parametrize("query", ["", " ", "\t\n", "!!!", "* - ( )", '""', "_"])
    def test_nothing_to_look_for_finds_nothing(self, room, alice, query):
        post_message(room, alice, "anything at all _ !!!")
        assert search(alice, query) == []

    def test_anonymous_finds_nothing(self, room, alice):
        from django.contrib.auth.models import AnonymousUser

        post_message(room, alice, "public words")
        assert search(AnonymousUser(), "public") == []


HOSTILE_QUERIES = [
    '"',
    '""',
    '"hello',
    'hello"',
    '"hello" "world',
    "*",
    "hello*",
    "*hello",
    "NEAR(",
    "NEAR(hello world, 2)",
    "NEAR(hello",
    "-",
    "-hello",
    "hello -world",
    "OR",
    "hello OR world",
    "AND",
    "NOT",
    "hello NOT world",
    "(",
    ")",
    "(hello",
    "hello)",
    "((hello))",
    "^hello",
    "body:hello",
    "rooms_message_fts:hello",
    "{body}: hello",
    "hello + world",
    "'",
    "hello'",
    "it's",
    "\\",
    "hello\\",
    "!",
    "&",
    "|",
    "<->",
    "hello <-> world",
    "hello:*",
    "hello:A",
    "'hello':*",
    "!hello & world | (x",
    "'; DROP TABLE rooms_message; --",
    '" OR 1=1 --',
    "1; SELECT * FROM auth_user",
    "%",
    "%s",
    "%(x)s",
    "_",
    "\x00",
    "hello\x00world",
    "\u200b",
    "\ufeff",
    "\U0010ffff",
    "a" * 1000,
    "hello " * 166 + "hell",
    "(" * 1000,
    '"' * 1000,
    "* " * 500,
    "ab " * 333,
    " ".join(f"w{n}" for n in range(200)),
    "東" * 1000,
    "é" * 1000,
]


class TestHostileQueries:
    @pytest.mark.parametrize("query", HOSTILE_QUERIES)
    def test_never_errors(self, room, alice, query):
        post_message(room, alice, "hello world, it's a test")
        assert isinstance(search(alice, query), list)
        assert isinstance(search(alice, query, room=room, order="relevance"), list)

    @pytest.mark.parametrize(
        "query",
        [
            '"hello"',
            'hello"',
            "hello*",
            "*hello",
            "-hello",
            "(hello)",
            "^hello",
            "hello:*",
            "'hello'",
            "hello\\",
            "hello;--",
            "hello OR",
            "HELLO   WORLD",
            '"hello world"',
        ],
    )
    def test_operators_are_just_separators(self, room, alice, query):
        message = post_message(room, alice, "hello world or anything")
        assert search(alice, query) == [message]

    def test_long_queries_still_match_their_words(self, room, alice):
        message = post_message(room, alice, "hello there")
        assert search(alice, "hello " * 166 + "hel") == [message]
        assert search(alice, "a" * 1000) == []

    def test_sql_in_the_query_is_only_words(self, room, alice):
        message = post_message(room, alice, "drop table rooms_message")
        assert search(alice, "'; DROP TABLE rooms_message; --") == [message]
        assert Message.objects.count() == 1

    @hypothesis_settings(
        max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(query=st.text(max_size=60))
    def test_any_text_at_all(self, room, alice, query):
        if not Message.objects.exists():
            post_message(room, alice, "hello world, it's a test")
        found = search(alice, query)
        assert found in ([], list(Message.objects.all()))


class TestIndexUpkeep:
    def test_deleted_messages_are_not_found(self, room, alice):
        kept = post_message(room, alice, "secret plan one")
        gone = post_message(room, alice, "secret plan two")
        delete_message(gone)
        assert search(alice, "secret") == [kept]
        assert search(alice, "two") == []

    def test_a_message_deleted_outright_is_not_found(self, room, alice):
        post_message(room, alice, "ephemeral words").delete()
        assert search(alice, "ephemeral") == []

    def test_edits_are_reindexed(self, room, alice):
        message = post_message(room, alice, "meeting on tuesday")
        edit_message(message, "meeting on thursday")
        assert search(alice, "tuesday") == []
        assert search(alice, "thursday") == [message]
        assert search(alice, "meeting") == [message]

    def test_changes_made_outside_the_models_are_indexed_too(self, room, alice):
        message = post_message(room, alice, "before")
        Message.objects.filter(pk=message.pk).update(body="after the bulk update")
        assert search(alice, "before") == []
        assert search(alice, "bulk") == [message]

    def test_the_index_is_in_place(self, room, alice):
        """The database's own index exists and serves the search (a migration that made
        Django rebuild rooms_message on SQLite would drop the triggers: see 0002)."""
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                triggers = {row[0] for row in cursor.fetchall()}
                table = message_search.SQLITE_FTS_TABLE
                assert {f"{table}_insert", f"{table}_update", f"{table}_delete"} <= triggers
            else:
                assert connection.vendor == "postgresql"
                post_message(room, alice, "indexed words")
                cursor.execute("SET LOCAL enable_seqscan = off")
                queryset = Message.objects.alias(
                    search_vector=message_search.postgres_vector()
                ).filter(search_vector=message_search_query("indexed"))
                plan = queryset.explain()
                assert message_search.POSTGRES_INDEX in plan, plan


def message_search_query(word: str):
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(f"'{word}':*", search_type="raw", config="simple")


class TestVisibility:
    def test_private_rooms_are_searched_only_by_members(self, alice, bob, carol):
        private = open_room("hideout", by=alice, private=True)
        add_member(private, bob)
        message = post_message(private, alice, "the treasure is buried here")
        assert search(alice, "treasure") == [message]
        assert search(bob, "treasure") == [message]
        assert search(carol, "treasure") == []
        assert search(carol, "treasure", room=private) == []

    def test_leaving_a_private_room_ends_its_hits(self, alice, bob):
        private = open_room("hideout", by=alice, private=True)
        add_member(private, bob)
        post_message(private, alice, "the treasure is buried here")
        remove_member(private, bob)
        assert search(bob, "treasure") == []

    def test_direct_conversations_are_searched_only_by_their_two(self, alice, bob, carol):
        conversation = open_direct(alice, bob)
        message = post_message(conversation, bob, "my phone number is secret")
        assert search(alice, "phone") == [message]
        assert search(bob, "phone") == [message]
        assert search(carol, "phone") == []

    def test_public_rooms_are_searched_by_everyone(self, room, alice, carol):
        message = post_message(room, alice, "open announcement")
        assert search(carol, "announcement") == [message]

    def test_room_scope(self, room, alice):
        other = open_room("random", by=alice)
        here = post_message(room, alice, "shared word here")
        there = post_message(other, alice, "shared word there")
        assert search(alice, "shared", room=room) == [here]
        assert search(alice, "shared", room=other) == [there]
        assert search(alice, "shared") == [there, here]


class TestHighlight:
    def test_marks_words_starting_with_the_query_words(self):
        html = highlight("Deploying on Friday, not deploy-free", "depl fri")
        assert html == (
            "<mark>Deploying</mark> on <mark>Friday</mark>, not <mark>deploy</mark>-free"
        )

    def test_escapes_everything_else(self):
        html = highlight('<script>alert("x")</script> & <b>bold</b>', "script bold")
        assert "<script" not in html
        assert "<b>" not in html
        assert html == (
            "&lt;<mark>script</mark>&gt;alert(&quot;x&quot;)&lt;/<mark>script</mark>&gt; "
            "&amp; &lt;b&gt;<mark>bold</mark>&lt;/b&gt;"
        )

    def test_a_query_of_markup_marks_nothing_unsafe(self):
        html = highlight("a <mark> tag", "<mark>")
        assert html == "a &lt;<mark>mark</mark>&gt; tag"

    def test_ignores_case_and_accents(self):
        assert highlight("Café CAFE café", "cafe") == (
            "<mark>Café</mark> <mark>CAFE</mark> <mark>café</mark>"
        )

    def test_long_text_is_cut_around_the_first_hit(self):
        text = "start " + "filler " * 100 + "needle " + "filler " * 100 + "end"
        html = highlight(text, "needle", width=120)
        assert "<mark>needle</mark>" in html
        assert html.startswith("…")
        assert html.endswith("…")
        assert len(html) < 160
        assert "start" not in html
        assert "end" not in html

    def test_short_text_is_whole(self):
        assert highlight("no hits here", "zebra") == "no hits here"


class TestSearchPage:
    def test_needs_a_login(self, db):
        response = Client().get(SEARCH_URL + "?q=x")
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/?next=")

    def test_is_get_only(self, alice_client):
        assert alice_client.post(SEARCH_URL, {"q": "x"}).status_code == 405

    def test_an_empty_query_shows_only_the_form(self, alice_client, room, alice):
        post_message(room, alice, "something")
        content = get(alice_client, q="").content.decode()
        assert 'role="search"' in content
        assert '<label for="search-query">Search messages</label>' in content
        assert 'name="q"' in content
        assert "search-results" not in content
        assert "No messages match" not in content
        assert alice_client.get(SEARCH_URL).status_code == 200

    def test_results(self, alice_client, room, alice):
        message = post_message(room, alice, "Deploying on Friday")
        response = get(alice_client, q="deploy")
        assert response.status_code == 200
        content = response.content.decode()
        assert "#general" in content
        assert '<span class="author">alice</span>' in content
        assert f'<time datetime="{message.created_at.isoformat()}">' in content
        assert "<mark>Deploying</mark> on Friday" in content
        link = f"/chat/general/?around={message.pk}#message-{message.pk}"
        assert f'href="{link}"' in content
        assert "1 message matching" in content

    def test_the_link_opens_the_room_at_the_message(self, alice_client, room, alice):
        message = post_message(room, alice, "look here")
        for n in range(60):
            post_message(room, alice, f"later {n}")
        page = alice_client.get(f"/chat/general/?around={message.pk}")
        assert page.status_code == 200
        assert f'id="message-{message.pk}"' in page.content.decode()

    def test_no_results_says_so(self, alice_client, room, alice):
        post_message(room, alice, "something")
        content = get(alice_client, q="zebra").content.decode()
        assert "No messages match “zebra”" in content
        assert "search-results" not in content

    def test_results_are_escaped(self, alice_client, room, alice):
        post_message(room, alice, '<script>alert("pwned")</script> <img src=x onerror=alert(1)>')
        content = get(alice_client, q="script alert").content.decode()
        assert "<script>alert" not in content
        assert "<img src=x" not in content
        assert "&lt;<mark>script</mark>&gt;<mark>alert</mark>" in content

    def test_the_query_is_escaped_where_shown(self, alice_client, room):
        content = get(alice_client, q='"><script>alert(1)</script>').content.decode()
        assert "<script>alert(1)" not in content
        assert "&quot;&gt;&lt;script&gt;" in content

    @pytest.mark.parametrize("query", HOSTILE_QUERIES[::3])
    def test_hostile_queries_are_answered(self, alice_client, room, alice, query):
        post_message(room, alice, "hello world")
        assert get(alice_client, q=query).status_code == 200

    def test_private_hits_never_reach_others(self, alice_client, bob_client, alice, bob):
        private = open_room("hideout", by=alice, private=True)
        post_message(private, alice, "the treasure map")
        assert "<mark>treasure</mark> map" in get(alice_client, q="treasure").content.decode()
        content = get(bob_client, q="treasure").content.decode()
        assert "No messages match" in content
        assert "hideout" not in content
        assert get(bob_client, q="treasure", room="hideout").status_code == 404
        assert get(bob_client, q="", room="hideout").status_code == 404

    def test_direct_conversations_are_labelled_by_the_other_person(
        self, alice_client, bob_client, alice, bob, carol
    ):
        post_message(open_direct(alice, bob), bob, "psst, a secret")
        assert "@bob" in get(alice_client, q="psst").content.decode()
        assert "@alice" in get(bob_client, q="psst").content.decode()
        carol_client = Client()
        carol_client.force_login(carol)
        assert "No messages match" in get(carol_client, q="psst").content.decode()

    def test_room_scope_and_all_rooms(self, alice_client, room, alice):
        post_message(open_room("random", by=alice), alice, "shared elsewhere")
        post_message(room, alice, "shared here")
        scoped = get(alice_client, q="shared", room="general").content.decode()
        assert "</mark> here" in scoped
        assert "</mark> elsewhere" not in scoped
        assert 'value="room" checked' in scoped
        everywhere = get(alice_client, q="shared", room="general", scope="all").content.decode()
        assert "</mark> here" in everywhere
        assert "</mark> elsewhere" in everywhere
        assert 'value="all" checked' in everywhere
        assert 'name="room" value="general"' in everywhere

    def test_room_names_ignore_case(self, alice_client, room, alice):
        post_message(room, alice, "case test")
        assert "</mark> test" in get(alice_client, q="case", room="GENERAL").content.decode()

    def test_order(self, alice_client, room, alice):
        post_message(room, alice, "release release release")
        post_message(room, alice, "the release notes are long and mostly about other things")
        newest = get(alice_client, q="release").content.decode()
        best = get(alice_client, q="release", order="relevance").content.decode()
        assert newest.index("</mark> notes") < newest.index("<mark>release</mark> <mark>")
        assert best.index("</mark> notes") > best.index("<mark>release</mark> <mark>")
        assert '<option value="relevance" selected>' in best

    def test_says_when_there_may_be_more(self, alice_client, room, alice, monkeypatch):
        monkeypatch.setattr(message_search, "PAGE_SIZE", 2)
        for n in range(3):
            post_message(room, alice, f"many {n}")
        content = get(alice_client, q="many").content.decode()
        assert "The 2 newest messages matching" in content
        assert content.count('class="search-hit"') == 2

    @pytest.mark.parametrize(
        "params",
        [
            {"q": "x" * (settings.MESSAGE_MAX_LENGTH + 1)},
            {"q": "x", "room": "no/slashes"},
            {"q": "x", "room": "x" * 51},
            {"q": "x", "room": "sp ace"},
            {"q": "x", "scope": "everywhere"},
            {"q": "x", "scope": "room"},
            {"q": "x", "order": "random"},
        ],
    )
    def test_malformed_parameters_are_400(self, alice_client, room, params):
        assert get(alice_client, **params).status_code == 400

    def test_a_query_of_the_longest_message_is_fine(self, alice_client, room):
        assert get(alice_client, q="x" * 2000).status_code == 200

    def test_unknown_room_is_404(self, alice_client, room):
        assert get(alice_client, q="x", room="nowhere").status_code == 404

    def test_a_few_queries_whatever_the_hits(
        self, alice_client, alice, bob, carol, django_assert_max_num_queries
    ):
        for other in (bob, carol):
            post_message(open_direct(alice, other), other, "ping")
        for name in ("one", "two", "three"):
            post_message(open_room(name, by=alice), alice, "ping")
        # The last of them: the hits' files (attachments), all in one.
        with django_assert_max_num_queries(7):
            content = get(alice_client, q="ping").content.decode()
        assert content.count('class="search-hit"') == 5
        assert "@bob" in content
        assert "@carol" in content


class TestPlaces:
    def test_the_top_bar_has_a_search_form(self, alice_client, room):
        content = alice_client.get("/chat/").content.decode()
        form = re.search(r'<form class="topbar-search" role="search".*?</form>', content, re.S)
        assert form is not None
        assert 'action="/chat/~search/"' in form.group()
        assert '<label for="topbar-search" class="visually-hidden">Search messages</label>' in (
            form.group()
        )

    def test_anonymous_pages_have_no_search_form(self, alice):
        assert "topbar-search" not in Client().get("/accounts/login/").content.decode()

    def test_the_search_page_has_one_search_form(self, alice_client):
        content = get(alice_client, q="x").content.decode()
        assert content.count('role="search"') == 1

    def test_the_room_page_links_to_searching_it(self, alice_client, room):
        content = alice_client.get("/chat/general/").content.decode()
        assert 'href="/chat/~search/?room=general">Search this room</a>' in content

    def test_a_room_called_search_is_still_a_room(self, alice_client):
        assert alice_client.post("/chat/", {"name": "search"}).url == "/chat/search/"
        content = alice_client.get("/chat/search/").content.decode()
        assert "Search this room" in content
        assert 'class="room"' in content
