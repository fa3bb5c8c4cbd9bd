"""Real clients that keep their conversation on the server (Responses API state) run a two-turn
tool loop against ``FakeOpenAI``, unchanged: each second request sends only the tool's output
with ``previous_response_id``, and the fake answers it from the stored conversation. Each test
checks what was chained in the fake's state. They skip without the ``clients`` extra."""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

import pytest

from llm_fakes import FakeOpenAI, Reply, ToolCall

CLIENTS = "pip install -e '.[dev,clients]'"


def needs(module: str) -> pytest.MarkDecorator:
    missing = importlib.util.find_spec(module) is None
    return pytest.mark.skipif(missing, reason=f"{module} is in the clients extra: {CLIENTS}")


def script() -> FakeOpenAI:
    return FakeOpenAI(
        [
            Reply(tool_calls=[ToolCall("get_weather", {"city": "Oslo"})]),
            "Take an umbrella: rain in Oslo.",
        ]
    )


def assert_chained(fake: FakeOpenAI) -> None:
    """The second request continued the first response, sending only the tool's output, and
    the script saw the whole conversation."""
    fake.assert_all_used()
    first, second = fake.requests
    assert (first.status, second.status) == (200, 200)
    assert second.body["previous_response_id"] == f"resp_llmfakes{0:04d}"
    sent = second.body["input"]
    assert [i.get("type") for i in sent] == ["function_call_output"]
    assert [m["role"] for m in second.messages] == ["user", "assistant", "tool"]
    assert second.messages[-1]["content"] == "Rain in Oslo."
    stored = fake.state.responses[f"resp_llmfakes{1:04d}"]
    assert stored.previous_response_id == f"resp_llmfakes{0:04d}"
    assert stored.response["output"][0]["content"][0]["text"] == "Take an umbrella: rain in Oslo."


def test_the_openai_sdk_chains_a_tool_loop_with_previous_response_id() -> None:
    import openai

    fake = script()
    client = openai.OpenAI(
        api_key="sk-test", http_client=openai.DefaultHttpxClient(transport=fake.transport())
    )
    tools: Any = [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]
    first = client.responses.create(model="gpt-4o", input="Weather in Oslo?", tools=tools)
    call = next(o for o in first.output if o.type == "function_call")
    output: Any = {
        "type": "function_call_output",
        "call_id": call.call_id,
        "output": "Rain in Oslo.",
    }
    second = client.responses.create(
        model="gpt-4o", input=[output], tools=tools, previous_response_id=first.id
    )
    assert second.output_text == "Take an umbrella: rain in Oslo."
    assert_chained(fake)
    assert client.responses.retrieve(first.id).id == first.id
    items = client.responses.input_items.list(second.id, order="asc")
    assert [i.type for i in items.data] == ["message", "function_call", "function_call_output"]


@needs("agents")
def test_openai_agents_chains_its_turns_with_previous_response_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import agents
    from agents.models.openai_provider import OpenAIProvider as AgentsOpenAIProvider
    from openai import AsyncOpenAI

    monkeypatch.setenv("OPENAI_AGENTS_DISABLE_TRACING", "1")

    @agents.function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"Rain in {city}."

    fake = script()
    agent = agents.Agent(name="forecaster", instructions="Be brief.", tools=[get_weather])

    async def run(url: str) -> str:
        async with AsyncOpenAI(api_key="sk-test", base_url=url, max_retries=0) as client:
            config = agents.RunConfig(
                model_provider=AgentsOpenAIProvider(openai_client=client), tracing_disabled=True
            )
            result = await agents.Runner.run(
                agent, "Weather in Oslo?", run_config=config, auto_previous_response_id=True
            )
            return str(result.final_output)

    with fake.serve() as url:
        assert asyncio.run(run(url)) == "Take an umbrella: rain in Oslo."
    assert_chained(fake)


@needs("langchain_openai")
def test_langchain_openai_chains_with_use_previous_response_id() -> None:
    import httpx
    from langchain_core.messages import HumanMessage, ToolMessage
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI

    @tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"Rain in {city}."

    fake = script()
    model = ChatOpenAI(
        model="gpt-4o",
        api_key="sk-test",  # type: ignore[arg-type]
        use_responses_api=True,
        use_previous_response_id=True,
        http_client=httpx.Client(transport=fake.transport()),
        max_retries=0,
    ).bind_tools([get_weather])
    history: list[Any] = [HumanMessage("Weather in Oslo?")]
    first = model.invoke(history)
    history.append(first)
    for call in first.tool_calls:  # type: ignore[attr-defined]
        history.append(ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"]))
    answer = model.invoke(history)
    assert answer.text == "Take an umbrella: rain in Oslo."
    assert_chained(fake)


@needs("pydantic_ai")
def test_pydantic_ai_chains_with_previous_response_id_auto_and_store() -> None:
    import httpx
    from openai import AsyncOpenAI
    from pydantic_ai import Agent
    from pydantic_ai.models.openai import OpenAIResponsesModel, OpenAIResponsesModelSettings
    from pydantic_ai.providers.openai import OpenAIProvider as PydanticOpenAIProvider

    fake = script()

    async def run() -> str:
        client = AsyncOpenAI(
            api_key="sk-test",
            http_client=httpx.AsyncClient(transport=fake.transport()),
            max_retries=0,
        )
        model = OpenAIResponsesModel(
            "gpt-4o", provider=PydanticOpenAIProvider(openai_client=client)
        )
        settings = OpenAIResponsesModelSettings(
            openai_previous_response_id="auto", openai_store=True
        )
        agent = Agent(model, instructions="Be brief.", model_settings=settings)

        @agent.tool_plain
        def get_weather(city: str) -> str:
            """The weather in a city."""
            return f"Rain in {city}."

        result = await agent.run("Weather in Oslo?")
        await client.close()
        return str(result.output)

    assert asyncio.run(run()) == "Take an umbrella: rain in Oslo."
    assert_chained(fake)
