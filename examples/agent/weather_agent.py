"""A small tool-calling agent, written against the seed framework's interface.

This is application code, as a downstream project would write it: it imports the framework's
own classes (``framework.llm``) and knows nothing of llm-fakes. ``test_weather_agent.py`` beside
it tests it with the ``llm_fake`` fixture.

* :func:`run_agent` streams a reply, collects the ``ToolCallEvent``s, runs the tools, appends the
  assistant and tool messages, and streams again until the model answers in text. A recoverable
  ``StreamErrorEvent`` retries the step from scratch (the partial text is dropped, never shown
  twice); a non-recoverable one is raised, as the framework's own loop does.
* :func:`extract_report` is a JSON-mode ``complete`` call with ``max_retries``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from framework.llm.provider import Tool
from framework.llm.stream_events import (
    FinishEvent,
    StreamErrorEvent,
    TextDeltaEvent,
    ToolCallEvent,
)

SYSTEM = "You are a weather assistant. Use get_weather for current conditions."
TOOLS = [
    Tool(
        name="get_weather",
        description="Current weather for a city.",
        parameters={
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    )
]
WEATHER = {"Paris": "21°C, sunny", "Oslo": "4°C, rain"}


class AgentError(Exception):
    """The agent could not produce an answer."""


class ExtractionError(Exception):
    """The model's JSON could not be turned into a report."""


@dataclass
class AgentResult:
    """What the agent answered and how it got there."""

    text: str
    steps: int
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    output_tokens: int = 0


@dataclass
class WeatherReport:
    """The structured result of :func:`extract_report`."""

    city: str
    temp_c: float


def get_weather(city: str) -> str:
    """The one tool: canned weather, or an error for an unknown city."""
    if city not in WEATHER:
        raise KeyError(f"unknown city {city!r}")
    return WEATHER[city]


def run_tool(call: ToolCallEvent) -> str:
    """Run a requested tool; failures go back to the model prefixed ``ERROR:``."""
    try:
        if call.tool_name != "get_weather":
            raise KeyError(f"unknown tool {call.tool_name!r}")
        return get_weather(**call.tool_input)
    except (KeyError, TypeError) as exc:
        return f"ERROR: {exc}"


async def run_agent(
    provider: Any, question: str, *, max_steps: int = 5, stream_retries: int = 2
) -> AgentResult:
    """Answer ``question``, calling tools as the model asks."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": question}]
    result = AgentResult(text="", steps=0)
    retries_left = stream_retries
    while result.steps < max_steps:
        text, calls, finish, error = "", [], None, None
        async for event in provider.stream(
            messages=messages, system=SYSTEM, tools=TOOLS, max_tokens=1024
        ):
            if isinstance(event, TextDeltaEvent):
                text = event.snapshot
            elif isinstance(event, ToolCallEvent):
                calls.append(event)
            elif isinstance(event, FinishEvent):
                finish = event
            elif isinstance(event, StreamErrorEvent):
                error = event
        if error is not None:
            if not error.recoverable or retries_left == 0:
                raise AgentError(f"the model stream failed: {error.error}")
            retries_left -= 1
            continue  # retry the step; the partial text is discarded, never repeated
        result.steps += 1
        result.output_tokens += finish.output_tokens if finish else 0
        if not calls:
            result.text = text
            return result
        messages.append(
            {
                "role": "assistant",
                "content": text,
                "tool_calls": [
                    {
                        "id": c.tool_use_id,
                        "type": "function",
                        "function": {"name": c.tool_name, "arguments": json.dumps(c.tool_input)},
                    }
                    for c in calls
                ],
            }
        )
        for call in calls:
            result.tool_calls.append((call.tool_name, call.tool_input))
            messages.append(
                {"role": "tool", "tool_call_id": call.tool_use_id, "content": run_tool(call)}
            )
    raise AgentError(f"no answer after {max_steps} steps")


def extract_report(provider: Any, text: str, *, max_retries: int = 2) -> WeatherReport:
    """Turn free text into a :class:`WeatherReport` with one JSON-mode call."""
    response = provider.complete(
        messages=[{"role": "user", "content": f"Extract city and temp_c from: {text}"}],
        system="Reply with a JSON object only.",
        json_mode=True,
        max_retries=max_retries,
    )
    try:
        data = json.loads(response.content)
        return WeatherReport(city=str(data["city"]), temp_c=float(data["temp_c"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ExtractionError(f"the model returned unusable JSON: {response.content!r}") from exc
