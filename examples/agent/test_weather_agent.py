"""Tests of the weather agent with the `llm_fake` fixture (the way a downstream project would)."""

from __future__ import annotations

import json

import pytest
from framework.llm.provider import LLMResponse
from weather_agent import (
    AgentError,
    ExtractionError,
    WeatherReport,
    extract_report,
    run_agent,
)

from llm_fakes import Fail, RateLimitError, Reply, ScriptedProvider, ToolCall, VirtualClock

# The agent checks isinstance against the framework's own classes, so the fake builds those.
FRAMEWORK_TYPES = "framework.llm.provider framework.llm.stream_events"
pytestmark = pytest.mark.llm_script(types=FRAMEWORK_TYPES)


@pytest.mark.asyncio
async def test_the_agent_calls_the_tool_and_answers_with_its_result(
    llm_fake: ScriptedProvider,
) -> None:
    llm_fake.add(
        Reply(text="Let me check.", tool_calls=[ToolCall("get_weather", {"city": "Paris"})]),
        "It is 21°C and sunny in Paris.",
    )
    result = await run_agent(llm_fake, "Weather in Paris?")
    assert (result.text, result.steps, result.tool_calls) == (
        "It is 21°C and sunny in Paris.",
        2,
        [("get_weather", {"city": "Paris"})],
    )
    second = llm_fake.calls[1]
    assert second.messages[1:] == [
        {
            "role": "assistant",
            "content": "Let me check.",
            "tool_calls": [
                {
                    "id": "call_0_0",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_0_0", "content": "21°C, sunny"},
    ]
    assert [t.name for t in second.tools] == ["get_weather"]


@pytest.mark.asyncio
async def test_parallel_tool_calls_each_get_a_result(llm_fake: ScriptedProvider) -> None:
    llm_fake.add(
        Reply(
            tool_calls=[
                ToolCall("get_weather", {"city": "Paris"}),
                ToolCall("get_weather", {"city": "Oslo"}),
            ]
        ),
        "Paris is warmer.",
    )
    result = await run_agent(llm_fake, "Paris or Oslo?")
    assert result.text == "Paris is warmer."
    assert llm_fake.calls[1].messages[-2:] == [
        {"role": "tool", "tool_call_id": "call_0_0", "content": "21°C, sunny"},
        {"role": "tool", "tool_call_id": "call_0_1", "content": "4°C, rain"},
    ]


@pytest.mark.asyncio
async def test_a_failing_tool_is_reported_to_the_model(llm_fake: ScriptedProvider) -> None:
    llm_fake.add(Reply(tool_calls=[ToolCall("get_weather", {"city": "Atlantis"})]))
    llm_fake.on(tool_result="get_weather", times=1).reply("I could not find that city.")
    result = await run_agent(llm_fake, "Weather in Atlantis?")
    assert result.text == "I could not find that city."
    assert llm_fake.calls[1].messages[-1]["content"] == "ERROR: \"unknown city 'Atlantis'\""


@pytest.mark.asyncio
async def test_a_recoverable_mid_stream_failure_retries_the_step_without_repeating_text(
    llm_fake: ScriptedProvider,
) -> None:
    llm_fake.add(
        Fail.mid_stream("It is 21°C and", after_chunk=2),
        "It is 21°C and sunny.",
    )
    result = await run_agent(llm_fake, "Weather?")
    assert (result.text, result.steps) == ("It is 21°C and sunny.", 1)
    assert [c.events_sent for c in llm_fake.calls] == [3, 7]


@pytest.mark.asyncio
async def test_a_non_recoverable_stream_error_stops_the_agent(llm_fake: ScriptedProvider) -> None:
    llm_fake.add(Fail.auth())
    with pytest.raises(AgentError) as info:
        await run_agent(llm_fake, "Weather?")
    assert str(info.value) == (
        "the model stream failed: AuthenticationError (HTTP 401): invalid api key"
    )


@pytest.mark.asyncio
async def test_rate_limits_are_retried_by_the_provider_on_the_virtual_clock(
    llm_fake: ScriptedProvider, llm_clock: VirtualClock
) -> None:
    llm_fake.add(Fail.rate_limit(retry_after=20), "Sunny.")
    result = await run_agent(llm_fake, "Weather?")
    assert result.text == "Sunny."
    assert (llm_fake.calls[0].attempts, llm_clock.now()) == (2, 20.0)


@pytest.mark.asyncio
@pytest.mark.llm_script(types=FRAMEWORK_TYPES, on_exhausted="repeat_last")
async def test_a_model_that_never_stops_calling_tools_hits_max_steps(
    llm_fake: ScriptedProvider,
) -> None:
    llm_fake.add(Reply(tool_calls=[ToolCall("get_weather", {"city": "Oslo"})]))
    with pytest.raises(AgentError, match=r"^no answer after 3 steps$"):
        await run_agent(llm_fake, "Weather?", max_steps=3)
    llm_fake.calls.assert_count(3)


@pytest.mark.asyncio
@pytest.mark.llm_script("scripts/paris.yaml", types=FRAMEWORK_TYPES)
async def test_the_conversation_can_live_in_a_script_file(llm_fake: ScriptedProvider) -> None:
    result = await run_agent(llm_fake, "Weather in Paris?")
    assert result.text == "It is 21°C and sunny in Paris."


@pytest.mark.anyio
async def test_the_same_loop_under_anyio(llm_fake: ScriptedProvider) -> None:
    llm_fake.on(last_user="Paris", times=1).reply(
        Reply(tool_calls=[ToolCall("get_weather", {"city": "Paris"})])
    )
    llm_fake.on(tool_result="get_weather", times=1).reply("Sunny in Paris.")
    assert (await run_agent(llm_fake, "Paris?")).text == "Sunny in Paris."


def test_extraction_asks_for_json_and_retries_transient_failures(
    llm_fake: ScriptedProvider,
) -> None:
    llm_fake.add(
        Fail.overloaded(),
        Fail.rate_limit(retry_after=5),
        Reply(json={"city": "Paris", "temp_c": 21}),
    )
    report = extract_report(llm_fake, "Paris: 21 degrees and sunny", max_retries=2)
    assert report == WeatherReport(city="Paris", temp_c=21.0)
    call = llm_fake.calls.last
    assert (call.json_format, call.max_retries, call.attempts, call.elapsed) == (
        "json_object",
        2,
        3,
        5.5,
    )
    assert type(call.result) is LLMResponse


def test_extraction_gives_up_after_max_retries(llm_fake: ScriptedProvider) -> None:
    llm_fake.add(Fail.rate_limit(), Fail.rate_limit())
    with pytest.raises(RateLimitError):
        extract_report(llm_fake, "Paris: 21", max_retries=1)
    assert llm_fake.calls.last.attempts == 2


def test_extraction_copes_with_deliberately_bad_json(llm_fake: ScriptedProvider) -> None:
    llm_fake.add(Reply(text='{"city": "Paris", "temp_c": ', invalid_json=True))
    with pytest.raises(ExtractionError) as info:
        extract_report(llm_fake, "Paris: 21")
    assert str(info.value) == ('the model returned unusable JSON: \'{"city": "Paris", "temp_c": \'')


def test_extraction_copes_with_json_missing_a_field(llm_fake: ScriptedProvider) -> None:
    llm_fake.add(Reply(json={"city": "Paris"}))
    with pytest.raises(ExtractionError, match="unusable JSON"):
        extract_report(llm_fake, "Paris")
    assert json.loads(llm_fake.calls.last.content) == {"city": "Paris"}
