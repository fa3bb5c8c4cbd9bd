"""Tool calls in ``raw_response``: written where frameworks read them, read wherever providers
put them.

A user's ``LLMResponse`` without a ``tool_uses`` field (the seed framework's own) carries tool calls
in ``raw_response``, and framework code reads them there in one of two shapes: an OpenAI-shaped
object (a litellm ``ModelResponse``, an openai ``ChatCompletion``) read as
``raw_response.choices[0].message.tool_calls[i].function.name`` / ``.arguments`` (a JSON string) /
``.id``, or a dict ``{"tool_calls": [{"id", "name", "input"}]}``. :class:`RawToolCalls` is what the
kit's fakes, cassettes and HTTP providers put there: a dict readable both ways (and, as before,
``raw_response["tool_uses"]`` holds the tool-use objects and ``raw_response["raw"]`` the API's own
payload).

:func:`read_tool_calls` is the other direction, for the conformance suite judging a provider: it
reads ``(id, name, input)`` triples from a response's ``tool_uses`` or, for a class without one,
from ``raw_response`` in any of the shapes real providers leave there.

Example:
    >>> from llm_fakes.types import ToolUse
    >>> raw = RawToolCalls.of([ToolUse("t1", "weather", {"city": "Rome"})], raw=None)
    >>> raw["tool_calls"]
    [{'id': 't1', 'name': 'weather', 'input': {'city': 'Rome'}}]
    >>> call = raw.choices[0].message.tool_calls[0]
    >>> (call.id, call.function.name, call.function.arguments)
    ('t1', 'weather', '{"city": "Rome"}')
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RawToolCalls", "read_tool_calls"]


@dataclass(frozen=True)
class _Function:
    name: str
    arguments: str


@dataclass(frozen=True)
class _ToolCall:
    id: str
    function: _Function
    type: str = "function"


@dataclass(frozen=True)
class _Message:
    tool_calls: list[_ToolCall]
    content: str | None = None
    role: str = "assistant"


@dataclass(frozen=True)
class _Choice:
    message: _Message
    index: int = 0
    finish_reason: str = "tool_calls"


class RawToolCalls(dict[str, Any]):
    """``raw_response`` for a response class without ``tool_uses``: a dict with ``tool_calls``
    (``{"id", "name", "input"}`` each), ``tool_uses`` (the tool-use objects) and ``raw`` (the API's
    payload), whose ``.choices[0].message.tool_calls`` reads as an OpenAI-shaped response does.
    """

    @classmethod
    def of(cls, uses: Iterable[Any], *, raw: Any, content: str | None = None) -> RawToolCalls:
        """Built from tool uses (anything with ``id``, ``name`` and ``input``)."""
        uses = list(uses)
        out = cls(
            tool_calls=[{"id": u.id, "name": u.name, "input": u.input} for u in uses],
            tool_uses=uses,
            raw=raw,
        )
        out._content = content
        return out

    _content: str | None = None

    @property
    def choices(self) -> list[_Choice]:
        """``[choice]``: ``choices[0].message.tool_calls[i].function.name`` and so on."""
        calls = [
            _ToolCall(
                id=str(c["id"]),
                function=_Function(str(c["name"]), json.dumps(c["input"], ensure_ascii=False)),
            )
            for c in self.get("tool_calls") or ()
        ]
        return [_Choice(_Message(calls, self._content or None))]


# ------------------------------------------------------------------ reading


def _get(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _args(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value) if value else {}
        except ValueError:
            return value
    return value


def _triple(call: Any) -> tuple[Any, Any, Any] | None:
    """One tool call in any shape: kit/seed ``{id, name, input}``, OpenAI ``{id, function}``,
    Anthropic ``tool_use`` block, Responses ``function_call`` item, Gemini ``function_call``."""
    fn = _get(call, "function")
    if fn is not None and not callable(fn):
        return (_get(call, "id"), _get(fn, "name"), _args(_get(fn, "arguments")))
    kind = _get(call, "type")
    if kind == "function_call":  # Responses output item
        return (_get(call, "call_id"), _get(call, "name"), _args(_get(call, "arguments")))
    if _get(call, "name") is not None and (kind in (None, "tool_use")):
        return (_get(call, "id"), _get(call, "name"), _args(_get(call, "input")))
    return None


def _list(value: Any) -> list[Any] | None:
    if isinstance(value, list | tuple):
        return list(value)
    return None


def _from_raw(raw: Any) -> list[tuple[Any, Any, Any]] | None:
    """The tool calls in a ``raw_response``, or None when it holds none in a known shape."""
    if raw is None:
        return None
    for key in ("tool_uses", "tool_calls"):  # the kit's own, and the seed's dict
        items = _list(_get(raw, key)) if isinstance(raw, Mapping) else None
        if items is not None:
            return [t for t in map(_triple, items) if t is not None]
    choices = _list(_get(raw, "choices"))
    if choices:  # OpenAI Chat Completions / litellm ModelResponse
        message = _get(choices[0], "message")
        calls = _list(_get(message, "tool_calls")) or []
        return [t for t in map(_triple, calls) if t is not None]
    content = _list(_get(raw, "content"))
    if content is not None and _get(raw, "role") == "assistant":  # Anthropic Message
        blocks = [b for b in content if _get(b, "type") == "tool_use"]
        return [t for t in map(_triple, blocks) if t is not None]
    output = _list(_get(raw, "output"))
    if output is not None:  # OpenAI Responses
        items = [o for o in output if _get(o, "type") == "function_call"]
        return [t for t in map(_triple, items) if t is not None]
    candidates = _list(_get(raw, "candidates"))
    if candidates:  # Gemini GenerateContentResponse
        parts = _list(_get(_get(candidates[0], "content"), "parts")) or []
        out = []
        for part in parts:
            fc = _get(part, "function_call") or _get(part, "functionCall")
            if fc is not None:
                out.append((_get(fc, "id"), _get(fc, "name"), _args(_get(fc, "args")) or {}))
        return out
    inner = _get(raw, "raw") if isinstance(raw, Mapping) else None
    return _from_raw(inner) if inner is not None else None


def read_tool_calls(response: Any) -> list[tuple[Any, Any, Any]]:
    """``(id, name, input)`` for each tool call of a response of any class.

    Its ``tool_uses`` when the class has that field; otherwise what ``raw_response`` holds: the
    kit's ``{"tool_uses": [...]}``, the seed's ``{"tool_calls": [{"id", "name", "input"}]}``, an
    OpenAI-shaped object (``choices[0].message.tool_calls``), an Anthropic ``Message`` (its
    ``tool_use`` blocks), a Responses ``Response`` (its ``function_call`` items) or a Gemini
    ``GenerateContentResponse`` (its ``function_call`` parts), as objects or as dicts.

    Example:
        >>> class Seed:  # a response class without tool_uses
        ...     raw_response = {"tool_calls": [{"id": "c1", "name": "f", "input": {"a": 1}}]}
        >>> read_tool_calls(Seed())
        [('c1', 'f', {'a': 1})]
    """
    uses = getattr(response, "tool_uses", None)
    if uses is not None:
        return [(u.id, u.name, u.input) for u in uses]
    return _from_raw(getattr(response, "raw_response", None)) or []
