"""The HTTP providers honour the contract (SPEC S1–S7, J1–J2, R1–R6) against both fake servers,
in both forms: the in-process transport and the loopback server."""

from __future__ import annotations

import asyncio
import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from http_support import APIS, KEY, USER, Build, collect

from llm_fakes import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    Fail,
    RateLimitError,
    Reply,
    RetryPolicy,
    ServerError,
    Tool,
    ToolCall,
    ToolUse,
)
from llm_fakes.http.anthropic_wire import JSON_INSTRUCTION
from llm_fakes.scripted.render import render

RICH = Reply(
    text="The weather is fine today.",
    reasoning="Let me look it up first.",
    tool_calls=[
        ToolCall("weather", {"city": "Oslo"}, id="t1"),
        ToolCall("news", {"topics": ["a", "b"]}, id="t2"),
    ],
    input_tokens=31,
    output_tokens=17,
    cached_tokens=5,
)
TOOLS = [Tool("weather", "Weather by city"), Tool("news", "Latest news")]


def texts(events: list[Any]) -> str:
    return "".join(e.content for e in events if e.type == "text_delta")


# ----------------------------------------------------------------------------- S1–S5


def test_stream_and_complete_agree_on_text_tools_tokens_and_stop(build: Build, api: str) -> None:
    ask, extra = USER, {}
    if api == "anthropic":  # the API thinks, and reads a cache, only when the request asks
        ask = [{**USER[0], "cache_control": {"type": "ephemeral"}}]
        extra = {"thinking": {"type": "enabled", "budget_tokens": 512}}
    _, provider = build([RICH, RICH], **extra)
    response = provider.complete(ask, tools=TOOLS)
    events = collect(provider.stream(ask, tools=TOOLS))

    # The very events ScriptedProvider yields for the same turn.
    assert events == render(RICH, USER, call_index=1, default_model="test-model").events()
    assert [e.type for e in events].count("reasoning_delta") == 6
    snapshot = ""
    for e in events:  # S1
        if e.type == "text_delta":
            snapshot += e.content
            assert e.snapshot == snapshot
    ends = [e for e in events if e.type == "text_end"]
    assert len(ends) == 1 and ends[0].full_text == snapshot == response.content  # S2
    assert response.content == "The weather is fine today."
    assert events[-1].type == "finish"  # S3
    finish = events[-1]
    assert (finish.input_tokens, finish.output_tokens, finish.stop_reason) == (31, 17, "tool_calls")
    assert (response.input_tokens, response.output_tokens, response.stop_reason) == (
        31,
        17,
        "tool_calls",
    )  # S4
    assert finish.cached_tokens == 5
    calls = [
        ToolUse(e.tool_use_id, e.tool_name, e.tool_input) for e in events if e.type == "tool_call"
    ]
    assert (
        calls
        == response.tool_uses
        == [  # S5
            ToolUse("t1", "weather", {"city": "Oslo"}),
            ToolUse("t2", "news", {"topics": ["a", "b"]}),
        ]
    )
    assert "".join(e.content for e in events if e.type == "reasoning_delta") == RICH.reasoning


def test_acomplete_returns_what_complete_returns(build: Build) -> None:
    _, provider = build(["Same answer.", "Same answer."])
    sync = provider.complete(USER)
    asyn = asyncio.run(provider.acomplete(USER))
    assert (
        (asyn.content, asyn.model, asyn.input_tokens, asyn.output_tokens, asyn.stop_reason)
        == (
            sync.content,
            sync.model,
            sync.input_tokens,
            sync.output_tokens,
            sync.stop_reason,
        )
        == ("Same answer.", "test-model", 2, 3, "stop")
    )


def test_the_request_carries_messages_system_tools_and_max_tokens(build: Build) -> None:
    history = [
        {"role": "user", "content": "Weather in Oslo? ☂"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city": "Oslo"}'},
                },
                {"id": "c2", "type": "function", "function": {"name": "news", "arguments": "{}"}},
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "rain"},
        {"role": "tool", "tool_call_id": "c2", "content": "ERROR: no news"},
        {"role": "user", "content": "So?", "cache_control": {"type": "ephemeral"}},
    ]
    fake, provider = build(["Take an umbrella."])
    assert provider.complete(history, system="Be brief.", tools=TOOLS, max_tokens=77).content == (
        "Take an umbrella."
    )
    seen = fake.requests[0]
    assert seen.system == "Be brief."
    assert seen.max_tokens == 77
    assert [t["name"] for t in seen.tools] == ["weather", "news"]
    assert [m["role"] for m in seen.messages] == ["user", "assistant", "tool", "tool", "user"]
    assert [m["content"] for m in seen.messages if m["role"] != "assistant"] == [
        "Weather in Oslo? ☂",
        "rain",
        "ERROR: no news",
        "So?",
    ]
    call = seen.messages[1]["tool_calls"][0]
    assert (call["id"], call["function"]["name"], json.loads(call["function"]["arguments"])) == (
        "c1",
        "weather",
        {"city": "Oslo"},
    )


# ----------------------------------------------------------------------------- S6, S7


def test_a_failure_after_output_ends_the_stream_without_retrying_or_repeating(build: Build) -> None:
    fake, provider = build([Fail.mid_stream("one two three four", after_chunk=2), "spare"])
    events = collect(provider.stream(USER))
    assert [e.type for e in events] == ["text_delta", "text_delta", "error"]
    assert texts(events) == "one two "
    assert events[-1].recoverable is True
    assert events[-1].error.startswith("APIConnectionError: connection failed during POST ")
    assert len(fake.requests) == 1  # no retry once text was yielded (S6)


def test_a_non_recoverable_failure_mid_stream_arrives_as_an_error_event(build: Build) -> None:
    _, provider = build([Fail.mid_stream("one two three", after_chunk=1, recoverable=False)])
    events = collect(provider.stream(USER))
    assert [e.type for e in events] == ["text_delta", "error"]
    assert events[-1].recoverable is False
    assert "connection lost mid-stream" in events[-1].error


def test_a_failure_before_output_is_retried_and_text_is_not_duplicated(build: Build) -> None:
    script = [Fail.mid_stream("one two", after_chunk=0), Fail.server_error(503), "one two"]
    fake, provider = build(script)
    events = collect(provider.stream(USER))
    assert texts(events) == "one two"
    assert [e.type for e in events] == ["text_delta", "text_delta", "text_end", "finish"]
    assert [r.status for r in fake.requests] == [200, 503, 200]


class _Tracking(httpx.AsyncBaseTransport):
    """Wraps a transport and records whether each response stream was closed."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.closed: list[bool] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        index = len(self.closed)
        self.closed.append(False)
        inner_stream = response.stream
        tracker = self

        class Stream(httpx.AsyncByteStream):
            async def __aiter__(self) -> Any:
                async for chunk in inner_stream:  # type: ignore[union-attr]
                    yield chunk

            async def aclose(self) -> None:
                tracker.closed[index] = True
                await inner_stream.aclose()  # type: ignore[union-attr]

        return httpx.Response(response.status_code, headers=response.headers, stream=Stream())


@pytest.mark.parametrize("how", ["aclose", "cancel"])
def test_leaving_a_stream_early_closes_the_http_response(api: str, form: str, how: str) -> None:
    fake_cls, provider_cls = APIS[api]
    fake = fake_cls(["a b c d e f g h"], chunk_delay=0.01)

    async def run(
        base_url: str | None, inner: httpx.AsyncBaseTransport
    ) -> tuple[list[str], list[bool]]:
        tracking = _Tracking(inner)
        async with httpx.AsyncClient(transport=tracking) as client:
            kw: dict[str, Any] = {"base_url": base_url} if base_url else {}
            provider = provider_cls("m", api_key=KEY, async_http_client=client, **kw)
            seen: list[str] = []
            stream = provider.stream(USER)
            if how == "aclose":
                async for event in stream:
                    seen.append(event.type)
                    if event.type == "text_delta":
                        break
                await stream.aclose()  # type: ignore[attr-defined]
            else:

                async def consume() -> None:
                    async for event in stream:
                        seen.append(event.type)

                task = asyncio.create_task(consume())
                while not seen:
                    await asyncio.sleep(0.005)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            return seen, tracking.closed

    if form == "transport":
        seen, closed = asyncio.run(run(None, fake.transport()))
    else:
        with fake.serve() as url:
            seen, closed = asyncio.run(run(url, httpx.AsyncHTTPTransport()))
    assert seen[0] == "text_delta"
    assert "finish" not in seen
    assert closed == [True]


# ----------------------------------------------------------------------------- J1, J2

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}


@pytest.mark.parametrize(
    "kwargs",
    [{"json_mode": True}, {"response_format": {"type": "json_object"}}],
    ids=["json_mode", "json_object"],
)
def test_json_mode_reaches_the_backend_in_the_apis_own_way(
    build: Build, api: str, kwargs: dict[str, Any]
) -> None:
    fake, provider = build([Reply(json={"city": "Oslo", "n": [1, 2]})])
    response = provider.complete(USER, system="Be brief.", **kwargs)
    assert response.content == '{"city": "Oslo", "n": [1, 2]}'  # unchanged
    seen = fake.requests[0]
    assert seen.json_mode is True
    assert seen.response_format == {"type": "json_object"}
    assert seen.system == "Be brief."
    if api == "openai":
        assert seen.body["response_format"] == {"type": "json_object"}
    elif api == "responses":
        assert seen.body["text"] == {"format": {"type": "json_object"}}
        assert seen.body["instructions"] == "Be brief."
    elif api == "gemini":
        assert seen.body["generationConfig"]["responseMimeType"] == "application/json"
        assert seen.body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    else:
        assert seen.body["system"] == f"Be brief.\n\n{JSON_INSTRUCTION}"


def test_a_json_schema_reaches_the_backend_intact(build: Build, api: str) -> None:
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "place", "schema": SCHEMA, "strict": True},
    }
    fake, provider = build([Reply(json={"city": "Oslo"})])
    assert provider.complete(USER, response_format=fmt).content == '{"city": "Oslo"}'
    seen = fake.requests[0]
    assert seen.schema == SCHEMA
    if api == "openai":
        assert seen.body["response_format"] == fmt
    elif api == "responses":
        assert seen.body["text"] == {
            "format": {"type": "json_schema", "name": "place", "schema": SCHEMA, "strict": True}
        }
    elif api == "gemini":
        config = seen.body["generationConfig"]
        assert (config["responseMimeType"], config["responseJsonSchema"]) == (
            "application/json",
            SCHEMA,
        )
    else:
        assert seen.body["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}


def test_a_fake_that_validates_rejects_content_that_breaks_the_schema(
    build: Build, api: str
) -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "place", "schema": SCHEMA}}
    fake, provider = build([Reply(json={"town": "Oslo"})])
    with pytest.raises(BadRequestError) as info:
        provider.complete(USER, response_format=fmt)
    name = {"anthropic": "FakeAnthropic", "gemini": "FakeGemini"}.get(api, "FakeOpenAI")
    # "…": jsonschema's wording of what is wrong ("'city' is a required property").
    pattern = (
        f"llm-fakes {name}: complete(response_format={{'type': 'json_schema', ...}}) asked for "
        "JSON matching its schema, but the scripted turn queue[0] replies with "
        '\'{"town": "Oslo"}\', which does not validate: … at the root. Script the reply '
        "as Reply(json=...) with a matching value, or mark it deliberately invalid with "
        "Reply(text=..., invalid_json=True) to test how the code copes with bad JSON."
    )
    assert re.fullmatch(".+".join(map(re.escape, pattern.split("…"))), info.value.message)
    assert len(fake.requests) == 1  # a 400 is never retried


def test_deliberately_invalid_json_comes_back_unchanged(build: Build) -> None:
    _, provider = build([Reply(text="not json {", invalid_json=True)])
    assert provider.complete(USER, json_mode=True).content == "not json {"


# ----------------------------------------------------------------------------- R1–R6


@pytest.mark.parametrize("k", [0, 1, 2, 3])
@pytest.mark.parametrize("m", [0, 1, 2])
def test_transient_failures_are_attempted_min_k_m_plus_one_times(
    build: Build, k: int, m: int
) -> None:
    fake, provider = build([Fail.server_error(503)] * k + ["done"])
    if k <= m:
        assert provider.complete(USER, max_retries=m).content == "done"
    else:
        with pytest.raises(ServerError) as info:
            provider.complete(USER, max_retries=m)
        assert info.value.status == 503
        assert info.value.message == "internal server error"
    assert len(fake.requests) == min(k, m) + 1


def test_every_transient_kind_is_retried_and_async_too(build: Build) -> None:
    kinds = [
        Fail.rate_limit(),
        Fail.overloaded(),
        Fail.server_error(500),
        Fail.server_error(502),
        Fail.server_error(504),
        Fail.connection(),
        Fail.timeout(),
        Fail.empty(),
        Fail.mid_stream("partial reply", after_chunk=1),
    ]
    fake, provider = build([*kinds, "done", *kinds, "done"])
    assert provider.complete(USER, max_retries=len(kinds)).content == "done"
    assert asyncio.run(provider.acomplete(USER, max_retries=len(kinds))).content == "done"
    assert len(fake.requests) == 2 * (len(kinds) + 1)


def test_max_retries_zero_is_one_attempt_and_none_is_the_documented_default(build: Build) -> None:
    fake, provider = build([Fail.rate_limit(), "never reached"])
    with pytest.raises(RateLimitError):
        provider.complete(USER, max_retries=0)
    assert len(fake.requests) == 1
    assert provider.default_max_retries == RetryPolicy().default_max_retries == 2
    fake, provider = build([Fail.rate_limit()] * 3 + ["never reached"])
    with pytest.raises(RateLimitError):
        provider.complete(USER)
    assert len(fake.requests) == 3


@pytest.mark.parametrize(
    ("fail", "error", "message"),
    [
        (
            Fail.bad_request("no such model"),
            BadRequestError,
            "BadRequestError (HTTP 400): no such model",
        ),
        (
            Fail.auth("invalid x-api-key"),
            AuthenticationError,
            "AuthenticationError (HTTP 401): invalid x-api-key. "
            "Pass api_key=... to {cls} or set {env}.",
        ),
    ],
)
def test_a_permanent_error_is_attempted_once_and_raised_typed(
    build: Build, api: str, fail: Fail, error: type[Exception], message: str
) -> None:
    fake, provider = build([fail, "never reached"])
    with pytest.raises(error) as info:
        provider.complete(USER, max_retries=5)
    cls, env = {
        "openai": ("OpenAIProvider", "OPENAI_API_KEY"),
        "responses": ("OpenAIResponsesProvider", "OPENAI_API_KEY"),
        "anthropic": ("AnthropicProvider", "ANTHROPIC_API_KEY"),
        "gemini": ("GeminiProvider", "GEMINI_API_KEY"),
    }[api]
    assert str(info.value) == message.format(cls=cls, env=env)
    assert len(fake.requests) == 1


def test_after_the_last_attempt_errors_surface_typed_from_every_method(build: Build) -> None:
    fake, provider = build([Fail.rate_limit(retry_after=1, message="slow down")] * 9)
    with pytest.raises(RateLimitError) as info:
        provider.complete(USER, max_retries=1)
    assert (info.value.message, info.value.retry_after) == ("slow down", 1.0)
    with pytest.raises(RateLimitError):
        asyncio.run(provider.acomplete(USER, max_retries=1))
    events = collect(provider.stream(USER))
    assert [e.type for e in events] == ["error"]
    assert events[0].error == "RateLimitError (HTTP 429): slow down"
    assert events[0].recoverable is True
    assert len(fake.requests) == 2 + 2 + 3  # the stream uses the default budget


def test_waits_honour_retry_after_and_are_capped(build: Build) -> None:
    script = [
        Fail.rate_limit(retry_after=7),
        Fail.rate_limit(retry_after=2.5),
        Fail.rate_limit(retry_after=900),
        "ok",
    ]
    fake, provider = build(script, retry_policy=RetryPolicy(max_delay=60, jitter=0))
    assert provider.complete(USER, max_retries=3).content == "ok"
    assert provider.clock.sleeps == [7.0, 2.5, 60.0]
    assert fake.requests[1].status == 429


def test_backoff_without_retry_after_is_exponential_on_the_injected_clock(build: Build) -> None:
    _, provider = build(
        [Fail.server_error(500)] * 3 + ["ok"], retry_policy=RetryPolicy(jitter=0, base_delay=1)
    )
    assert asyncio.run(provider.acomplete(USER, max_retries=3)).content == "ok"
    assert provider.clock.sleeps == [1.0, 2.0, 4.0]


def test_different_failure_kinds_share_one_documented_budget(build: Build) -> None:
    fake, provider = build([Fail.rate_limit(), Fail.server_error(503), Fail.connection(), "late"])
    with pytest.raises(APIConnectionError):
        provider.complete(USER, max_retries=2)
    assert [r.status for r in fake.requests] == [429, 503, 0]


# ----------------------------------------------------------------------------- C3


class _Slow(httpx.AsyncBaseTransport):
    """Answers after an async delay, as a slow model would."""

    def __init__(self, inner: Any, delay: float) -> None:
        self.inner = inner
        self.delay = delay

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(self.delay)
        response: httpx.Response = await self.inner.handle_async_request(request)
        return response


def test_async_calls_run_on_the_loop_without_blocking_it_or_using_a_thread(api: str) -> None:
    fake_cls, provider_cls = APIS[api]
    fake = fake_cls(["slow answer", "slow stream"])
    provider = provider_cls("m", api_key=KEY, transport=_Slow(fake.transport(), 0.2))

    class NoThreads(ThreadPoolExecutor):
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("an executor thread was used")

    async def run() -> tuple[int, str, list[str]]:
        asyncio.get_running_loop().set_default_executor(NoThreads())
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        reply = await provider.acomplete(USER)
        events = [e.type async for e in provider.stream(USER)]
        task.cancel()
        return ticks, reply.content, events

    ticks, content, events = asyncio.run(run())
    assert content == "slow answer"
    assert events == ["text_delta", "text_delta", "text_end", "finish"]
    assert ticks >= 20  # ~0.4 s of slow calls, during which the loop kept ticking
