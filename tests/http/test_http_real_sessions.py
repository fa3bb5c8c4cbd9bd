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

from llm_fakes import (
    AnthropicProvider,
    OpenAIProvider,
    OpenAIResponsesProvider,
    Tool,
    ToolUse,
)
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


# ----------------------------------------------------------------------------- Responses API


def responses(
    recorded: dict[str, Any], seen: list[httpx.Request] | None = None
) -> OpenAIResponsesProvider:
    return OpenAIResponsesProvider("gpt-4o", api_key="sk-test", transport=replaying(recorded, seen))


def sse_payloads(body: str) -> list[dict[str, Any]]:
    """The ``data:`` payloads of a recorded event stream."""
    return [
        json.loads(line[len("data: ") :]) for line in body.splitlines() if line.startswith("data: ")
    ]


def test_responses_message_body() -> None:
    response = responses(interaction("responses_model_simple_response", 0)).complete(ASK)
    assert (response.content, response.stop_reason, response.model) == (
        "The capital of France is Paris.",
        "stop",
        "gpt-4o-2024-08-06",
    )
    assert (response.input_tokens, response.output_tokens, response.tool_uses) == (14, 8, [])


def test_responses_function_call_body_and_the_turn_after_it() -> None:
    first = responses(interaction("responses_model_simple_response_with_tool_call", 0))
    response = first.complete(ASK)
    assert (response.content, response.stop_reason) == ("", "tool_calls")
    assert (response.input_tokens, response.output_tokens) == (40, 18)
    assert response.tool_uses == [
        ToolUse("call_YfwRsW8sUxDKipwyhWTzOXCA", "get_capital", {"country": "PotatoLand"})
    ]
    recorded = interaction("responses_model_simple_response_with_tool_call", 1)
    history = [
        ASK[0],
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "call_YfwRsW8sUxDKipwyhWTzOXCA",
                    "type": "function",
                    "function": {"name": "get_capital", "arguments": '{"country":"PotatoLand"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_YfwRsW8sUxDKipwyhWTzOXCA", "content": "Potato City"},
    ]
    after = responses(recorded).complete(history)
    assert (after.content, after.stop_reason) == (
        "The capital of PotatoLand is Potato City.",
        "stop",
    )
    assert (after.input_tokens, after.output_tokens) == (67, 11)


def test_responses_structured_output_and_the_request_for_the_same_history() -> None:
    recorded = interaction("responses_native_output", 1)
    wire = recorded["request"]
    seen: list[httpx.Request] = []
    call = wire["input"][2]
    history = [
        {"role": "user", "content": wire["input"][0]["content"]},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": call["call_id"],
                    "type": "function",
                    "function": {"name": call["name"], "arguments": call["arguments"]},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call["call_id"], "content": wire["input"][3]["output"]},
    ]
    fmt = wire["text"]["format"]
    spec = {"name": fmt["name"], "schema": fmt["schema"], "strict": fmt["strict"]}
    tool = wire["tools"][0]
    response = responses(recorded, seen).complete(
        history,
        tools=[Tool(tool["name"], tool["description"], tool["parameters"])],
        response_format={"type": "json_schema", "json_schema": spec},
    )
    assert json.loads(response.content) == {"city": "Mexico City", "country": "Mexico"}
    assert (response.stop_reason, response.input_tokens, response.output_tokens) == ("stop", 89, 16)
    sent = json.loads(seen[0].content)
    # What the provider sends for the recorded history is what the real client sent.
    assert sent["input"] == wire["input"]
    assert sent["text"] == wire["text"]
    assert sent["tools"] == wire["tools"]


def test_responses_reasoning_item_beside_a_function_call_and_cached_tokens_after() -> None:
    response = responses(interaction("responses_thinking_with_tool_calls", 0)).complete(ASK)
    assert (response.content, response.stop_reason, response.model) == (
        "",
        "tool_calls",
        "gpt-5-2025-08-07",
    )
    assert (response.input_tokens, response.output_tokens) == (124, 1926)
    [use] = response.tool_uses
    assert (use.id, use.name) == ("call_gL7JE6GDeGGsFubqO2XGytyO", "update_plan")
    assert use.input["plan"].startswith("Plan:\n1) Determine required first-letter acrostics")
    after = responses(interaction("responses_thinking_with_tool_calls", 1)).complete(ASK)
    assert after.content.startswith("Softly old fountains illumine alleys\nDunes over harbor")
    assert (after.input_tokens, after.output_tokens) == (2087, 124)
    assert after.raw_response["usage"]["input_tokens_details"] == {"cached_tokens": 2048}


@pytest.mark.parametrize("form", ["async", "sync"])
def test_responses_streamed_function_call_argument_deltas(form: str) -> None:
    provider = responses(interaction("responses_stream", 0))
    stream = provider.stream(ASK) if form == "async" else provider.iter_stream(ASK)
    events = collect(stream) if form == "async" else list(stream)
    assert [e.type for e in events] == ["tool_call", "finish"]
    assert (events[0].tool_use_id, events[0].tool_name, events[0].tool_input) == (
        "call_kL0PCQV7M2WMoVX8V8OtYSAL",
        "get_capital",
        {"country": "France"},
    )
    finish = events[1]
    assert (finish.stop_reason, finish.input_tokens, finish.output_tokens, finish.model) == (
        "tool_calls",
        255,
        16,
        "gpt-4o-2024-08-06",
    )


def test_responses_streamed_text_deltas() -> None:
    events = collect(responses(interaction("responses_stream", 1)).stream(ASK))
    deltas = [e for e in events if e.type == "text_delta"]
    assert [e.content for e in deltas] == [
        "The",
        " capital",
        " of",
        " France",
        " is",
        " Paris",
        ".",
    ]
    assert deltas[-1].snapshot == "The capital of France is Paris."
    assert [e.type for e in events[-2:]] == ["text_end", "finish"]
    assert (events[-1].stop_reason, events[-1].input_tokens, events[-1].output_tokens) == (
        "stop",
        278,
        9,
    )


def test_responses_streamed_reasoning_summary_parts_then_text() -> None:
    recorded = interaction("responses_thinking_part_iter", 0)
    final = sse_payloads(recorded["body"])[-1]["response"]
    summaries = [p["text"] for p in final["output"][0]["summary"]]
    answer = final["output"][1]["content"][0]["text"]
    events = collect(responses(recorded).stream(ASK))
    kinds = [e.type for e in events]
    assert kinds.count("reasoning_start") == 1 and kinds[0] == "reasoning_start"
    reasoning = "".join(e.content for e in events if e.type == "reasoning_delta")
    assert len(summaries) == 4
    assert reasoning == "\n\n".join(summaries)
    assert "".join(e.content for e in events if e.type == "text_delta") == answer
    last_reasoning = max(i for i, k in enumerate(kinds) if k == "reasoning_delta")
    assert kinds.index("text_delta") > last_reasoning
    finish = events[-1]
    assert (finish.stop_reason, finish.input_tokens, finish.output_tokens, finish.model) == (
        "stop",
        13,
        1680,
        "o3-mini-2025-01-31",
    )
