"""Converting what a provider returned (responses, events, errors) to cassette data and back.

Everything is built back through a :class:`~llm_fakes.typeset.TypeSet`, so a replay gives the
user's own classes when ``llm_fakes_types`` (or ``types=``) names them.

Example:
    >>> from llm_fakes.types import LLMResponse
    >>> rec = response_record(LLMResponse(content="hi", model="m", output_tokens=1))
    >>> rec
    {'content': 'hi', 'model': 'm', 'output_tokens': 1}
    >>> response_from_record(rec).output_tokens
    1
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from llm_fakes.cassettes.format import ERROR_CLASSES, REQUEST_DEFAULTS
from llm_fakes.cassettes.matching import _default
from llm_fakes.errors import (
    CassetteError,
    JSONModeError,
    LLMFakesError,
    ProviderError,
    RateLimitError,
)
from llm_fakes.events import EVENT_CLASSES
from llm_fakes.scripted.render import chunk_text
from llm_fakes.types import LLMResponse, ToolUse
from llm_fakes.raw_tool_calls import RawToolCalls
from llm_fakes.typeset import OPTIONAL_FIELDS, TypeSet, resolve_types, tool_uses_of

__all__ = [
    "copy_plain",
    "error_from_record",
    "error_record",
    "event_record",
    "events_from_record",
    "events_from_response_record",
    "request_record",
    "response_from_events",
    "response_from_record",
    "response_record",
    "to_plain",
]

#: Event ``type`` literal -> (kit class name, {field: default}) for every field but ``type``.
EVENT_FIELDS: dict[str, tuple[str, dict[str, Any]]] = {}
for _cls in EVENT_CLASSES:
    _defaults = {
        f.name: (f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default)
        for f in dataclasses.fields(_cls)
        if f.name != "type"
    }
    EVENT_FIELDS[_cls().type] = (_cls.__name__, _defaults)


def to_plain(value: Any) -> Any:
    """A deep copy made of plain JSON data (dataclasses and pydantic models become dicts)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=_default))


def copy_plain(value: Any) -> Any:
    """A deep copy of plain data, so a caller mutating a replayed value changes no recording."""
    if isinstance(value, dict):
        return {k: copy_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_plain(v) for v in value]
    return value


def request_record(request: dict[str, Any]) -> dict[str, Any]:
    """The request as stored: plain data, fields equal to the defaults left out."""
    plain = to_plain(request)
    return {k: v for k, v in plain.items() if k not in REQUEST_DEFAULTS or v != REQUEST_DEFAULTS[k]}


def response_record(response: Any) -> dict[str, Any]:
    """A response (of any type set) as cassette data."""
    out: dict[str, Any] = {"content": response.content, "model": response.model}
    for name in ("input_tokens", "output_tokens"):
        if getattr(response, name, 0):
            out[name] = int(getattr(response, name))
    if getattr(response, "stop_reason", ""):
        out["stop_reason"] = response.stop_reason
    for name in OPTIONAL_FIELDS["LLMResponse"]:  # a user's class with newer fields
        if getattr(response, name, None):
            out[name] = to_plain(getattr(response, name))
    uses = tool_uses_of(response)
    if uses:
        out["tool_uses"] = [{"id": u.id, "name": u.name, "input": to_plain(u.input)} for u in uses]
    raw = getattr(response, "raw_response", None)
    if not hasattr(response, "tool_uses") and isinstance(raw, RawToolCalls):
        raw = raw["raw"]  # a type set without tool_uses packs them beside the raw payload
    if raw is not None:
        out["raw_response"] = to_plain(raw)
    return out


def response_from_record(record: dict[str, Any], types: TypeSet | None = None) -> Any:
    """Build the response a ``response`` record describes."""
    ts = types or resolve_types(None)
    if ts.is_default:  # the hot path of a replay: no keyword plumbing
        uses = record.get("tool_uses")
        raw = record.get("raw_response")
        return LLMResponse(
            record["content"],
            record["model"],
            record.get("input_tokens", 0),
            record.get("output_tokens", 0),
            record.get("stop_reason", ""),
            copy_plain(raw) if raw is not None else None,
            [ToolUse(u["id"], u["name"], copy_plain(u["input"])) for u in uses] if uses else [],
        )
    return ts.response(
        content=record["content"],
        model=record["model"],
        input_tokens=record.get("input_tokens", 0),
        output_tokens=record.get("output_tokens", 0),
        stop_reason=record.get("stop_reason", ""),
        raw_response=copy_plain(record.get("raw_response")),
        tool_uses=[
            ToolUse(id=u["id"], name=u["name"], input=copy_plain(u["input"]))
            for u in record.get("tool_uses", ())
        ],
        **{k: record[k] for k in OPTIONAL_FIELDS["LLMResponse"] if k in record},
    )


def error_record(error: ProviderError | JSONModeError) -> dict[str, Any]:
    """A provider error as cassette data: class name, status, message, retryable, retry_after."""
    if isinstance(error, JSONModeError):
        return {"class": "JSONModeError", "message": str(error), "status": None, "retryable": False}
    cls: type[Any] = type(error)
    while cls.__name__ not in ERROR_CLASSES or ERROR_CLASSES[cls.__name__] is not cls:
        cls = cls.__mro__[1]  # a subclass from elsewhere is recorded as its nearest kit class
    out: dict[str, Any] = {
        "class": cls.__name__,
        "message": error.message,
        "status": error.status,
        "retryable": error.retryable,
    }
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        out["retry_after"] = float(retry_after)
    return out


def error_from_record(record: dict[str, Any]) -> LLMFakesError:
    """The typed error an ``error`` record describes."""
    cls = ERROR_CLASSES[record["class"]]
    if not issubclass(cls, ProviderError):
        return cls(record["message"])
    kwargs: dict[str, Any] = {"status": record.get("status"), "retryable": record.get("retryable")}
    if issubclass(cls, RateLimitError):
        kwargs["retry_after"] = record.get("retry_after")
    error = cls(record["message"], **kwargs)
    if not issubclass(cls, RateLimitError) and record.get("retry_after") is not None:
        error.retry_after = record["retry_after"]  # type: ignore[attr-defined]
    return error


def event_record(event: Any, snapshot_so_far: str, at: float) -> dict[str, Any]:
    """One event as cassette data: fields equal to their defaults (and derivable snapshots)
    left out, ``at`` the seconds since the request was sent."""
    kind = event.type
    _, defaults = EVENT_FIELDS[kind]
    out: dict[str, Any] = {"type": kind}
    for name, default in defaults.items():
        value = getattr(event, name, default)
        if name == "snapshot":  # left out exactly when it is derivable, whatever its value
            if value != snapshot_so_far + getattr(event, "content", ""):
                out[name] = value
            continue
        if value != default:
            out[name] = to_plain(value) if isinstance(value, dict | list) else value
    for name in OPTIONAL_FIELDS.get(EVENT_FIELDS[kind][0], ()):  # a user's class's newer fields
        if getattr(event, name, None):
            out[name] = to_plain(getattr(event, name))
    out["at"] = round(at, 4)
    return out


def events_from_record(
    records: Iterable[dict[str, Any]], types: TypeSet | None = None
) -> list[Any]:
    """Rebuild recorded events exactly (snapshots filled in where they were left out)."""
    ts = types or resolve_types(None)
    out = []
    snapshot = ""
    for record in records:
        kind = record["type"]
        name, defaults = EVENT_FIELDS[kind]
        fields = {k: copy_plain(record.get(k, v)) for k, v in defaults.items()}
        extra = [k for k in OPTIONAL_FIELDS.get(name, ()) if k in record]
        if extra:
            fields.update(ts.extras(name, **{k: copy_plain(record[k]) for k in extra}))
        if kind == "text_delta":
            if "snapshot" not in record:
                fields["snapshot"] = snapshot + fields["content"]
            snapshot = fields["snapshot"]
        out.append(ts.event(name, **fields))
    return out


def events_from_response_record(record: dict[str, Any], types: TypeSet | None = None) -> list[Any]:
    """Stream events synthesised from a ``complete`` recording: the text in word chunks, then
    the tool calls, the text end and the finish, in the order the seed framework streams them."""
    ts = types or resolve_types(None)
    text = record["content"]
    out = []
    snapshot = ""
    for chunk in chunk_text(text):
        snapshot += chunk
        out.append(ts.event("TextDeltaEvent", content=chunk, snapshot=snapshot))
    for use in record.get("tool_uses", ()):
        out.append(
            ts.event(
                "ToolCallEvent",
                tool_use_id=use["id"],
                tool_name=use["name"],
                tool_input=copy_plain(use["input"]),
            )
        )
    if text:
        out.append(ts.event("TextEndEvent", full_text=text))
    out.append(
        ts.event(
            "FinishEvent",
            stop_reason=record.get("stop_reason", ""),
            input_tokens=record.get("input_tokens", 0),
            output_tokens=record.get("output_tokens", 0),
            cached_tokens=0,
            model=record["model"],
        )
    )
    return out


def response_from_events(
    records: list[dict[str, Any]], default_model: str, types: TypeSet | None = None
) -> Any:
    """The ``complete`` view of a recorded stream.

    Raises:
        ProviderError: the stream ended with a ``StreamErrorEvent`` (``retryable`` is its
            ``recoverable``).
    """
    text = ""
    full_text: str | None = None
    uses = []
    finish: dict[str, Any] = {}
    for record in records:
        kind = record["type"]
        if kind == "text_delta":
            text = record.get("snapshot", text + record.get("content", ""))
        elif kind == "text_end":
            full_text = record.get("full_text", "")
        elif kind == "tool_call":
            uses.append(
                ToolUse(
                    id=record.get("tool_use_id", ""),
                    name=record.get("tool_name", ""),
                    input=copy_plain(record.get("tool_input", {})),
                )
            )
        elif kind == "finish":
            finish = record
        elif kind == "error":
            raise ProviderError(
                record.get("error", ""), retryable=bool(record.get("recoverable", False))
            )
    ts = types or resolve_types(None)
    return ts.response(
        content=text if full_text is None else full_text,
        model=finish.get("model") or default_model,
        input_tokens=finish.get("input_tokens", 0),
        output_tokens=finish.get("output_tokens", 0),
        stop_reason=finish.get("stop_reason", ""),
        tool_uses=uses,
    )


def truncated_error(interaction: dict[str, Any], where: str) -> CassetteError:
    """The error for reading past the end of a stream the caller cut short while recording."""
    return CassetteError(
        f"The recorded stream in {where} ends after {len(interaction.get('events', []))} "
        "event(s): while recording, the caller stopped reading there, and now it reads on. "
        "Re-record it with --llm-record-mode=all."
    )


def replay_response(
    interaction: dict[str, Any], types: TypeSet, default_model: str, where: str
) -> Any:
    """The ``complete`` view of any recording (raises the recorded error, if any)."""
    if "response" in interaction:
        return response_from_record(interaction["response"], types)
    if interaction.get("truncated"):
        raise truncated_error(interaction, where)
    events = interaction.get("events", [])
    response = response_from_events(events, default_model, types) if events else None
    if "error" in interaction:
        raise error_from_record(interaction["error"])
    return response


def replay_events(interaction: dict[str, Any], types: TypeSet) -> list[tuple[float | None, Any]]:
    """The ``stream`` view of any recording, as ``(seconds after the request, event)`` pairs
    (no time for synthesised events). A recorded stream's raised error is the caller's to raise
    after them."""
    if interaction["call"] != "stream":
        if "error" in interaction:
            return [(None, types.error_event(error_from_record(interaction["error"])))]
        return [(None, e) for e in events_from_response_record(interaction["response"], types)]
    records = interaction.get("events", [])
    events = events_from_record(records, types)
    return [(r.get("at"), e) for r, e in zip(records, events, strict=True)]


def first_model(interactions: list[dict[str, Any]]) -> str:
    """The model of the first recorded response or finish event (for the header)."""
    for interaction in interactions:
        if "response" in interaction:
            return str(interaction["response"].get("model", ""))
        for event in interaction.get("events", ()):
            if event.get("type") == "finish" and event.get("model"):
                return str(event["model"])
    return ""
