"""The seed interface: signatures, defaults, and the base class's free acomplete/stream."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import time
from typing import Any

import pytest

import llm_fakes
from llm_fakes import (
    FinishEvent,
    LLMProvider,
    LLMResponse,
    RateLimitError,
    StreamErrorEvent,
    TextDeltaEvent,
    TextEndEvent,
    Tool,
    ToolCallEvent,
    ToolUse,
)

COMPLETE_SIG = (
    "(self, messages: 'list[dict[str, Any]]', system: 'str' = '', "
    "tools: 'list[Tool] | None' = None, max_tokens: 'int' = 1024, "
    "response_format: 'dict[str, Any] | None' = None, json_mode: 'bool' = False, "
    "max_retries: 'int | None' = None) -> 'LLMResponse'"
)


def test_complete_and_acomplete_have_the_seed_signature() -> None:
    assert str(inspect.signature(LLMProvider.complete)) == COMPLETE_SIG
    assert str(inspect.signature(LLMProvider.acomplete)) == COMPLETE_SIG


def test_stream_has_the_seed_signature() -> None:
    params = inspect.signature(LLMProvider.stream).parameters
    assert [(p.name, p.default) for p in params.values()] == [
        ("self", inspect.Parameter.empty),
        ("messages", inspect.Parameter.empty),
        ("system", ""),
        ("tools", None),
        ("max_tokens", 4096),
    ]


def test_llm_response_fields_are_the_seeds_in_order_plus_tool_uses_last() -> None:
    names = [f.name for f in dataclasses.fields(LLMResponse)]
    assert names == [
        "content",
        "model",
        "input_tokens",
        "output_tokens",
        "stop_reason",
        "raw_response",
        "tool_uses",
    ]
    # Positional construction, as seed code does it, still works.
    r = LLMResponse("hi", "m", 1, 2, "stop")
    assert (r.input_tokens, r.output_tokens, r.stop_reason, r.tool_uses) == (1, 2, "stop", [])


EVENT_FIELDS = {
    "TextDeltaEvent": ("text_delta", ["type", "content", "snapshot"]),
    "TextEndEvent": ("text_end", ["type", "full_text"]),
    "ToolCallEvent": ("tool_call", ["type", "tool_use_id", "tool_name", "tool_input"]),
    "ToolResultEvent": ("tool_result", ["type", "tool_use_id", "content", "is_error"]),
    "ReasoningStartEvent": ("reasoning_start", ["type"]),
    "ReasoningDeltaEvent": ("reasoning_delta", ["type", "content"]),
    "FinishEvent": (
        "finish",
        ["type", "stop_reason", "input_tokens", "output_tokens", "cached_tokens", "model"],
    ),
    "StreamErrorEvent": ("error", ["type", "error", "recoverable"]),
}


@pytest.mark.parametrize("name", sorted(EVENT_FIELDS))
def test_events_are_frozen_with_type_first_and_every_field_defaulted(name: str) -> None:
    cls = getattr(llm_fakes, name)
    literal, fields = EVENT_FIELDS[name]
    assert [f.name for f in dataclasses.fields(cls)] == fields
    event = cls()
    assert event.type == literal
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.type = "other"


class CompleteOnly(LLMProvider):
    """Implements only `complete`; gets acomplete and stream from the base class."""

    def __init__(self, response: LLMResponse | Exception) -> None:
        self.response = response
        self.seen: list[dict[str, Any]] = []

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
        self.seen.append({"messages": messages, "system": system, "max_tokens": max_tokens})
        if isinstance(self.response, Exception):
            raise self.response
        return self.response


def collect(provider: LLMProvider, **kw: Any) -> list[Any]:
    async def run() -> list[Any]:
        return [e async for e in provider.stream([{"role": "user", "content": "q"}], **kw)]

    return asyncio.run(run())


def test_base_acomplete_runs_complete_off_the_loop_and_returns_its_result() -> None:
    resp = LLMResponse(content="hello", model="m", input_tokens=3, output_tokens=1)

    class Slow(CompleteOnly):
        def complete(self, *args: Any, **kwargs: Any) -> LLMResponse:
            time.sleep(0.05)  # blocks its thread, not the loop
            return super().complete(*args, **kwargs)

    provider = Slow(resp)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    async def run() -> LLMResponse:
        task = asyncio.create_task(ticker())
        try:
            return await provider.acomplete([{"role": "user", "content": "q"}], system="s")
        finally:
            task.cancel()

    assert asyncio.run(run()) is resp
    assert ticks >= 3, f"the loop stalled while complete() ran: {ticks} ticks"
    assert provider.seen == [
        {"messages": [{"role": "user", "content": "q"}], "system": "s", "max_tokens": 1024}
    ]


def test_base_stream_satisfies_s1_to_s5() -> None:
    resp = LLMResponse(
        content="héllo wörld",
        model="m-1",
        input_tokens=7,
        output_tokens=3,
        stop_reason="tool_calls",
        tool_uses=[ToolUse(id="c1", name="lookup", input={"q": [1, {"a": None}]})],
    )
    events = collect(CompleteOnly(resp), max_tokens=55)
    deltas = [e for e in events if isinstance(e, TextDeltaEvent)]
    snapshot = ""
    for d in deltas:  # S1
        snapshot += d.content
        assert d.snapshot == snapshot
    ends = [e for e in events if isinstance(e, TextEndEvent)]
    assert len(ends) == 1 and ends[0].full_text == snapshot == resp.content  # S2
    assert isinstance(events[-1], FinishEvent)  # S3
    assert sum(isinstance(e, FinishEvent | StreamErrorEvent) for e in events) == 1
    assert events[-1] == FinishEvent(  # S4
        stop_reason="tool_calls", input_tokens=7, output_tokens=3, model="m-1"
    )
    assert [e for e in events if isinstance(e, ToolCallEvent)] == [  # S5
        ToolCallEvent(tool_use_id="c1", tool_name="lookup", tool_input={"q": [1, {"a": None}]})
    ]


def test_base_stream_passes_max_tokens_through_to_complete() -> None:
    provider = CompleteOnly(LLMResponse(content="x", model="m"))
    collect(provider, max_tokens=55, system="sys")
    assert provider.seen[0]["max_tokens"] == 55 and provider.seen[0]["system"] == "sys"


def test_base_stream_with_empty_text_has_no_text_events() -> None:
    events = collect(CompleteOnly(LLMResponse(content="", model="m", stop_reason="stop")))
    assert events == [FinishEvent(stop_reason="stop", model="m")]


def test_base_stream_turns_a_provider_error_into_one_terminal_error_event() -> None:
    events = collect(CompleteOnly(RateLimitError("slow down", retry_after=1.0)))
    assert events == [
        StreamErrorEvent(error="RateLimitError (HTTP 429): slow down", recoverable=True)
    ]
