"""``Reply.near_json``: JSON with one named flaw, for testing an app's repair and re-ask code.

For every flaw, with and without a schema: the text fails a strict ``json.loads`` followed by
validation; the fenced and prose variants keep the valid JSON intact; ``truncated`` stops for
length through ``complete``, ``acomplete``, ``stream`` and a cassette; the J2/J3 checks let the
replies through; the same arguments give the same text; and script files can say it too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pydantic
import pytest
from near_json_support import dig_out, parses_and_validates

from llm_fakes import (
    JSON_FLAWS,
    CassetteProvider,
    FinishEvent,
    Reply,
    ScriptedProvider,
    ScriptError,
    load_script,
)
from llm_fakes.scripted.flaws import flaw_variants, flaws_for, implied_schema

USER = [{"role": "user", "content": "Extract the weather."}]
VALUE: dict[str, Any] = {"city": "Paris", "temp_c": 21, "tags": ["sunny", "dry"]}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "temp_c": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["city", "temp_c"],
    "additionalProperties": False,
}
SCHEMA_FORMAT = {"type": "json_schema", "json_schema": {"name": "weather", "schema": SCHEMA}}
INTACT = ("fenced", "prose_before", "prose_after")


def test_json_flaws_lists_every_flaw_the_issue_names() -> None:
    assert JSON_FLAWS == (
        "fenced",
        "prose_before",
        "prose_after",
        "single_quotes",
        "trailing_comma",
        "truncated",
        "missing_field",
        "wrong_type",
        "extra_field",
    )
    assert flaws_for(VALUE) == JSON_FLAWS
    assert flaws_for(VALUE, schema=SCHEMA) == JSON_FLAWS


@pytest.mark.parametrize("with_schema", [True, False], ids=["schema", "own-shape"])
@pytest.mark.parametrize("flaw", JSON_FLAWS)
def test_every_variant_of_every_flaw_fails_strict_parse_and_validate(
    flaw: str, with_schema: bool
) -> None:
    schema = SCHEMA if with_schema else None
    against = SCHEMA if with_schema else implied_schema(VALUE)
    assert parses_and_validates(json.dumps(VALUE), against)  # the unflawed value is valid
    n = flaw_variants(VALUE, flaw, schema=schema)
    assert n >= 1
    texts = set()
    for variant in range(n):
        reply = Reply.near_json(VALUE, flaw, schema=schema, variant=variant)
        assert reply.invalid_json is True
        assert not parses_and_validates(reply.content, against), (flaw, variant, reply.content)
        assert reply.stop_reason == ("length" if flaw == "truncated" else None)
        texts.add(reply.content)
    assert len(texts) == n  # each variant is a different text


@pytest.mark.parametrize("flaw", INTACT)
def test_fenced_and_prose_replies_keep_the_valid_json_intact(flaw: str) -> None:
    for variant in range(flaw_variants(VALUE, flaw)):
        text = Reply.near_json(VALUE, flaw, schema=SCHEMA, variant=variant).content
        assert json.dumps(VALUE, ensure_ascii=False) in text
        assert dig_out(text) == VALUE


def test_the_field_flaws_flaw_what_the_schema_cares_about() -> None:
    # Only "city" and "temp_c" are required, so only they go missing with the schema.
    missing = {
        Reply.near_json(VALUE, "missing_field", schema=SCHEMA, variant=v).content for v in (0, 1, 2)
    }
    assert missing == {
        '{"temp_c": 21, "tags": ["sunny", "dry"]}',
        '{"city": "Paris", "tags": ["sunny", "dry"]}',
    }
    assert flaw_variants(VALUE, "missing_field") == 3  # without a schema, every field is required
    assert Reply.near_json(VALUE, "wrong_type", variant=1).content == (
        '{"city": "Paris", "temp_c": "21", "tags": ["sunny", "dry"]}'
    )
    assert Reply.near_json(VALUE, "extra_field", schema=SCHEMA).content == (
        '{"city": "Paris", "temp_c": 21, "tags": ["sunny", "dry"], '
        '"note": "Values taken from the text."}'
    )


def test_wrong_type_skips_a_field_whose_schema_accepts_the_wrong_value() -> None:
    # As pydantic writes Optional[str] and a nested model: anyOf with null, $ref into $defs.
    schema = {
        "type": "object",
        "$defs": {"Place": {"type": "object", "properties": {"name": {"type": "string"}}}},
        "properties": {
            "label": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "count": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
            "place": {"$ref": "#/$defs/Place"},
            "anything": {},
        },
        "required": ["label"],
    }
    value = {"label": "x", "count": 3, "place": {"name": "Oslo"}, "anything": 1}
    texts = [
        Reply.near_json(value, "wrong_type", schema=schema, variant=v).content
        for v in range(flaw_variants(value, "wrong_type", schema=schema))
    ]
    assert texts == [
        '{"label": ["x"], "count": 3, "place": {"name": "Oslo"}, "anything": 1}',
        '{"label": "x", "count": 3, "place": "{\\"name\\": \\"Oslo\\"}", "anything": 1}',
    ]
    for text in texts:
        assert not parses_and_validates(text, schema)


def test_a_pydantic_model_class_is_taken_as_its_schema() -> None:
    class Weather(pydantic.BaseModel):
        model_config = pydantic.ConfigDict(extra="forbid")
        city: str
        temp_c: float

    value = {"city": "Oslo", "temp_c": 21.0}
    for flaw in ("missing_field", "wrong_type", "extra_field"):
        assert Reply.near_json(value, flaw, schema=Weather) == Reply.near_json(
            value, flaw, schema=Weather.model_json_schema()
        )
    with pytest.raises(ScriptError, match=r"schema must be a JSON schema \(a dict\) or a pydantic"):
        Reply.near_json(value, "fenced", schema="Weather")  # type: ignore[arg-type]


def test_the_same_arguments_give_the_same_reply() -> None:
    for flaw in JSON_FLAWS:
        first = Reply.near_json(VALUE, flaw, schema=SCHEMA, variant=1)
        assert Reply.near_json(VALUE, flaw, schema=SCHEMA, variant=1) == first
    # Variants wrap around, so any int >= 0 names one.
    assert Reply.near_json(VALUE, "fenced", variant=3) == Reply.near_json(VALUE, "fenced")


def test_truncated_cuts_inside_the_value_and_stops_for_length() -> None:
    full = json.dumps(VALUE)
    for variant in range(flaw_variants(VALUE, "truncated")):
        text = Reply.near_json(VALUE, "truncated", variant=variant).content
        assert 0 < len(text) < len(full) and full.startswith(text)
    # A number's cuts that would leave a shorter number are not cuts inside the value.
    assert {Reply.near_json(-12.5, "truncated", variant=v).content for v in range(3)} == {
        "-",
        "-12.",
    }


def test_a_flaw_that_does_not_apply_says_which_ones_do() -> None:
    schema = {**SCHEMA, "additionalProperties": True}
    with pytest.raises(ScriptError) as err:
        Reply.near_json(VALUE, "extra_field", schema=schema)
    assert str(err.value) == (
        f"near_json: the flaw 'extra_field' does not apply to {VALUE!r} with that schema (the "
        "schema allows extra fields (no additionalProperties: false), so an extra field would "
        "validate). Flaws that apply: ['fenced', 'prose_before', 'prose_after', 'single_quotes', "
        "'trailing_comma', 'truncated', 'missing_field', 'wrong_type']. Pick one of those, or "
        "change the value."
    )
    with pytest.raises(ScriptError, match=r"Flaws that apply: \['fenced', 'prose_before', "):
        Reply.near_json([1, 2], "missing_field")


def test_an_unknown_flaw_or_an_invalid_value_is_a_clear_error() -> None:
    with pytest.raises(ScriptError) as err:
        Reply.near_json(VALUE, "fence")
    assert str(err.value) == (
        f"Unknown JSON flaw 'fence'; the flaws are {list(JSON_FLAWS)!r}. Use one of those "
        "(llm_fakes.JSON_FLAWS)."
    )
    with pytest.raises(ScriptError) as err:
        Reply.near_json({"city": 3, "temp_c": 1}, "fenced", schema=SCHEMA)
    message = str(err.value)  # the middle is jsonschema's own wording of the problem
    assert message.startswith(
        "near_json flaws a valid value, but {'city': 3, 'temp_c': 1} does not validate against "
        "the schema: "
    )
    assert message.endswith(" at city. Give a value the schema accepts.")
    with pytest.raises(ScriptError, match=r"does not serialise as strict JSON"):
        Reply.near_json({"x": float("nan")}, "fenced")
    with pytest.raises(ScriptError, match=r"variant must be an int >= 0, got -1"):
        Reply.near_json(VALUE, "fenced", variant=-1)


# ---------------------------------------------------------------- through the scripted doors


@pytest.mark.parametrize("flaw", JSON_FLAWS)
def test_json_mode_and_schema_checks_let_every_flaw_through(flaw: str) -> None:
    reply = Reply.near_json(VALUE, flaw, schema=SCHEMA)
    fake = ScriptedProvider([reply, reply, reply])
    assert fake.complete(USER, json_mode=True).content == reply.content
    assert fake.complete(USER, response_format=SCHEMA_FORMAT).content == reply.content
    assert fake.complete(USER, response_format={"type": "json_object"}).content == reply.content


@pytest.mark.asyncio
async def test_truncated_stops_for_length_through_complete_acomplete_and_stream() -> None:
    reply = Reply.near_json(VALUE, "truncated", schema=SCHEMA)
    fake = ScriptedProvider([reply, reply, reply])
    done = fake.complete(USER, response_format=SCHEMA_FORMAT)
    assert (done.content, done.stop_reason) == (reply.content, "length")
    awaited = await fake.acomplete(USER, response_format=SCHEMA_FORMAT)
    assert (awaited.content, awaited.stop_reason) == (reply.content, "length")
    events = [e async for e in fake.stream(USER)]
    assert isinstance(events[-1], FinishEvent) and events[-1].stop_reason == "length"
    assert "".join(e.content for e in events if e.type == "text_delta") == reply.content


@pytest.mark.asyncio
@pytest.mark.parametrize("flaw", JSON_FLAWS)
async def test_a_cassette_records_and_replays_every_flaw(flaw: str, tmp_path: Path) -> None:
    reply = Reply.near_json(VALUE, flaw, schema=SCHEMA)
    path = tmp_path / "c.yaml"
    with CassetteProvider(path, inner=ScriptedProvider([reply, reply]), mode="once") as rec:
        recorded = rec.complete(USER, response_format=SCHEMA_FORMAT)
        recorded_events = [e async for e in rec.stream(USER)]
    replay = CassetteProvider(path)
    again = replay.complete(USER, response_format=SCHEMA_FORMAT)
    assert (again.content, again.stop_reason) == (recorded.content, recorded.stop_reason)
    assert again.content == reply.content
    assert again.stop_reason == ("length" if flaw == "truncated" else "stop")
    replayed_events = [e async for e in replay.stream(USER)]
    assert replayed_events == recorded_events
    assert replayed_events[-1].stop_reason == again.stop_reason


# ---------------------------------------------------------------- script files


def test_a_script_file_says_near_json_with_the_same_arguments(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "turns:\n"
        "  - near_json: {value: {city: Paris, temp_c: 21, tags: [sunny, dry]}, flaw: fenced}\n"
        "  - near_json:\n"
        "      value: {city: Paris, temp_c: 21, tags: [sunny, dry]}\n"
        "      flaw: missing_field\n"
        "      variant: 1\n"
        f"      schema: {json.dumps(SCHEMA)}\n"
        "    model: gpt-fake-2\n"
        "  - {near_json: {value: {city: Paris}, flaw: truncated}, output_tokens: 7}\n",
        encoding="utf-8",
    )
    assert load_script(path) == [
        Reply.near_json(VALUE, "fenced"),
        Reply(
            text=Reply.near_json(VALUE, "missing_field", schema=SCHEMA, variant=1).content,
            invalid_json=True,
            model="gpt-fake-2",
        ),
        Reply(text='{"city": ', stop_reason="length", invalid_json=True, output_tokens=7),
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "{near_json: {value: {a: 1}, flaw: fence}}",
            "entry turns[0]: Unknown JSON flaw 'fence'; the flaws are",
        ),
        (
            "{near_json: {flaw: fenced}}",
            "entry turns[0], field 'near_json.value': required field missing. Add "
            "'near_json.value' to the entry.",
        ),
        (
            "{near_json: {value: {a: 1}, flaw: fenced, varient: 1}}",
            "entry turns[0], field 'near_json.varient': unknown field. Known fields of near_json: "
            "['value', 'flaw', 'schema', 'variant']. Rename or remove 'near_json.varient'.",
        ),
        (
            "{near_json: {value: {a: 1}, flaw: fenced}, text: hi}",
            "entry turns[0]: field 'text' cannot go with 'near_json' (near_json makes the text "
            "and marks it invalid). Remove 'text'.",
        ),
        (
            "{near_json: {value: {a: 1}, flaw: fenced, variant: -1}}",
            "entry turns[0], field 'near_json.variant': ",
        ),
    ],
)
def test_a_bad_near_json_entry_names_the_file_entry_and_field(
    entry: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(f"turns:\n  - {entry}\n", encoding="utf-8")
    with pytest.raises(ScriptError) as err:
        load_script(path)
    assert str(err.value).startswith(f"Script file {str(path)!r}, {message}")
