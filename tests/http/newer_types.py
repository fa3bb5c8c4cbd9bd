"""The seed framework's classes as its newer versions have them: optional fields for reasoning and
cache tokens, thinking blocks and the upstream error (the rest come from ``llm_fakes``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from llm_fakes.types import ToolUse


@dataclass
class LLMResponse:
    content: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    stop_reason: str = ""
    raw_response: Any = None
    tool_uses: list[ToolUse] = field(default_factory=list)
    reasoning_tokens: int = 0
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0


@dataclass(frozen=True)
class FinishEvent:
    type: Literal["finish"] = "finish"
    stop_reason: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    model: str = ""
    cache_creation_tokens: int = 0
    thinking_blocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class StreamErrorEvent:
    type: Literal["error"] = "error"
    error: str = ""
    recoverable: bool = False
    error_type: str = ""
    upstream_status: int | None = None
