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
from typing import Any, Literal

from llm_fakes.types import Tool

__all__ = ["BackendRequest", "json_format_of", "read_body", "schema_of"]

JsonFormat = Literal["json_object", "json_schema"]


def json_format_of(json_mode: bool, response_format: Any) -> JsonFormat | None:
    """``"json_schema"``, ``"json_object"`` or ``None``: the JSON mode a request asks for."""
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_schema":
        return "json_schema"
    if json_mode or kind == "json_object":
        return "json_object"
    return None


def schema_of(response_format: Any) -> dict[str, Any] | None:
    """The JSON schema inside a ``json_schema`` response format (OpenAI's nesting or flat)."""
    if not isinstance(response_format, dict):
        return None
    inner = response_format.get("json_schema")
    if isinstance(inner, dict) and isinstance(inner.get("schema"), dict):
        schema: dict[str, Any] = inner["schema"]
        return schema
    flat = response_format.get("schema")
    return flat if isinstance(flat, dict) else None


@dataclass(frozen=True, kw_only=True)
class BackendRequest:
    """One attempt that reached the backend, normalised to the seed's shape.

    Attributes:
        door: ``"scripted"``, ``"openai"`` or ``"anthropic"``.
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
    importer agree on what a wire request meant). ``api`` is ``"openai"``, ``"anthropic"`` or
    ``"openai-responses"``.

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

    r = _viewer(api)(body)
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


_VIEWERS: dict[str, Any] = {}


def _viewer(api: str) -> Any:
    if api not in _VIEWERS:
        from llm_fakes.http.fake_anthropic import FakeAnthropic
        from llm_fakes.http.fake_openai import FakeOpenAI

        if api == "openai-responses":  # FakeOpenAI's Responses endpoint
            from llm_fakes.http.fake_responses import ResponsesEndpoint

            _VIEWERS[api] = ResponsesEndpoint().view
        else:
            fakes = {"openai": FakeOpenAI, "anthropic": FakeAnthropic}
            _VIEWERS[api] = fakes[api]().view
    return _VIEWERS[api]
