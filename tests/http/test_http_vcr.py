"""The vcrpy preset: record a streamed completion from the loopback fake, stop the server, replay
it (async and sync) and get identical events; keys never reach the cassette; bodies match
canonically; user filters add to the defaults."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from http_support import APIS, USER, collect

from llm_fakes import Reply, Tool, ToolCall
from llm_fakes.http.vcr import make_vcr, vcr_config

SECRET = "sk-proj-Zq8shouldNeverBeRecorded42"
TOOLS = [Tool("weather", "Weather by city")]


@pytest.mark.parametrize("api", ["openai", "responses", "anthropic", "gemini"])
def test_a_recorded_stream_replays_identically_sync_and_async(tmp_path: Path, api: str) -> None:
    fake_cls, provider_cls = APIS[api]
    reply = Reply(
        text="Rain, then sun.",
        reasoning="Check the sky.",
        tool_calls=[ToolCall("weather", {"city": "Oslo"})],
    )
    fake = fake_cls([reply, "Plain answer."])
    cassette = tmp_path / "stream.yaml"
    with fake.serve() as url, make_vcr().use_cassette(str(cassette)) as recorder:
        # Anthropic sends thinking only when asked for it.
        extra: dict[str, Any] = {"thinking": {"type": "enabled", "budget_tokens": 1024}}
        provider = provider_cls(
            "m", api_key=SECRET, base_url=url, **extra if api == "anthropic" else {}
        )
        recorded = collect(provider.stream(USER, tools=TOOLS))
        plain = provider.complete([{"role": "user", "content": "And?"}])
        provider.close()
    assert len(recorder) == 2
    assert [e.type for e in recorded][-3:] == ["tool_call", "text_end", "finish"]

    # The server is gone: only the cassette can answer now, through httpx async and sync.
    replayer = provider_cls(
        "m",
        api_key="sk-other-key-entirely-000000",
        base_url=url,
        **extra if api == "anthropic" else {},
    )
    with make_vcr(record_mode="none").use_cassette(str(cassette)) as player:
        assert collect(replayer.stream(USER, tools=TOOLS)) == recorded
        again = asyncio.run(replayer.acomplete([{"role": "user", "content": "And?"}]))
        assert (again.content, again.tool_uses) == (plain.content, plain.tool_uses)
        assert (again.content, again.tool_uses) == ("Plain answer.", [])
    assert player.play_count == 2
    with make_vcr(record_mode="none").use_cassette(str(cassette)):
        assert list(replayer.iter_stream(USER, tools=TOOLS)) == recorded
    replayer.close()

    text = cassette.read_text()
    assert SECRET not in text
    data = yaml.safe_load(text)
    for interaction in data["interactions"]:
        headers = {k.lower() for k in interaction["request"]["headers"]}
        assert not headers & {"authorization", "x-api-key", "x-goog-api-key"}
    if api == "gemini":  # CRLF line ends, as Google sends them: a quoted YAML string
        assert 'data: {\\"candidates\\": [' in text
        return
    # The event stream is stored as a literal block: one SSE line per line of the file.
    lines = [line.strip() for line in text.splitlines()]
    assert "string: |+" in lines
    first = {
        "openai": 'data: {"id": "chatcmpl-llmfakes0000"',
        "responses": "event: response.created",
        "anthropic": "event: message_start",
    }[api]
    assert any(line.startswith(first) for line in lines)


def test_matching_ignores_key_order_and_whitespace_and_scrubbing_is_symmetric(
    tmp_path: Path,
) -> None:
    fake = APIS["openai"][0](["Recorded."])
    cassette = str(tmp_path / "canon.yaml")
    body = {"model": "m", "messages": USER, "api_key": SECRET}
    with fake.serve() as url, make_vcr().use_cassette(cassette), httpx.Client() as client:
        client.post(f"{url}/chat/completions", json=body)
    reordered = (
        b'{\n  "api_key": "'
        + SECRET.encode()
        + b'",\n  "messages": [{"content": "Hello?", "role": "user"}],\n  "model": "m"\n}'
    )
    with make_vcr(record_mode="none").use_cassette(cassette), httpx.Client() as client:
        response = client.post(f"{url}/chat/completions", content=reordered)
    assert response.json()["choices"][0]["message"]["content"] == "Recorded."
    text = Path(cassette).read_text()
    assert SECRET not in text
    assert '"api_key": "REDACTED"' in yaml.safe_load(text)["interactions"][0]["request"]["body"]


def test_a_different_body_does_not_match(tmp_path: Path) -> None:
    import vcr.errors

    fake = APIS["openai"][0](["Recorded."])
    cassette = str(tmp_path / "miss.yaml")
    with fake.serve() as url, make_vcr().use_cassette(cassette), httpx.Client() as client:
        client.post(f"{url}/chat/completions", json={"model": "m", "messages": USER})
    with (
        make_vcr(record_mode="none").use_cassette(cassette),
        httpx.Client() as client,
        pytest.raises(vcr.errors.CannotOverwriteExistingCassetteException),
    ):
        client.post(f"{url}/chat/completions", json={"model": "other", "messages": USER})


def test_user_settings_add_to_the_defaults() -> None:
    calls: list[str] = []

    def mine(request: Any) -> Any:
        calls.append(request.body)
        return request

    config = vcr_config(
        filter_headers=["x-trace", "cookie"], before_record_request=mine, record_mode="all"
    )
    defaults = vcr_config()["filter_headers"]
    assert {"authorization", "x-api-key", "api-key", "cookie", "proxy-authorization"} <= set(
        defaults
    )
    assert config["filter_headers"] == [*defaults, "x-trace"]
    assert config["record_mode"] == "all"
    from vcr.request import Request

    out = config["before_record_request"](Request("POST", "https://x", b'{"token": "t"}', {}))
    assert out.body == b'{"token": "REDACTED"}'
    assert calls == [b'{"token": "REDACTED"}']  # the default scrubber ran first


def test_a_zstd_compressed_stream_is_stored_decoded_and_replays(tmp_path: Path) -> None:
    import zstandard

    from llm_fakes import OpenAIProvider

    sse = (
        'data: {"choices": [{"index": 0, "delta": {"content": "Packed "}}]}\n\n'
        'data: {"choices": [{"index": 0, "delta": {"content": "tight."}, '
        '"finish_reason": "stop"}]}\n\n'
        "data: [DONE]\n\n"
    )
    packed = zstandard.ZstdCompressor().compress(sse.encode())

    def server(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream", "content-encoding": "zstd"}
        return httpx.Response(200, headers=headers, content=packed)

    def gone(request: httpx.Request) -> httpx.Response:
        raise AssertionError("replay must not reach the server")

    cassette = str(tmp_path / "zstd.yaml")
    with make_vcr().use_cassette(cassette):
        live = OpenAIProvider("m", api_key=SECRET, transport=httpx.MockTransport(server))
        recorded = list(live.iter_stream(USER))
    assert "".join(e.content for e in recorded if e.type == "text_delta") == "Packed tight."
    stored = yaml.safe_load(Path(cassette).read_text())["interactions"][0]["response"]
    assert stored["body"]["string"] == sse
    assert "content-encoding" not in stored["headers"]
    with make_vcr(record_mode="none").use_cassette(cassette):
        replayer = OpenAIProvider("m", api_key=SECRET, transport=httpx.MockTransport(gone))
        assert list(replayer.iter_stream(USER)) == recorded


def test_a_key_in_any_apis_header_or_query_never_reaches_the_cassette(tmp_path: Path) -> None:
    # Gemini sends its key as x-goog-api-key or ?key=: the preset reads the kit's one list of
    # secret names, so neither lands on disk (before, x-goog-api-key did).
    fake_cls, _ = APIS["openai"]
    key = "AIzaSyGeminiKeyNeverRecorded0123456789"
    cassette = tmp_path / "keys.yaml"
    with (
        fake_cls(["one", "two"]).serve() as url,
        make_vcr().use_cassette(str(cassette)),
        httpx.Client() as client,
    ):
        body = {"model": "m", "messages": USER}
        client.post(f"{url}/chat/completions", json=body, headers={"x-goog-api-key": key})
        client.post(f"{url}/chat/completions?key={key}", json=body)
    text = cassette.read_text()
    assert "x-goog-api-key" not in text.lower()
    assert key not in text
