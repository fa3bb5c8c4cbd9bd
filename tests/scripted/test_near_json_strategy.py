"""The ``near_json`` strategy: hundreds of near-valid replies, each one failing strict
parse-and-validate, the fenced and prose ones still holding valid JSON, truncated ones stopping
for length through the scripted fake; and shrinking towards the simplest case."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import jsonschema
import pydantic
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from near_json_support import dig_out, parses_and_validates

from llm_fakes import Reply, ScriptedProvider, UsageError
from llm_fakes.contract.strategies import json_objects, near_json
from llm_fakes.scripted.flaws import implied_schema

# The "ci" profile runs 40 examples; this property is about covering every flaw and variant.
MANY = settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
USER = [{"role": "user", "content": "Extract the weather."}]
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 1},
        "temp_c": {"type": "number", "minimum": -90, "maximum": 60},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "wind": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]},
        "sky": {"enum": ["clear", "cloudy"]},
    },
    "required": ["city", "temp_c"],
    "additionalProperties": False,
}
FORMAT = {"type": "json_schema", "json_schema": {"name": "weather", "schema": SCHEMA}}
INTACT = ("fenced", "prose_before", "prose_after")


class Weather(pydantic.BaseModel):
    # Strict: in its default lax mode pydantic accepts a number sent as a string ("21").
    model_config = pydantic.ConfigDict(extra="forbid", strict=True)
    city: str
    temp_c: float
    wind: int | None = None


@MANY
@given(near_json(SCHEMA))
def test_every_drawn_reply_fails_strict_parse_and_validate_and_passes_the_fakes_checks(
    reply: Reply,
) -> None:
    assert reply.invalid_json
    assert not parses_and_validates(reply.content, SCHEMA)
    fake = ScriptedProvider([reply])
    out = fake.complete(USER, response_format=FORMAT)  # J2/J3 let it through
    assert out.content == reply.content
    assert out.stop_reason == (reply.stop_reason or "stop")


@MANY
@given(near_json(SCHEMA, flaws=INTACT))
def test_the_fenced_and_prose_replies_hold_json_that_validates(reply: Reply) -> None:
    assert not parses_and_validates(reply.content, SCHEMA)
    assert jsonschema.Draft202012Validator(SCHEMA).is_valid(dig_out(reply.content))


@MANY
@given(near_json(SCHEMA, flaws=("truncated",)))
def test_truncated_replies_stop_for_length(reply: Reply) -> None:
    assert reply.stop_reason == "length"
    assert ScriptedProvider([reply]).complete(USER).stop_reason == "length"


@MANY
@given(st.data(), json_objects())
def test_without_a_schema_the_value_own_shape_is_what_the_flaw_breaks(
    data: st.DataObject, value: dict[str, Any]
) -> None:
    reply = data.draw(near_json(value))
    assert not parses_and_validates(reply.content, implied_schema(value))


@MANY
@given(near_json(Weather))
def test_a_pydantic_model_class_gives_its_schema(reply: Reply) -> None:
    with pytest.raises(pydantic.ValidationError):
        Weather.model_validate_json(reply.content)


class Place(pydantic.BaseModel):
    name: str
    country: str | None = None


class Trip(pydantic.BaseModel):
    id: uuid.UUID
    starts: datetime.datetime
    on: datetime.date
    stops: list[Place]
    guide: Place | None = None
    seats: int = pydantic.Field(ge=1, le=9)


@MANY
@given(near_json(Trip, flaws=INTACT))
def test_values_drawn_for_a_richer_model_validate_with_it(reply: Reply) -> None:
    # Nested models ($ref), optional fields (anyOf null), formats, lists and bounds.
    assert isinstance(Trip.model_validate(dig_out(reply.content)), Trip)


def test_it_shrinks_towards_the_simplest_case() -> None:
    # The simplest value the schema allows, the first flaw (fenced), its first variant.
    quick = settings(max_examples=30, database=None)
    assert find(near_json(SCHEMA), lambda r: True, settings=quick) == Reply(
        text='```json\n{"city": "0", "temp_c": 0.0}\n```', invalid_json=True
    )


def test_unsupported_schemas_and_unknown_flaws_are_clear_errors() -> None:
    schema = {"type": "object", "properties": {"a": {"not": {"type": "string"}}}}
    with pytest.raises(UsageError) as err:
        near_json(schema)
    assert str(err.value).startswith(
        "near_json cannot draw values for this schema: the keyword 'not' at the root/a. "
    )
    assert str(err.value).endswith(
        "Pass values instead: near_json(<a strategy of valid values>, schema=...) or "
        "near_json(st.just(value))."
    )
    with pytest.raises(UsageError, match=r"Unknown JSON flaw 'fence'"):
        near_json(SCHEMA, flaws=["fence"])


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "pattern": "^a+$", "maxLength": 3},  # a pattern and a length together
        {"type": "string", "pattern": "^[a-z]+$", "minLength": 4},
        {  # unique items that are objects (unhashable) or 1 and True (equal in Python)
            "type": "array",
            "uniqueItems": True,
            "items": {"anyOf": [{"type": "object"}, {"type": "integer"}, {"type": "boolean"}]},
        },
    ],
)
def test_values_drawn_for_a_schema_validate_against_it(schema: dict[str, Any]) -> None:
    from llm_fakes.contract._schema_values import values_for

    @settings(max_examples=100, database=None, suppress_health_check=list(HealthCheck))
    @given(values_for(schema))
    def check(value: Any) -> None:
        jsonschema.validate(value, schema)

    check()
