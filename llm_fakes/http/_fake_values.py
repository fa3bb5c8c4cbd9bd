"""The values a fake server trades in: the logged request and the response it sends.

:class:`WireResponse` is what both forms of a fake (the httpx transport and the loopback server)
send: a status, headers, the body in parts (one SSE event per part) and how the exchange ends
(normally, or with a dropped connection or a timeout, as scripted).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CREATED",
    "RecordedRequest",
    "WireResponse",
    "json_response",
    "sse_response",
]

#: The fixed ``created`` time of every fake response, so recordings of the fakes are byte-stable.
CREATED = 1_767_225_600

Ending = Literal["complete", "reset", "no_response", "timeout"]


@dataclass(frozen=True, kw_only=True)
class RecordedRequest:
    """One request a fake received.

    Attributes:
        method: ``"POST"``...
        path: The URL path, e.g. ``"/v1/chat/completions"``.
        headers: Lower-cased request headers, credentials removed
            (:func:`~llm_fakes.secrets.secret_headers`).
        body: The parsed JSON body (``None`` when it was not JSON).
        status: The status the fake answered with (0 when it dropped the connection).
        turn: The index of the script turn that answered it (``None`` for a rejected request).
        model, messages, system, tools, max_tokens, stream: The request in the seed's terms
            (``messages`` OpenAI-style, ``tools`` as ``{"name", "description", "parameters"}``).
        json_mode: Whether the request asked for JSON (any of the API's ways, see the wire docs).
        response_format: The JSON request in OpenAI's shape (``{"type": "json_object"}`` or
            ``{"type": "json_schema", "json_schema": {...}}``), whatever the API.
        schema: The requested JSON schema, if any.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 200
    turn: int | None = None
    model: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    system: str = ""
    tools: list[dict[str, Any]] = field(default_factory=list)
    max_tokens: int | None = None
    stream: bool = False
    json_mode: bool = False
    response_format: dict[str, Any] | None = None
    schema: dict[str, Any] | None = None


@dataclass
class WireResponse:
    """An HTTP response as the transport and the loopback server both send it."""

    status: int
    headers: list[tuple[str, str]]
    #: The body, one part per SSE event (a forwarding app's parts arrive as it reads them).
    parts: Iterable[bytes]
    stream: bool = False
    ending: Ending = "complete"
    #: The declared Content-Length when it differs from the bytes sent (a cut-short body).
    content_length: int | None = None
    #: Called once the exchange is over (a forwarding app releases its upstream response).
    close: Callable[[], object] | None = field(default=None, repr=False)


def json_response(
    status: int, body: dict[str, Any], headers: Sequence[tuple[str, str]] = ()
) -> WireResponse:
    """A JSON response."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return WireResponse(status, [("content-type", "application/json"), *headers], [data])


def sse_response(parts: list[bytes], ending: Ending = "complete") -> WireResponse:
    """An event-stream response, one part per event."""
    headers = [("content-type", "text/event-stream; charset=utf-8"), ("cache-control", "no-cache")]
    return WireResponse(200, headers, parts, stream=True, ending=ending)
