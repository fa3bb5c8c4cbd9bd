"""The wire formats a vcrpy cassette can be imported from: one :class:`WireFormat` per registry API.

A :class:`WireFormat` is the cassette side of one :class:`~llm_fakes.wire.base.WireAPI` entry of
:data:`~llm_fakes.wire.registry.REGISTRY`: it reads a request body back into the seed's terms
(with the entry's reader, the one the fake servers and the conformance suite use), turns the
response into a cassette outcome with the entry's parsers (response, stream decoder, error
reading), and gives the *canonical* form of a seed-level request: what is left of it after a
round trip through that API's wire, which is how an imported recording is matched (see
:func:`canonical`).

Adding an API is one registry entry (see :mod:`llm_fakes.wire`); nothing here names one.

Example:
    >>> fmt = format_for("/v1/chat/completions")
    >>> fmt.name, format_for("/v1/embeddings") is None
    ('openai-chat', True)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llm_fakes.errors import ProviderError
if TYPE_CHECKING:
    from llm_fakes.wire.base import WireAPI

__all__ = ["WireFormat", "canonical", "format_for", "format_named", "formats"]


@dataclass(frozen=True)
class WireFormat:
    """One API's wire format, as the importer needs it.

    Attributes:
        api: The registry entry.
    """

    api: WireAPI

    @property
    def name(self) -> str:
        """Stored in each imported interaction (``wire:``): the entry's key."""
        return self.api.key

    @property
    def provider(self) -> str:
        """The kit provider speaking it (the cassette header's ``provider``)."""
        return self.api.provider

    def read_request(self, body: dict[str, Any], path: str = "") -> dict[str, Any]:
        """The seed-level request a wire body (sent to ``path``) asked for (``max_tokens``
        absent if the wire had none), in canonical form. Raises ``KeyError``/``TypeError``/...
        on a foreign body."""
        from llm_fakes.cassettes.matching import make_request
        from llm_fakes.cassettes.outcome import request_record
        from llm_fakes.types import Tool
        from llm_fakes.wire.base import json_format_of

        seen = self.api.read_request(body, path=path)
        tools = [
            Tool(t["name"], t.get("description", ""), t.get("parameters") or {})
            for t in seen["tools"]
        ]
        request = make_request(
            seen["messages"],
            seen["system"],
            tools or None,
            seen["max_tokens"],  # type: ignore[arg-type]
            seen["response_format"],
            json_format_of(seen["json_mode"], seen["response_format"]) is not None,
        )
        request["messages"] = [_tidy(m) for m in request["messages"]]
        out = request_record(request)
        if out.get("max_tokens") is None:
            out.pop("max_tokens", None)
        return out

    def outcome(
        self, *, stream: bool, status: int, headers: Mapping[str, str], body: bytes, model: str
    ) -> dict[str, Any]:
        """The cassette outcome of a response: ``response``, ``events`` and/or ``error``.

        Raises:
            ValueError: The body cannot be read as this API's response.
        """
        from llm_fakes.cassettes.outcome import error_record, response_record
        from llm_fakes.typeset import TypeSet

        if status >= 400:
            return {"error": error_record(self.api.read_error(status, headers, body))}
        ctype = str(headers.get("content-type", ""))
        if "text/event-stream" in ctype or (stream and "json" not in ctype):
            return {"events": self._events(headers, body, model)}
        try:
            data = json.loads(body)
        except ValueError:
            raise ValueError(f"the {status} response body is not JSON ({body[:40]!r})") from None
        if not isinstance(data, dict):
            raise ValueError(f"the response body is a JSON {type(data).__name__}, not an object")
        try:
            response = self.api.parse_response(data, TypeSet.default(), model)
        except ProviderError as exc:
            raise ValueError(str(exc)) from None
        return {"response": response_record(response)}

    def _events(self, headers: Mapping[str, str], body: bytes, model: str) -> list[dict[str, Any]]:
        import httpx
        from httpx_sse import EventSource

        from llm_fakes.cassettes.outcome import event_record
        from llm_fakes.typeset import TypeSet

        types = TypeSet.default()
        decoder = self.api.stream_decoder(types, model)
        response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
        events: list[Any] = []
        try:
            for sse in EventSource(response).iter_sse():
                events += decoder.feed(sse.event, sse.data)
                if decoder.done:
                    break
            events += decoder.finish()
        except ProviderError as exc:  # what the kit's providers yield for a failed stream
            events.append(types.event("StreamErrorEvent", error=str(exc), recoverable=exc.retryable))
        if not events:
            raise ValueError("the event stream holds no events")
        out, snapshot = [], ""
        for event in events:
            record = event_record(event, snapshot, 0.0)
            del record["at"]  # vcrpy keeps no timing: a replay has none either
            snapshot = getattr(event, "snapshot", snapshot)
            out.append(record)
        return out


def _tidy(message: dict[str, Any]) -> dict[str, Any]:
    """A message with what the APIs treat alike made alike: ``None`` fields dropped, a list of
    text parts joined, an assistant's empty content beside tool calls dropped."""
    out = {k: v for k, v in message.items() if v is not None}
    content = out.get("content")
    if isinstance(content, list) and all(
        isinstance(p, dict) and p.get("type") == "text" and set(p) <= {"type", "text"}
        for p in content
    ):
        out["content"] = "".join(str(p.get("text", "")) for p in content)
    if out.get("tool_calls"):
        if out.get("content") == "":
            del out["content"]
        out["tool_calls"] = [_tidy_call(c) for c in out["tool_calls"]]
    return out


def _tidy_call(call: Any) -> Any:
    if not isinstance(call, dict):
        return call
    fn = call.get("function") or {}
    return {"id": call.get("id"), "type": call.get("type") or "function", "function": fn}


def canonical(fmt: WireFormat, request: dict[str, Any]) -> dict[str, Any] | None:
    """A seed-level request after a round trip through ``fmt``'s wire (the kit provider's
    builder, then the reader): two requests the API cannot tell apart (``json_mode=True`` or
    ``response_format={"type": "json_object"}``; a system prompt as ``system=`` or as a system
    message; content blocks or a string) have the same canonical form. ``None`` when the request
    cannot be sent in that format. ``max_tokens`` is kept as given.

    Example:
        >>> fmt = format_named("openai-chat")
        >>> a = {"messages": [{"role": "user", "content": "hi"}], "json_mode": True}
        >>> b = {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        ...      "response_format": {"type": "json_object"}}
        >>> canonical(fmt, a) == canonical(fmt, b)
        True
    """
    try:
        body = fmt.api.build_request(
            "model",
            request.get("messages") or [],
            system=request.get("system") or "",
            tools=request.get("tools") or None,
            max_tokens=request.get("max_tokens") or 1,
            response_format=request.get("response_format"),
            json_mode=bool(request.get("json_mode")),
        )
        out = fmt.read_request(body)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    full = {"system": "", "tools": [], "response_format": None, "json_mode": False, **out}
    if "max_tokens" in request:
        full["max_tokens"] = request["max_tokens"]
    else:
        full.pop("max_tokens", None)
    full["max_retries"] = request.get("max_retries")
    return full


def formats() -> list[WireFormat]:
    """One entry per registry API, in the order URL paths are tried."""
    from llm_fakes.wire.registry import REGISTRY

    return [WireFormat(api) for api in REGISTRY]


def format_for(path: str) -> WireFormat | None:
    """The wire format of a URL path, or ``None`` for an endpoint no entry knows."""
    from llm_fakes.wire.registry import REGISTRY

    api = REGISTRY.for_path(path)
    return WireFormat(api) if api else None


def format_named(name: str) -> WireFormat | None:
    """The entry stored as ``wire: name`` in an imported interaction (a key or an older alias;
    ``None`` if unknown)."""
    from llm_fakes.wire.registry import REGISTRY

    api = REGISTRY.find(name)
    return WireFormat(api) if api else None
