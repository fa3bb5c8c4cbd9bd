"""Real Gemini clients, unchanged, against ``FakeGemini().serve()``: the ``google-genai`` SDK (sync,
async, streaming, token counts, the model list, automatic function calling with two parallel
calls, ``response_schema`` from a pydantic model), pydantic-ai's ``GoogleModel`` and litellm's
``gemini/`` models. Each also meets a scripted 429 (its own retry, with tiny delays) and a
scripted 500 (its own typed error). The clients skip cleanly when not installed (they are in the
``clients`` extra); nothing leaves 127.0.0.1 (the network guard is on)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from llm_fakes import Fail, FakeGemini, Reply, ToolCall, block_network

MODEL = "gemini-llmfakes-1"  # a name no client knows: no deprecation warnings


class City(BaseModel):
    name: str
    population: int


CITY = {"name": "Oslo", "population": 709000}


@contextlib.contextmanager
def served(fake: FakeGemini) -> Iterator[str]:
    """The fake on loopback, with the network guard proving nothing else was reached."""
    with fake.serve() as url, block_network() as guard:
        yield url
    assert guard.blocked == []


# --------------------------------------------------------------------------- google-genai


def genai_client(url: str, retries: int = 0) -> Any:
    genai = pytest.importorskip("google.genai", reason="google-genai is in the clients extra")
    types = genai.types
    retry = None
    if retries:
        retry = types.HttpRetryOptions(
            attempts=retries + 1, initial_delay=0.01, max_delay=0.02, jitter=0
        )
    options = types.HttpOptions(base_url=url, retry_options=retry)
    return genai.Client(api_key="AIza-test-key", http_options=options)


def test_genai_sync_text_count_tokens_and_model_list() -> None:
    fake = FakeGemini(["Paris is the capital."])
    types = pytest.importorskip("google.genai.types")
    with served(fake) as url:
        client = genai_client(url)
        config = types.GenerateContentConfig(system_instruction="Be brief.", max_output_tokens=64)
        r = client.models.generate_content(model=MODEL, contents="Capital?", config=config)
        counted = client.models.count_tokens(model=MODEL, contents="Hello there, model")
        names = [m.name for m in client.models.list()]
        one = client.models.get(model=MODEL)
        client.close()
    assert r.text == "Paris is the capital."
    assert r.candidates[0].finish_reason.value == "STOP"
    assert r.usage_metadata.candidates_token_count > 0
    assert counted.total_tokens == (len("Hello there, model") + 3) // 4
    assert "models/gemini-2.5-flash" in names
    assert one.name == f"models/{MODEL}"
    first = fake.requests[0]
    assert (first.model, first.system, first.max_tokens) == (MODEL, "Be brief.", 64)
    # v1beta in google-genai 2, v1 from 3 on: the fake serves both.
    assert first.path in {f"/{v}/models/{MODEL}:generateContent" for v in ("v1beta", "v1")}
    assert "x-goog-api-key" not in first.headers


def test_genai_streams_the_scripted_chunks_in_order() -> None:
    fake = FakeGemini([Reply(text="one two three", chunks=["one ", "two ", "three"])])
    with served(fake) as url:
        client = genai_client(url)
        chunks = list(client.models.generate_content_stream(model=MODEL, contents="Count"))
        client.close()
    assert [c.text for c in chunks] == ["one ", "two ", "three"]
    assert chunks[-1].candidates[0].finish_reason.value == "STOP"
    assert chunks[-1].usage_metadata.candidates_token_count > 0
    assert fake.requests[0].stream is True


# With aiohttp installed the SDK's async client runs on it, and aiohttp 3.14 warns about the
# SDK's subclass of its ClientSession.
@pytest.mark.filterwarnings("ignore:Inheritance class:DeprecationWarning")
def test_genai_async_generate_and_stream() -> None:
    fake = FakeGemini(["Async answer.", Reply(text="a b", chunks=["a ", "b"])])

    async def run(url: str) -> tuple[str, list[str]]:
        client = genai_client(url)
        try:
            r = await client.aio.models.generate_content(model=MODEL, contents="Hi")
            stream = await client.aio.models.generate_content_stream(model=MODEL, contents="Hi")
            pieces = [c.text async for c in stream]
        finally:
            await client.aio.aclose()
            client.close()
        return r.text, pieces

    with served(fake) as url:
        text, pieces = asyncio.run(run(url))
    assert (text, pieces) == ("Async answer.", ["a ", "b"])


def test_genai_runs_two_parallel_calls_and_sends_the_follow_up_turn() -> None:
    looked_up: list[str] = []

    def get_weather(city: str) -> str:
        """The weather in a city."""
        looked_up.append(city)
        return f"rain in {city}"

    fake = FakeGemini(
        [
            Reply(tool_calls=[ToolCall("get_weather", {"city": c}) for c in ("Oslo", "Rome")]),
            "Rain in both.",
        ]
    )
    types = pytest.importorskip("google.genai.types")
    with served(fake) as url:
        client = genai_client(url)
        config = types.GenerateContentConfig(tools=[get_weather])
        r = client.models.generate_content(model=MODEL, contents="Weather?", config=config)
        client.close()
    assert r.text == "Rain in both."
    assert looked_up == ["Oslo", "Rome"]
    fake.assert_all_used()
    follow_up = fake.requests[1].messages
    calls = follow_up[1]["tool_calls"]
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls] == [
        ("get_weather", {"city": "Oslo"}),
        ("get_weather", {"city": "Rome"}),
    ]
    results = [(m["tool_call_id"], m["content"]) for m in follow_up[2:]]
    assert results == [(calls[0]["id"], "rain in Oslo"), (calls[1]["id"], "rain in Rome")]
    assert fake.requests[0].tools[0]["name"] == "get_weather"


def test_genai_response_schema_from_a_pydantic_model() -> None:
    fake = FakeGemini([json.dumps(CITY)])
    types = pytest.importorskip("google.genai.types")
    with served(fake) as url:
        client = genai_client(url)
        config = types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=City
        )
        r = client.models.generate_content(model=MODEL, contents="A city?", config=config)
        client.close()
    assert r.parsed == City(**CITY)
    seen = fake.requests[0]
    assert seen.json_mode is True
    assert seen.schema is not None and seen.schema["properties"]["population"]["type"] == "integer"


def test_genai_reply_off_schema_is_refused_like_the_other_fakes() -> None:
    fake = FakeGemini(['{"name": "Oslo"}'])  # population missing
    types = pytest.importorskip("google.genai.types")
    errors = pytest.importorskip("google.genai.errors")
    with served(fake) as url:
        client = genai_client(url)
        config = types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=City
        )
        with pytest.raises(errors.ClientError) as caught:
            client.models.generate_content(model=MODEL, contents="A city?", config=config)
        client.close()
    assert caught.value.code == 400
    assert "population" in fake.problems[0]


def test_genai_retries_a_scripted_429_itself() -> None:
    fake = FakeGemini([Fail.rate_limit(retry_after=0.01), "After the wait."])
    with served(fake) as url:
        client = genai_client(url, retries=1)
        r = client.models.generate_content(model=MODEL, contents="Hi")
        client.close()
    assert r.text == "After the wait."
    assert [q.status for q in fake.requests] == [429, 200]


def test_genai_raises_its_server_error_for_a_scripted_500() -> None:
    errors = pytest.importorskip("google.genai.errors")
    fake = FakeGemini([Fail.server_error(message="The backend fell over.")])
    with served(fake) as url:
        client = genai_client(url)
        with pytest.raises(errors.ServerError) as caught:
            client.models.generate_content(model=MODEL, contents="Hi")
        client.close()
    assert (caught.value.code, caught.value.status) == (500, "INTERNAL")
    assert "The backend fell over." in str(caught.value.message)


# --------------------------------------------------------------------------- pydantic-ai


def pydantic_agent(url: str, retries: int = 0, **agent_kw: Any) -> Any:
    pytest.importorskip(
        "pydantic_ai.models.google", reason="pydantic-ai-slim[google]: the pydantic-ai-google extra"
    )
    from google.genai.types import HttpRetryOptions
    from pydantic_ai import Agent
    from pydantic_ai.models.google import GoogleModel
    from pydantic_ai.providers.google import GoogleProvider

    retry = None
    if retries:
        retry = HttpRetryOptions(attempts=retries + 1, initial_delay=0.01, max_delay=0.02, jitter=0)
    provider = GoogleProvider(api_key="AIza-test-key", base_url=url, retry_options=retry)
    return Agent(GoogleModel(MODEL, provider=provider), **agent_kw)


def run_agent(agent: Any, prompt: str) -> Any:
    async def run() -> Any:
        async with agent:
            return (await agent.run(prompt)).output

    return asyncio.run(run())


def test_pydantic_ai_plain_run() -> None:
    fake = FakeGemini(["Hello from the fake."])
    with served(fake) as url:
        output = run_agent(pydantic_agent(url, instructions="Be brief."), "Hi")
    assert output == "Hello from the fake."
    assert (fake.requests[0].system, fake.requests[0].messages) == (
        "Be brief.",
        [{"role": "user", "content": "Hi"}],
    )


def test_pydantic_ai_tool_agent() -> None:
    fake = FakeGemini(
        [Reply(tool_calls=[ToolCall("weather", {"city": "Oslo"})]), "Take an umbrella."]
    )
    with served(fake) as url:
        agent = pydantic_agent(url)

        @agent.tool_plain
        def weather(city: str) -> str:
            """The weather in a city."""
            return f"rain in {city}"

        output = run_agent(agent, "Weather in Oslo?")
    assert output == "Take an umbrella."
    fake.assert_all_used()
    tool_message = fake.requests[1].messages[-1]
    assert tool_message["role"] == "tool" and "rain in Oslo" in tool_message["content"]


def test_pydantic_ai_structured_output() -> None:
    fake = FakeGemini([Reply(tool_calls=[ToolCall("final_result", CITY)])])
    with served(fake) as url:
        output = run_agent(pydantic_agent(url, output_type=City), "A city?")
    assert output == City(**CITY)
    assert [t["name"] for t in fake.requests[0].tools] == ["final_result"]


def test_pydantic_ai_run_stream() -> None:
    fake = FakeGemini(
        [Reply(text="streamed from the fake", chunks=["streamed ", "from ", "the fake"])]
    )

    async def run(agent: Any) -> list[str]:
        async with agent, agent.run_stream("Hi") as result:
            return [t async for t in result.stream_text(delta=True)]

    with served(fake) as url:
        pieces = asyncio.run(run(pydantic_agent(url)))
    assert "".join(pieces) == "streamed from the fake"
    assert fake.requests[0].stream is True


def test_pydantic_ai_retries_a_scripted_429() -> None:
    fake = FakeGemini([Fail.rate_limit(retry_after=0.01), "After the wait."])
    with served(fake) as url:
        output = run_agent(pydantic_agent(url, retries=1), "Hi")
    assert output == "After the wait."
    assert [q.status for q in fake.requests] == [429, 200]


def test_pydantic_ai_raises_its_http_error_for_a_scripted_500() -> None:
    fake = FakeGemini([Fail.server_error(message="The backend fell over.")])
    with served(fake) as url:
        agent = pydantic_agent(url)
        from pydantic_ai.exceptions import ModelHTTPError

        with pytest.raises(ModelHTTPError) as caught:
            run_agent(agent, "Hi")
    assert caught.value.status_code == 500


# --------------------------------------------------------------------------- litellm

#: litellm imports modules lazily at its first call; one builds a pydantic model from a TypedDict
#: with ReadOnly items, and pydantic warns about it (filterwarnings=error would fail the test).
pytestmark_litellm = pytest.mark.filterwarnings("ignore:.*ReadOnly.*:UserWarning")


@pytest.fixture
def litellm(monkeypatch: pytest.MonkeyPatch) -> Any:
    """litellm with its bundled model cost map (it would fetch one from GitHub at import)."""
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    return pytest.importorskip("litellm", reason="litellm is in the clients extra")


def lite(litellm: Any, url: str, **kw: Any) -> Any:
    kw.setdefault("messages", [{"role": "user", "content": "Hi"}])
    return litellm.completion(
        model=f"gemini/{MODEL}", api_base=f"{url}/v1beta", api_key="AIza-test-key", **kw
    )


@pytestmark_litellm
def test_litellm_text_and_stream(litellm: Any) -> None:
    fake = FakeGemini(["Plain answer.", Reply(text="a b c", chunks=["a ", "b ", "c"])])
    with served(fake) as url:
        r = lite(litellm, url)
        pieces = [c.choices[0].delta.content for c in lite(litellm, url, stream=True)]
    assert r.choices[0].message.content == "Plain answer."
    assert r.choices[0].finish_reason == "stop"
    assert "".join(p for p in pieces if p) == "a b c"


@pytestmark_litellm
def test_litellm_two_parallel_calls_and_the_follow_up(litellm: Any) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "weather",
                "description": "Weather by city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    fake = FakeGemini(
        [
            Reply(tool_calls=[ToolCall("weather", {"city": c}) for c in ("Oslo", "Rome")]),
            "Rain in both.",
        ]
    )
    ask = [{"role": "user", "content": "Weather?"}]
    with served(fake) as url:
        r = lite(litellm, url, messages=ask, tools=tools)
        message = r.choices[0].message
        answers = [
            {"role": "tool", "tool_call_id": c.id, "content": f"rain in {args['city']}"}
            for c in message.tool_calls
            if (args := json.loads(c.function.arguments))
        ]
        history = [*ask, message.model_dump(), *answers]
        final = lite(litellm, url, messages=history, tools=tools)
    assert r.choices[0].finish_reason == "tool_calls"
    assert [json.loads(c.function.arguments) for c in message.tool_calls] == [
        {"city": "Oslo"},
        {"city": "Rome"},
    ]
    assert final.choices[0].message.content == "Rain in both."
    seen = fake.requests[1].messages
    assert [m["content"] for m in seen[2:]] == ["rain in Oslo", "rain in Rome"]


@pytestmark_litellm
def test_litellm_retries_a_scripted_429(litellm: Any) -> None:
    fake = FakeGemini([Fail.rate_limit(retry_after=0.01), "After the wait."])
    with served(fake) as url:
        r = lite(litellm, url, num_retries=1)
    assert r.choices[0].message.content == "After the wait."
    assert [q.status for q in fake.requests] == [429, 200]


@pytestmark_litellm
def test_litellm_raises_its_server_error_for_a_scripted_500(litellm: Any) -> None:
    fake = FakeGemini([Fail.server_error(message="The backend fell over.")])
    with served(fake) as url, pytest.raises(litellm.InternalServerError) as caught:
        lite(litellm, url, num_retries=0)
    assert caught.value.status_code == 500
