"""``GeminiProvider`` and ``FakeGemini`` against what the real Gemini API sent and received
(``/work/shared/real-sessions/gemini_*.json``, copied to ``tests/http/real_sessions``): each
recorded body is served as recorded by an ``httpx.MockTransport`` and the provider's response or
events are checked value by value; every recorded request (sent by pydantic-ai's ``GoogleModel``
through ``google-genai``) is one the fake accepts, and reads back as the conversation it was; the
fake's own bodies have the recorded bodies' shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from http_support import collect

from llm_fakes import FakeGemini, GeminiProvider, Reply, ToolCall, ToolUse

HERE = Path(__file__).parent / "real_sessions"
SESSIONS = sorted(p.stem for p in HERE.glob("gemini_*.json"))
ASK = [{"role": "user", "content": "question"}]


def interactions(name: str) -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads((HERE / f"{name}.json").read_text())
    return list(data["interactions"])


def provider(recorded: dict[str, Any], seen: list[httpx.Request] | None = None) -> GeminiProvider:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(
            recorded["status"],
            headers={"content-type": recorded["content_type"]},
            content=recorded["body"].encode("utf-8"),
        )

    model = recorded["path"].rsplit("/", 1)[1].split(":")[0]
    return GeminiProvider(model, api_key="AIza-test", transport=httpx.MockTransport(handler))


def test_plain_text_with_thoughts_counted_as_output() -> None:
    r = provider(interactions("gemini_model")[0]).complete(ASK)
    assert (r.content, r.stop_reason, r.model) == (
        "Hello! How can I help you today?",
        "stop",
        "gemini-2.5-flash",
    )
    # candidatesTokenCount 9 + thoughtsTokenCount 34
    assert (r.input_tokens, r.output_tokens, r.tool_uses) == (9, 43, [])


def test_max_tokens_reads_as_a_length_stop() -> None:
    r = provider(interactions("gemini_model_max_tokens")[0]).complete(ASK)
    assert (r.content, r.stop_reason, r.input_tokens, r.output_tokens) == (
        "The capital of France is",
        "length",
        15,
        5,
    )


def test_three_parallel_calls_without_ids_get_synthesised_ones() -> None:
    r = provider(interactions("gemini_instructions_only_with_tool_calls")[0]).complete(ASK)
    assert (r.content, r.stop_reason, r.input_tokens, r.output_tokens) == (
        "",
        "tool_calls",
        83,
        220,
    )
    assert r.tool_uses == [ToolUse(f"call_{i}", "generate_topic", {}) for i in range(3)]


def test_a_call_with_arguments_and_the_last_turn_of_a_tool_loop() -> None:
    first, second = interactions("gemini_model_structured_output")
    r = provider(first).complete(ASK)
    assert (r.stop_reason, r.input_tokens, r.output_tokens) == ("tool_calls", 69, 14)
    assert r.tool_uses == [
        ToolUse("call_0", "temperature", {"city": "London", "date": "2022-01-01"})
    ]
    final = provider(second).complete(ASK)
    assert final.tool_uses == [
        ToolUse(
            "call_0",
            "final_result",
            {"city": "London", "date": "2022-01-01", "temperature": "30°C"},
        )
    ]
    last = provider(interactions("gemini_instructions_only_with_tool_calls")[4]).complete(ASK)
    assert last.tool_uses[0].name == "final_result"
    assert len(last.tool_uses[0].input["response"]) == 3


def test_a_streamed_turn_in_order_with_the_last_usage() -> None:
    events = collect(provider(interactions("gemini_model_stream")[0]).stream(ASK))
    assert [e.content for e in events if e.type == "text_delta"] == [
        "The",
        " capital of France",
        " is Paris.\n",
    ]
    finish = events[-1]
    assert (finish.type, finish.stop_reason, finish.input_tokens, finish.output_tokens) == (
        "finish",
        "stop",
        13,
        8,
    )
    assert finish.model == "gemini-2.0-flash-exp"


def test_streamed_thought_parts_are_reasoning_not_text() -> None:
    recorded = interactions("gemini_model_thinking_part_iter")[0]
    events = collect(provider(recorded).stream(ASK))
    kinds = [e.type for e in events]
    assert kinds[0] == "reasoning_start"
    reasoning = "".join(e.content for e in events if e.type == "reasoning_delta")
    text = "".join(e.content for e in events if e.type == "text_delta")
    assert reasoning.startswith("**Clarifying User Goals**")
    assert "**" not in text[:30] and text.startswith("This is a great question!")
    assert text.endswith("Always assume a driver might not see you.")
    assert kinds.index("text_delta") > max(i for i, k in enumerate(kinds) if k == "reasoning_delta")
    assert (events[-1].input_tokens, events[-1].output_tokens) == (34, 469 + 787)


def test_a_streamed_call_with_a_thought_signature_and_the_turn_after() -> None:
    first, second = interactions("gemini_streaming_tool_call_thought_signature")
    events = collect(provider(first).stream(ASK))
    assert [(e.type, getattr(e, "tool_name", None)) for e in events] == [
        ("tool_call", "get_country"),
        ("finish", None),
    ]
    assert (events[-1].stop_reason, events[-1].output_tokens) == ("tool_calls", 10 + 202)
    after = collect(provider(second).stream(ASK))
    assert "".join(e.content for e in after if e.type == "text_delta") == (
        "The capital of Mexico is Mexico City."
    )
    assert (after[-1].stop_reason, after[-1].input_tokens) == ("stop", 257)


@pytest.mark.parametrize("name", SESSIONS)
def test_the_fake_accepts_every_recorded_request(name: str) -> None:
    """A request the real API answered with 200 is one the fake answers too (no false 400)."""
    for recorded in interactions(name):
        # Served as scripted whatever the request asks (a forced call...): this checks that the
        # request is accepted, not what a reply to it may hold.
        fake = FakeGemini([Reply(text="ok", defies_request=True)])
        path = recorded["path"]
        if path.endswith(":streamGenerateContent"):
            path += "?alt=sse"  # the recorded paths keep no query; pydantic-ai sent it
        with httpx.Client(transport=fake.transport()) as client:
            r = client.post(
                f"https://generativelanguage.googleapis.com{path}", json=recorded["request"]
            )
        assert r.status_code == 200, (path, r.text)


def test_the_fake_reads_a_recorded_tool_loop_as_the_conversation_it_was() -> None:
    recorded = interactions("gemini_model_structured_output")[1]
    fake = FakeGemini(["ok"])
    with httpx.Client(transport=fake.transport()) as client:
        client.post(
            f"https://generativelanguage.googleapis.com{recorded['path']}", json=recorded["request"]
        )
    seen = fake.requests[0]
    call_id = "pyd_ai_3b434062371141a69cab8ea6571e6812"
    assert seen.model == "gemini-2.0-flash"
    assert seen.system == "You are a helpful chatbot."
    assert seen.messages == [
        {"role": "user", "content": "What was the temperature in London 1st January 2022?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {
                        "name": "temperature",
                        "arguments": json.dumps({"city": "London", "date": "2022-01-01"}),
                    },
                }
            ],
        },
        {"role": "tool", "tool_call_id": call_id, "content": '{"return_value": "30°C"}'},
    ]
    assert [t["name"] for t in seen.tools] == ["temperature", "final_result"]
    assert seen.tools[0]["parameters"]["required"] == ["city", "date"]


def test_the_provider_sends_the_recorded_conversation_as_recorded() -> None:
    recorded = interactions("gemini_model")[0]
    seen: list[httpx.Request] = []
    provider(recorded, seen).complete(
        [{"role": "user", "content": "Hello!"}], system="You are a chatbot."
    )
    sent = json.loads(seen[0].content)
    assert sent["contents"] == recorded["request"]["contents"]
    assert sent["systemInstruction"]["parts"] == recorded["request"]["systemInstruction"]["parts"]
    assert seen[0].url.path == recorded["path"]
    assert seen[0].headers["x-goog-api-key"] == "AIza-test"
    assert "key" not in seen[0].url.params


def _keys(value: Any, prefix: str = "") -> set[str]:
    """Every dotted key path of a JSON value (list items share their list's path)."""
    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(prefix + k)
            out |= _keys(v, prefix + k + ".")
    elif isinstance(value, list):
        for v in value:
            out |= _keys(v, prefix)
    return out


def _recorded_keys() -> set[str]:
    keys: set[str] = set()
    for name in SESSIONS:
        for recorded in interactions(name):
            for line in recorded["body"].splitlines():
                data = line.removeprefix("data: ")
                if data.startswith("{"):
                    keys |= _keys(json.loads(data))
    return keys


def test_the_fakes_bodies_use_only_fields_the_real_api_sent() -> None:
    real = _recorded_keys()
    script = [
        Reply(text="Hello!", reasoning="Thinking it over."),
        Reply(tool_calls=[ToolCall("get_country", {}), ToolCall("get_country", {})], reasoning="x"),
        Reply(text="The capital is", stop_reason="length"),
    ]
    fake = FakeGemini(script)
    thinking = {"generationConfig": {"thinkingConfig": {"includeThoughts": True}}}
    tools = {"tools": [{"functionDeclarations": [{"name": "get_country"}]}]}
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], **thinking, **tools}
    url = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro"
    produced: set[str] = set()
    with httpx.Client(transport=fake.transport()) as client:
        produced |= _keys(client.post(f"{url}:generateContent", json=body).json())
        produced |= _keys(client.post(f"{url}:generateContent", json=body).json())
        stream = client.post(f"{url}:streamGenerateContent", params={"alt": "sse"}, json=body)
        for line in stream.text.splitlines():
            if line.startswith("data: "):
                produced |= _keys(json.loads(line.removeprefix("data: ")))
    # Nothing beyond what these sessions hold (FunctionCall's optional ``id`` goes out only
    # when the script names one, and these calls name none).
    assert produced - real == set()
