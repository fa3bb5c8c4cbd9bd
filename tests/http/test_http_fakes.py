"""The fake servers on their own: what they send, what they reject, what they log, how they stop."""

from __future__ import annotations

import json
import re
import socket
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from llm_fakes import (
    Fail,
    FakeAnthropic,
    FakeOpenAI,
    Reply,
    ToolCall,
    UnusedScriptError,
    load_script,
)


def wording(template: str) -> str:
    """A regex for a kit message; each ``…`` stands for another library's words (which vary)."""
    return ".+".join(re.escape(part) for part in template.split("…"))


OPENAI = "http://fake/v1/chat/completions"
ANTHROPIC = "http://fake/v1/messages"
AHEADERS = {"anthropic-version": "2023-06-01", "x-api-key": "sk-ant-secret"}
HI = [{"role": "user", "content": "Hi"}]


def fn_tool(name: str) -> dict[str, Any]:
    """A Chat Completions function tool declaration."""
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}


def post(fake: Any, url: str, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    with httpx.Client(transport=fake.transport()) as client:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return client.post(url, content=content, headers=headers or {})


def sse_data(response: httpx.Response) -> list[Any]:
    lines = [line[6:] for line in response.text.split("\n") if line.startswith("data: ")]
    return [line if line == "[DONE]" else json.loads(line) for line in lines]


# ----------------------------------------------------------------------------- wire shapes


def test_openai_stream_is_role_chunk_deltas_finish_usage_done() -> None:
    fake = FakeOpenAI([Reply(text="Hi there", input_tokens=3)])
    body = {"model": "m", "messages": HI, "stream": True, "stream_options": {"include_usage": True}}
    response = post(fake, OPENAI, body)
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    data = sse_data(response)
    assert data[-1] == "[DONE]"
    chunks = data[:-1]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert {c["id"] for c in chunks} == {"chatcmpl-llmfakes0000"}
    assert [c["choices"][0]["delta"] if c["choices"] else None for c in chunks] == [
        {"role": "assistant", "content": "", "refusal": None},
        {"content": "Hi "},
        {"content": "there"},
        {},
        None,
    ]
    assert [c["choices"][0]["finish_reason"] for c in chunks[:-1]] == [None, None, None, "stop"]
    assert [c["usage"] for c in chunks[:-1]] == [None] * 4
    assert chunks[-1]["usage"]["prompt_tokens"] == 3
    assert chunks[-1]["usage"]["total_tokens"] == 5


def test_openai_stream_without_include_usage_has_no_usage_chunk() -> None:
    response = post(FakeOpenAI(["Hi"]), OPENAI, {"model": "m", "messages": HI, "stream": True})
    chunks = sse_data(response)[:-1]
    assert all("usage" not in c for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_openai_streams_tool_call_arguments_in_pieces_per_index() -> None:
    reply = Reply(tool_calls=[ToolCall("a", {"x": "long value"}), ToolCall("b", {})])
    data = sse_data(
        post(
            FakeOpenAI([reply]),
            OPENAI,
            {"model": "m", "messages": HI, "stream": True, "tools": [fn_tool("a"), fn_tool("b")]},
        )
    )
    calls = [c["choices"][0]["delta"].get("tool_calls") for c in data[:-1]]
    calls = [c[0] for c in calls if c]
    assert calls[0] == {
        "index": 0,
        "id": "call_0_0",
        "type": "function",
        "function": {"name": "a", "arguments": ""},
    }
    pieces = [c["function"]["arguments"] for c in calls if c["index"] == 0][1:]
    assert len(pieces) > 1 and "".join(pieces) == '{"x":"long value"}'
    assert [c["function"]["arguments"] for c in calls if c["index"] == 1] == ["", "{}"]


def test_anthropic_stream_event_sequence() -> None:
    fake = FakeAnthropic(
        [Reply(text="Hi there", reasoning="Hmm", tool_calls=[ToolCall("t", {"q": 1})])]
    )
    body = {
        "model": "m",
        "max_tokens": 10,
        "messages": HI,
        "stream": True,
        "tools": [{"name": "t", "input_schema": {"type": "object"}}],
        "thinking": {"type": "enabled", "budget_tokens": 5},
    }
    response = post(fake, ANTHROPIC, body, AHEADERS)
    names = [line[7:] for line in response.text.split("\n") if line.startswith("event: ")]
    assert names == [
        "message_start",
        "content_block_start",  # thinking
        "ping",
        "content_block_delta",
        "content_block_delta",  # signature
        "content_block_stop",
        "content_block_start",  # text
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",  # tool_use
        "content_block_delta",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    data = sse_data(response)
    assert data[1]["content_block"] == {"type": "thinking", "thinking": "", "signature": ""}
    assert data[4]["delta"]["type"] == "signature_delta"
    assert data[10]["content_block"] == {
        "type": "tool_use",
        "id": "toolu_0_0",
        "name": "t",
        "input": {},
    }
    assert [d["delta"]["partial_json"] for d in data[11:14]] == ["", '{"q": 1', "}"]
    assert data[15]["delta"] == {"stop_reason": "tool_use", "stop_sequence": None}


def test_rate_limits_carry_retry_after_in_seconds_and_milliseconds() -> None:
    for fake, url, headers in (
        (FakeOpenAI([Fail.rate_limit(retry_after=2.5)]), OPENAI, {}),
        (FakeAnthropic([Fail.rate_limit(retry_after=2.5)]), ANTHROPIC, AHEADERS),
    ):
        response = post(fake, url, {"model": "m", "max_tokens": 5, "messages": HI}, headers)
        assert response.status_code == 429
        assert (response.headers["retry-after"], response.headers["retry-after-ms"]) == (
            "3",
            "2500",
        )


@pytest.mark.parametrize(
    ("fail", "openai_status", "openai_error", "anthropic_status", "anthropic_error"),
    [
        (
            Fail.overloaded(),
            503,
            {
                "message": "The engine is currently overloaded, please try again later",
                "type": "server_error",
                "param": None,
                "code": "overloaded",
            },
            529,
            {"type": "overloaded_error", "message": "Overloaded"},
        ),
        (
            Fail.server_error(502),
            502,
            {
                "message": "internal server error",
                "type": "server_error",
                "param": None,
                "code": None,
            },
            502,
            {"type": "api_error", "message": "internal server error"},
        ),
        (
            Fail.auth(),
            401,
            {
                # The real API's words: litellm 1.83 calls a 401 without them a BadRequestError.
                "message": "Incorrect API key provided: sk-llmfa*********kes0. You can find "
                "your API key at https://platform.openai.com/account/api-keys.",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            },
            401,
            {"type": "authentication_error", "message": "invalid x-api-key"},
        ),
        (
            Fail.auth("key revoked"),  # a scripted message of its own is kept
            401,
            {
                "message": "key revoked",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            },
            401,
            {"type": "authentication_error", "message": "key revoked"},
        ),
    ],
)
def test_error_bodies_have_each_apis_shape_and_words(
    fail: Fail,
    openai_status: int,
    openai_error: dict[str, Any],
    anthropic_status: int,
    anthropic_error: dict[str, Any],
) -> None:
    response = post(FakeOpenAI([fail]), OPENAI, {"model": "m", "messages": HI})
    assert (response.status_code, response.json()) == (openai_status, {"error": openai_error})
    response = post(
        FakeAnthropic([fail]), ANTHROPIC, {"model": "m", "max_tokens": 5, "messages": HI}, AHEADERS
    )
    assert response.status_code == anthropic_status
    assert response.json() == {
        "type": "error",
        "error": anthropic_error,
        "request_id": response.headers["request-id"],  # one id, as the API sends it
    }


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "The request body is not a JSON object: b'{not json'."),
        ({"messages": HI}, "you must provide a model parameter"),
        (
            {"model": "m", "messages": []},
            "Invalid 'messages': expected a non-empty array of messages.",
        ),
        (
            {"model": "m", "messages": [{"role": "tool", "tool_call_id": "x", "content": "r"}]},
            "Invalid parameter: messages[0] with role 'tool' (tool_call_id 'x') must be a response "
            "to a preceding message with 'tool_calls'.",
        ),
        (
            {
                "model": "m",
                "messages": [
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "c1",
                                "type": "function",
                                "function": {"name": "f", "arguments": "{}"},
                            }
                        ],
                    },
                    {"role": "user", "content": "and?"},
                ],
            },
            "An assistant message with 'tool_calls' must be followed by tool messages responding "
            "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
            "c1 (before messages[1]).",
        ),
        (
            {"model": "m", "messages": HI, "response_format": {"type": "yaml"}},
            "Invalid 'response_format.type': 'yaml'. "
            "Supported: 'text', 'json_object', 'json_schema'.",
        ),
        (
            {"model": "m", "messages": HI, "stream_options": {"include_usage": True}},
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        ),
    ],
    ids=[
        "not-json",
        "no-model",
        "no-messages",
        "orphan-tool",
        "unanswered-call",
        "bad-format",
        "stream-options",
    ],
)
def test_openai_rejects_what_the_api_rejects(body: Any, message: str) -> None:
    fake = FakeOpenAI(["never sent"])
    response = post(fake, OPENAI, body)
    assert response.status_code == 400
    assert response.json() == {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    }
    assert fake.remaining == [Reply(text="never sent")]  # a rejected request consumes no turn
    assert fake.requests[0].status == 400 and fake.requests[0].turn is None


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (
            {"model": "m", "max_tokens": 5, "messages": HI},
            {},
            "anthropic-version: header is required",
        ),
        (
            {"model": "m", "messages": HI},
            AHEADERS,
            "max_tokens: …, an integer >= 1 (got None)",  # …: pydantic's wording
        ),
        (
            {"model": "m", "max_tokens": 5, "messages": [{"role": "system", "content": "x"}]},
            AHEADERS,
            "messages.0.role: … (got 'system')",
        ),
        (
            {
                "model": "m",
                "max_tokens": 5,
                "messages": [
                    {"role": "user", "content": "hi"},
                    {
                        "role": "assistant",
                        "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}],
                    },
                    {"role": "user", "content": "and?"},
                ],
            },
            AHEADERS,
            "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: "
            "t1. Each `tool_use` block must have a corresponding `tool_result` block in the next "
            "message.",
        ),
    ],
    ids=["no-version", "no-max-tokens", "system-role", "unanswered-tool-use"],
)
def test_anthropic_rejects_what_the_api_rejects(
    body: Any, headers: dict[str, str], message: str
) -> None:
    response = post(FakeAnthropic(["never sent"]), ANTHROPIC, body, headers)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert re.fullmatch(wording(message), error["message"]), error["message"]


def test_unknown_paths_get_a_404_with_a_json_body_listing_the_served_paths() -> None:
    response = post(FakeOpenAI(["x"]), "http://fake/v1/embeddings", {"model": "m"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        "FakeOpenAI serves POST /v1/chat/completions, POST /v1/responses, "
        "POST /v1/responses/input_tokens, GET|DELETE /v1/responses/{id}, "
        "POST /v1/responses/{id}/cancel, GET /v1/responses/{id}/input_items, "
        "POST /v1/conversations, GET|POST|DELETE /v1/conversations/{id}, "
        "GET|POST /v1/conversations/{id}/items, GET /v1/models; not POST /v1/embeddings."
    )
    response = post(FakeAnthropic(["x"]), "http://fake/v1/complete", {"model": "m"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        "FakeAnthropic serves POST /v1/messages, POST /v1/messages/count_tokens, "
        "GET /v1/models; not POST /v1/complete."
    )


# ----------------------------------------------------------------------------- log and script


def test_the_log_keeps_bodies_and_headers_but_never_credentials() -> None:
    fake = FakeAnthropic(["ok"])
    headers = {**AHEADERS, "authorization": "Bearer sk-secret", "cookie": "s=1", "x-trace": "7"}
    body = {"model": "m", "max_tokens": 5, "messages": HI, "system": "Sys"}
    post(fake, ANTHROPIC, body, headers)
    seen = fake.requests[0]
    assert seen.body == body
    assert seen.headers["x-trace"] == "7"
    assert not {"authorization", "x-api-key", "cookie"} & set(seen.headers)
    assert "secret" not in repr(seen)
    assert (seen.system, seen.messages, seen.max_tokens, seen.turn, seen.status) == (
        "Sys",
        HI,
        5,
        0,
        200,
    )


def test_an_exhausted_script_answers_400_and_fails_the_teardown_check() -> None:
    fake = FakeOpenAI(["only one"])
    assert post(fake, OPENAI, {"model": "m", "messages": HI}).status_code == 200
    response = post(fake, OPENAI, {"model": "m", "messages": HI})
    message = (
        "llm-fakes FakeOpenAI: the script is exhausted: request #1 (complete(1 message, last user "
        "message 'Hi')) arrived after all 1 queued turn(s) were used. Add turns to the script "
        "(fake.extend([...])), or pass on_exhausted='cycle' or 'repeat_last'."
    )
    assert (response.status_code, response.json()["error"]["message"]) == (400, message)
    with pytest.raises(UnusedScriptError) as info:
        fake.assert_all_used()
    assert str(info.value) == f"FakeOpenAI: {message}"


def test_unused_turns_fail_the_teardown_check() -> None:
    fake = FakeAnthropic(["used", "unused"])
    post(fake, ANTHROPIC, {"model": "m", "max_tokens": 5, "messages": HI}, AHEADERS)
    with pytest.raises(UnusedScriptError) as info:
        fake.assert_all_used()
    assert str(info.value) == (
        "FakeAnthropic received 1 request(s), but\n"
        "1 scripted turn(s) were never used:\n"
        "  queue[1]: Reply(text='unused')\n"
        "Remove what is not needed from the script, or make the code under test send the "
        "requests you scripted."
    )


def test_a_script_file_drives_a_fake_with_its_rules_and_settings(tmp_path: Path) -> None:
    path = tmp_path / "script.yaml"
    path.write_text(
        "chunking: chars\n"
        "turns:\n  - Hello\n  - {fail: rate_limit, retry_after: 2}\n"
        "rules:\n  - {last_user: '(?i)weather', reply: Sunny.}\n"
    )
    fake = FakeOpenAI(load_script(path))
    ask = {"model": "m", "messages": [{"role": "user", "content": "Weather?"}]}
    assert post(fake, OPENAI, ask).json()["choices"][0]["message"]["content"] == "Sunny."
    streamed = post(fake, OPENAI, {"model": "m", "messages": HI, "stream": True})
    deltas = [c["choices"][0]["delta"].get("content") for c in sse_data(streamed)[:-2]]
    assert deltas[1:] == ["H", "e", "l", "l", "o"]
    assert post(fake, OPENAI, {"model": "m", "messages": HI}).headers["retry-after"] == "2"


# ----------------------------------------------------------------------------- loopback


def test_the_loopback_server_stops_cleanly_with_its_connections() -> None:
    before = threading.active_count()
    fake = FakeOpenAI(["one", "two"])
    with fake.serve() as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        port = int(url.split(":")[2].split("/")[0])
        with httpx.Client(base_url=url) as client:  # a kept-alive connection stays open...
            for text in ("one", "two"):
                reply = client.post("/chat/completions", json={"model": "m", "messages": HI})
                assert reply.json()["choices"][0]["message"]["content"] == text
    # ...and is closed by the server's shutdown: no thread and no listener outlive the block.
    assert threading.active_count() == before
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


def test_a_scripted_connection_drop_closes_the_socket_without_a_response() -> None:
    fake = FakeOpenAI([Fail.connection(), "after"])
    with fake.serve() as url, httpx.Client(base_url=url) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/chat/completions", json={"model": "m", "messages": HI})
        assert (
            client.post("/chat/completions", json={"model": "m", "messages": HI}).status_code == 200
        )
    assert [r.status for r in fake.requests] == [0, 200]
