"""JSON mode (SPEC J1–J3): recorded, passed through unchanged, and checked against the script."""

from __future__ import annotations

import re
from typing import Any

import pytest

from llm_fakes import JSONModeError, Reply, ScriptedProvider


def wording(template: str) -> str:
    """A regex for a kit message; each ``…`` stands for another library's words (which vary)."""
    return ".+".join(re.escape(part) for part in template.split("…"))


USER = [{"role": "user", "content": "Extract the city."}]
SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "temp_c": {"type": "number"}},
    "required": ["city"],
}
SCHEMA_FORMAT = {"type": "json_schema", "json_schema": {"name": "weather", "schema": SCHEMA}}


@pytest.mark.parametrize(
    ("kwargs", "json_format"),
    [
        ({"json_mode": True}, "json_object"),
        ({"response_format": {"type": "json_object"}}, "json_object"),
        ({"response_format": SCHEMA_FORMAT}, "json_schema"),
        ({}, None),
    ],
)
def test_j1_the_call_log_records_the_json_mode_asked_for(
    kwargs: dict[str, Any], json_format: str | None
) -> None:
    fake = ScriptedProvider([Reply(json={"city": "Paris"})])
    assert fake.complete(USER, **kwargs).content == '{"city": "Paris"}'
    call = fake.calls[0]
    assert call.json_format == json_format
    assert call.json_mode is kwargs.get("json_mode", False)
    assert call.response_format is kwargs.get("response_format")


def test_j1_json_text_comes_back_byte_for_byte() -> None:
    text = '{ "city" : "Paris",\n  "note": "\\u00e9" }'
    assert ScriptedProvider([text]).complete(USER, json_mode=True).content == text


def test_j2_the_schema_reaches_the_log_intact() -> None:
    fake = ScriptedProvider([Reply(json={"city": "Paris", "temp_c": 21})])
    fake.complete(USER, response_format=SCHEMA_FORMAT)
    assert fake.calls[0].request.json_schema == SCHEMA


def test_j2_a_flat_schema_format_is_understood_too() -> None:
    fake = ScriptedProvider([Reply(json={"temp_c": 21})])
    # jsonschema words the problem ("'city' is a required property"); the kit says where.
    with pytest.raises(JSONModeError, match=r"'city'.* at the root\. Script the reply"):
        fake.complete(USER, response_format={"type": "json_schema", "schema": SCHEMA})


def test_j2_a_reply_that_does_not_validate_is_a_clear_error() -> None:
    fake = ScriptedProvider([Reply(json={"city": 3})])
    with pytest.raises(JSONModeError) as info:
        fake.complete(USER, response_format=SCHEMA_FORMAT)
    assert re.fullmatch(  # "…": jsonschema's wording of the problem
        wording(
            "complete(response_format={'type': 'json_schema', ...}) asked for JSON matching its "
            "schema, but the scripted turn queue[0] replies with '{\"city\": 3}', which does not "
            "validate: … at city. Script the reply as Reply(json=...) with a matching value, or "
            "mark it deliberately invalid with Reply(text=..., invalid_json=True) to test how the "
            "code copes with bad JSON."
        ),
        str(info.value),
    ), str(info.value)


def test_j3_non_json_under_json_mode_says_it_is_a_test_writing_mistake() -> None:
    fake = ScriptedProvider(["Sure! Here is the city: Paris"])
    with pytest.raises(JSONModeError) as info:
        fake.complete(USER, json_mode=True)
    assert re.fullmatch(  # "…": the json module's wording of the problem
        wording(
            "complete(json_mode=True) asked for JSON, but the scripted turn queue[0] replies with "
            "text that is not valid JSON: 'Sure! Here is the city: Paris' (…line 1 column 1…). "
            "Script the reply as Reply(json=...) with a matching value, or mark it deliberately "
            "invalid with Reply(text=..., invalid_json=True) to test how the code copes with bad "
            "JSON."
        ),
        str(info.value),
    ), str(info.value)
    assert isinstance(info.value, AssertionError)


def test_j3_a_json_mode_error_is_not_retried() -> None:
    fake = ScriptedProvider(["not json", Reply(json={})])
    with pytest.raises(JSONModeError):
        fake.complete(USER, json_mode=True, max_retries=3)
    assert fake.calls[0].attempts == 1


@pytest.mark.asyncio
async def test_j3_acomplete_checks_the_same_way() -> None:
    with pytest.raises(JSONModeError, match=r"^acomplete\(response_format=\{'type': 'json_obj"):
        await ScriptedProvider(["nope"]).acomplete(USER, response_format={"type": "json_object"})


def test_j3_a_reply_marked_invalid_comes_back_as_is() -> None:
    fake = ScriptedProvider([Reply(text='{"city": "Par', invalid_json=True)])
    assert fake.complete(USER, response_format=SCHEMA_FORMAT).content == '{"city": "Par'


def test_validation_can_be_switched_off_for_the_whole_provider() -> None:
    fake = ScriptedProvider(["plain text"], validate_json=False)
    assert fake.complete(USER, json_mode=True).content == "plain text"


def test_a_tool_call_turn_without_text_is_not_checked_for_json() -> None:
    from llm_fakes import ToolCall

    fake = ScriptedProvider([Reply(tool_calls=[ToolCall("lookup")])])
    assert fake.complete(USER, json_mode=True).tool_uses[0].name == "lookup"


def test_an_invalid_schema_is_reported_as_such() -> None:
    fake = ScriptedProvider([Reply(json={})])
    bad = {"type": "json_schema", "json_schema": {"schema": {"type": "no-such-type"}}}
    with pytest.raises(JSONModeError, match=r"^The response_format's json_schema is not a valid"):
        fake.complete(USER, response_format=bad)
