"""The seed's stream events: frozen dataclasses with a ``type`` literal first.

Every field has a default, so an event can be built with keywords only, as the seed's own code
does.

Example:
    >>> TextDeltaEvent(content="Hel", snapshot="Hel").type
    'text_delta'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "EVENT_CLASSES",
    "FinishEvent",
    "ReasoningDeltaEvent",
    "ReasoningStartEvent",
    "StreamErrorEvent",
    "StreamEvent",
    "TextDeltaEvent",
    "TextEndEvent",
    "ToolCallEvent",
    "ToolResultEvent",
]


@dataclass(frozen=True)
class TextDeltaEvent:
    """A chunk of text: ``content`` is this chunk, ``snapshot`` all text so far."""

    type: Literal["text_delta"] = "text_delta"
    content: str = ""
    snapshot: str = ""


@dataclass(frozen=True)
class TextEndEvent:
    """Text generation is complete; ``full_text`` is the whole text."""

    type: Literal["text_end"] = "text_end"
    full_text: str = ""


@dataclass(frozen=True)
class ToolCallEvent:
    """The model asks for a tool call."""

    type: Literal["tool_call"] = "tool_call"
    tool_use_id: str = ""
    tool_name: str = ""
    tool_input: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolResultEvent:
    """The result of a tool call, as the caller's loop reports it."""

    type: Literal["tool_result"] = "tool_result"
    tool_use_id: str = ""
    content: str = ""
    is_error: bool = False


@dataclass(frozen=True)
class ReasoningStartEvent:
    """The model starts a reasoning ("thinking") block."""

    type: Literal["reasoning_start"] = "reasoning_start"


@dataclass(frozen=True)
class ReasoningDeltaEvent:
    """A chunk of reasoning text."""

    type: Literal["reasoning_delta"] = "reasoning_delta"
    content: str = ""


@dataclass(frozen=True)
class FinishEvent:
    """The model finished; carries the usage and the stop reason."""

    type: Literal["finish"] = "finish"
    stop_reason: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    model: str = ""


@dataclass(frozen=True)
class StreamErrorEvent:
    """The stream failed; ``recoverable`` says whether a retry may help."""

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

EVENT_CLASSES: tuple[type[Any], ...] = (
    TextDeltaEvent,
    TextEndEvent,
    ToolCallEvent,
    ToolResultEvent,
    ReasoningStartEvent,
    ReasoningDeltaEvent,
    FinishEvent,
    StreamErrorEvent,
)
