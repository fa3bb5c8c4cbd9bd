"""Bring your own types: the kit builds instances of a user-named module's classes."""

from __future__ import annotations

import asyncio
import json
import sys
import types as pytypes
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from framework.llm import provider as fw_provider
from framework.llm import stream_events as fw_events

from llm_fakes import LLMProvider, LLMResponse, Tool, ToolUse, TypeResolutionError, TypeSet
from llm_fakes.provider import events_from_response
from llm_fakes.typeset import get_default_types, set_default_types, tool_uses_of

FW = ("framework.llm.provider", "framework.llm.stream_events")


def test_default_type_set_builds_the_kits_own_classes() -> None:
    ts = TypeSet.default()
    assert type(ts.response(content="a", model="m")) is LLMResponse
    assert ts.is_default


def test_mirror_type_set_builds_the_mirrors_classes() -> None:
    ts = TypeSet.from_modules(*FW)
    resp = ts.response(content="a", model="m", stop_reason="stop")
    assert isinstance(resp, fw_provider.LLMResponse)
    events = events_from_response(resp, ts)
    assert [type(e) for e in events] == [
        fw_events.TextDeltaEvent,
        fw_events.TextEndEvent,
        fw_events.FinishEvent,
    ]


def test_tool_uses_travel_in_raw_response_when_the_class_lacks_the_field() -> None:
    ts = TypeSet.from_modules(" ".join(FW))  # one space-separated string, as the ini key gives
    resp = ts.response(
        content="", model="m", raw_response={"id": 1}, tool_uses=[ToolUse("c1", "t", {"x": 1})]
    )
    assert not hasattr(resp, "tool_uses")
    assert resp.raw_response == {
        "tool_calls": [{"id": "c1", "name": "t", "input": {"x": 1}}],
        "tool_uses": [fw_provider.ToolUse("c1", "t", {"x": 1})],
        "raw": {"id": 1},
    }
    # Read as the seed framework reads an OpenAI-shaped raw response (its reflection agent and
    # its stream() do), and as its stream-to-response path's dict.
    (call,) = resp.raw_response.choices[0].message.tool_calls
    assert (call.id, call.function.name, json.loads(call.function.arguments)) == (
        "c1",
        "t",
        {"x": 1},
    )
    assert resp.raw_response["tool_calls"][0]["input"] == {"x": 1}
    assert tool_uses_of(resp) == [fw_provider.ToolUse("c1", "t", {"x": 1})]
    calls = [e for e in events_from_response(resp, ts) if e.type == "tool_call"]
    assert calls == [fw_events.ToolCallEvent(tool_use_id="c1", tool_name="t", tool_input={"x": 1})]


def test_convert_maps_kit_objects_to_the_mirror_by_name_and_field() -> None:
    from llm_fakes import FinishEvent

    ts = TypeSet.from_modules(*FW)
    converted = ts.convert(FinishEvent(stop_reason="stop", input_tokens=3, cached_tokens=2))
    assert converted == fw_events.FinishEvent(stop_reason="stop", input_tokens=3, cached_tokens=2)


def test_a_module_lacking_a_class_is_a_clear_error_naming_both() -> None:
    with pytest.raises(TypeResolutionError) as info:
        TypeSet.from_modules("framework.llm.provider")
    assert str(info.value) == (
        "Types module(s) ['framework.llm.provider'] lack class(es) ['TextDeltaEvent', "
        "'TextEndEvent', 'ToolCallEvent', 'ToolResultEvent', 'ReasoningStartEvent', "
        "'ReasoningDeltaEvent', 'FinishEvent', 'StreamErrorEvent'] that llm_fakes needs. "
        "Add the module that defines them to llm_fakes_types / types=."
    )


def test_an_unimportable_module_is_a_clear_error() -> None:
    with pytest.raises(TypeResolutionError, match=r"Cannot import types module 'nope\.llm'"):
        TypeSet.from_modules("nope.llm")


@pytest.fixture
def strict_module() -> Iterator[str]:
    """A module whose FinishEvent requires a field the kit cannot fill."""

    @dataclass(frozen=True)
    class FinishEvent:
        trace_id: str
        type: str = "finish"

    FinishEvent.__module__ = "strict_events"
    mod = pytypes.ModuleType("strict_events")
    for name in dir(fw_events):
        setattr(mod, name, getattr(fw_events, name))
    mod.FinishEvent = FinishEvent  # type: ignore[attr-defined]
    sys.modules["strict_events"] = mod
    yield "strict_events"
    del sys.modules["strict_events"]


def test_a_required_field_the_kit_cannot_fill_is_a_clear_error(strict_module: str) -> None:
    with pytest.raises(TypeResolutionError) as info:
        TypeSet.from_modules("framework.llm.provider", strict_module)
    assert str(info.value).startswith(
        "strict_events.FinishEvent requires field(s) ['trace_id'] that llm_fakes cannot fill"
    )


class CompleteOnly(LLMProvider):
    def __init__(self, types: TypeSet | None = None) -> None:
        self.types = types

    def complete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        return LLMResponse(content="hi", model="m")


def _stream(p: LLMProvider) -> list[Any]:
    async def run() -> list[Any]:
        return [e async for e in p.stream([{"role": "user", "content": "q"}])]

    return asyncio.run(run())


def test_per_instance_types_win_over_the_project_default() -> None:
    events = _stream(CompleteOnly(TypeSet.from_modules(*FW)))
    assert all(isinstance(e, fw_events.StreamEvent) for e in events)  # type: ignore[arg-type]


def test_project_default_applies_when_the_instance_names_none() -> None:
    before = get_default_types()
    set_default_types(" ".join(FW))
    try:
        events = _stream(CompleteOnly())
    finally:
        set_default_types(before)
    assert [type(e) for e in events][-1] is fw_events.FinishEvent
