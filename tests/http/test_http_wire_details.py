"""What real clients call besides completions, and wire details they read: model lists, token
counts, request-id headers, the structured-outputs beta's ``output_format``, ``n > 1``; and the
Anthropic stream bug where server-side tool blocks came out as the caller's tool calls."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest
from http_support import USER, collect

from llm_fakes import AnthropicProvider, Fail, FakeAnthropic, FakeOpenAI, Reply, ToolUse

HI = [{"role": "user", "content": "What is the weather in Oslo today?"}]
AHEADERS = {"anthropic-version": "2023-06-01", "x-api-key": "k"}


@pytest.fixture(params=["transport", "loopback"])
def form(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextlib.contextmanager
def openai_on(fake: FakeOpenAI, form: str) -> Iterator[openai.OpenAI]:
    with contextlib.ExitStack() as stack:
        if form == "transport":
            http = openai.DefaultHttpxClient(transport=fake.transport())
            client = openai.OpenAI(api_key="sk-test", http_client=http, max_retries=0)
        else:
            url = stack.enter_context(fake.serve())
            client = openai.OpenAI(api_key="sk-test", base_url=url, max_retries=0)
        stack.callback(client.close)
        yield client


@contextlib.contextmanager
def anthropic_on(fake: FakeAnthropic, form: str) -> Iterator[anthropic.Anthropic]:
    with contextlib.ExitStack() as stack:
        if form == "transport":
            # httpx2 or httpx, whichever this SDK release runs on; the fake answers both.
            http = anthropic.DefaultHttpxClient(transport=fake.transport())
            client = anthropic.Anthropic(api_key="sk-ant", http_client=http, max_retries=0)
        else:
            url = stack.enter_context(fake.serve())
            client = anthropic.Anthropic(api_key="sk-ant", base_url=url, max_retries=0)
        stack.callback(client.close)
        yield client


# ----------------------------------------------------------------------------- item 3


def test_the_model_lists_name_the_defaults_and_the_scripts_models(form: str) -> None:
    ofake = FakeOpenAI([Reply(text="x", model="gpt-custom")])
    with openai_on(ofake, form) as client:
        listed = [m.id for m in client.models.list()]
        one = client.models.retrieve("gpt-anything")
    assert listed == ["gpt-4o", "gpt-4o-mini", "gpt-custom"]
    assert (one.id, one.object) == ("gpt-anything", "model")
    afake = FakeAnthropic(["x"], models=["claude-only"])
    with anthropic_on(afake, form) as aclient:
        assert [m.id for m in aclient.models.list()] == ["claude-only"]
    # Neither consumed a turn.
    assert len(ofake.remaining) == 1 and len(afake.remaining) == 1
    assert [r.status for r in ofake.requests] == [200, 200]


def test_token_counts_are_the_estimate_the_reply_then_reports(form: str) -> None:
    afake = FakeAnthropic(["Sunny."])
    with anthropic_on(afake, form) as aclient:
        counted = aclient.messages.count_tokens(model="claude-x", system="Be brief.", messages=HI)
        sent = aclient.messages.create(
            model="claude-x", system="Be brief.", messages=HI, max_tokens=50
        )
    # ceil(len("Be brief." + the user's text) / 4), the kit's documented estimate.
    assert counted.input_tokens == (9 + 35 + 3) // 4 == sent.usage.input_tokens
    ofake = FakeOpenAI(["Sunny."])
    with openai_on(ofake, form) as client:
        counted2 = client.responses.input_tokens.count(
            model="gpt-4o", instructions="Be brief.", input=HI
        )
        out = client.responses.create(model="gpt-4o", instructions="Be brief.", input=HI)
    assert counted2.input_tokens == counted.input_tokens
    assert out.usage is not None and out.usage.input_tokens == counted2.input_tokens
    assert len(ofake.requests) == 2 and ofake.requests[0].turn is None


# ----------------------------------------------------------------------------- item 4


def test_responses_carry_each_apis_request_id_header(form: str) -> None:
    ofake = FakeOpenAI(["ok", Fail.bad_request("nope")])
    with openai_on(ofake, form) as client:
        ok = client.chat.completions.create(model="gpt-4o", messages=HI)
        with pytest.raises(openai.BadRequestError) as oerr:
            client.responses.create(model="gpt-4o", input="x")
    assert ok._request_id == "req_llmfakes000000"
    assert oerr.value.request_id == "req_llmfakes000001"
    afake = FakeAnthropic(["ok", Fail.bad_request("nope")])
    with anthropic_on(afake, form) as aclient:
        msg = aclient.messages.create(model="claude-x", max_tokens=9, messages=HI)
        with pytest.raises(anthropic.BadRequestError) as aerr:
            aclient.messages.create(model="claude-x", max_tokens=9, messages=HI)
    assert msg._request_id == "req_llmfakes000000"
    assert aerr.value.request_id == "req_llmfakes000001"


def test_anthropic_reads_the_structured_outputs_betas_output_format() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    body = {
        "model": "claude-x",
        "max_tokens": 64,
        "messages": HI,
        "output_format": {"type": "json_schema", "schema": schema},
    }
    headers = {**AHEADERS, "anthropic-beta": "structured-outputs-2025-11-13"}
    fake = FakeAnthropic([Reply(json={"city": "Oslo"}), Reply(json={"town": "Oslo"})])
    client = httpx.Client(transport=fake.transport())
    url = "https://api.anthropic.com/v1/messages?beta=true"
    ok = client.post(url, json=body, headers=headers)
    assert ok.status_code == 200
    assert json.loads(ok.json()["content"][0]["text"]) == {"city": "Oslo"}
    assert (fake.requests[0].json_mode, fake.requests[0].schema) == (True, schema)
    bad = client.post(url, json=body, headers=headers)  # the schema is checked, not ignored
    assert bad.status_code == 400
    assert "'city' is a required property" in bad.json()["error"]["message"]
    broken = client.post(url, json={**body, "output_format": {"type": "json"}}, headers=headers)
    assert broken.status_code == 400
    assert broken.json()["error"]["message"].startswith("output_format: expected")


def test_chat_completions_n_above_one_is_a_clear_400() -> None:
    fake = FakeOpenAI(["one", "two"])
    client = httpx.Client(transport=fake.transport())
    url = "https://api.openai.com/v1/chat/completions"
    response = client.post(url, json={"model": "m", "messages": HI, "n": 2})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "llm-fakes FakeOpenAI serves one choice per request, got n=2. Leave n out (or send "
        "n=1), and script one turn per choice you need."
    )
    assert client.post(url, json={"model": "m", "messages": HI, "n": 1}).status_code == 200


# ----------------------------------------------------------------------------- item 5


def _sse(*events: dict[str, Any]) -> bytes:
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def _block(index: int, block: dict[str, Any], *deltas: dict[str, Any]) -> list[dict[str, Any]]:
    start = {"type": "content_block_start", "index": index, "content_block": block}
    middle = [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
    return [start, *middle, {"type": "content_block_stop", "index": index}]


def _json(piece: str) -> dict[str, Any]:
    return {"type": "input_json_delta", "partial_json": piece}


def test_server_and_mcp_tool_blocks_are_not_the_callers_tool_calls() -> None:
    # The shape of Anthropic's web search, code execution and MCP streams: server_tool_use and
    # mcp_tool_use blocks stream their input as input_json_delta, as a tool_use block does.
    usage = {"input_tokens": 10, "output_tokens": 1}
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x"}
    events = [
        {"type": "message_start", "message": {**message, "content": [], "usage": usage}},
        *_block(
            0,
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}},
            _json('{"query": '),
            _json('"weather Oslo"}'),
        ),
        *_block(
            1,
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
        ),
        *_block(
            2,
            {
                "type": "mcp_tool_use",
                "id": "mcptoolu_1",
                "name": "lookup",
                "server_name": "wiki",
                "input": {},
            },
            _json('{"q": "Oslo"}'),
        ),
        *_block(3, {"type": "text", "text": ""}, {"type": "text_delta", "text": "Checking."}),
        *_block(
            4,
            {"type": "tool_use", "id": "toolu_1", "name": "forecast", "input": {}},
            _json('{"city": "Oslo"}'),
        ),
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use"},
            "usage": {"output_tokens": 30},
        },
        {"type": "message_stop"},
    ]
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=_sse(*events)
        )
    )
    provider = AnthropicProvider("claude-x", api_key="sk-ant", transport=transport)
    streamed = collect(provider.stream(USER))
    calls = [(e.tool_use_id, e.tool_name, e.tool_input) for e in streamed if e.type == "tool_call"]
    assert calls == [("toolu_1", "forecast", {"city": "Oslo"})]
    assert [e.type for e in streamed] == ["text_delta", "tool_call", "text_end", "finish"]
    # complete() on the same message agrees.
    blocks = [
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"q": 1}},
        {"type": "mcp_tool_use", "id": "mcptoolu_1", "name": "lookup", "input": {"q": "Oslo"}},
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "toolu_1", "name": "forecast", "input": {"city": "Oslo"}},
    ]
    body = {**message, "content": blocks, "stop_reason": "tool_use", "usage": usage}
    plain = AnthropicProvider(
        "claude-x",
        api_key="sk-ant",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body)),
    ).complete(USER)
    assert plain.tool_uses == [ToolUse("toolu_1", "forecast", {"city": "Oslo"})]
