"""The official ``openai`` SDK's Responses API against ``FakeOpenAI``, in both forms (an SDK client
on the fake's transport, and an SDK pointed at the loopback server); and the fake's output for the
real recorded turns (``real_sessions/responses_*.json``) has the real output's shape."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from pydantic import BaseModel

from llm_fakes import Fail, FakeOpenAI, Reply, ToolCall

HERE = Path(__file__).parent / "real_sessions"
SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}
WEATHER = {
    "type": "function",
    "name": "weather",
    "description": "Weather by city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


class City(BaseModel):
    city: str


@pytest.fixture(params=["transport", "loopback"])
def form(request: pytest.FixtureRequest) -> str:
    """Which form of the fake server the SDK talks to."""
    return str(request.param)


@contextlib.contextmanager
def client_on(fake: FakeOpenAI, form: str, **kw: Any) -> Iterator[openai.OpenAI]:
    with contextlib.ExitStack() as stack:
        if form == "transport":
            # DefaultHttpxClient is httpx2 or httpx, whichever this SDK release runs on.
            http = openai.DefaultHttpxClient(transport=fake.transport())
            client = openai.OpenAI(api_key="sk-test", http_client=http, **kw)
        else:
            url = stack.enter_context(fake.serve())
            client = openai.OpenAI(api_key="sk-test", base_url=url, **kw)
        stack.callback(client.close)
        yield client


def test_text_with_ids_usage_and_the_request_log(form: str) -> None:
    fake = FakeOpenAI([Reply(text="Paris.", input_tokens=12, cached_tokens=4, output_tokens=2)])
    with client_on(fake, form) as client:
        out = client.responses.create(
            model="gpt-4o", instructions="Be brief.", input="Capital of France?"
        )
    assert (out.output_text, out.status, out.object) == ("Paris.", "completed", "response")
    assert out.id == "resp_llmfakes0000" and out.output[0].id == "msg_llmfakes0000"
    assert (out.usage.input_tokens, out.usage.output_tokens, out.usage.total_tokens) == (12, 2, 14)
    assert out.usage.input_tokens_details.cached_tokens == 4
    seen = fake.requests[0]
    assert (seen.path, seen.system, seen.messages) == (
        "/v1/responses",
        "Be brief.",
        [{"role": "user", "content": "Capital of France?"}],
    )
    assert "authorization" not in seen.headers


@pytest.mark.parametrize("n", [1, 2])
def test_function_calls_one_and_parallel_then_the_turn_after(form: str, n: int) -> None:
    cities = ["Oslo", "Bergen"][:n]
    calls = [ToolCall("weather", {"city": c}) for c in cities]
    fake = FakeOpenAI([Reply(tool_calls=calls), "Rain in both."])
    with client_on(fake, form) as client:
        first = client.responses.create(model="gpt-4o", input="Weather?", tools=[WEATHER])
        made = [o for o in first.output if o.type == "function_call"]
        answers = [
            {"type": "function_call_output", "call_id": o.call_id, "output": "rain"} for o in made
        ]
        history: list[Any] = [{"role": "user", "content": "Weather?"}, *first.output, *answers]
        second = client.responses.create(model="gpt-4o", input=history, tools=[WEATHER])
    assert [(o.call_id, o.name, json.loads(o.arguments)) for o in made] == [
        (f"call_0_{i}", "weather", {"city": c}) for i, c in enumerate(cities)
    ]
    assert [o.id for o in made] == [f"fc_llmfakes0000_{i}" for i in range(n)]
    assert second.output_text == "Rain in both."
    seen = fake.requests[1].messages
    assert [m["role"] for m in seen] == ["user", "assistant", *["tool"] * n]
    assert [c["id"] for c in seen[1]["tool_calls"]] == [f"call_0_{i}" for i in range(n)]
    assert fake.requests[0].tools == [
        {k: WEATHER[k] for k in ("name", "description", "parameters")}
    ]


def test_text_format_json_schema_and_parse_with_a_pydantic_model(form: str) -> None:
    fake = FakeOpenAI([Reply(json={"city": "Oslo"})] * 2)
    fmt = {"type": "json_schema", "name": "place", "schema": SCHEMA, "strict": True}
    with client_on(fake, form) as client:
        out = client.responses.create(model="gpt-4o", input="Where?", text={"format": fmt})
        parsed = client.responses.parse(model="gpt-4o", input="Where?", text_format=City)
    assert json.loads(out.output_text) == {"city": "Oslo"}
    assert parsed.output_parsed == City(city="Oslo")
    assert [r.json_mode for r in fake.requests] == [True, True]
    assert fake.requests[0].schema == SCHEMA
    assert fake.requests[1].schema is not None and "city" in fake.requests[1].schema["properties"]


def test_a_scripted_reply_that_breaks_the_schema_is_the_apis_400(form: str) -> None:
    fake = FakeOpenAI([Reply(json={"town": "Oslo"})])
    with client_on(fake, form) as client, pytest.raises(openai.BadRequestError) as info:
        client.responses.parse(model="gpt-4o", input="Where?", text_format=City)
    assert "'city' is a required property" in info.value.body["message"]  # type: ignore[index]


def test_stream_true_events_carry_sequence_and_indexes(form: str) -> None:
    reply = Reply(text="Hello big world", reasoning="Greet back.", tool_calls=[ToolCall("t", {})])
    fake = FakeOpenAI([reply])
    with client_on(fake, form) as client:
        tools: Any = [{"type": "function", "name": "t", "parameters": {"type": "object"}}]
        events = list(client.responses.create(model="gpt-4o", input="Hi", stream=True, tools=tools))
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    text = [e for e in events if e.type == "response.output_text.delta"]
    assert [e.delta for e in text] == ["Hello ", "big ", "world"]
    assert {(e.output_index, e.content_index) for e in text} == {(1, 0)}
    summary = [e.delta for e in events if e.type == "response.reasoning_summary_text.delta"]
    assert "".join(summary) == "Greet back."
    final = events[-1].response
    assert [o.type for o in final.output] == ["reasoning", "message", "function_call"]
    assert final.output_text == "Hello big world"
    assert final.usage is not None and final.usage.output_tokens > 0


def test_the_stream_helper_gives_the_final_response(form: str) -> None:
    fake = FakeOpenAI([Reply(text="Streamed answer"), Reply(tool_calls=[ToolCall("weather", {})])])
    with client_on(fake, form) as client:
        with client.responses.stream(model="gpt-4o", input="Hi") as stream:
            deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
            final = stream.get_final_response()
        with client.responses.stream(model="gpt-4o", input="Hi", tools=[WEATHER]) as stream:
            called = stream.get_final_response()
    assert "".join(deltas) == final.output_text == "Streamed answer"
    assert [(o.type, o.name) for o in called.output] == [("function_call", "weather")]  # type: ignore[union-attr]


def test_length_is_an_incomplete_response(form: str) -> None:
    fake = FakeOpenAI([Reply(text="cut sho", stop_reason="length")])
    with client_on(fake, form) as client:
        out = client.responses.create(model="gpt-4o", input="Hi", max_output_tokens=16)
    assert out.status == "incomplete"
    assert out.incomplete_details is not None
    assert out.incomplete_details.reason == "max_output_tokens"


def test_the_sdk_retries_a_scripted_429(form: str) -> None:
    fake = FakeOpenAI([Fail.rate_limit(retry_after=0.001), "after the retry"])
    with client_on(fake, form) as client:
        out = client.responses.create(model="gpt-4o", input="Hi")
    assert out.output_text == "after the retry"
    assert [r.status for r in fake.requests] == [429, 200]
    # The SDK, not llm-fakes, retried: it numbers its own attempts.
    assert [r.headers["x-stainless-retry-count"] for r in fake.requests] == ["0", "1"]


def test_a_non_recoverable_mid_stream_failure_is_the_documented_error_event(form: str) -> None:
    fake = FakeOpenAI([Fail.mid_stream("one two three", after_chunk=1, recoverable=False)])
    with client_on(fake, form) as client:
        events = list(client.responses.create(model="gpt-4o", input="Hi", stream=True))
    assert events[-1].type == "error"
    assert events[-1].sequence_number == len(events) - 1
    assert [e.delta for e in events if e.type == "response.output_text.delta"] == ["one "]


def test_the_async_sdk_streams(form: str) -> None:
    fake = FakeOpenAI(["Async works"])

    async def final(client: openai.AsyncOpenAI) -> str:
        async with client, client.responses.stream(model="gpt-4o", input="Hi") as stream:
            return (await stream.get_final_response()).output_text

    async def run() -> str:
        if form == "transport":
            http = openai.DefaultAsyncHttpxClient(transport=fake.transport())
            return await final(openai.AsyncOpenAI(api_key="sk-test", http_client=http))
        with fake.serve() as url:
            return await final(openai.AsyncOpenAI(api_key="sk-test", base_url=url))

    assert asyncio.run(run()) == "Async works"


# ----------------------------------------------------------------------------- real shapes


def _recorded(name: str) -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads((HERE / f"{name}.json").read_text())
    return list(data["interactions"])


def _payloads(body: str) -> list[dict[str, Any]]:
    return [json.loads(x[6:]) for x in body.splitlines() if x.startswith("data: ")]


def _reply_for(response: dict[str, Any]) -> Reply:
    """A script turn that says what the recorded response said."""
    text, reasoning, calls = "", [], []
    for item in response["output"]:
        if item["type"] == "message":
            text += "".join(p["text"] for p in item["content"])
        elif item["type"] == "reasoning":
            reasoning += [p["text"] for p in item["summary"]]
        elif item["type"] == "function_call":
            args = json.loads(item["arguments"])
            calls.append(ToolCall(item["name"], args, id=item["call_id"]))
    return Reply(text=text, reasoning="\n\n".join(reasoning) or None, tool_calls=calls)


def _shape(types: list[str]) -> list[str]:
    """Event types with runs collapsed: repeated deltas, and repeated groups (the reasoning
    summary parts the real API splits a summary into) count once."""
    out = [t for i, t in enumerate(types) if i == 0 or types[i - 1] != t]
    changed = True
    while changed:
        changed = False
        for k in range(2, 7):
            for i in range(len(out) - 2 * k + 1):
                if out[i : i + k] == out[i + k : i + 2 * k]:
                    del out[i + k : i + 2 * k]
                    changed = True
                    break
    return out


IGNORED = {"obfuscation", "billing", "prompt_cache_key", "safety_identifier", "top_logprobs"}
SESSIONS = [
    ("responses_model_simple_response", 0),
    ("responses_model_simple_response_with_tool_call", 0),
    ("responses_model_simple_response_with_tool_call", 1),
    ("responses_native_output", 0),
    ("responses_native_output", 1),
    ("responses_thinking_with_tool_calls", 0),
    ("responses_thinking_with_tool_calls", 1),
    ("responses_stream", 0),
    ("responses_stream", 1),
    ("responses_thinking_part_iter", 0),
]


@pytest.mark.parametrize(("name", "index"), SESSIONS, ids=[f"{n}-{i}" for n, i in SESSIONS])
def test_the_fakes_output_for_a_real_turn_has_the_real_shape(name: str, index: int) -> None:
    recorded = _recorded(name)[index]
    streamed = recorded["content_type"].startswith("text/event-stream")
    real_events = _payloads(recorded["body"]) if streamed else []
    real = real_events[-1]["response"] if streamed else json.loads(recorded["body"])
    fake = FakeOpenAI([_reply_for(real)], validate_json=False)
    response = fake.transport().handle_request(
        httpx.Request("POST", "https://api.openai.com/v1/responses", json=recorded["request"])
    )
    response.read()
    assert response.status_code == 200, response.content
    if streamed:
        mine_events = _payloads(response.text)
        assert _shape([e["type"] for e in mine_events]) == _shape([e["type"] for e in real_events])
        mine = mine_events[-1]["response"]
        by_type = {e["type"]: e for e in mine_events}
        for event in real_events:  # every field a real event has, the fake's has too
            assert set(event) - IGNORED <= set(by_type[event["type"]]), event["type"]
    else:
        mine = response.json()
    assert [o["type"] for o in mine["output"]] == [o["type"] for o in real["output"]]
    for theirs, ours in zip(real["output"], mine["output"], strict=True):
        assert set(theirs) <= set(ours), theirs["type"]
    assert set(real) - IGNORED <= set(mine)
    assert set(real["usage"]) == set(mine["usage"])
