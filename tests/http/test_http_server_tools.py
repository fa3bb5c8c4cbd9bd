"""Hosted (server-side) tools in both directions: ``Reply(server_tools=...)`` goes out in each
API's shape, streamed and not, read by the official SDKs; a request that did not declare the
hosted tool makes it a script error; and the providers take a completed answer whose only output
is a hosted tool's as an answer (no EmptyResponseError, no retry, the items in raw_response)."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import openai
import pytest
from http_support import collect

from llm_fakes import (
    AnthropicProvider,
    FakeAnthropic,
    FakeOpenAI,
    OpenAIResponsesProvider,
    Reply,
    ServerToolCall,
)

IMAGE = ServerToolCall("image_generation", {"prompt": "a cat"}, result="aGVsbG8=")
SEARCH = ServerToolCall("web_search", {"query": "oslo weather"}, result=[])
CODE = ServerToolCall("code_interpreter", {"code": "print(6*7)"}, result="42\n")
ASK = [{"role": "user", "content": "Draw a cat"}]


def responses_client(fake: FakeOpenAI) -> openai.OpenAI:
    http = openai.DefaultHttpxClient(transport=fake.transport())
    return openai.OpenAI(api_key="sk-test", http_client=http, max_retries=0)


def test_responses_items_for_each_hosted_tool_streamed_and_not() -> None:
    reply = Reply(text="Done.", server_tools=[SEARCH, CODE, IMAGE])
    tools: Any = [
        {"type": "web_search"},
        {"type": "code_interpreter"},
        {"type": "image_generation"},
    ]
    fake = FakeOpenAI([reply, reply])
    client = responses_client(fake)
    made = client.responses.create(model="gpt-4o", input="Go", tools=tools)
    kinds = [o.type for o in made.output]
    assert kinds == ["web_search_call", "code_interpreter_call", "image_generation_call", "message"]
    search, code, image = made.output[:3]
    assert search.action.query == "oslo weather"  # type: ignore[union-attr]
    assert (code.code, code.outputs[0].logs) == ("print(6*7)", "42\n")  # type: ignore[union-attr]
    assert image.result == "aGVsbG8="  # type: ignore[union-attr]
    events = list(client.responses.create(model="gpt-4o", input="Go", tools=tools, stream=True))
    names = [e.type for e in events]
    assert "response.image_generation_call.completed" in names
    assert [o.type for o in events[-1].response.output] == kinds


def test_anthropic_blocks_for_web_search_and_code_execution_streamed_and_not() -> None:
    reply = Reply(text="It is 42.", server_tools=[SEARCH, CODE])
    tools: Any = [
        {"type": "web_search_20250305", "name": "web_search"},
        {"type": "code_execution_20250522", "name": "code_execution"},
    ]
    fake = FakeAnthropic([reply, reply])
    http = anthropic.DefaultHttpxClient(transport=fake.transport())
    client = anthropic.Anthropic(api_key="k", http_client=http, max_retries=0)
    kw: dict[str, Any] = {"model": "claude-x", "max_tokens": 512, "messages": ASK, "tools": tools}
    made = client.messages.create(**kw)
    with client.messages.stream(**kw) as stream:
        streamed = stream.get_final_message()
    for message in (made, streamed):
        assert [b.type for b in message.content] == [
            "server_tool_use",
            "web_search_tool_result",
            "server_tool_use",
            "code_execution_tool_result",
            "text",
        ]
        use = message.content[2]
        assert (use.name, use.input) == ("code_execution", {"code": "print(6*7)"})  # type: ignore[union-attr]
        result: Any = message.content[3].content  # type: ignore[union-attr]
        # Older SDKs keep a block type they do not know as a dict.
        assert (result["stdout"] if isinstance(result, dict) else result.stdout) == "42\n"


def test_a_hosted_tool_the_request_did_not_declare_is_a_script_error() -> None:
    fake = FakeOpenAI([Reply(server_tools=[IMAGE])])
    with pytest.raises(openai.BadRequestError):
        responses_client(fake).responses.create(model="gpt-4o", input="Go")
    assert (
        "runs the hosted tool 'image_generation', but the request did not declare it"
        in (fake.problems[0])
    )


def test_only_hosted_output_is_an_answer_not_an_empty_response_through_both_paths() -> None:
    def build(reply: Reply) -> OpenAIResponsesProvider:
        fake = FakeOpenAI([reply, reply])
        body_tools = [{"type": "image_generation"}]
        provider = OpenAIResponsesProvider(
            "gpt-4o",
            api_key="sk-test",
            transport=fake.transport(),
            extra_headers={},
        )
        # The provider's own tools are function tools: declare the hosted one on the body.
        original = provider._body

        def body(*args: Any, **kwargs: Any) -> dict[str, Any]:
            return {**original(*args, **kwargs), "tools": body_tools}

        provider._body = body  # type: ignore[method-assign]
        return provider

    provider = build(Reply(server_tools=[IMAGE]))
    response = provider.complete(ASK, max_retries=0)
    assert (response.content, response.tool_uses) == ("", [])
    assert response.raw_response["output"][0]["result"] == "aGVsbG8="
    events = collect(provider.stream(ASK))
    assert [e.type for e in events] == ["finish"]


def server_only() -> dict[str, Any]:
    """A completed Responses body whose only output is an image generation, in the API's shape
    (the fields of a real ``image_generation_call`` item; written here, not recorded)."""
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1756485297,
        "status": "completed",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "model": "gpt-5-2025-08-07",
        "output": [
            {
                "id": "ig_1",
                "type": "image_generation_call",
                "status": "completed",
                "background": "opaque",
                "output_format": "png",
                "quality": "high",
                "result": "iVBORw0KGgo=",
                "revised_prompt": "A cat.",
                "size": "1024x1024",
            }
        ],
        "usage": {
            "input_tokens": 2746,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 1549,
            "output_tokens_details": {"reasoning_tokens": 1344},
            "total_tokens": 4295,
        },
    }


def test_a_server_only_answer_is_taken_once_with_no_retry() -> None:
    body = server_only()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=body)

    provider = OpenAIResponsesProvider(
        "gpt-5", api_key="sk-test", transport=httpx.MockTransport(handler)
    )
    response = provider.complete(ASK)
    assert len(seen) == 1
    assert (response.content, response.stop_reason, response.output_tokens) == ("", "stop", 1549)
    assert response.raw_response["output"][0]["type"] == "image_generation_call"


def test_an_anthropic_answer_with_only_hosted_blocks_is_not_empty() -> None:
    body = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-x",
        "content": [
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
        ],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 5, "output_tokens": 3},
    }
    seen: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=body)

    provider = AnthropicProvider("claude-x", api_key="k", transport=httpx.MockTransport(handler))
    response = provider.complete(ASK)
    assert len(seen) == 1 and response.content == ""
    assert response.raw_response["content"][1]["type"] == "web_search_tool_result"


def test_hosted_items_a_client_replays_in_input_are_accepted() -> None:
    fake = FakeOpenAI(["Found it."])
    replayed: Any = [
        {"role": "user", "content": "Find the refund tool"},
        {"type": "tool_search_call", "call_id": "ts_1", "arguments": {"queries": ["refund"]}},
        {"type": "tool_search_output", "call_id": "ts_1", "tools": []},
        {"type": "web_search_call", "id": "ws_1", "status": "completed", "action": {}},
    ]
    made = responses_client(fake).responses.create(model="gpt-4o", input=replayed)
    assert made.output_text == "Found it."
    assert [m["role"] for m in fake.requests[0].messages] == ["user"]
