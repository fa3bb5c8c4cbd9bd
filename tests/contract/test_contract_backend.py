"""The backend handed to factories: every door plays the same script and reports the same
request, attempts and open streams."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest

from llm_fakes import AnthropicProvider, Fail, OpenAIProvider, Reply, Tool
from llm_fakes.contract.backend import BackendSession, ConformanceBackend
from llm_fakes.contract.cases import BackendOptions
from llm_fakes.errors import UsageError

HISTORY = [
    {"role": "user", "content": "Weather in Zürich? 😀", "cache_control": {"type": "ephemeral"}},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "weather", "arguments": '{"city": "Zürich"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "ERROR: no such city"},
    {"role": "user", "content": ""},
]
TOOLS = [Tool("weather", "Weather by city", {"type": "object", "properties": {"city": {}}})]
SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}


@pytest.fixture(scope="module")
def session() -> Iterator[BackendSession]:
    with BackendSession() as s:
        yield s


def provider(backend: ConformanceBackend, door: str) -> Any:
    if door == "scripted":
        return backend.scripted
    cls = OpenAIProvider if door == "openai" else AnthropicProvider
    transport = backend.openai_transport if door == "openai" else backend.anthropic_transport
    return cls("m", api_key="sk-test", transport=transport, clock=backend.clock)


@pytest.mark.parametrize("door", ["scripted", "openai", "anthropic"])
def test_every_door_reports_the_request_in_the_seed_shape(
    session: BackendSession, door: str
) -> None:
    backend = ConformanceBackend([Reply(json={"a": 1})], session=session)
    rf = {"type": "json_schema", "json_schema": {"name": "out", "schema": SCHEMA}}
    provider(backend, door).complete(
        HISTORY, system="Be brief.", tools=TOOLS, max_tokens=77, response_format=rf
    )
    (seen,) = backend.requests
    assert (seen.door, seen.stream, seen.system, seen.max_tokens) == (door, False, "Be brief.", 77)
    assert [(m["role"], m["content"]) for m in seen.messages] == [
        ("user", "Weather in Zürich? 😀"),
        ("assistant", ""),
        ("tool", "ERROR: no such city"),
        ("user", ""),
    ]
    assert seen.messages[1]["tool_calls"][0]["function"]["name"] == "weather"
    assert seen.messages[2]["tool_call_id"] == "call_1"
    assert [(t.name, t.description, t.parameters) for t in seen.tools or []] == [
        ("weather", "Weather by city", {"type": "object", "properties": {"city": {}}})
    ]
    assert (seen.json_mode, seen.json_format, seen.json_schema) == (True, "json_schema", SCHEMA)


@pytest.mark.parametrize("door", ["scripted", "openai", "anthropic"])
def test_json_mode_is_visible_whichever_way_it_was_asked(
    session: BackendSession, door: str
) -> None:
    backend = ConformanceBackend([Reply(json={"a": 1})] * 2, session=session)
    p = provider(backend, door)
    p.complete([{"role": "user", "content": "x"}], json_mode=True)
    p.complete([{"role": "user", "content": "x"}], response_format={"type": "json_object"})
    assert [(r.json_mode, r.json_format) for r in backend.requests] == [
        (True, "json_object"),
        (True, "json_object"),
    ]


@pytest.mark.parametrize("door", ["scripted", "openai", "anthropic"])
def test_each_attempt_counts_once_and_waits_on_the_backend_clock(
    session: BackendSession, door: str
) -> None:
    backend = ConformanceBackend(
        [Fail.rate_limit(retry_after=7), Fail.server_error(503), "ok"], session=session
    )
    assert provider(backend, door).complete([{"role": "user", "content": "x"}]).content == "ok"
    assert backend.attempts == 3
    assert backend.clock.sleeps[0] == 7.0  # type: ignore[attr-defined]
    assert len(backend.clock.sleeps) == 2  # type: ignore[attr-defined]


def test_an_open_stream_is_counted_until_its_response_is_closed(session: BackendSession) -> None:
    backend = ConformanceBackend(["one two three"], session=session)
    client = httpx.Client(transport=backend.openai_transport)
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]}
    with client.stream("POST", "https://api.openai.com/v1/chat/completions", json=body) as r:
        next(r.iter_raw())
        assert backend.open_streams() == 1
    assert backend.open_streams() == 0


def test_a_scripted_stream_left_suspended_is_open_until_closed(session: BackendSession) -> None:
    backend = ConformanceBackend(["one two three"], session=session)

    async def scenario() -> tuple[int, int]:
        stream = backend.scripted.stream([{"role": "user", "content": "x"}])
        await stream.__anext__()
        during = backend.open_streams()
        await stream.aclose()
        return during, backend.open_streams()

    assert asyncio.run(scenario()) == (1, 0)


def test_wire_bytes_are_re_split_at_the_requested_sizes(session: BackendSession) -> None:
    backend = ConformanceBackend(
        ["héllo wörld"], session=session, options=BackendOptions(byte_splits=(1, 0, 3))
    )
    client = httpx.Client(transport=backend.openai_transport)
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]}
    with client.stream("POST", "https://api.openai.com/v1/chat/completions", json=body) as r:
        pieces = list(r.iter_raw())
    assert [len(p) for p in pieces[:6]] == [1, 3, 1, 3, 1, 3]  # httpx skips the empty ones
    assert b"".join(pieces).decode().count("data:") >= 3


def test_latency_is_real_only_in_real_time_examples(session: BackendSession) -> None:
    slow = ConformanceBackend(
        ["a", "b"], session=session, options=BackendOptions(real_time=True, latency=0.05)
    )
    start = time.perf_counter()
    slow.scripted.complete([{"role": "user", "content": "x"}])
    provider(slow, "openai").complete([{"role": "user", "content": "x"}])
    assert time.perf_counter() - start >= 0.1


def test_the_official_sdks_reach_the_loopback_servers(session: BackendSession) -> None:
    backend = ConformanceBackend(["from the fake"], session=session)
    client = openai.OpenAI(api_key="sk-test", base_url=backend.openai_base_url, max_retries=0)
    answer = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
    )
    assert answer.choices[0].message.content == "from the fake"
    backend2 = ConformanceBackend(["also the fake"], session=session)
    claude = anthropic.Anthropic(
        api_key="sk-test", base_url=backend2.anthropic_base_url, max_retries=0
    )
    message = claude.messages.create(
        model="claude-x", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    )
    assert message.content[0].text == "also the fake"  # type: ignore[union-attr]
    assert [r.door for r in backend.requests + backend2.requests] == ["openai", "anthropic"]


def test_the_loopback_server_stops_with_its_session() -> None:
    with BackendSession() as s:
        url = ConformanceBackend(["x"], session=s).openai_base_url
    with pytest.raises(httpx.ConnectError):
        httpx.post(url + "/chat/completions", json={}, timeout=2)


def test_cleanups_run_when_the_example_ends(session: BackendSession) -> None:
    backend = ConformanceBackend(["x"], session=session)
    closed: list[str] = []
    backend.add_cleanup(lambda: closed.append("first"))
    backend.add_cleanup(lambda: closed.append("second"))
    backend.close()
    assert closed == ["second", "first"]


def test_a_missing_http_fake_is_a_clear_error(
    session: BackendSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llm_fakes.wire.registry import REGISTRY

    monkeypatch.setattr(type(REGISTRY.get("openai-chat")), "fake", "llm_fakes.http.NoSuchFake")
    with pytest.raises(UsageError) as err:
        ConformanceBackend(["x"], session=session).openai_transport  # noqa: B018
    assert str(err.value) == (
        "The openai door needs llm_fakes.http.NoSuchFake, which cannot be imported here "
        "(module 'llm_fakes.http' has no attribute 'NoSuchFake'). Wire the provider to "
        "backend.scripted instead."
    )


def test_a_client_resetting_its_connection_is_not_reported_as_a_server_error(
    session: BackendSession, capfd: pytest.CaptureFixture[str]
) -> None:
    import socket
    import struct
    from urllib.parse import urlsplit

    url = urlsplit(ConformanceBackend(["x"], session=session).openai_base_url)
    conn = socket.create_connection((url.hostname, url.port))
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # an RST while the server waits for a request line
    time.sleep(0.2)
    assert capfd.readouterr().err == ""
