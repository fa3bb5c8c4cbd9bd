"""What both wire formats share: tool specs, tool-call arguments, and assembling stream events.

:class:`EventAssembler` turns wire-level pieces (a text delta, a reasoning delta, a fragment of
tool-call arguments at index *i*, usage numbers) into the kit's eight stream events, in the order
the seed framework's streaming provider uses: reasoning and text deltas as they arrive, then, at
the finish, one ``ToolCallEvent`` per call (in index order), ``TextEndEvent`` (only when there
was text) and ``FinishEvent``.

Example:
    >>> from llm_fakes.typeset import TypeSet
    >>> a = EventAssembler(TypeSet.default(), model="m")
    >>> [e.snapshot for e in a.text_delta("Hel") + a.text_delta("lo")]
    ['Hel', 'Hello']
    >>> a.start_call(0, "call_1", "search")
    >>> a.call_arguments(0, '{"q": ')
    >>> a.call_arguments(0, "1}")
    >>> [e.type for e in a.final_events()]
    ['tool_call', 'text_end', 'finish']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from llm_fakes.errors import ResponseFormatError
from llm_fakes.types import ToolUse
from llm_fakes.typeset import TypeSet

__all__ = ["EventAssembler", "event_payload", "is_empty_response", "parse_arguments", "tool_spec"]


def tool_spec(tool: Any) -> tuple[str, str, dict[str, Any]]:
    """(name, description, JSON schema) of a ``Tool`` (any class with those fields, or a dict).

    Example:
        >>> from llm_fakes.types import Tool
        >>> tool_spec(Tool(name="t", description="d"))
        ('t', 'd', {'type': 'object', 'properties': {}})
    """
    if isinstance(tool, dict):
        name, desc, params = tool.get("name"), tool.get("description", ""), tool.get("parameters")
    else:
        name = getattr(tool, "name", None)
        desc = getattr(tool, "description", "")
        params = getattr(tool, "parameters", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"A tool needs a non-empty str name, got {tool!r}")
    schema = dict(params) if params else {"type": "object", "properties": {}}
    return name, str(desc or ""), schema


def parse_arguments(arguments: Any) -> dict[str, Any]:
    """Tool-call arguments as a dict; unparseable ones become ``{"_raw": arguments}`` (as the seed).

    Example:
        >>> parse_arguments('{"a": 1}'), parse_arguments(""), parse_arguments("{oops")
        ({'a': 1}, {}, {'_raw': '{oops'})
    """
    if isinstance(arguments, dict):
        return arguments
    if arguments is None or arguments == "":
        return {}
    try:
        value = json.loads(arguments)
    except (TypeError, ValueError):
        return {"_raw": arguments}
    return value if isinstance(value, dict) else {"_raw": arguments}


def event_payload(data: str, number: int, event: str = "") -> dict[str, Any]:
    """The JSON object of server-sent event #``number``, or the :class:`ResponseFormatError`
    saying the stream is malformed.

    Example:
        >>> event_payload('{"type": "ping"}', 1)
        {'type': 'ping'}
    """
    try:
        payload = json.loads(data)
    except ValueError:
        raise ResponseFormatError(
            f"Stream event #{number} ({event or 'unnamed'}) is not valid JSON: {data[:80]!r}. "
            "The server sent a malformed event stream."
        ) from None
    if not isinstance(payload, dict):
        raise ResponseFormatError(f"Stream event #{number} is not an object: {payload!r}")
    return payload


def is_empty_response(
    text: str,
    tool_uses: Sequence[Any],
    stop_reason: str,
    messages: Sequence[dict[str, Any]],
    server_output: bool = False,
) -> bool:
    """Whether a finished response counts as *empty* (retried like a rate limit).

    As the seed framework does it: no text and no tool calls, unless the model stopped on its
    token limit or the conversation ends with an assistant message (a prefill). An answer whose
    output is a hosted tool's (``server_output``: a generated image, code run, search) is not
    empty: retrying it would run the paid tool again.

    Example:
        >>> is_empty_response("", [], "stop", [{"role": "user", "content": "hi"}])
        True
        >>> is_empty_response("", [], "length", [{"role": "user", "content": "hi"}])
        False
    """
    if text or tool_uses or server_output or stop_reason in ("length", "max_tokens"):
        return False
    return not (messages and messages[-1].get("role") == "assistant")


@dataclass
class _Call:
    id: str = ""
    name: str = ""
    arguments: str = ""


class EventAssembler:
    """Accumulates one streamed response and builds its events in ``types``' classes."""

    def __init__(self, types: TypeSet, model: str) -> None:
        self.types = types
        self.model = model
        self.text = ""
        self.reasoning = ""
        self._reasoning_open = False
        self._calls: dict[int, _Call] = {}
        self.stop_reason = ""
        self.input_tokens = 0
        self.output_tokens = 0
        self.cached_tokens = 0
        self.cache_creation_tokens = 0
        #: Anthropic thinking blocks as sent (``{"type", "thinking", "signature"}``).
        self.thinking_blocks: list[dict[str, Any]] = []
        #: Hosted (server-side) tool items or blocks, as sent.
        self.server_items: list[dict[str, Any]] = []
        self.done = False

    def text_delta(self, piece: str) -> list[Any]:
        """A text fragment: one ``TextDeltaEvent`` (none for an empty fragment)."""
        if not piece:
            return []
        self.text += piece
        return [self.types.event("TextDeltaEvent", content=piece, snapshot=self.text)]

    def reasoning_delta(self, piece: str) -> list[Any]:
        """A reasoning fragment: ``ReasoningStartEvent`` the first time, then the delta."""
        out: list[Any] = []
        if not self._reasoning_open:
            self._reasoning_open = True
            out.append(self.types.event("ReasoningStartEvent"))
        if piece:
            self.reasoning += piece
            out.append(self.types.event("ReasoningDeltaEvent", content=piece))
        return out

    def start_call(self, index: int, call_id: str, name: str) -> None:
        """A tool call begins (or its id/name arrive) at ``index``."""
        call = self._calls.setdefault(index, _Call())
        call.id = call_id or call.id
        call.name = name or call.name

    def call_arguments(self, index: int, piece: str) -> None:
        """A fragment of the JSON arguments of the call at ``index``."""
        self._calls.setdefault(index, _Call()).arguments += piece or ""

    def call_done(self, index: int, arguments: str) -> None:
        """The call at ``index`` is complete with ``arguments``: they stand in for the fragments
        when none arrived (a server may send a call whole)."""
        call = self._calls.setdefault(index, _Call())
        if not call.arguments:
            call.arguments = arguments

    def tool_uses(self) -> list[ToolUse]:
        """The assembled tool calls, in index order."""
        return [
            ToolUse(id=c.id, name=c.name, input=parse_arguments(c.arguments))
            for _, c in sorted(self._calls.items())
        ]

    @property
    def produced_nothing(self) -> bool:
        """No text, no reasoning, no tool calls."""
        return not (self.text or self.reasoning or self._calls)

    def final_events(self) -> list[Any]:
        """Tool calls, ``TextEndEvent`` (when there was text) and ``FinishEvent``."""
        ts = self.types
        out = [
            ts.event("ToolCallEvent", tool_use_id=u.id, tool_name=u.name, tool_input=u.input)
            for u in self.tool_uses()
        ]
        if self.text:
            out.append(ts.event("TextEndEvent", full_text=self.text))
        out.append(
            ts.event(
                "FinishEvent",
                stop_reason=self.stop_reason,
                input_tokens=self.input_tokens,
                output_tokens=self.output_tokens,
                cached_tokens=self.cached_tokens,
                model=self.model,
                **ts.extras(
                    "FinishEvent",
                    cache_creation_tokens=self.cache_creation_tokens,
                    thinking_blocks=[dict(b) for b in self.thinking_blocks],
                ),
            )
        )
        return out
