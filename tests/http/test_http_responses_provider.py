"""``OpenAIResponsesProvider`` beyond the shared contract tests: what it sends (store, strict tools,
the 16-token floor, reasoning options), the response states it reads (incomplete, failed, refusals,
server-side tool items, unknown events), and recording and replay through ``CassetteProvider``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from http_support import USER, collect

from llm_fakes import (
    BadRequestError,
    CassetteProvider,
    FakeOpenAI,
    OpenAIResponsesProvider,
    ProviderError,
    RateLimitError,
    Reply,
    ServerError,
    Tool,
    ToolCall,
    ToolUse,
    VirtualClock,
)


def serving(*bodies: str, ctype: str = "application/json") -> httpx.MockTransport:
    """A transport answering each request with the next of ``bodies`` (status 200; the last one
    again for any retry after it)."""
    queue = list(bodies)

    def handler(request: httpx.Request) -> httpx.Response:
        body = queue.pop(0) if len(queue) > 1 else queue[0]
        return httpx.Response(200, headers={"content-type": ctype}, content=body.encode())

    return httpx.MockTransport(handler)


def sse(*events: dict[str, Any]) -> str:
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)


def provider(transport: Any, **kw: Any) -> OpenAIResponsesProvider:
    return OpenAIResponsesProvider(
        "gpt-4o", api_key="sk-test", transport=transport, clock=VirtualClock(), **kw
    )


DONE = {"status": "completed", "model": "gpt-4o", "output": [], "usage": None}


def test_the_request_sends_store_false_strict_false_tools_and_the_16_token_floor() -> None:
    fake = FakeOpenAI(["ok", "ok"])
    p = provider(fake.transport(), reasoning={"effort": "low", "summary": "auto"})
    p.complete(USER, system="Be brief.", tools=[Tool("weather", "Weather")], max_tokens=5)
    body = fake.requests[0].body
    assert (body["store"], body["max_output_tokens"], body["instructions"]) == (
        False,
        16,
        "Be brief.",
    )
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    assert body["tools"] == [
        {
            "type": "function",
            "name": "weather",
            "description": "Weather",
            "parameters": {"type": "object", "properties": {}},
            "strict": False,
        }
    ]
    provider(fake.transport(), store=True).complete(USER, max_tokens=500)
    assert (fake.requests[1].body["store"], fake.requests[1].body["max_output_tokens"]) == (
        True,
        500,
    )
    assert "reasoning" not in fake.requests[1].body


def test_the_fake_rejects_what_the_api_rejects() -> None:
    fake = FakeOpenAI(["never"])
    client = httpx.Client(transport=fake.transport())
    url = "https://api.openai.com/v1/responses"
    cases = [
        (
            {"model": "m", "input": "x", "max_output_tokens": 15},
            "Expected a value >= 16, but got 15",
        ),
        ({"input": "x"}, "Missing required parameter: 'model'."),
        (
            {
                "model": "m",
                "input": [{"type": "function_call_output", "call_id": "c9", "output": ""}],
            },
            "No tool call found for function call output with call_id c9.",
        ),
        (
            {
                "model": "m",
                "input": [
                    {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}
                ],
            },
            "No tool output found for function call c1.",
        ),
        (
            {"model": "m", "input": "x", "text": {"format": {"type": "json_schema", "schema": {}}}},
            "Missing required parameter: 'text.format.name'.",
        ),
    ]
    for body, message in cases:
        response = client.post(url, json=body)
        assert response.status_code == 400
        error = response.json()["error"]
        assert message in error["message"]
        assert error["type"] == "invalid_request_error"
    assert fake.remaining  # no turn was used by a rejected request


def test_incomplete_is_length_and_a_refusal_is_text() -> None:
    incomplete = {
        **DONE,
        "status": "incomplete",
        "incomplete_details": {"reason": "max_output_tokens"},
        "output": [{"type": "message", "content": [{"type": "output_text", "text": "cut"}]}],
    }
    refusal = {
        **DONE,
        "output": [{"type": "message", "content": [{"type": "refusal", "refusal": "I can't."}]}],
    }
    p = provider(serving(json.dumps(incomplete), json.dumps(refusal)))
    cut = p.complete(USER)
    assert (cut.content, cut.stop_reason) == ("cut", "length")
    said = p.complete(USER)
    assert (said.content, said.stop_reason) == ("I can't.", "stop")


def test_server_side_tool_items_are_not_the_callers_tool_calls() -> None:
    output = [
        {"type": "web_search_call", "id": "ws_1", "status": "completed"},
        {"type": "mcp_call", "id": "mcp_1", "name": "lookup", "arguments": "{}"},
        {"type": "function_call", "call_id": "call_1", "name": "mine", "arguments": '{"a": 1}'},
        {"type": "code_interpreter_call", "id": "ci_1", "code": "1+1"},
    ]
    streamed = sse(
        {"type": "response.output_item.added", "output_index": 0, "item": output[0]},
        {"type": "response.output_item.added", "output_index": 1, "item": output[1]},
        {"type": "response.function_call_arguments.delta", "output_index": 1, "delta": "{}"},
        {"type": "response.output_item.done", "output_index": 2, "item": output[2]},
        {"type": "response.something_new", "output_index": 2},
        {"type": "response.completed", "response": {**DONE, "output": output}},
    )
    p = provider(serving(json.dumps({**DONE, "output": output})))
    assert p.complete(USER).tool_uses == [ToolUse("call_1", "mine", {"a": 1})]
    events = collect(provider(serving(streamed, ctype="text/event-stream")).stream(USER))
    assert [(e.type, getattr(e, "tool_name", None)) for e in events] == [
        ("tool_call", "mine"),
        ("finish", None),
    ]
    assert events[0].tool_input == {"a": 1}  # sent whole in output_item.done, no deltas


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ({"code": "server_error", "message": "boom"}, ServerError),
        ({"code": "rate_limit_exceeded", "message": "slow"}, RateLimitError),
        ({"code": "invalid_prompt", "message": "no"}, ProviderError),
    ],
)
def test_a_failed_response_is_a_typed_error(error: dict[str, str], kind: type[Exception]) -> None:
    failed = {**DONE, "status": "failed", "error": error}
    with pytest.raises(kind) as info:
        provider(serving(json.dumps(failed))).complete(USER, max_retries=0)
    assert type(info.value) is kind  # not merely a subclass of it
    assert error["message"] in str(info.value)
    streamed = sse({"type": "response.failed", "response": failed})
    events = collect(provider(serving(streamed, ctype="text/event-stream")).stream(USER))
    assert [e.type for e in events] == ["error"]
    assert events[0].error.startswith(kind.__name__)
    assert error["message"] in events[0].error
    # A failed response is retryable exactly when its code is a transient one.
    assert events[0].recoverable is (kind is not ProviderError)


def test_the_documented_error_event_ends_the_stream_typed() -> None:
    streamed = sse(
        {"type": "response.output_text.delta", "output_index": 0, "delta": "Hi"},
        {"type": "error", "code": "server_error", "message": "lost it", "param": None},
    )
    events = collect(provider(serving(streamed, ctype="text/event-stream")).stream(USER))
    assert [e.type for e in events] == ["text_delta", "error"]
    assert "lost it" in events[1].error and events[1].recoverable is False


def test_a_stream_cut_before_response_completed_is_an_error() -> None:
    streamed = sse({"type": "response.output_text.delta", "output_index": 0, "delta": "Hi"})
    events = collect(provider(serving(streamed, ctype="text/event-stream")).stream(USER))
    assert events[-1].type == "error"
    assert "ended before 'response.completed'" in events[-1].error


def test_a_bad_request_from_the_fake_is_a_bad_request_error() -> None:
    fake = FakeOpenAI([Reply(json={"town": "Oslo"})])
    fmt = {"type": "json_schema", "json_schema": {"name": "p", "schema": {"required": ["city"]}}}
    with pytest.raises(BadRequestError):
        provider(fake.transport()).complete(USER, response_format=fmt)


def test_recorded_by_a_cassette_and_replayed_without_the_server(tmp_path: Path) -> None:
    reply = Reply(
        text="Rain, then sun.",
        reasoning="Check the sky.",
        tool_calls=[ToolCall("weather", {"city": "Oslo"}, id="c1")],
    )
    fake = FakeOpenAI([reply, "Plain answer."])
    path = tmp_path / "responses.yaml"
    tools = [Tool("weather", "Weather by city")]
    with fake.serve() as url:
        inner = OpenAIResponsesProvider("gpt-4o", api_key="sk-test", base_url=url)
        recorder = CassetteProvider(path, inner=inner, mode="all")
        streamed = collect(recorder.stream(USER, tools=tools))
        plain = recorder.complete([{"role": "user", "content": "And?"}])
        recorder.save()
        inner.close()
    assert [e.type for e in streamed][-3:] == ["tool_call", "text_end", "finish"]
    player = CassetteProvider(path, mode="none")
    assert collect(player.stream(USER, tools=tools)) == streamed
    again = asyncio.run(player.acomplete([{"role": "user", "content": "And?"}]))
    assert (
        (again.content, again.model) == (plain.content, plain.model) == ("Plain answer.", "gpt-4o")
    )
