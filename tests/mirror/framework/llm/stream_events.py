"""The framework's own copies of the stream events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class TextDeltaEvent:
    type: Literal["text_delta"] = "text_delta"
    content: str = ""
    snapshot: str = ""


@dataclass(frozen=True)
class TextEndEvent:
    type: Literal["text_end"] = "text_end"
    full_text: str = ""


@dataclass(frozen=True)
class ToolCallEvent:
    type: Literal["tool_call"] = "tool_call"
    tool_use_id: str = ""
    tool_name: str = ""
    tool_input: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolResultEvent:
    type: Literal["tool_result"] = "tool_result"
    tool_use_id: str = ""
    content: str = ""
    is_error: bool = False


@dataclass(frozen=True)
class ReasoningStartEvent:
    type: Literal["reasoning_start"] = "reasoning_start"


@dataclass(frozen=True)
class ReasoningDeltaEvent:
    type: Literal["reasoning_delta"] = "reasoning_delta"
    content: str = ""


@dataclass(frozen=True)
class FinishEvent:
    type: Literal["finish"] = "finish"
    stop_reason: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    model: str = ""


@dataclass(frozen=True)
class StreamErrorEvent:
    type: Literal["error"] = "error"
    error: str = ""
    recoverable: bool = False


StreamEvent = (
    TextDeltaEvent
    | TextEndEvent
    | ToolCallEvent
    | ToolResultEvent
    | ReasoningStartEvent
    | ReasoningDeltaEvent
    | FinishEvent
    | StreamErrorEvent
)
