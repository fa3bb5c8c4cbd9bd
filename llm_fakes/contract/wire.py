"""What reached the backend, in the seed's shape, whichever door the provider used.

:class:`BackendRequest` is one attempt as the backend saw it. The scripted door reports the call's
arguments as passed; the HTTP doors report what the fake servers read back from the wire body
(their request log already speaks the seed's terms: OpenAI-style messages, ``tool`` messages for
Anthropic ``tool_result`` blocks, ``parameters`` for ``input_schema``, and ``json_mode`` for each
API's own way of asking for JSON).

Example:
    >>> req = BackendRequest(door="openai", stream=False, messages=[], json_format="json_object")
    >>> req.json_mode
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llm_fakes.types import Tool
from llm_fakes.wire.base import JsonFormat, json_format_of, schema_of
from llm_fakes.wire.registry import REGISTRY

__all__ = ["BackendRequest", "json_format_of", "read_body", "schema_of"]


@dataclass(frozen=True, kw_only=True)
class BackendRequest:
    """One attempt that reached the backend, normalised to the seed's shape.

    Attributes:
        door: ``"scripted"``, or the registry door (or API name) the request came through.
        stream: Whether the attempt was a stream.
        messages: OpenAI-style messages (without the system prompt).
        system: The system prompt (a JSON-mode instruction the kit adds is removed).
        tools: The tools offered, or ``None``.
        max_tokens: The token limit sent.
        json_format: ``"json_object"``, ``"json_schema"`` or ``None``.
        response_format: The response format as sent (``None`` when the wire has no such field).
        json_schema: The schema of a ``json_schema`` request.
        raw: What the backend received: the wire body, or the scripted call's request.
    """

    door: str
    stream: bool
    messages: list[dict[str, Any]]
    system: str = ""
    tools: list[Tool] | None = None
    max_tokens: int | None = None
    json_format: JsonFormat | None = None
    response_format: dict[str, Any] | None = None
    json_schema: dict[str, Any] | None = None
    raw: Any = field(default=None, repr=False, compare=False)

    @property
    def json_mode(self) -> bool:
        """Whether the attempt asked for JSON in any form."""
        return self.json_format is not None


def read_body(api: str, body: dict[str, Any], *, stream: bool | None = None) -> BackendRequest:
    """A request body as sent on the wire, read back in the seed's shape.

    The same reading the fake servers apply to what they receive (so the suite and the cassette
    importer agree on what a wire request meant). ``api`` is a registry key or alias
    (:data:`~llm_fakes.wire.registry.REGISTRY`); it is reported as the request's ``door``.

    Raises:
        KeyError, TypeError, AttributeError: The body is not a request of that API.

    Example:
        >>> body = {"model": "m", "messages": [{"role": "system", "content": "S"},
        ...         {"role": "user", "content": "hi"}], "response_format": {"type": "json_object"}}
        >>> seen = read_body("openai", body)
        >>> seen.system, seen.json_mode
        ('S', True)
    """
    from llm_fakes.types import Tool

    r = REGISTRY.get(api).read_request(body)
    fmt = json_format_of(r["json_mode"], r["response_format"])
    tools = [
        Tool(t["name"], t.get("description", ""), t.get("parameters") or {}) for t in r["tools"]
    ]
    return BackendRequest(
        door=api,
        stream=r["stream"] if stream is None else stream,
        messages=list(r["messages"]),
        system=r["system"],
        tools=tools or None,
        max_tokens=r["max_tokens"],
        json_format=fmt,
        response_format=r["response_format"],
        json_schema=r["schema"],
        raw=body,
    )
