"""Bring your own types: the fake builds responses and events from a user-named module."""

from __future__ import annotations

from typing import Any

import pytest
from framework.llm import provider as fw
from framework.llm import stream_events as fw_events

from llm_fakes import Fail, Reply, ScriptedProvider, ToolCall, TypeResolutionError
from llm_fakes.typeset import set_default_types

FRAMEWORK = "framework.llm.provider framework.llm.stream_events"
USER = [{"role": "user", "content": "hi"}]


def test_complete_returns_the_frameworks_response_with_tool_uses_in_raw_response() -> None:
    fake = ScriptedProvider(
        [Reply(text="checking", tool_calls=[ToolCall("search", {"q": 1})])], types=FRAMEWORK
    )
    resp = fake.complete(USER)
    assert type(resp) is fw.LLMResponse
    assert (resp.content, resp.stop_reason) == ("checking", "tool_calls")
    assert resp.raw_response == {
        "tool_calls": [{"id": "call_0_0", "name": "search", "input": {"q": 1}}],
        "tool_uses": [fw.ToolUse(id="call_0_0", name="search", input={"q": 1})],
        "raw": None,
    }
    # Where the seed framework reads them: an OpenAI-shaped response's tool calls.
    (call,) = resp.raw_response.choices[0].message.tool_calls
    assert (call.id, call.function.name, call.function.arguments) == (
        "call_0_0",
        "search",
        '{"q": 1}',
    )


@pytest.mark.asyncio
async def test_acomplete_and_stream_use_the_frameworks_classes_too() -> None:
    fake = ScriptedProvider(
        ["a b", Reply(text="x", reasoning="r"), Fail.bad_request()], types=FRAMEWORK
    )
    assert type(await fake.acomplete(USER)) is fw.LLMResponse
    events: list[Any] = [e async for e in fake.stream(USER)]
    errors: list[Any] = [e async for e in fake.stream(USER)]
    assert [type(e) for e in events] == [
        fw_events.ReasoningStartEvent,
        fw_events.ReasoningDeltaEvent,
        fw_events.TextDeltaEvent,
        fw_events.TextEndEvent,
        fw_events.FinishEvent,
    ]
    assert errors == [fw_events.StreamErrorEvent(error="BadRequestError (HTTP 400): bad request")]
    assert fake.calls[1].events == events


def test_the_project_wide_default_applies_when_types_is_not_given() -> None:
    set_default_types(FRAMEWORK)
    try:
        resp = ScriptedProvider(["x"]).complete(USER)
    finally:
        set_default_types(None)
    assert type(resp) is fw.LLMResponse


def test_an_unknown_types_module_fails_when_the_provider_is_made() -> None:
    with pytest.raises(TypeResolutionError, match="Cannot import types module 'nope_mod'"):
        ScriptedProvider(types="nope_mod")
