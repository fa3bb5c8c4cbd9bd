"""What a request asks of the answer, in the same words for every API.

Each wire entry reads its own request body into a :class:`RequestTerms`
(:meth:`~llm_fakes.wire.base.WireAPI.request_terms`): the output-token budget, stop sequences,
the tools the model may call and how (``tool_choice``, parallel calls), whether thinking or
prompt caching was asked for, which hosted tools were declared. The fakes cut and check each
scripted reply by it (:mod:`llm_fakes.scripted.honour`). The helpers here read the shapes the
APIs share.

Example:
    >>> RequestTerms(max_tokens=9, stop=("END",)).describe()
    "max_tokens 9, stop ['END']"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "CHARS_PER_TOKEN",
    "RequestTerms",
    "ToolChoice",
    "has_key",
    "stop_list",
    "tool_choice_of",
]

#: ``"auto"``, ``"none"``, ``"required"`` (any tool; Anthropic's ``"any"``) or ``"tool"`` (the
#: one named in :attr:`RequestTerms.forced_tool`).
ToolChoice = Literal["auto", "none", "required", "tool"]

#: Characters per token of the kit's estimate (:func:`~llm_fakes.scripted.render.estimate_tokens`).
CHARS_PER_TOKEN = 4


@dataclass(frozen=True, kw_only=True)
class RequestTerms:
    """The part of one request a real model's answer must keep to, in every API's words.

    Attributes:
        max_tokens: The output-token budget (``None``: none sent).
        max_tokens_field: Its name on the wire, for messages (``"max_output_tokens"``...).
        stop: The stop sequences.
        stop_field: Their name on the wire (``"stop"``, ``"stop_sequences"``...).
        tools: The names of the tools the model may call (``None``: not known, not checked).
        tool_choice: ``"auto"``, ``"none"``, ``"required"`` or ``"tool"``.
        forced_tool: The tool ``tool_choice="tool"`` names.
        parallel_tool_calls: Whether several calls may come in one reply.
        thinking: Whether reasoning was asked for (``None``: not checked).
        cache_control: Whether anything was marked for prompt caching (``None``: not checked,
            as for APIs that cache on their own).
        server_tools: The kinds of hosted tools declared (``"web_search"``...; ``None``: not
            checked).
    """

    max_tokens: int | None = None
    max_tokens_field: str = "max_tokens"
    stop: tuple[str, ...] = ()
    stop_field: str = "stop"
    tools: tuple[str, ...] | None = None
    tool_choice: ToolChoice = "auto"
    forced_tool: str | None = None
    parallel_tool_calls: bool = True
    thinking: bool | None = None
    cache_control: bool | None = None
    server_tools: tuple[str, ...] | None = None

    def describe(self) -> str:
        """What the request declared, for messages.

        Example:
            >>> RequestTerms(tools=("a",), tool_choice="none", max_tokens=9).describe()
            "tools ['a'], tool_choice 'none', max_tokens 9"
        """
        parts: list[str] = []
        if self.tools is not None:
            parts.append(f"tools {list(self.tools)!r}" if self.tools else "no tools")
            choice = self.forced_tool if self.tool_choice == "tool" else self.tool_choice
            if choice != "auto" and self.tools:
                parts.append(f"tool_choice {choice!r}")
            if not self.parallel_tool_calls and self.tools:
                parts.append("parallel tool calls off")
        if self.max_tokens is not None:
            parts.append(f"{self.max_tokens_field} {self.max_tokens}")
        if self.stop:
            parts.append(f"{self.stop_field} {list(self.stop)!r}")
        if self.thinking is False:
            parts.append("no thinking")
        if self.cache_control is False:
            parts.append("no cache_control")
        if self.server_tools:
            parts.append(f"hosted tools {list(self.server_tools)!r}")
        return ", ".join(parts) or "nothing that limits the reply"


def stop_list(value: Any) -> tuple[str, ...]:
    """Stop sequences as sent: one string, a list of them, or nothing.

    Example:
        >>> stop_list("END"), stop_list(["a", "", "b"]), stop_list(None)
        (('END',), ('a', 'b'), ())
    """
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list | tuple):
        return tuple(s for s in value if isinstance(s, str) and s)
    return ()


def tool_choice_of(value: Any) -> tuple[ToolChoice, str | None]:
    """``(choice, forced tool)`` from a ``tool_choice`` in any API's shape: a string
    (``"auto"``, ``"none"``, ``"required"``, Anthropic's ``"any"``) or an object naming its type
    (``{"type": "function", "function": {"name": ...}}``, ``{"type": "function", "name": ...}``,
    ``{"type": "tool", "name": ...}``, ``{"type": "any"}``...). A choice naming a hosted tool
    counts as ``"auto"`` for the scripted function calls.

    Example:
        >>> tool_choice_of({"type": "function", "function": {"name": "f"}}), tool_choice_of("any")
        (('tool', 'f'), ('required', None))
    """
    kind = value.get("type") if isinstance(value, dict) else value
    if kind in ("none", "auto", "required"):
        return kind, None
    if kind == "any":
        return "required", None
    if kind in ("function", "tool", "custom") and isinstance(value, dict):
        fn = value.get("function")
        name = fn.get("name") if isinstance(fn, dict) else value.get("name")
        if isinstance(name, str) and name:
            return "tool", name
    return "auto", None


def has_key(value: Any, key: str) -> bool:
    """Whether ``key`` appears as an object key anywhere in ``value`` (a JSON body).

    Example:
        >>> has_key({"messages": [{"content": [{"cache_control": {}}]}]}, "cache_control")
        True
    """
    stack = [value]  # a loop, not recursion: request bodies may nest deeper than the stack
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if key in item:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
