"""The kit's scripted fake drives the framework's own event loop, given only the ini line."""

from __future__ import annotations

import pytest
from downstream_support import write_project

TESTS = """
import pytest

from framework.graph.event_loop import EventLoop, extract_json
from framework.llm import stream_events
from framework.llm.provider import LLMResponse, Tool, ToolUse
from llm_fakes import Fail, Reply, ToolCall

WEATHER = Tool("weather", "Current weather", {"type": "object", "properties": {"city": {}}})


def weather(args):
    if args["city"] == "Atlantis":
        raise LookupError("no such city")
    return f"18C in {args['city']}"


@pytest.mark.asyncio
async def test_the_loop_runs_tools_and_reads_every_finish_field(llm_fake):
    llm_fake.add(
        Reply(
            text="Checking.",
            tool_calls=[
                ToolCall("weather", {"city": "Paris"}),
                ToolCall("weather", {"city": "Atlantis"}),
            ],
            input_tokens=20, output_tokens=8, cached_tokens=12, model="gpt-4o",
        ),
        Reply(text="Paris: 18C. Atlantis: unknown.", input_tokens=40, output_tokens=9,
              cached_tokens=30, model="gpt-4o"),
    )
    loop = EventLoop(llm_fake, {"weather": (WEATHER, weather)}, system="Be brief.")
    result = await loop.run("Weather in Paris and Atlantis?")

    assert result.text == "Paris: 18C. Atlantis: unknown."
    assert (result.turns, result.stop_reason, result.model) == (2, "stop", "gpt-4o")
    assert (result.usage.input, result.usage.output, result.usage.cached) == (60, 17, 42)
    assert [m["role"] for m in result.messages] == ["user", "assistant", "tool", "tool"]
    first_id, second_id = (c["id"] for c in result.messages[1]["tool_calls"])
    assert result.messages[2] == {
        "role": "tool", "tool_call_id": first_id, "content": "18C in Paris"
    }
    assert result.messages[3] == {
        "role": "tool", "tool_call_id": second_id, "content": "ERROR: no such city"
    }
    second = llm_fake.calls[1]
    assert (second.method, second.system, second.max_tokens) == ("stream", "Be brief.", 4096)
    assert second.tools == [WEATHER]
    assert second.messages == result.messages


@pytest.mark.asyncio
async def test_every_event_is_an_instance_of_the_frameworks_class(llm_fake):
    llm_fake.add(
        Reply(text="Hi", tool_calls=[ToolCall("weather", {"city": "Oslo"})], reasoning="hm")
    )
    events = [e async for e in llm_fake.stream([{"role": "user", "content": "?"}])]
    own = tuple(getattr(stream_events, n) for n in (
        "TextDeltaEvent", "TextEndEvent", "ToolCallEvent", "ReasoningStartEvent",
        "ReasoningDeltaEvent", "FinishEvent",
    ))
    assert events and all(isinstance(e, own) for e in events)
    assert type(events[-1]) is stream_events.FinishEvent


@pytest.mark.asyncio
async def test_a_fatal_stream_error_becomes_the_loops_exception(llm_fake):
    llm_fake.add(Fail.mid_stream("Hello there", after_chunk=1, recoverable=False))
    with pytest.raises(RuntimeError) as err:
        await EventLoop(llm_fake).run("hi")
    assert str(err.value) == "Stream error: APIConnectionError: connection lost mid-stream"


@pytest.mark.asyncio
async def test_a_recoverable_stream_error_is_logged_and_the_loop_ends(llm_fake):
    llm_fake.default_max_retries = 0
    llm_fake.add(Fail.rate_limit(retry_after=1))
    result = await EventLoop(llm_fake).run("hi")
    assert result.recoverable_errors == ["RateLimitError (HTTP 429): rate limited"]
    assert result.text == ""


def test_complete_returns_the_frameworks_response_with_tool_uses_in_raw_response(llm_fake):
    llm_fake.add(
        Reply(json={"city": "Paris"}),
        Reply(tool_calls=[ToolCall("weather", {"city": "Rome"}, id="t1")]),
    )
    assert extract_json(llm_fake, "I live in Paris.") == {"city": "Paris"}
    assert llm_fake.calls[0].json_mode is True

    response = llm_fake.complete([{"role": "user", "content": "Rome?"}], tools=[WEATHER])
    assert type(response) is LLMResponse
    assert response.raw_response["tool_uses"] == [
        ToolUse(id="t1", name="weather", input={"city": "Rome"})
    ]
    assert type(response.raw_response["tool_uses"][0]) is ToolUse
"""


def test_with_the_ini_line_the_fake_drives_the_frameworks_loop(pytester: pytest.Pytester) -> None:
    write_project(pytester, test_agent=TESTS)
    pytester.runpytest().assert_outcomes(passed=5)


def test_without_the_ini_line_the_frameworks_isinstance_checks_see_nothing(
    pytester: pytest.Pytester,
) -> None:
    # The control: the same tests, with the kit's own classes, fail where the framework checks
    # isinstance (the loop gets no text, no tool calls, no usage).
    write_project(pytester, with_types_line=False, test_agent=TESTS)
    result = pytester.runpytest()
    result.assert_outcomes(passed=0, failed=5)
    result.stdout.fnmatch_lines(
        [
            # pytest's own wording varies across releases (the class repr in "DID NOT RAISE",
            # how a long string is cut): match only what every supported release prints.
            "E       AssertionError: assert '' == 'Paris: 18C*",
            "E       Failed: DID NOT RAISE *RuntimeError*",
            "E           TypeError: expected framework.llm.provider.LLMResponse, got "
            "<class 'llm_fakes.types.LLMResponse'>",
        ],
        consecutive=False,
    )
