"""`to_text`: the snapshot form keeps meaning, drops payloads and timings, normalises ids."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from framework.llm import provider as fw
from framework.llm import stream_events as fw_events

from llm_fakes import (
    Fail,
    FinishEvent,
    LLMResponse,
    Reply,
    ScriptedProvider,
    StreamErrorEvent,
    TextDeltaEvent,
    TextEndEvent,
    ToolCall,
    ToolCallEvent,
    ToolResultEvent,
    ToolUse,
)
from llm_fakes.snapshot_text import to_text
from llm_fakes.typeset import TypeSet


def _weather_response(tool_id: str, raw: Any) -> LLMResponse:
    return LLMResponse(
        content="Checking.",
        model="gpt-4o",
        input_tokens=12,
        output_tokens=7,
        stop_reason="tool_calls",
        raw_response=raw,
        tool_uses=[ToolUse(id=tool_id, name="weather", input={"city": "Paris", "days": 2})],
    )


WEATHER = """\
response
  model: 'gpt-4o'
  stop_reason: 'tool_calls'
  tokens: in=12 out=7
  content: 'Checking.'
  tool_uses:
    - <tool:1> weather {"city": "Paris", "days": 2}"""


def test_a_response_leaves_out_the_raw_payload_and_numbers_tool_ids() -> None:
    raw = {"id": "chatcmpl-9x", "created": 1764300000, "system_fingerprint": "fp_1"}
    assert to_text(_weather_response("call_Zk3", raw)) == WEATHER


def test_responses_that_differ_only_in_ids_and_payloads_render_identically() -> None:
    first = _weather_response(f"call_{uuid.uuid4().hex}", {"created": 1})
    second = _weather_response(f"toolu_{uuid.uuid4().hex}", {"created": 2, "x": [1]})
    assert to_text(first) == to_text(second) == WEATHER


def test_the_frameworks_own_response_renders_like_the_kits() -> None:
    # The framework's LLMResponse has no tool_uses: the kit carries them in raw_response.
    types = TypeSet.from_modules("framework.llm.provider", "framework.llm.stream_events")
    theirs = types.convert(_weather_response("call_Zk3", None))
    assert type(theirs) is fw.LLMResponse
    assert to_text(theirs) == WEATHER


def test_multi_line_text_is_a_block_unless_it_would_lose_whitespace() -> None:
    block = LLMResponse(content="Line one.\nLine two.", model="m")
    assert to_text(block).splitlines()[4:] == ["  content: |", "    Line one.", "    Line two."]
    trailing = LLMResponse(content="Line one.\n", model="m")
    assert to_text(trailing).splitlines()[4] == "  content: 'Line one.\\n'"
    spaced = LLMResponse(content="a  \nb", model="m")
    assert to_text(spaced).splitlines()[4] == "  content: 'a  \\nb'"


def _stream(tool_id: str) -> list[Any]:
    return [
        TextDeltaEvent(content="Let me ", snapshot="Let me "),
        TextDeltaEvent(content="check.", snapshot="Let me check."),
        ToolCallEvent(tool_use_id=tool_id, tool_name="weather", tool_input={"city": "Paris"}),
        ToolResultEvent(tool_use_id=tool_id, content="timeout", is_error=True),
        TextEndEvent(full_text="Let me check."),
        FinishEvent(
            stop_reason="tool_calls", input_tokens=9, output_tokens=5, cached_tokens=4, model="m"
        ),
    ]


def test_a_stream_joins_deltas_and_keeps_every_other_event() -> None:
    assert to_text(_stream("call_1")) == (
        "stream\n"
        "  text 'Let me check.'\n"
        '  tool_call <tool:1> weather {"city": "Paris"}\n'
        "  tool_result <tool:1> 'timeout' is_error\n"
        "  text_end\n"
        "  finish 'tool_calls' tokens: in=9 out=5 cached=4 model='m'"
    )


def test_chunks_true_keeps_chunk_boundaries() -> None:
    lines = to_text(_stream("call_1"), chunks=True).splitlines()
    assert lines[:3] == ["stream", "  text_delta 'Let me '", "  text_delta 'check.'"]


def test_the_frameworks_own_events_render_like_the_kits() -> None:
    types = TypeSet.from_modules("framework.llm.provider", "framework.llm.stream_events")
    theirs = [types.convert(e) for e in _stream("call_1")]
    assert type(theirs[0]) is fw_events.TextDeltaEvent
    assert to_text(theirs) == to_text(_stream("call_1"))


def test_a_text_end_that_disagrees_with_the_deltas_is_shown_and_errors_are_flagged() -> None:
    events = [
        TextDeltaEvent(content="ab", snapshot="ab"),
        TextEndEvent(full_text="abab"),
        StreamErrorEvent(error="RateLimitError (HTTP 429): slow down", recoverable=True),
    ]
    assert to_text(events) == (
        "stream\n"
        "  text 'ab'\n"
        "  text_end 'abab' (deltas gave 'ab')\n"
        "  error recoverable 'RateLimitError (HTTP 429): slow down'"
    )


def test_a_message_history_numbers_ids_consistently_and_keeps_extra_keys() -> None:
    messages = [
        {"role": "system", "content": "Be brief.", "cache_control": {"type": "ephemeral"}},
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "call_9",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city":"Paris"}'},
                },
                {"id": "call_7", "type": "function", "function": {"name": "t", "arguments": "{"}},
            ],
        },
        {"role": "tool", "tool_call_id": "call_7", "content": "ERROR: bad json"},
        {"role": "tool", "tool_call_id": "call_9", "content": "18C"},
    ]
    assert to_text(messages) == (
        "messages\n"
        "  system: 'Be brief.'\n"
        '    extra: {"cache_control": {"type": "ephemeral"}}\n'
        "  user: 'Weather in Paris?'\n"
        "  assistant: ''\n"
        '    tool_call <tool:1> weather {"city": "Paris"}\n'
        "    tool_call <tool:2> t '{'\n"
        "  tool <tool:2>: 'ERROR: bad json'\n"
        "  tool <tool:1>: '18C'"
    )


def test_the_call_log_shows_requests_attempts_and_outcomes_without_timings() -> None:
    fake = ScriptedProvider(
        [
            Fail.server_error(503),
            Reply(text="Checking.", tool_calls=[ToolCall("weather", {"city": "Paris"})]),
            "Sunny.",
        ]
    )
    fake.complete([{"role": "user", "content": "Weather?"}], system="Be brief.", max_retries=2)

    async def stream() -> None:
        async for _ in fake.stream([{"role": "user", "content": "And now?"}]):
            pass

    asyncio.run(stream())
    assert fake.calls[0].elapsed > 0  # the retry waited; the snapshot does not say how long
    assert to_text(fake.calls) == (
        "calls: 2\n"
        "  - calls[0]\n"
        "    method: complete\n"
        "    system: 'Be brief.'\n"
        "    max_tokens: 1024\n"
        "    max_retries: 2\n"
        "    messages:\n"
        "      user: 'Weather?'\n"
        "    attempts: 2\n"
        "      - attempt 1: ServerError (HTTP 503): internal server error\n"
        "    result: response\n"
        "      model: 'scripted-model'\n"
        "      stop_reason: 'tool_calls'\n"
        "      tokens: in=5 out=7\n"
        "      content: 'Checking.'\n"
        "      tool_uses:\n"
        '        - <tool:1> weather {"city": "Paris"}\n'
        "  - calls[1]\n"
        "    method: stream\n"
        "    max_tokens: 4096\n"
        "    messages:\n"
        "      user: 'And now?'\n"
        "    attempts: 1\n"
        "    events:\n"
        "      text 'Sunny.'\n"
        "      text_end\n"
        "      finish 'stop' tokens: in=2 out=2 cached=0 model='scripted-model'"
    )


def test_plain_containers_render_their_parts_and_drop_volatile_keys() -> None:
    value = {
        "answer": LLMResponse(content="4", model="m"),
        "elapsed": 0.25,
        "steps": ["plan", "act"],
        "meta": {"id": "call_1", "latency": 3, "user": 42},
        "error": ValueError("bad"),
        "empty": {},
    }
    assert to_text(value) == (
        "answer: response\n"
        "  model: 'm'\n"
        "  stop_reason: ''\n"
        "  tokens: in=0 out=0\n"
        "  content: '4'\n"
        'steps: ["plan", "act"]\n'
        "meta:\n"
        "  id: <tool:1>\n"
        "  user: 42\n"
        "error: ValueError: bad\n"
        "empty: {}"
    )
