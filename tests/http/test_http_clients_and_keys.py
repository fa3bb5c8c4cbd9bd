"""Keys, headers, injected clients and ``Retry-After`` parsing of the HTTP providers."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from http_support import USER, collect

from llm_fakes import (
    AnthropicProvider,
    AuthenticationError,
    Fail,
    FakeAnthropic,
    FakeOpenAI,
    OpenAIProvider,
    UsageError,
)
from llm_fakes.wire.errors import error_from_status, parse_retry_after

SECRET = "sk-live-do-not-leak-9f8e7d"


def capturing() -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}]}
        if "anthropic" in str(request.url):
            body = {"content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn"}
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handler), seen


def test_keys_come_from_the_environment_and_go_in_each_apis_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    transport, seen = capturing()
    OpenAIProvider("gpt-4o", transport=transport).complete(USER)
    AnthropicProvider("claude", transport=transport).complete(USER)
    assert seen[0].headers["authorization"] == "Bearer sk-from-env"
    assert seen[1].headers["x-api-key"] == "sk-ant-from-env"
    assert seen[1].headers["anthropic-version"] == "2023-06-01"
    assert str(seen[0].url) == "https://api.openai.com/v1/chat/completions"
    assert str(seen[1].url) == "https://api.anthropic.com/v1/messages"


def test_an_explicit_key_and_base_url_win_and_extra_headers_are_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env-host/v1")
    transport, seen = capturing()
    provider = OpenAIProvider(
        "llama3",
        api_key="sk-arg",
        base_url="http://localhost:11434/v1/",
        transport=transport,
        extra_headers={"x-team": "search"},
    )
    provider.complete(USER)
    assert str(seen[0].url) == "http://localhost:11434/v1/chat/completions"
    assert seen[0].headers["authorization"] == "Bearer sk-arg"
    assert seen[0].headers["x-team"] == "search"


def test_without_any_key_no_auth_header_is_sent_for_local_servers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    transport, seen = capturing()
    OpenAIProvider("llama3", base_url="http://localhost:11434/v1", transport=transport).complete(
        USER
    )
    assert "authorization" not in seen[0].headers


def test_the_key_is_in_no_repr_error_or_log_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # Named too: an imported client library (litellm) may have set these loggers' own levels.
    caplog.set_level(logging.DEBUG, logger="httpx")
    caplog.set_level(logging.DEBUG, logger="httpcore")
    fake = FakeOpenAI([Fail.auth("Incorrect API key provided.")])
    provider = OpenAIProvider("gpt-4o", api_key=SECRET, transport=fake.transport())
    with pytest.raises(AuthenticationError) as info:
        provider.complete(USER)
    assert str(info.value) == (
        "AuthenticationError (HTTP 401): Incorrect API key provided. "
        "Pass api_key=... to OpenAIProvider or set OPENAI_API_KEY."
    )
    assert repr(provider) == "OpenAIProvider(model='gpt-4o', base_url='https://api.openai.com/v1')"
    assert SECRET not in repr(vars(provider))
    assert SECRET not in str(fake.requests)
    assert caplog.records  # httpx and httpcore did log the request...
    assert not [r for r in caplog.records if SECRET in r.getMessage()]  # ...without the key


def test_one_transport_serves_complete_acomplete_and_stream() -> None:
    fake = FakeAnthropic(["a", "b", "c"])
    provider = AnthropicProvider("claude", api_key="k", transport=fake.transport())
    assert provider.complete(USER).content == "a"
    assert asyncio.run(provider.acomplete(USER)).content == "b"
    assert [e.type for e in collect(provider.stream(USER))] == ["text_delta", "text_end", "finish"]


def test_injected_clients_are_used_and_left_open() -> None:
    fake = FakeOpenAI(["sync", "async"])
    sync_client = httpx.Client(transport=fake.transport())
    async_client = httpx.AsyncClient(transport=fake.transport())
    provider = OpenAIProvider(
        "gpt-4o", api_key="k", http_client=sync_client, async_http_client=async_client
    )
    with provider:
        assert provider.complete(USER).content == "sync"
        assert asyncio.run(provider.acomplete(USER)).content == "async"
    assert not sync_client.is_closed and not async_client.is_closed
    sync_client.close()
    asyncio.run(async_client.aclose())


def test_a_sync_only_transport_cannot_serve_async_calls() -> None:
    transport = httpx.HTTPTransport()
    provider = OpenAIProvider("gpt-4o", api_key="k", transport=transport)
    with pytest.raises(UsageError) as info:
        asyncio.run(provider.acomplete(USER))
    assert str(info.value) == (
        f"transport={transport!r} is sync-only, so acomplete() and stream() cannot use it. Pass "
        "a transport that is also an httpx.AsyncBaseTransport, or "
        "async_http_client=httpx.AsyncClient(...)."
    )
    transport.close()


def test_a_model_name_is_required() -> None:
    with pytest.raises(UsageError) as info:
        AnthropicProvider("")
    assert str(info.value) == "AnthropicProvider needs a model name, got ''."


# ----------------------------------------------------------------------------- Retry-After


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"Retry-After": "0.5"}, 0.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "junk", "retry-after": "9"}, 9.0),
        ({"retry-after": "-1"}, None),
        ({"retry-after": "later"}, None),
        ({}, None),
    ],
)
def test_retry_after_headers(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers) == expected


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    later = (now + timedelta(seconds=42)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after({"retry-after": later}, now=now) == 42.0
    earlier = (now - timedelta(seconds=5)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after({"retry-after": earlier}, now=now) == 0.0


def test_any_error_status_carries_retry_after_for_the_retry_policy() -> None:
    error = error_from_status(503, {"retry-after": "4"}, "busy")
    assert (type(error).__name__, error.retryable, getattr(error, "retry_after", None)) == (
        "ServerError",
        True,
        4.0,
    )
    overloaded = error_from_status(503, {}, "The engine is currently overloaded")
    assert type(overloaded).__name__ == "OverloadedError"
    assert error_from_status(408, {}, "slow").retryable is True


def test_a_provider_dropped_without_close_closes_its_sockets() -> None:
    import gc
    import warnings

    fake = FakeOpenAI(["kept alive"])
    with fake.serve() as url, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        provider = OpenAIProvider("gpt-4o", api_key="k", base_url=url)
        assert provider.complete(USER).content == "kept alive"  # a pooled keep-alive socket
        del provider
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
