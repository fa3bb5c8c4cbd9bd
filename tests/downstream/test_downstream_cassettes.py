"""Cassettes recorded from an HTTP provider replay into the framework's own classes."""

from __future__ import annotations

import pytest
from downstream_support import write_project

# The "real" provider: the kit's OpenAIProvider talking HTTP to a FakeOpenAI on loopback, so
# recording goes through the same wire format, SDK-shaped client and httpx stack as production.
RECORDING_CONFTEST = """
import pytest

from llm_fakes import FakeOpenAI, OpenAIProvider, Reply, ToolCall


@pytest.fixture
def llm_real_provider():
    server = FakeOpenAI([
        Reply(text="Checking.", tool_calls=[ToolCall("weather", {"city": "Paris"})]),
        "Paris: 18C.",
        Reply(json={"city": "Paris", "unit": "C"}),
    ])
    with server.serve() as base_url:
        yield OpenAIProvider("gpt-4o", api_key="sk-proj-SECRET0123456789abcdef", base_url=base_url)
"""

# Replaying: no server, and a real provider that must never be reached.
REPLAY_CONFTEST = """
import pytest


@pytest.fixture
def llm_real_provider():
    raise AssertionError("replay must not touch the real provider")
"""

TESTS = """
import pytest

from framework.graph.event_loop import EventLoop, extract_json
from framework.llm.provider import Tool

WEATHER = Tool("weather", "Current weather", {"type": "object", "properties": {"city": {}}})


@pytest.mark.asyncio
async def test_weather(llm_cassette):
    loop = EventLoop(llm_cassette, {"weather": (WEATHER, lambda a: "18C in " + a["city"])})
    result = await loop.run("Weather in Paris?")
    assert result.text == "Paris: 18C.", f"the loop ended with text {result.text!r}"
    assert result.turns == 2
    assert result.stop_reason == "stop"
    assert result.model.startswith("gpt-4o")
    assert result.messages[2]["content"] == "18C in Paris"
    assert extract_json(llm_cassette, "Paris, in Celsius") == {"city": "Paris", "unit": "C"}
"""


def test_record_once_over_http_then_replay_into_the_frameworks_classes(
    pytester: pytest.Pytester,
) -> None:
    write_project(pytester, test_agent=TESTS)
    pytester.makeconftest(RECORDING_CONFTEST)
    pytester.runpytest("--llm-record-mode=once").assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_agent" / "test_weather.yaml"
    text = cassette.read_text()
    assert "Paris: 18C." in text
    assert "SECRET0123456789" not in text

    pytester.makeconftest(REPLAY_CONFTEST)
    pytester.runpytest().assert_outcomes(passed=1)

    # The control: the same replay with the kit's own classes leaves the loop with nothing.
    write_project(pytester, with_types_line=False)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: the loop ended with text ''"])


def test_replay_runs_under_the_network_guard(pytester: pytest.Pytester) -> None:
    write_project(
        pytester,
        test_agent=TESTS
        + """

def test_leak(llm_cassette):
    import httpx
    httpx.get("https://api.openai.com/v1/models")
""",
    )
    pytester.makeconftest(RECORDING_CONFTEST)
    pytester.runpytest("--llm-record-mode=once", "-k", "test_weather").assert_outcomes(passed=1)
    pytester.makeconftest(REPLAY_CONFTEST)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*NetworkBlockedError: Blocked a real network connection to 'api.openai.com' "
            "(port 443): the llm-fakes network guard is on because the record mode is 'none' "
            "(the default), so tests may not reach real APIs."
        ]
    )
