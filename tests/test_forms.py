import pytest

from rooms.forms import MessageForm, RoomForm


class TestRoomForm:
    @pytest.mark.parametrize("name", ["a", "General", "dev-ops_2", "x" * 50, "UPPER", "0"])
    def test_valid_names(self, name):
        form = RoomForm({"name": name})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["name"] == name

    @pytest.mark.parametrize(
        "name",
        ["", "   ", "x" * 51, "has space", "dot.name", "slash/name", "émoji😀", "../etc",
         "<script>", "na\nme", "tab\tname", "ümlaut", "semi;colon", "a\x00b"],
    )  # fmt: skip
    def test_invalid_names_are_rejected(self, name):
        form = RoomForm({"name": name})
        assert not form.is_valid()
        assert form.errors["name"]

    def test_surrounding_whitespace_is_trimmed(self):
        form = RoomForm({"name": "  general  "})
        assert form.is_valid()
        assert form.cleaned_data["name"] == "general"


class TestMessageForm:
    def test_10000_characters_are_accepted(self):
        assert MessageForm({"body": "x" * 10000}).is_valid()

    def test_10001_characters_are_rejected_with_the_count(self):
        form = MessageForm({"body": "x" * 10001})
        assert not form.is_valid()
        assert form.errors["body"] == [
            "Messages are at most 10000 characters (this one has 10001)."
        ]

    def test_length_is_counted_after_trimming(self):
        form = MessageForm({"body": "  " + "x" * 10000 + "\n\n"})
        assert form.is_valid()
        assert form.cleaned_data["body"] == "x" * 10000

    @pytest.mark.parametrize("body", ["", " ", "\n\t \r\n", "\u3000"])
    def test_empty_or_whitespace_only_is_rejected(self, body):
        form = MessageForm({"body": body})
        assert not form.is_valid()
        assert form.errors["body"] == ["Type a message first."]

    def test_missing_field_is_rejected(self):
        assert not MessageForm({}).is_valid()

    @pytest.mark.parametrize(
        "body",
        ["héllo wörld", "😀🎉👩‍👩‍👧", "مرحبا", "你好", "<script>alert(1)</script>",
         "{{ user }} {% csrf_token %}", "line one\nline two"],
    )  # fmt: skip
    def test_unicode_and_markup_are_kept_as_typed(self, body):
        form = MessageForm({"body": body})
        assert form.is_valid()
        assert form.cleaned_data["body"] == body

    def test_null_characters_are_rejected(self):
        assert not MessageForm({"body": "a\x00b"}).is_valid()

    def test_emoji_count_as_characters_not_bytes(self):
        assert MessageForm({"body": "😀" * 2000}).is_valid()
