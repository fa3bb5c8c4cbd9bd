"""A stable, readable text form of what an app got from a provider, for snapshot files.

:func:`to_text` renders responses, event streams, the scripted provider's call log, message
histories, and plain containers of those. It keeps meaning and drops noise, so a snapshot diff
shows what changed in meaning:

* raw payloads (``raw_response``) and timings (``elapsed``, ``started_at``, ...) are left out;
* tool-call ids (``call_8f2a...``, ``toolu_01...``) become ``<tool:1>``, ``<tool:2>``, ... in
  order of first appearance, so a reference from a tool message still points at its call;
* consecutive text (and reasoning) deltas of a stream are joined, since chunk boundaries are
  transport detail (``chunks=True`` shows each delta).

Objects are read by attribute name, so the framework's own classes (``llm_fakes_types``)
render exactly like the kit's.

Example:
    >>> from llm_fakes import LLMResponse, ToolUse
    >>> resp = LLMResponse(content="Checking.", model="m", input_tokens=9, output_tokens=4,
    ...     stop_reason="tool_use", raw_response={"id": "chatcmpl-8Xy"},
    ...     tool_uses=[ToolUse(id="call_8f2a", name="weather", input={"city": "Paris"})])
    >>> print(to_text(resp))
    response
      model: 'm'
      stop_reason: 'tool_use'
      tokens: in=9 out=4
      content: 'Checking.'
      tool_uses:
        - <tool:1> weather {"city": "Paris"}
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["VOLATILE_FIELDS", "to_text"]

#: Attribute and key names never written to a snapshot: payloads and timings.
VOLATILE_FIELDS = frozenset(
    {
        "raw_response",
        "raw",
        "elapsed",
        "started_at",
        "finished_at",
        "recorded_at",
        "created",
        "created_at",
        "timestamp",
        "latency",
        "duration",
        "attempt_log",
    }
)
#: Keys whose string values are tool-call ids, normalised to ``<tool:N>``.
_ID_KEYS = frozenset({"id", "tool_use_id", "tool_call_id"})
_EVENT_TYPES = frozenset(
    {
        "text_delta",
        "text_end",
        "tool_call",
        "tool_result",
        "reasoning_start",
        "reasoning_delta",
        "finish",
        "error",
    }
)
_STEP = "  "


def to_text(value: Any, *, chunks: bool = False) -> str:
    """Render ``value`` as stable, readable text (see the module docstring for what is kept).

    Args:
        value: A response, a list of stream events, a call log or one call, a message list,
            or any mapping, sequence or scalar containing those.
        chunks: Show every text and reasoning delta instead of joining consecutive ones.

    Returns:
        The text, without a trailing newline.

    Example:
        >>> from llm_fakes import TextDeltaEvent, TextEndEvent, FinishEvent
        >>> print(to_text([TextDeltaEvent(content="Hel", snapshot="Hel"),
        ...     TextDeltaEvent(content="lo", snapshot="Hello"), TextEndEvent(full_text="Hello"),
        ...     FinishEvent(stop_reason="stop", input_tokens=3, output_tokens=2, model="m")]))
        stream
          text 'Hello'
          text_end
          finish 'stop' tokens: in=3 out=2 cached=0 model='m'
    """
    renderer = _Renderer(chunks=chunks)
    renderer.top(value)
    return "\n".join(renderer.lines)


def _is_event(obj: Any) -> bool:
    return isinstance(getattr(obj, "type", None), str) and obj.type in _EVENT_TYPES


def _is_response(obj: Any) -> bool:
    return all(hasattr(obj, a) for a in ("content", "model", "stop_reason", "input_tokens"))


def _is_call(obj: Any) -> bool:
    return hasattr(obj, "attempts") and (hasattr(obj, "request") or hasattr(obj, "messages"))


def _is_messages(obj: Any) -> bool:
    return (
        isinstance(obj, Sequence)
        and not isinstance(obj, str | bytes)
        and bool(obj)
        and all(isinstance(m, Mapping) and "role" in m for m in obj)
    )


def _error_text(error: BaseException) -> str:
    """``Type: message``, without repeating a type name the message already starts with."""
    text = str(error)
    name = type(error).__name__
    return text if text.startswith(name) else f"{name}: {text}"


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)


class _Renderer:
    def __init__(self, *, chunks: bool) -> None:
        self.chunks = chunks
        self.lines: list[str] = []
        self.ids: dict[str, str] = {}

    # ----------------------------------------------------------------- helpers

    def tool_id(self, raw: Any) -> str:
        key = str(raw)
        if not key:
            return "<tool:?>"
        if key not in self.ids:
            self.ids[key] = f"<tool:{len(self.ids) + 1}>"
        return self.ids[key]

    def emit(self, indent: int, text: str) -> None:
        self.lines.append(f"{_STEP * indent}{text}")

    def text_field(self, indent: int, label: str, text: str) -> None:
        """``label: 'text'``, or a ``|`` block for multi-line text that survives one."""
        lines = text.split("\n")
        block = len(lines) > 1 and all(
            line == line.rstrip() and line.isprintable() for line in lines
        )
        if block and lines[-1]:
            self.emit(indent, f"{label}: |")
            for line in lines:
                self.lines.append(f"{_STEP * (indent + 1)}{line}" if line else "")
        else:
            self.emit(indent, f"{label}: {text!r}")

    def scrub(self, value: Any) -> Any:
        """A JSON-able copy of ``value`` with ids normalised and volatile keys dropped."""
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for key, item in value.items():
                if key in VOLATILE_FIELDS:
                    continue
                if key in _ID_KEYS and isinstance(item, str):
                    out[str(key)] = self.tool_id(item)
                else:
                    out[str(key)] = self.scrub(item)
            return out
        if isinstance(value, list | tuple):
            return [self.scrub(v) for v in value]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self.scrub({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
        return value

    # ----------------------------------------------------------------- dispatch

    def top(self, value: Any) -> None:
        if _is_messages(value):
            self.emit(0, "messages")
            self.messages(1, value)
        else:
            self.value(0, value, label=None)

    def value(self, indent: int, value: Any, *, label: str | None) -> None:
        head = f"{label}: " if label is not None else ""
        if _is_response(value):
            self.emit(indent, f"{head}response")
            self.response(indent + 1, value)
        elif _is_event(value):
            self.emit(indent, f"{head}stream")
            self.events(indent + 1, [value])
        elif _is_call(value):
            self.emit(indent, f"{head}call")
            self.call(indent + 1, value)
        elif isinstance(value, BaseException):
            self.emit(indent, f"{head}{_error_text(value)}")
        elif isinstance(value, str):
            self.text_field(indent, label or "text", value)
        elif isinstance(value, Mapping):
            self.mapping(indent, value, label)
        elif isinstance(value, Sequence) and not isinstance(value, bytes):
            self.sequence(indent, list(value), head)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
            self.emit(indent, f"{head}{type(value).__name__}")
            self.fields(indent + 1, fields)
        else:
            self.emit(indent, f"{head}{value!r}")

    def mapping(self, indent: int, value: Mapping[Any, Any], label: str | None) -> None:
        if label is None:  # the top level: its keys are the headings
            self.fields(indent, value)
        elif not value:
            self.emit(indent, f"{label}: {{}}")
        else:
            self.emit(indent, f"{label}:")
            self.fields(indent + 1, value)

    def fields(self, indent: int, value: Mapping[Any, Any]) -> None:
        for key, item in value.items():
            if key in VOLATILE_FIELDS:
                continue
            if key in _ID_KEYS and isinstance(item, str):
                self.emit(indent, f"{key}: {self.tool_id(item)}")
            else:
                self.value(indent, item, label=str(key))

    def sequence(self, indent: int, items: list[Any], head: str) -> None:
        if items and all(_is_event(e) for e in items):
            self.emit(indent, f"{head}stream")
            self.events(indent + 1, items)
        elif items and all(_is_call(c) for c in items):
            self.emit(indent, f"{head}calls: {len(items)}")
            for i, call in enumerate(items):
                self.emit(indent + 1, f"- calls[{i}]")
                self.call(indent + 2, call)
        elif _is_messages(items):
            self.emit(indent, f"{head}messages")
            self.messages(indent + 1, items)
        elif all(isinstance(i, str | int | float | bool | type(None)) for i in items):
            self.emit(indent, f"{head}{_json(items)}")
        else:
            self.emit(indent, f"{head}list: {len(items)}")
            for item in items:
                self.value(indent + 1, item, label="-")

    # ----------------------------------------------------------------- kinds

    def response(self, indent: int, resp: Any) -> None:
        from llm_fakes.typeset import tool_uses_of

        self.emit(indent, f"model: {resp.model!r}")
        self.emit(indent, f"stop_reason: {resp.stop_reason!r}")
        tokens = f"tokens: in={resp.input_tokens} out={resp.output_tokens}"
        cached = getattr(resp, "cached_tokens", None)
        if cached:
            tokens += f" cached={cached}"
        self.emit(indent, tokens)
        self.text_field(indent, "content", resp.content)
        uses = tool_uses_of(resp)
        if uses:
            self.emit(indent, "tool_uses:")
            for use in uses:
                self.emit(indent + 1, f"- {self.tool_id(use.id)} {use.name} {_json(use.input)}")

    def events(self, indent: int, events: list[Any]) -> None:
        text = ""
        pending: tuple[str, str] | None = None  # (kind, joined deltas) not yet written

        def flush() -> None:
            nonlocal pending
            if pending is not None:
                self.emit(indent, f"{pending[0]} {pending[1]!r}")
                pending = None

        for event in events:
            kind = event.type
            if kind in ("text_delta", "reasoning_delta"):
                short = "text" if kind == "text_delta" else "reasoning"
                if kind == "text_delta":
                    text += event.content
                if self.chunks:
                    self.emit(indent, f"{kind} {event.content!r}")
                elif pending is not None and pending[0] == short:
                    pending = (short, pending[1] + event.content)
                else:
                    flush()
                    pending = (short, event.content)
                continue
            flush()
            self.event_line(indent, event, text)
        flush()

    def event_line(self, indent: int, event: Any, text: str) -> None:
        kind = event.type
        if kind == "text_end":
            full = getattr(event, "full_text", "")
            same = full == text
            self.emit(indent, "text_end" if same else f"text_end {full!r} (deltas gave {text!r})")
        elif kind == "tool_call":
            tid = self.tool_id(getattr(event, "tool_use_id", ""))
            self.emit(indent, f"tool_call {tid} {event.tool_name} {_json(event.tool_input)}")
        elif kind == "tool_result":
            tid = self.tool_id(getattr(event, "tool_use_id", ""))
            flag = " is_error" if getattr(event, "is_error", False) else ""
            self.emit(indent, f"tool_result {tid} {event.content!r}{flag}")
        elif kind == "reasoning_start":
            self.emit(indent, "reasoning_start")
        elif kind == "finish":
            self.emit(
                indent,
                f"finish {event.stop_reason!r} tokens: in={event.input_tokens} "
                f"out={event.output_tokens} cached={getattr(event, 'cached_tokens', 0)} "
                f"model={getattr(event, 'model', '')!r}",
            )
        else:
            flag = "recoverable" if getattr(event, "recoverable", False) else "fatal"
            self.emit(indent, f"error {flag} {getattr(event, 'error', '')!r}")

    def messages(self, indent: int, messages: Sequence[Mapping[str, Any]]) -> None:
        for message in messages:
            role = str(message.get("role", "?"))
            head = role
            if "tool_call_id" in message:
                head += f" {self.tool_id(message['tool_call_id'])}"
            content = message.get("content")
            if isinstance(content, str):
                self.text_field(indent, head, content)
            else:
                self.emit(indent, f"{head}: {_json(self.scrub(content))}")
            for call in message.get("tool_calls") or ():
                fn = call.get("function", {}) if isinstance(call, Mapping) else {}
                args = fn.get("arguments", "")
                try:
                    shown = _json(json.loads(args)) if isinstance(args, str) else _json(args)
                except ValueError:
                    shown = repr(args)
                tid = self.tool_id(call.get("id", "")) if isinstance(call, Mapping) else "?"
                self.emit(indent + 1, f"tool_call {tid} {fn.get('name', '?')} {shown}")
            extra = {
                k: v
                for k, v in message.items()
                if k not in ("role", "content", "tool_calls", "tool_call_id")
            }
            if extra:
                self.emit(indent + 1, f"extra: {_json(self.scrub(extra))}")

    def call(self, indent: int, call: Any) -> None:
        request = getattr(call, "request", call)
        method = getattr(request, "method", getattr(call, "method", "?"))
        self.emit(indent, f"method: {method}")
        system = getattr(request, "system", "")
        if system:
            self.text_field(indent, "system", system)
        tools = getattr(request, "tools", None)
        if tools:
            self.emit(indent, f"tools: {', '.join(getattr(t, 'name', str(t)) for t in tools)}")
        self.emit(indent, f"max_tokens: {getattr(request, 'max_tokens', '?')}")
        for name in ("response_format", "json_mode", "max_retries"):
            given = getattr(request, name, None)
            if given not in (None, False):
                self.emit(indent, f"{name}: {_json(self.scrub(given))}")
        messages = list(getattr(request, "messages", []) or [])
        self.emit(indent, "messages:" if messages else "messages: []")
        self.messages(indent + 1, messages)
        self.emit(indent, f"attempts: {call.attempts}")
        for number, attempt in enumerate(getattr(call, "attempt_log", []) or [], start=1):
            failed = getattr(attempt, "error", None)
            if failed is not None:
                self.emit(indent + 1, f"- attempt {number}: {_error_text(failed)}")
        error = getattr(call, "error", None)
        result = getattr(call, "result", None)
        events = list(getattr(call, "events", []) or [])
        if result is not None:
            self.value(indent, result, label="result")
        if events:
            self.emit(indent, "events:")
            self.events(indent + 1, events)
        if getattr(call, "closed_early", False):
            self.emit(indent, "closed_early: True")
        if error is not None and not events:
            self.emit(indent, f"error: {_error_text(error)}")
