"""When the user's classes have the newer framework's optional fields (``newer_types``), every
provider, fake and cassette fills the ones the kit knows; seed-shaped classes stay as they are."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from http_support import APIS, USER, collect

from llm_fakes import AnthropicProvider, CassetteProvider, Fail, Reply, ScriptedProvider

NEWER = "newer_types llm_fakes.types llm_fakes.events"
REPLY = Reply(text="Sunny.", reasoning="Look outside.", input_tokens=10, cached_tokens=3)


@pytest.mark.parametrize("api", ["openai", "responses", "anthropic"])
def test_http_providers_fill_cache_reasoning_thinking_and_upstream_fields(api: str) -> None:
    fake_cls, provider_cls = APIS[api]
    fake = fake_cls([REPLY, REPLY, *[Fail.server_error(503)] * 3])
    ask, extra = USER, {}
    if api == "anthropic":  # the API thinks, and reads a cache, only when the request asks
        ask = [{**USER[0], "cache_control": {"type": "ephemeral"}}]
        extra = {"thinking": {"type": "enabled", "budget_tokens": 512}}
    provider = provider_cls(
        "m", api_key="sk-test", transport=fake.transport(), types=NEWER, **extra
    )
    response = provider.complete(ask)
    assert type(response).__module__ == "newer_types"
    assert response.cache_read_tokens == 3
    # The OpenAI wire formats report reasoning tokens (the fake: the estimate of the reasoning);
    # Anthropic's does not.
    assert response.reasoning_tokens == (0 if api == "anthropic" else (13 + 3) // 4)
    finish = collect(provider.stream(ask))[-1]
    assert (type(finish).__module__, finish.cached_tokens) == ("newer_types", 3)
    if api == "anthropic":  # thinking blocks as the API sent them, signature included
        assert finish.thinking_blocks == [
            {"type": "thinking", "thinking": "Look outside.", "signature": fake._signature(1)}
        ]
    else:
        assert finish.thinking_blocks == []
    error = collect(provider.stream(USER))[-1]
    assert (error.type, error.error_type, error.upstream_status) == ("error", "ServerError", 503)


def test_anthropic_cache_creation_tokens_reach_the_response_and_the_finish() -> None:
    usage = {"input_tokens": 5, "cache_read_input_tokens": 2, "cache_creation_input_tokens": 7}
    body = {"model": "c", "content": [{"type": "text", "text": "ok"}], "usage": usage}
    start = {"type": "message_start", "message": {**body, "content": []}}
    events = [
        start,
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "text", "text": "ok"},
        },
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {}},
        {"type": "message_stop"},
    ]
    stream = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)

    def handler(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("stream"):
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, text=stream)
        return httpx.Response(200, json=body)

    provider = AnthropicProvider(
        "c", api_key="k", transport=httpx.MockTransport(handler), types=NEWER
    )
    response = provider.complete(USER)
    assert (response.input_tokens, response.cache_read_tokens, response.cache_creation_tokens) == (
        14,
        2,
        7,
    )
    assert collect(provider.stream(USER))[-1].cache_creation_tokens == 7


def test_the_scripted_provider_and_a_cassette_replay_keep_them(tmp_path: Path) -> None:
    scripted = ScriptedProvider([REPLY, REPLY, Fail.bad_request("no")], types=NEWER)
    path = tmp_path / "newer.yaml"
    recorder = CassetteProvider(path, inner=scripted, mode="all", types=NEWER)
    recorded = recorder.complete(USER)
    assert (recorded.cache_read_tokens, recorded.reasoning_tokens) == (3, 4)
    streamed = collect(recorder.stream(USER))
    failed = collect(recorder.stream(USER))[-1]
    assert (failed.error_type, failed.upstream_status) == ("BadRequestError", 400)
    recorder.save()
    player = CassetteProvider(path, mode="none", types=NEWER)
    again = player.complete(USER)
    assert (again.cache_read_tokens, again.reasoning_tokens) == (3, 4)
    assert collect(player.stream(USER)) == streamed
    replayed: Any = collect(player.stream(USER))[-1]
    assert (replayed.error_type, replayed.upstream_status) == ("BadRequestError", 400)


def test_the_seed_shaped_classes_are_left_as_they_are() -> None:
    provider = ScriptedProvider([REPLY], types="framework.llm.provider framework.llm.stream_events")
    response = provider.complete(USER)
    assert not hasattr(response, "cache_read_tokens")
    assert response.input_tokens == 10
