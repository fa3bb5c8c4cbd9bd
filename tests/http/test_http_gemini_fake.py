"""What ``FakeGemini`` answers that the shared HTTP tests do not reach: Google's error shape for
every scripted failure (a rate limit's wait in ``RetryInfo``, not a header), the 400 the real API
gives to requests it refuses, the routes that use no turn (``countTokens``, the model list), both
API versions, thought parts only for those who ask, finish reasons, and ``GeminiProvider``
reading all of it back."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from http_support import collect

from llm_fakes import (
    Fail,
    FakeGemini,
    GeminiProvider,
    NetworkBlockedError,
    OverloadedError,
    RateLimitError,
    Reply,
    Tool,
    ToolCall,
    block_network,
)
from llm_fakes.clock import VirtualClock
from llm_fakes.typeset import TypeSet

BASE = "https://generativelanguage.googleapis.com"
URL = f"{BASE}/v1beta/models/gemini-2.5-flash"
HI = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}
USER = [{"role": "user", "content": "Hi"}]


def post(fake: FakeGemini, body: Any, suffix: str = ":generateContent", url: str = URL) -> Any:
    with httpx.Client(transport=fake.transport()) as client:
        return client.post(url + suffix, json=body)


def provider(fake: FakeGemini, **kw: Any) -> GeminiProvider:
    kw.setdefault("clock", VirtualClock())
    return GeminiProvider("gemini-2.5-flash", api_key="AIza-k", transport=fake.transport(), **kw)


def test_a_rate_limit_is_googles_429_with_retry_info_and_the_provider_waits_for_it() -> None:
    fake = FakeGemini([Fail.rate_limit(retry_after=2.5), Fail.rate_limit(retry_after=2.5), "ok"])
    r = post(fake, HI)
    assert r.status_code == 429
    assert "retry-after" not in r.headers
    error = r.json()["error"]
    assert (error["code"], error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert error["details"] == [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2.5s"}
    ]
    clock = VirtualClock()
    with pytest.raises(RateLimitError) as caught:
        provider(fake, clock=clock).complete(USER, max_retries=0)
    assert caught.value.retry_after == 2.5
    assert provider(fake, clock=clock).complete(USER).content == "ok"


def test_overload_is_a_503_unavailable_and_reads_as_overloaded() -> None:
    fake = FakeGemini([Fail.overloaded(), Fail.overloaded()])
    error = post(fake, HI).json()["error"]
    assert (error["code"], error["status"]) == (503, "UNAVAILABLE")
    with pytest.raises(OverloadedError):
        provider(fake).complete(USER, max_retries=0)


@pytest.mark.parametrize(
    ("fail", "status", "name"),
    [
        (Fail.server_error(), 500, "INTERNAL"),
        (Fail.server_error(504), 504, "DEADLINE_EXCEEDED"),
        (Fail.bad_request("bad"), 400, "INVALID_ARGUMENT"),
        (Fail.auth(), 401, "UNAUTHENTICATED"),
    ],
)
def test_scripted_failures_carry_googles_status_names(fail: Fail, status: int, name: str) -> None:
    body = post(FakeGemini([fail]), HI).json()
    assert set(body) == {"error"}
    assert (body["error"]["code"], body["error"]["status"]) == (status, name)
    assert body["error"]["message"]


@pytest.mark.parametrize(
    ("contents", "message"),
    [
        (None, "* GenerateContentRequest.contents: contents is not specified"),
        ([], "* GenerateContentRequest.contents: contents is not specified"),
        (
            [{"role": "assistant", "parts": [{"text": "x"}]}],
            "Please use a valid role: user, model.",
        ),
        (
            [{"role": "user", "parts": []}],
            "* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.",
        ),
        (
            [
                {"role": "user", "parts": [{"text": "hi"}]},
                {"role": "user", "parts": [{"functionResponse": {"name": "w", "response": {}}}]},
            ],
            "Please ensure that function response turn comes immediately after a function call "
            "turn.",
        ),
        (
            [
                {"role": "user", "parts": [{"text": "hi"}]},
                {"role": "model", "parts": [{"functionCall": {"name": "w", "args": {}}}] * 2},
                {"role": "user", "parts": [{"functionResponse": {"name": "w", "response": {}}}]},
            ],
            "Please ensure that the number of function response parts is equal to the number of "
            "function call parts of the function call turn.",
        ),
        (
            [{"role": "model", "parts": [{"functionCall": {"name": "w", "args": {}}}]}],
            "Please ensure that function call turn comes immediately after a user turn or after "
            "a function response turn.",
        ),
    ],
)
def test_a_request_the_api_refuses_gets_its_400(contents: Any, message: str) -> None:
    fake = FakeGemini(["never sent"])
    body = {} if contents is None else {"contents": contents}
    r = post(fake, body)
    assert r.status_code == 400
    assert r.json() == {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}
    assert fake.remaining  # no turn was used
    assert fake.requests[0].turn is None


def test_unknown_paths_get_a_404_in_googles_shape_naming_the_routes() -> None:
    r = post(FakeGemini([]), HI, suffix=":embedContent")
    assert r.status_code == 404
    assert r.json()["error"]["status"] == "NOT_FOUND"
    assert ":generateContent" in r.json()["error"]["message"]


def test_count_tokens_models_and_v1_use_no_turn() -> None:
    fake = FakeGemini(["from v1"], models=["gemini-a", "gemini-b"])
    counted = post(fake, {"contents": [{"parts": [{"text": "12345678"}]}]}, ":countTokens")
    assert counted.json() == {
        "totalTokens": 2,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 2}],
    }
    wrapped = {"generateContentRequest": {"model": "models/x", **HI}}
    assert post(fake, wrapped, ":countTokens").json()["totalTokens"] == 1
    assert post(fake, {}, ":countTokens").status_code == 400
    with httpx.Client(transport=fake.transport()) as client:
        listed = client.get(f"{BASE}/v1beta/models").json()
        one = client.get(f"{BASE}/v1/models/gemini-b").json()
    assert [m["name"] for m in listed["models"]] == ["models/gemini-a", "models/gemini-b"]
    assert one["name"] == "models/gemini-b"
    assert "generateContent" in one["supportedGenerationMethods"]
    assert len(fake.remaining) == 1
    v1 = GeminiProvider("gemini-a", api_key="k", transport=fake.transport(), api_version="v1")
    assert v1.complete(USER).content == "from v1"
    assert fake.requests[-1].path == "/v1/models/gemini-a:generateContent"
    assert fake.requests[-1].model == "gemini-a"


def test_thought_parts_go_only_to_those_who_ask_and_are_counted_either_way() -> None:
    turn = Reply(text="Answer.", reasoning="Let me think about it.", output_tokens=20)
    fake = FakeGemini([turn, turn])
    plain = post(fake, HI).json()
    asked = {**HI, "generationConfig": {"thinkingConfig": {"includeThoughts": True}}}
    thinking = post(fake, asked).json()
    assert plain["candidates"][0]["content"]["parts"] == [{"text": "Answer."}]
    assert thinking["candidates"][0]["content"]["parts"] == [
        {"text": "Let me think about it.", "thought": True},
        {"text": "Answer."},
    ]
    for body in (plain, thinking):
        usage = body["usageMetadata"]
        assert usage["thoughtsTokenCount"] == 6
        assert usage["candidatesTokenCount"] + usage["thoughtsTokenCount"] == 20


def test_the_entrys_usage_counts_thoughts_as_output_as_the_parser_does() -> None:
    fake = FakeGemini([Reply(text="Answer.", reasoning="Let me think about it.", output_tokens=20)])
    body = post(fake, HI).json()
    usage = GeminiProvider.wire.usage(body)
    assert (usage["output_tokens"], usage["reasoning_tokens"]) == (20, 6)
    parsed = GeminiProvider.wire.parse_response(body, TypeSet.default(), "m")
    assert parsed.output_tokens == usage["output_tokens"]


def test_the_provider_streams_reasoning_when_it_asks_for_thoughts() -> None:
    fake = FakeGemini([Reply(text="Answer.", reasoning="Hmm, let me see.")])
    events = collect(provider(fake, include_thoughts=True).stream(USER))
    assert [e.type for e in events][:2] == ["reasoning_start", "reasoning_delta"]
    assert "".join(e.content for e in events if e.type == "reasoning_delta") == "Hmm, let me see."
    assert fake.requests[0].body["generationConfig"]["thinkingConfig"] == {"includeThoughts": True}


@pytest.mark.parametrize(
    ("stop", "wire", "seen"),
    [("length", "MAX_TOKENS", "length"), ("content_filter", "SAFETY", "content_filter")],
)
def test_finish_reasons_round_trip(stop: str, wire: str, seen: str) -> None:
    fake = FakeGemini([Reply(text="Partial", stop_reason=stop)] * 2)
    candidate = post(fake, HI).json()["candidates"][0]
    assert candidate["finishReason"] == wire
    assert provider(fake).complete(USER).stop_reason == seen


def test_calls_carry_only_the_scripted_ids_and_the_provider_keeps_them() -> None:
    # The API sends functionCall parts without an id (tests/http/real_sessions/gemini_*.json):
    # an id the kit would make up stays off the wire; one the script gave is in the optional
    # ``id`` field, so it reads back as scripted.
    calls = [ToolCall("w", {"city": "Oslo"}), ToolCall("w", {"city": "Rome"}, id="mine")]
    fake = FakeGemini([Reply(tool_calls=calls)] * 2)
    declared = {**HI, "tools": [{"functionDeclarations": [{"name": "w"}]}]}  # calls need tools
    parts = post(fake, declared).json()["candidates"][0]["content"]["parts"]
    assert [p["functionCall"] for p in parts] == [
        {"name": "w", "args": {"city": "Oslo"}},
        {"name": "w", "args": {"city": "Rome"}, "id": "mine"},
    ]
    r = provider(fake).complete(USER, tools=[Tool("w", "Weather")])
    assert [(u.id, u.input) for u in r.tool_uses] == [
        ("call_0", {"city": "Oslo"}),  # the provider's own id for a call the API sent without
        ("mine", {"city": "Rome"}),
    ]
    assert r.stop_reason == "tool_calls"


def test_a_dropped_stream_and_an_error_event() -> None:
    reply = Reply(text="one two three four")
    fake = FakeGemini(
        [
            Fail.mid_stream(reply, after_chunk=2),
            Fail.mid_stream(reply, after_chunk=2, recoverable=False),
        ]
    )
    dropped = collect(provider(fake).stream(USER))
    assert [e.content for e in dropped if e.type == "text_delta"] == ["one ", "two "]
    assert dropped[-1].type == "error"
    ended = collect(provider(fake).stream(USER))
    assert ended[-1].type == "error" and ended[-1].recoverable is False
    assert "stream" in ended[-1].error


def test_the_guard_knows_geminis_host_and_its_fake() -> None:
    with block_network(), pytest.raises(NetworkBlockedError) as caught:
        httpx.post(f"{URL}:generateContent", json=HI)
    message = str(caught.value)
    assert "'generativelanguage.googleapis.com'" in message
    assert "serves Google Gemini generateContent; llm_fakes.FakeGemini stands in" in message


def test_a_stream_without_alt_sse_is_refused_saying_what_to_add() -> None:
    fake = FakeGemini(["never sent"])
    r = post(fake, HI, ":streamGenerateContent")
    assert r.status_code == 400
    assert "add ?alt=sse" in r.json()["error"]["message"]
    with httpx.Client(transport=fake.transport()) as client:
        ok = client.post(f"{URL}:streamGenerateContent?alt=sse&key=AIza-in-query", json=HI)
    assert ok.headers["content-type"].startswith("text/event-stream")
    assert [q.path for q in fake.requests] == [f"/v1beta/models/gemini-2.5-flash:{m}" for m in
                                                ("streamGenerateContent",) * 2]  # fmt: skip
    assert all("AIza" not in repr(q) for q in fake.requests)
