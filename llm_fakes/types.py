"""The seed's value types: what a provider returns and what tools look like.

These mirror the ``LLMProvider`` interface of the framework the kit was built for, field for
field and in the same order, so code written against that framework works unchanged. The kit adds
one field, :attr:`LLMResponse.tool_uses`, last and defaulted.

Example:
    >>> LLMResponse(content="hi", model="gpt-4o").output_tokens
    0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["LLMResponse", "Tool", "ToolResult", "ToolUse"]


@dataclass
class ToolUse:
    """A tool call requested by the model.

    Example:
        >>> ToolUse(id="call_0", name="search", input={"q": "x"}).name
        'search'
    """

    id: str
    name: str
    input: dict[str, Any]


@dataclass
class Tool:
    """A tool the model may call; ``parameters`` is a JSON schema.

    Example:
        >>> Tool(name="search", description="Search the web").parameters
        {}
    """

    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class ToolResult:
    """The result of running a tool, as the caller reports it back.

    Example:
        >>> ToolResult(tool_use_id="call_0", content="42").is_error
        False
    """

    tool_use_id: str
    content: str
    is_error: bool = False
    is_skill_content: bool = False


@dataclass
class LLMResponse:
    """What ``complete`` and ``acomplete`` return.

    Example:
        >>> r = LLMResponse(content="4", model="gpt-4o", input_tokens=12, output_tokens=1)
        >>> (r.content, r.tool_uses)
        ('4', [])
    """

    content: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    stop_reason: str = ""
    raw_response: Any = None
    tool_uses: list[ToolUse] = field(default_factory=list)
