"""A miniature of the framework's event-loop node, written only against the framework's classes.

Like the real one it calls ``stream(messages=, system=, tools=, max_tokens=)``, dispatches on
``isinstance`` against *its own* event classes, reads ``TextDeltaEvent.snapshot``, collects
``ToolCallEvent``s, adds up every ``FinishEvent`` field (``cached_tokens`` included), ignores
``TextEndEvent`` and reasoning, logs a recoverable ``StreamErrorEvent`` and raises on one that is
not. Tool results go back as ``{"role": "tool", "tool_call_id", "content"}``, prefixed
``"ERROR: "`` when the tool failed. An event of any other class is ignored, as upstream does: a
kit that yielded its own classes would leave this loop with no text and no tool calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from framework.llm.provider import LLMProvider, LLMResponse, Tool, ToolResult
from framework.llm.stream_events import (
    FinishEvent,
    StreamErrorEvent,
    TextDeltaEvent,
    ToolCallEvent,
)

ToolFunction = Callable[[dict[str, Any]], str]


@dataclass
class Usage:
    input: int = 0
    output: int = 0
    cached: int = 0


@dataclass
class LoopResult:
    text: str
    turns: int
    stop_reason: str
    model: str
    usage: Usage
    messages: list[dict[str, Any]]
    tool_results: list[ToolResult] = field(default_factory=list)
    recoverable_errors: list[str] = field(default_factory=list)


class EventLoop:
    """Stream, run the tools the model asks for, feed the results back, until it answers."""

    def __init__(
        self,
        llm: LLMProvider,
        tools: dict[str, tuple[Tool, ToolFunction]] | None = None,
        *,
        system: str = "",
        max_tokens: int = 4096,
        max_turns: int = 8,
    ) -> None:
        self.llm = llm
        self.tools = dict(tools or {})
        self.system = system
        self.max_tokens = max_tokens
        self.max_turns = max_turns

    async def run(self, user_message: str) -> LoopResult:
        messages: list[dict[str, Any]] = [{"role": "user", "content": user_message}]
        result = LoopResult("", 0, "", "", Usage(), messages)
        specs = [spec for spec, _ in self.tools.values()]
        while result.turns < self.max_turns:
            result.turns += 1
            text, calls = await self._turn(messages, specs, result)
            result.text = text
            if not calls:
                return result
            messages.append(
                {
                    "role": "assistant",
                    "content": text,
                    "tool_calls": [
                        {
                            "id": call.tool_use_id,
                            "type": "function",
                            "function": {
                                "name": call.tool_name,
                                "arguments": json.dumps(call.tool_input),
                            },
                        }
                        for call in calls
                    ],
                }
            )
            for call in calls:
                outcome = self._run_tool(call)
                result.tool_results.append(outcome)
                content = ("ERROR: " if outcome.is_error else "") + outcome.content
                messages.append(
                    {"role": "tool", "tool_call_id": call.tool_use_id, "content": content}
                )
        raise RuntimeError(f"No final answer after {self.max_turns} turns")

    async def _turn(
        self, messages: list[dict[str, Any]], specs: list[Tool], result: LoopResult
    ) -> tuple[str, list[ToolCallEvent]]:
        text = ""
        calls: list[ToolCallEvent] = []
        async for event in self.llm.stream(
            messages=messages,
            system=self.system,
            tools=specs or None,
            max_tokens=self.max_tokens,
        ):
            if isinstance(event, TextDeltaEvent):
                text = event.snapshot
            elif isinstance(event, ToolCallEvent):
                calls.append(event)
            elif isinstance(event, FinishEvent):
                result.usage.input += event.input_tokens
                result.usage.output += event.output_tokens
                result.usage.cached += event.cached_tokens
                result.stop_reason = event.stop_reason
                result.model = event.model
            elif isinstance(event, StreamErrorEvent):
                if not event.recoverable:
                    raise RuntimeError(f"Stream error: {event.error}")
                result.recoverable_errors.append(event.error)
        return text, calls

    def _run_tool(self, call: ToolCallEvent) -> ToolResult:
        entry = self.tools.get(call.tool_name)
        if entry is None:
            return ToolResult(call.tool_use_id, f"unknown tool {call.tool_name!r}", is_error=True)
        try:
            return ToolResult(call.tool_use_id, entry[1](call.tool_input))
        except Exception as exc:  # a failing tool is reported to the model, as upstream does
            return ToolResult(call.tool_use_id, str(exc), is_error=True)


def extract_json(llm: LLMProvider, text: str) -> dict[str, Any]:
    """A one-shot JSON-mode step through ``complete``, checked against the framework's class."""
    response = llm.complete(
        messages=[{"role": "user", "content": text}],
        system="Extract the fields as JSON.",
        json_mode=True,
        max_retries=2,
    )
    if not isinstance(response, LLMResponse):
        raise TypeError(f"expected framework.llm.provider.LLMResponse, got {type(response)!r}")
    data = json.loads(response.content)
    if not isinstance(data, dict):
        raise TypeError(f"expected a JSON object, got {data!r}")
    return data
