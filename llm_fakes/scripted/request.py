"""What the scripted fake saw: one request, as rules, responders and the call log read it.

Example:
    >>> req = ScriptedRequest(
    ...     method="complete",
    ...     messages=[{"role": "user", "content": "Weather in Paris?"}],
    ...     system="Be brief.",
    ... )
    >>> req.last_user, req.json_format
    ('Weather in Paris?', None)
    >>> describe_request(req)
    "complete(1 message, last user message 'Weather in Paris?', system 'Be brief.')"
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from llm_fakes.types import Tool

__all__ = ["Method", "ScriptedRequest", "describe_request", "json_format_of", "shorten"]

Method = Literal["complete", "acomplete", "stream"]


def json_format_of(
    json_mode: bool, response_format: dict[str, Any] | None
) -> Literal["json_object", "json_schema"] | None:
    """Which JSON mode a request asks for: ``"json_schema"``, ``"json_object"`` or ``None``.

    Example:
        >>> json_format_of(True, None), json_format_of(False, {"type": "json_schema"})
        ('json_object', 'json_schema')
    """
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_schema":
        return "json_schema"
    if json_mode or kind == "json_object":
        return "json_object"
    return None


@dataclass(frozen=True, kw_only=True)
class ScriptedRequest:
    """One call's arguments, exactly as the code under test passed them.

    ``messages`` is a shallow copy of the list taken at call time, so an agent loop that appends
    to its history afterwards does not rewrite the log.

    Attributes:
        method: ``"complete"``, ``"acomplete"`` or ``"stream"``.
        messages: The message history.
        system: The system prompt.
        tools: The tools offered, or ``None``.
        max_tokens: The token limit.
        response_format: The response format, verbatim.
        json_mode: The ``json_mode`` flag (always ``False`` for ``stream``).
        max_retries: The ``max_retries`` argument (``None`` for ``stream``, which has none).
    """

    method: Method
    messages: list[dict[str, Any]]
    system: str = ""
    tools: list[Tool] | None = None
    max_tokens: int = 1024
    response_format: dict[str, Any] | None = None
    json_mode: bool = False
    max_retries: int | None = None

    @classmethod
    def _make(cls, fields: dict[str, Any]) -> ScriptedRequest:
        """Build from *all* fields without the frozen ``__setattr__`` per field (the hot path
        of every scripted call; the dataclass has no validation to skip)."""
        obj: ScriptedRequest = object.__new__(cls)
        obj.__dict__.update(fields)
        return obj

    @property
    def last_user(self) -> str:
        """The text of the last ``user`` message (``""`` when there is none)."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return content_text(message.get("content"))
        return ""

    @property
    def json_format(self) -> Literal["json_object", "json_schema"] | None:
        """The JSON mode asked for; see :func:`json_format_of`."""
        return json_format_of(self.json_mode, self.response_format)

    @property
    def json_schema(self) -> dict[str, Any] | None:
        """The JSON schema of a ``json_schema`` response format (OpenAI's nesting or flat)."""
        if self.json_format != "json_schema" or self.response_format is None:
            return None
        inner = self.response_format.get("json_schema")
        schema = inner.get("schema") if isinstance(inner, dict) else None
        if isinstance(schema, dict):
            return schema
        flat = self.response_format.get("schema")
        return flat if isinstance(flat, dict) else None

    @cached_property
    def tool_results(self) -> list[tuple[str, str]]:
        """``(tool name, content)`` for every tool message, oldest first.

        The tool name comes from the assistant tool call with the same id (or the message's own
        ``name`` key); ``""`` when neither says.
        """
        names: dict[str, str] = {}
        out: list[tuple[str, str]] = []
        for message in self.messages:
            for call in message.get("tool_calls") or ():
                if isinstance(call, dict):
                    fn = call.get("function")
                    name = fn.get("name") if isinstance(fn, dict) else call.get("name")
                    names[str(call.get("id"))] = str(name or "")
            if message.get("role") == "tool":
                name = names.get(str(message.get("tool_call_id")), message.get("name") or "")
                out.append((str(name), content_text(message.get("content"))))
        return out


def content_text(content: Any) -> str:
    """Message content as text: a str as is, content parts joined, anything else as JSON."""
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict)]
        if all(isinstance(p, str) for p in parts) and parts:
            return "".join(str(p) for p in parts)
    return json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for messages."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_request(request: ScriptedRequest) -> str:
    """A one-line summary of a request, for error messages."""
    n = len(request.messages)
    parts = [f"{n} message{'' if n == 1 else 's'}"]
    if request.messages:
        parts.append(f"last user message {shorten(request.last_user)!r}")
    if request.system:
        parts.append(f"system {shorten(request.system)!r}")
    if request.tools:
        parts.append(f"tools {[getattr(t, 'name', t) for t in request.tools]!r}")
    if request.json_format is not None:
        parts.append(f"JSON mode {request.json_format!r}")
    results = request.tool_results
    if results:
        parts.append(f"tool results for {[name for name, _ in results]!r}")
    return f"{request.method}({', '.join(parts)})"
