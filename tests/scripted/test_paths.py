"""One scripted turn comes out the same through complete, acomplete and stream."""

from __future__ import annotations

from typing import Any

import pytest

from llm_fakes import (
    FinishEvent,
    LLMResponse,
    ReasoningDeltaEvent,
    ReasoningStartEvent,
    Reply,
    ScriptedProvider,
    ScriptError,
    TextDeltaEvent,
    TextEndEvent,
    ToolCall,
    ToolCallEvent,
    ToolUse,
    UsageError,
)

USER = [{"role": "user", "content": "What is the weather in Paris?"}]  # 29 chars -> 8 tokens


async def collect(provider: ScriptedProvider, messages: list[dict[str, Any]] = USER) -> list[Any]:
    return [event async for event in provider.stream(messages)]


def test_a_plain_string_is_a_text_reply_with_estimated_usage() -> None:
    fake = ScriptedProvider(["Sunny, 21 degrees."])
    assert fake.complete(USER) == LLMResponse(
        content="Sunny, 21 degrees.",
        model="scripted-model",
        input_tokens=8,
        output_tokens=5,
        stop_reason="stop",
    )


def test_every_reply_field_reaches_the_response() -> None:
    reply = Reply(
        text="Let me check.",
        tool_calls=[ToolCall("weather", {"city": "Paris"}, id="toolu_1")],
        stop_reason="tool_use",
        model="claude-fake",
        input_tokens=120,
        output_tokens=30,
    )
    resp = ScriptedProvider([reply]).complete(USER)
    assert resp == LLMResponse(
        content="Let me check.",
        model="claude-fake",
        input_tokens=120,
        output_tokens=30,
        stop_reason="tool_use",
        tool_uses=[ToolUse(id="toolu_1", name="weather", input={"city": "Paris"})],
    )


def test_json_replies_are_serialised_compactly_keeping_key_order() -> None:
    resp = ScriptedProvider([Reply(json={"b": 1, "a": ["é", None]})]).complete(USER)
    assert resp.content == '{"b": 1, "a": ["é", null]}'


def test_parallel_tool_calls_get_deterministic_ids_per_call_and_position() -> None:
    fake = ScriptedProvider(
        [
            Reply(tool_calls=[ToolCall("a", {"x": 1}), ToolCall("b"), ToolCall("c", id="mine")]),
            Reply(tool_calls=[ToolCall("a")]),
        ]
    )
    first, second = fake.complete(USER), fake.complete(USER)
    assert [(u.id, u.name, u.input) for u in first.tool_uses] == [
        ("call_0_0", "a", {"x": 1}),
        ("call_0_1", "b", {}),
        ("mine", "c", {}),
    ]
    assert first.stop_reason == "tool_calls"
    assert first.content == ""
    assert [u.id for u in second.tool_uses] == ["call_1_0"]


def test_the_token_estimate_is_ceil_chars_over_four_of_request_and_reply() -> None:
    messages = [
        {"role": "user", "content": "abcd"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "12345"},
    ]
    reply = Reply(text="xy", reasoning="think", tool_calls=[ToolCall("f", {"k": 1})])
    resp = ScriptedProvider([reply]).complete(messages, system="sys")
    # request: "sys" + "abcd" + "" + "f{}" + "12345" = 15 chars -> 4
    # reply: "xy" + "think" + '{"k": 1}' = 15 chars -> 4
    assert (resp.input_tokens, resp.output_tokens) == (4, 4)


@pytest.mark.asyncio
async def test_acomplete_returns_what_complete_returns() -> None:
    script = [Reply(text="Hi there", tool_calls=[ToolCall("t", {"q": 1})], cached_tokens=3)]
    assert await ScriptedProvider(script).acomplete(USER) == ScriptedProvider(script).complete(USER)


@pytest.mark.asyncio
async def test_stream_yields_words_then_tool_calls_text_end_and_finish() -> None:
    reply = Reply(
        text="Let me check.",
        tool_calls=[ToolCall("weather", {"city": "Paris"})],
        cached_tokens=7,
    )
    events = await collect(ScriptedProvider([reply]))
    assert events == [
        TextDeltaEvent(content="Let ", snapshot="Let "),
        TextDeltaEvent(content="me ", snapshot="Let me "),
        TextDeltaEvent(content="check.", snapshot="Let me check."),
        ToolCallEvent(tool_use_id="call_0_0", tool_name="weather", tool_input={"city": "Paris"}),
        TextEndEvent(full_text="Let me check."),
        FinishEvent(
            stop_reason="tool_calls",
            input_tokens=8,
            output_tokens=8,
            cached_tokens=7,
            model="scripted-model",
        ),
    ]


@pytest.mark.asyncio
async def test_reasoning_streams_first_as_its_own_events() -> None:
    events = await collect(ScriptedProvider([Reply(text="42", reasoning="six by seven")]))
    assert events[:4] == [
        ReasoningStartEvent(),
        ReasoningDeltaEvent(content="six "),
        ReasoningDeltaEvent(content="by "),
        ReasoningDeltaEvent(content="seven"),
    ]
    assert [e.type for e in events[4:]] == ["text_delta", "text_end", "finish"]


@pytest.mark.asyncio
async def test_a_reply_without_text_has_no_text_end_event() -> None:
    events = await collect(ScriptedProvider([Reply(tool_calls=[ToolCall("t")])]))
    assert [e.type for e in events] == ["tool_call", "finish"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("chunking", "expected"),
    [
        ("words", ["Hi ", "big  ", "world\n"]),
        ("chars", list("Hi big  world\n")),
        (5, ["Hi bi", "g  wo", "rld\n"]),
    ],
)
async def test_chunking_by_words_chars_or_fixed_size(chunking: Any, expected: list[str]) -> None:
    events = await collect(ScriptedProvider(["Hi big  world\n"], chunking=chunking))
    assert [e.content for e in events if e.type == "text_delta"] == expected


@pytest.mark.asyncio
async def test_explicit_chunks_win_over_the_providers_chunking() -> None:
    fake = ScriptedProvider([Reply(text="Hello world", chunks=["Hel", "lo wor", "ld"])])
    events = await collect(fake)
    assert [(e.content, e.snapshot) for e in events if e.type == "text_delta"] == [
        ("Hel", "Hel"),
        ("lo wor", "Hello wor"),
        ("ld", "Hello world"),
    ]


def test_a_bad_chunking_is_refused_when_the_provider_is_made() -> None:
    with pytest.raises(ScriptError) as info:
        ScriptedProvider(chunking="sentences")  # type: ignore[arg-type]
    assert str(info.value) == ("chunking must be 'words', 'chars' or an int > 0, got 'sentences'")


def test_the_provider_model_is_the_default_and_a_turn_may_override_it() -> None:
    fake = ScriptedProvider(["a", Reply(text="b", model="other")], model="gpt-fake")
    assert [fake.complete(USER).model for _ in range(2)] == ["gpt-fake", "other"]


def test_tool_inputs_are_not_copied_so_a_reply_costs_no_deep_copy() -> None:
    args = {"city": "Paris"}
    resp = ScriptedProvider([Reply(tool_calls=[ToolCall("w", args)])]).complete(USER)
    assert resp.tool_uses[0].input is args


def test_messages_of_every_shape_are_accepted() -> None:
    messages = [
        {"role": "system", "content": "sys", "cache_control": {"type": "ephemeral"}},
        {"role": "user", "content": [{"type": "text", "text": "part one"}]},
        {"role": "assistant", "content": None, "tool_calls": []},
        {"role": "tool", "tool_call_id": "x", "content": "ERROR: boom"},
        {"role": "user", "content": "ünïcödé 🎉"},
        {"role": "user", "content": ""},
    ]
    fake = ScriptedProvider(["ok"])
    assert fake.complete(messages).content == "ok"
    assert fake.calls[0].messages == messages


def test_messages_that_are_not_a_list_are_refused_with_the_fix() -> None:
    with pytest.raises(UsageError) as info:
        ScriptedProvider(["ok"]).complete("hi")  # type: ignore[arg-type]
    assert str(info.value) == (
        "complete() takes messages as a list of dicts, got str: 'hi'. "
        "Pass [{'role': 'user', 'content': ...}]."
    )


def test_the_fake_is_not_collected_by_pytest() -> None:
    assert ScriptedProvider.__test__ is False
