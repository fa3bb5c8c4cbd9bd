"""The ``openai-agents`` SDK's default model (the Responses API) runs a two-turn tool loop against
``FakeOpenAI`` on loopback: the agent calls the tool, sends its output back, and ends with the
scripted answer. Tracing is off (it would upload spans to OpenAI), and the network guard proves
nothing left the machine."""

from __future__ import annotations

import asyncio
import json

import pytest

agents = pytest.importorskip(
    "agents", reason="openai-agents is in the clients extra: pip install -e '.[dev,clients]'"
)

from agents.models.openai_provider import OpenAIProvider as AgentsOpenAIProvider  # noqa: E402
from openai import AsyncOpenAI  # noqa: E402

from llm_fakes import FakeOpenAI, Reply, ToolCall, block_network  # noqa: E402


def test_the_default_model_runs_a_tool_loop_against_the_fake(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_AGENTS_DISABLE_TRACING", "1")
    looked_up: list[str] = []

    @agents.function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        looked_up.append(city)
        return f"Rain in {city}."

    fake = FakeOpenAI(
        [
            Reply(tool_calls=[ToolCall("get_weather", {"city": "Oslo"})]),
            "Take an umbrella: rain in Oslo.",
        ]
    )
    agent = agents.Agent(name="forecaster", instructions="Be brief.", tools=[get_weather])

    async def run(url: str) -> str:
        async with AsyncOpenAI(api_key="sk-test", base_url=url, max_retries=0) as client:
            config = agents.RunConfig(
                model_provider=AgentsOpenAIProvider(openai_client=client),
                tracing_disabled=True,
            )
            result = await agents.Runner.run(agent, "Weather in Oslo?", run_config=config)
            return str(result.final_output)

    with fake.serve() as url, block_network() as guard:
        answer = asyncio.run(run(url))
    assert guard.blocked == []
    assert answer == "Take an umbrella: rain in Oslo."
    assert looked_up == ["Oslo"]
    fake.assert_all_used()
    first, second = fake.requests
    assert {first.path, second.path} == {"/v1/responses"}
    assert (first.system, [t["name"] for t in first.tools]) == ("Be brief.", ["get_weather"])
    assert second.messages[-2]["tool_calls"][0]["id"] == "call_0_0"
    assert json.loads(second.messages[-2]["tool_calls"][0]["function"]["arguments"]) == {
        "city": "Oslo"
    }
    assert second.messages[-1] == {
        "role": "tool",
        "tool_call_id": "call_0_0",
        "content": "Rain in Oslo.",
    }
