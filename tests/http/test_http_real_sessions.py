"""The providers parse what the real OpenAI and Anthropic APIs sent (``/work/shared/real-sessions``,
copied to ``tests/http/real_sessions``): each recorded body is served as recorded by an
``httpx.MockTransport``, and the response or events the provider builds are checked value by value.
The providers' own requests for the same conversations are checked against the recorded ones."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from http_support import collect

from llm_fakes import AnthropicProvider, OpenAIProvider, Tool, ToolUse
from llm_fakes.http.anthropic_wire import to_anthropic_messages

HERE = Path(__file__).parent / "real_sessions"


def interaction(name: str, index: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / f"{name}.json").read_text())
    return dict(data["interactions"][index])


def replaying(
    recorded: dict[str, Any], seen: list[httpx.Request] | None = None
) -> httpx.MockTransport:
    """A transport that answers every request with the recorded status and body."""

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(
            recorded["status"],
            headers={"content-type": recorded["content_type"]},
            content=recorded["body"].encode("utf-8"),
        )

    return httpx.MockTransport(handler)


def openai(recorded: dict[str, Any], seen: list[httpx.Request] | None = None) -> OpenAIProvider:
    return OpenAIProvider("gpt-4o-mini", api_key="sk-test", transport=replaying(recorded, seen))


def anthropic(recorded: dict[str, Any]) -> AnthropicProvider:
    return AnthropicProvider("claude-haiku-4-5", api_key="sk-ant", transport=replaying(recorded))


ASK = [{"role": "user", "content": "question"}]


def test_openai_tool_call_body() -> None:
    response = openai(interaction("test_multiple_agent_tool_calls", 0)).complete(ASK)
    assert (response.content, response.stop_reason, response.model) == (
        "",
        "tool_calls",
        "gpt-4o-mini-2024-07-18",
    )
    assert (response.input_tokens, response.output_tokens) == (104, 16)
    assert response.tool_uses == [
        ToolUse("call_SkEQ3ZGSJC8m6AvaIGNuuKdm", "get_capital", {"country": "England"})
    ]


def test_openai_text_body_and_the_request_for_the_same_history() -> None:
    recorded = interaction("test_multiple_agent_tool_calls", 1)
    seen: list[httpx.Request] = []
    provider = openai(recorded, seen)
    history = recorded["request"]["messages"]
    tool = recorded["request"]["tools"][0]["function"]
    tools = [Tool(tool["name"], tool["description"], tool["parameters"])]
    response = provider.complete(history, tools=tools)
    assert (response.content, response.stop_reason) == ("The capital of England is London.", "stop")
    assert (response.input_tokens, response.output_tokens) == (129, 9)
    sent = json.loads(seen[0].content)
    # What the provider sends for the recorded history is what the real client sent.
    assert sent["messages"] == [
        {**m, "content": m.get("content")} if m["role"] == "assistant" else m for m in history
    ]
    assert sent["tools"] == recorded["request"]["tools"]


def test_openai_json_schema_body() -> None:
    recorded = interaction("test_openai_native_output", 1)
    seen: list[httpx.Request] = []
    fmt = recorded["request"]["response_format"]
    response = openai(recorded, seen).complete(ASK, response_format=fmt)
    assert json.loads(response.content) == {"city": "Mexico City", "country": "Mexico"}
    assert json.loads(seen[0].content)["response_format"] == fmt


@pytest.mark.parametrize("form", ["async", "sync"])
def test_openai_streamed_tool_call_argument_deltas(form: str) -> None:
    provider = openai(interaction("test_run_stream_sync_streams_real_model", 0))
    stream = provider.stream(ASK) if form == "async" else provider.iter_stream(ASK)
    events = collect(stream) if form == "async" else list(stream)
    assert [e.type for e in events] == ["tool_call", "finish"]
    assert events[0].tool_use_id == "call_ZR5UUuTt3pf61kjwAJIYdVMj"
    assert (events[0].tool_name, events[0].tool_input) == ("get_capital", {"country": "UK"})
    assert (events[1].stop_reason, events[1].input_tokens, events[1].output_tokens) == (
        "tool_calls",
        53,
        15,
    )
    assert (events[1].cached_tokens, events[1].model) == (0, "gpt-4o-mini-2024-07-18")


def test_openai_streamed_text_and_done() -> None:
    recorded = interaction("test_run_stream_sync_streams_real_model", 1)
    events = collect(openai(recorded).stream(ASK))
    deltas = [e for e in events if e.type == "text_delta"]
    text = "".join(e.content for e in deltas)
    assert text == "The capital of the UK is London."
    assert all(e.snapshot == text[: len(e.snapshot)] for e in deltas)
    assert [e.type for e in events[-2:]] == ["text_end", "finish"]
    assert events[-2].full_text == text
    assert (events[-1].stop_reason, events[-1].input_tokens, events[-1].output_tokens) == (
        "stop",
        78,
        9,
    )


def test_anthropic_parallel_tool_uses_body() -> None:
    response = anthropic(interaction("test_multiple_parallel_tool_calls", 0)).complete(ASK)
    assert response.content.startswith("I'll help you find out who is the youngest")
    assert response.stop_reason == "tool_calls"
    assert (response.input_tokens, response.output_tokens) == (423, 202)
    assert [(u.id, u.name, u.input) for u in response.tool_uses] == [
        ("toolu_0167cfEnoQaPviGdVXA95zcu", "retrieve_entity_info", {"name": "Alice"}),
        ("toolu_01EEe2V5HD1Ac4rKiUR4HD2T", "retrieve_entity_info", {"name": "Bob"}),
        ("toolu_01XFyAjstT3966qvRynZyVPo", "retrieve_entity_info", {"name": "Charlie"}),
        ("toolu_013mnQZbgtK2oe3Mo3XKJsx3", "retrieve_entity_info", {"name": "Daisy"}),
    ]


def test_anthropic_tool_results_merge_into_one_user_message_as_the_real_request() -> None:
    recorded = interaction("test_multiple_parallel_tool_calls", 1)
    wire = recorded["request"]["messages"]
    text = wire[1]["content"][0]["text"]
    uses = [b for b in wire[1]["content"] if b["type"] == "tool_use"]
    history: list[dict[str, Any]] = [
        {"role": "user", "content": wire[0]["content"][0]["text"]},
        {
            "role": "assistant",
            "content": text,
            "tool_calls": [
                {
                    "id": u["id"],
                    "type": "function",
                    "function": {"name": u["name"], "arguments": json.dumps(u["input"])},
                }
                for u in uses
            ],
        },
        *[
            {"role": "tool", "tool_call_id": r["tool_use_id"], "content": r["content"]}
            for r in wire[2]["content"]
        ],
    ]
    _, mine = to_anthropic_messages(history)
    assert mine[1] == wire[1]
    assert mine[2] == {
        "role": "user",
        "content": [{k: v for k, v in r.items() if k != "is_error"} for r in wire[2]["content"]],
    }
    response = anthropic(recorded).complete(history)
    assert response.content.endswith("she is the youngest among the four family members.")
    assert (response.stop_reason, response.input_tokens, response.output_tokens) == (
        "stop",
        771,
        77,
    )


def test_anthropic_thinking_stream_with_ping_and_signature() -> None:
    recorded = interaction("test_anthropic_model_thinking_part_stream", 0)
    events = asyncio.run(_events(anthropic(recorded)))
    kinds = [e.type for e in events]
    assert kinds[0] == "reasoning_start"
    assert kinds.count("reasoning_start") == 1
    reasoning = "".join(e.content for e in events if e.type == "reasoning_delta")
    assert reasoning.startswith("This is a straightforward question about pedestrian safety.")
    assert reasoning.endswith("help prevent accidents.")
    text = "".join(e.content for e in events if e.type == "text_delta")
    assert text.startswith("Here are the basic steps for safely crossing the street:")
    assert text.endswith("Always prioritize safety over speed when crossing streets.")
    assert kinds.index("text_delta") > max(i for i, k in enumerate(kinds) if k == "reasoning_delta")
    assert kinds[-2:] == ["text_end", "finish"]
    finish = events[-1]
    assert (finish.stop_reason, finish.input_tokens, finish.output_tokens, finish.model) == (
        "stop",
        43,
        282,
        "claude-sonnet-4-20250514",
    )


async def _events(provider: AnthropicProvider) -> list[Any]:
    return [e async for e in provider.stream(ASK)]
