"""Proof of fidelity: the official ``openai`` and ``anthropic`` SDKs parse what the fakes send, in
both forms (an SDK client on the fake's transport, and an SDK pointed at the loopback server).

Newer SDKs run on ``httpx2`` and older ones on ``httpx``; each SDK's own ``DefaultHttpxClient``
is whichever its version takes, and the fake's transport answers both."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

from llm_fakes import Fail, FakeAnthropic, FakeOpenAI, Reply, ToolCall

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}
WEATHER = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "Weather by city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
A_WEATHER = {
    "name": "weather",
    "description": "Weather by city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}
HI = [{"role": "user", "content": "Hi"}]


@pytest.fixture(params=["transport", "loopback"])
def form(request: pytest.FixtureRequest) -> str:
    """Which form of the fake server the SDK talks to."""
    return str(request.param)


@contextlib.contextmanager
def openai_client(fake: FakeOpenAI, form: str, *, is_async: bool = False) -> Iterator[Any]:
    """An SDK client on the fake; an async one must be closed by the test (``await close()``)."""
    cls: Any = openai.AsyncOpenAI if is_async else openai.OpenAI
    with contextlib.ExitStack() as stack:
        if form == "transport":
            http: Any = openai.DefaultAsyncHttpxClient if is_async else openai.DefaultHttpxClient
            client = cls(api_key="sk-test", http_client=http(transport=fake.transport()))
        else:
            client = cls(api_key="sk-test", base_url=stack.enter_context(fake.serve()))
        if not is_async:
            stack.callback(client.close)
        yield client


@contextlib.contextmanager
def anthropic_client(fake: FakeAnthropic, form: str, *, is_async: bool = False) -> Iterator[Any]:
    """An SDK client on the fake; an async one must be closed by the test (``await close()``)."""
    cls: Any = anthropic.AsyncAnthropic if is_async else anthropic.Anthropic
    with contextlib.ExitStack() as stack:
        if form == "transport":
            http: Any = (
                anthropic.DefaultAsyncHttpxClient if is_async else anthropic.DefaultHttpxClient
            )
            client = cls(api_key="sk-ant-test", http_client=http(transport=fake.transport()))
        else:
            client = cls(api_key="sk-ant-test", base_url=stack.enter_context(fake.serve()))
        if not is_async:
            stack.callback(client.close)
        yield client


# ----------------------------------------------------------------------------- OpenAI


def test_openai_plain_and_streamed_completions(form: str) -> None:
    fake = FakeOpenAI([Reply(text="Hello big world", input_tokens=9, cached_tokens=4)] * 2)
    with openai_client(fake, form) as client:
        out = client.chat.completions.create(model="gpt-4o", messages=HI)
        chunks = list(
            client.chat.completions.create(
                model="gpt-4o",
                messages=HI,
                stream=True,
                stream_options={"include_usage": True},
            )
        )
    assert out.object == "chat.completion"
    assert out.choices[0].message.content == "Hello big world"
    assert out.choices[0].finish_reason == "stop"
    assert (out.usage.prompt_tokens, out.usage.completion_tokens) == (9, 4)
    assert out.usage.prompt_tokens_details.cached_tokens == 4
    deltas = [c.choices[0].delta.content for c in chunks if c.choices]
    assert deltas == ["", "Hello ", "big ", "world", None]
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 13
    assert fake.requests[1].stream is True
    assert "authorization" not in fake.requests[0].headers


def test_openai_tool_calls_plain_and_streamed(form: str) -> None:
    reply = Reply(
        tool_calls=[ToolCall("weather", {"city": "Oslo"}), ToolCall("weather", {"city": "Bergen"})]
    )
    fake = FakeOpenAI([reply, reply])
    with openai_client(fake, form) as client:
        out = client.chat.completions.create(model="gpt-4o", messages=HI, tools=[WEATHER])
        with client.chat.completions.stream(model="gpt-4o", messages=HI, tools=[WEATHER]) as s:
            final = s.get_final_completion()
    for message, request in ((out.choices[0].message, 0), (final.choices[0].message, 1)):
        assert message.content is None
        assert [
            (c.id, c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls
        ] == [
            (f"call_{request}_0", "weather", {"city": "Oslo"}),
            (f"call_{request}_1", "weather", {"city": "Bergen"}),
        ]
    assert final.choices[0].finish_reason == "tool_calls"
    assert fake.requests[0].tools == [
        {
            "name": "weather",
            "description": "Weather by city",
            "parameters": WEATHER["function"]["parameters"],
        }  # type: ignore[index]
    ]


def test_openai_json_mode_and_json_schema(form: str) -> None:
    fake = FakeOpenAI([Reply(json={"city": "Oslo"})] * 2)
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "place", "schema": SCHEMA, "strict": True},
    }
    with openai_client(fake, form) as client:
        plain = client.chat.completions.create(
            model="gpt-4o", messages=HI, response_format={"type": "json_object"}
        )
        schema = client.chat.completions.create(model="gpt-4o", messages=HI, response_format=fmt)
    assert json.loads(plain.choices[0].message.content) == {"city": "Oslo"}
    assert json.loads(schema.choices[0].message.content) == {"city": "Oslo"}
    assert [r.json_mode for r in fake.requests] == [True, True]
    assert fake.requests[1].schema == SCHEMA


def test_openai_sdk_retries_a_scripted_429_honouring_retry_after(form: str) -> None:
    fake = FakeOpenAI([Fail.rate_limit(retry_after=0.001), "after the retry"])
    with openai_client(fake, form) as client:
        out = client.chat.completions.create(model="gpt-4o", messages=HI)
    assert out.choices[0].message.content == "after the retry"
    assert [r.status for r in fake.requests] == [429, 200]
    # The SDK, not llm-fakes, retried: it numbers its own attempts.
    assert [r.headers["x-stainless-retry-count"] for r in fake.requests] == ["0", "1"]


def test_openai_sdk_surfaces_a_permanent_error_with_the_fakes_message(form: str) -> None:
    fake = FakeOpenAI([Fail.bad_request("model 'gpt-9' does not exist")])
    with openai_client(fake, form) as client, pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gpt-9", messages=HI)
    assert info.value.status_code == 400
    assert info.value.body == {
        "message": "model 'gpt-9' does not exist",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_openai_async_sdk_streams(form: str) -> None:
    fake = FakeOpenAI(["Async works"])

    async def run() -> list[str]:
        with openai_client(fake, form, is_async=True) as client:
            async with client:
                stream = await client.chat.completions.create(
                    model="gpt-4o", messages=HI, stream=True
                )
                return [c.choices[0].delta.content or "" async for c in stream if c.choices]

    assert "".join(asyncio.run(run())) == "Async works"


# ----------------------------------------------------------------------------- Anthropic


def test_anthropic_plain_and_streamed_messages_with_thinking(form: str) -> None:
    reply = Reply(text="Hello big world", reasoning="Greet back.", input_tokens=9, cached_tokens=4)
    fake = FakeAnthropic([reply, reply])
    # The API thinks, and reads a cache, only when the request asks for it.
    kw: dict[str, Any] = {
        "model": "claude-fake-1",
        "max_tokens": 2048,
        "messages": HI,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "system": [{"type": "text", "text": "Be kind.", "cache_control": {"type": "ephemeral"}}],
    }
    with anthropic_client(fake, form) as client:
        out = client.messages.create(**kw)
        with client.messages.stream(**kw) as s:
            texts = list(s.text_stream)
            final = s.get_final_message()
    for message in (out, final):
        assert [b.type for b in message.content] == ["thinking", "text"]
        assert message.content[0].thinking == "Greet back."
        assert message.content[1].text == "Hello big world"
        assert message.stop_reason == "end_turn"
        assert (message.usage.input_tokens, message.usage.cache_read_input_tokens) == (5, 4)
    assert texts == ["Hello ", "big ", "world"]
    assert "x-api-key" not in fake.requests[0].headers
    assert fake.requests[0].headers["anthropic-version"]  # the SDK's own API version


def test_anthropic_tool_use_plain_and_streamed(form: str) -> None:
    reply = Reply(
        text="Checking.", tool_calls=[ToolCall("weather", {"city": "Oslo"}, id="toolu_1")]
    )
    fake = FakeAnthropic([reply, reply])
    with anthropic_client(fake, form) as client:
        kw: dict[str, Any] = {"model": "claude-fake-1", "max_tokens": 64, "messages": HI}
        out = client.messages.create(tools=[A_WEATHER], **kw)
        with client.messages.stream(tools=[A_WEATHER], **kw) as s:
            final = s.get_final_message()
    for message in (out, final):
        assert message.stop_reason == "tool_use"
        assert (message.content[0].type, message.content[0].text) == (
            "text",
            "Checking.",
        )
        use = message.content[1]
        assert (use.type, use.id, use.name, use.input) == (
            "tool_use",
            "toolu_1",
            "weather",
            {"city": "Oslo"},
        )


def test_anthropic_structured_output(form: str) -> None:
    fake = FakeAnthropic([Reply(json={"city": "Oslo"})])
    with anthropic_client(fake, form) as client:
        out = client.messages.create(
            model="claude-fake-1",
            max_tokens=64,
            messages=HI,
            output_config={"format": {"type": "json_schema", "schema": SCHEMA}},
        )
    assert json.loads(out.content[0].text) == {"city": "Oslo"}
    assert fake.requests[0].json_mode is True
    assert fake.requests[0].schema == SCHEMA


def test_anthropic_sdk_retries_a_scripted_429_honouring_retry_after(form: str) -> None:
    fake = FakeAnthropic([Fail.rate_limit(retry_after=0.001), "after the retry"])
    with anthropic_client(fake, form) as client:
        out = client.messages.create(model="claude-fake-1", max_tokens=64, messages=HI)
    assert out.content[0].text == "after the retry"
    assert [r.status for r in fake.requests] == [429, 200]
    assert [r.headers["x-stainless-retry-count"] for r in fake.requests] == ["0", "1"]


def test_anthropic_sdk_reads_the_fakes_error_bodies(form: str) -> None:
    fake = FakeAnthropic([Fail.bad_request("max_tokens: too large")])
    with anthropic_client(fake, form) as client, pytest.raises(anthropic.BadRequestError) as info:
        client.messages.create(model="claude-fake-1", max_tokens=64, messages=HI)
    assert info.value.status_code == 400
    assert info.value.body == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "max_tokens: too large"},
        "request_id": "req_llmfakes000000",
    }
    assert info.value.request_id == "req_llmfakes000000"  # the header's id


def test_anthropic_async_sdk_streams(form: str) -> None:
    fake = FakeAnthropic(["Async works"])

    async def run() -> str:
        with anthropic_client(fake, form, is_async=True) as client:
            async with (
                client,
                client.messages.stream(model="claude-fake-1", max_tokens=64, messages=HI) as s,
            ):
                return "".join([t async for t in s.text_stream])

    assert asyncio.run(run()) == "Async works"
