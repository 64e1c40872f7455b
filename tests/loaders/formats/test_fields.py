"""The typed-field reader at every loader's boundary: messages name the field's full path, what
was expected and what was found; optional fields may be absent but never of the wrong type."""

from __future__ import annotations

import re

import pytest

from graph.errors import LoadError
from loaders.base import Location
from loaders.formats.fields import Fields, json_type

WHERE = Location("trail.jsonl", line=7)


def _reason(call: object) -> str:
    with pytest.raises(LoadError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.line == 7 and caught.value.file == "trail.jsonl"
    return caught.value.reason


def test_nested_reads_name_the_full_path() -> None:
    fields = Fields({"userIdentity": {"accountId": 111122223333, "sessionContext": []}}, WHERE)
    identity = fields.mapping("userIdentity")
    reason = _reason(lambda: identity.text("accountId", expected="a string of 12 digits"))
    assert reason == "field 'userIdentity.accountId': expected a string of 12 digits, got a number"
    assert _reason(lambda: identity.mapping("sessionContext")) == (
        "field 'userIdentity.sessionContext': expected an object, got a list"
    )


def test_lists_of_objects_name_the_index() -> None:
    fields = Fields({"Tags": [{"Key": "owner"}, {"Key": 5}], "GroupList": ["a", None]}, WHERE, "UserDetailList[3]")
    tags = fields.objects("Tags")
    assert _reason(lambda: tags[1].text("Key", required=True)) == (
        "field 'UserDetailList[3].Tags[1].Key': expected a non-empty string, got a number"
    )
    assert _reason(lambda: fields.texts("GroupList")) == (
        "field 'UserDetailList[3].GroupList[1]': expected a string, got null"
    )


def test_absent_optional_fields_read_empty_and_required_ones_are_named_missing() -> None:
    fields = Fields({"name": None}, WHERE)
    assert (fields.text("name"), fields.items("steps"), fields.mapping("with").value) == ("", [], {})
    assert fields.integer("line") is None and fields.flag("Verified") is None
    assert _reason(lambda: fields.text("eventName", required=True)) == (
        "field 'eventName' is missing (expected a non-empty string)"
    )


def test_patterns_bounds_and_integers() -> None:
    fields = Fields({"Arn": "not-an-arn", "key": "A" * 200, "line": -1, "ok": True}, WHERE)
    assert _reason(lambda: fields.text("Arn", pattern=re.compile(r"arn:\S+"), expected="an ARN")) == (
        "field 'Arn': expected an ARN, got 'not-an-arn'"
    )
    assert _reason(lambda: fields.text("key", most=128)) == "field 'key': expected at most 128 characters, got 200"
    assert _reason(lambda: fields.integer("line")) == "field 'line': expected a whole number ≥ 0, got a number"
    assert _reason(lambda: fields.integer("ok")) == "field 'ok': expected a whole number ≥ 0, got a boolean"


def test_json_types_read_as_a_message_says_them() -> None:
    assert [json_type(v) for v in (None, True, 1, 1.5, "x", [], {})] == [
        "null",
        "a boolean",
        "a number",
        "a number",
        "a string",
        "a list",
        "an object",
    ]
