"""What a cassette keeps of a response recorded at the HTTP level, and how it is sent again.

An interaction imported from vcrpy or recorded through ``llm-fakes serve --upstream`` keeps,
beside its provider-level outcome (what ``CassetteProvider`` replays), the wire response itself
under ``http:``, so that a served cassette answers any client with the recorded response ids,
headers and, for a stream, the recorded events in their recorded chunks::

    http:
      status: 200
      headers: {content-type: application/json, x-request-id: req_8f3a}
      body: {id: chatcmpl-BEhL3f, object: chat.completion, ...}   # a JSON body, parsed
      chunks: ["data: {...}\\n\\n", "data: [DONE]\\n\\n"]          # or an event stream's chunks
      text: "..."                                                 # or a body that is not JSON

Only the headers a client reads are kept (:data:`KEPT_HEADERS`): never a cookie, an account or
a credential header. Everything is scrubbed with the rest of the interaction before it is saved.

Example:
    >>> record = http_record(200, {"content-type": "text/event-stream", "set-cookie": "s=1"},
    ...                      b"data: 1\\n\\ndata: 2\\n\\n")
    >>> record["headers"], record["chunks"]
    ({'content-type': 'text/event-stream'}, ['data: 1\\n\\n', 'data: 2\\n\\n'])
    >>> [part for part in wire_response(record).parts]
    [b'data: 1\\n\\n', b'data: 2\\n\\n']
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from llm_fakes.http._fake_values import WireResponse

__all__ = ["KEPT_HEADERS", "http_record", "split_events", "wire_response"]

#: The response headers a recording keeps: what SDKs read (the content type, the request id they
#: put in errors and logs, the retry hints).
KEPT_HEADERS = (
    "content-type",
    "x-request-id",
    "request-id",
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
)
_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")


def split_events(body: bytes) -> list[bytes]:
    """An event-stream body cut after each event (how a server sends it, where the recording
    kept no chunk boundaries: vcrpy stores a body whole).

    Example:
        >>> split_events(b"event: a\\ndata: 1\\n\\ndata: 2\\n\\n")
        [b'event: a\\ndata: 1\\n\\n', b'data: 2\\n\\n']
    """
    out, start = [], 0
    for m in _EVENT_END.finditer(body):
        out.append(body[start : m.end()])
        start = m.end()
    if start < len(body):
        out.append(body[start:])
    return out


def _texts(chunks: Iterable[bytes]) -> list[str]:
    """The chunks as text; a chunk ending inside a UTF-8 character is joined to the next."""
    out: list[str] = []
    pending = b""
    for chunk in chunks:
        pending += chunk
        try:
            out.append(pending.decode("utf-8"))
        except UnicodeDecodeError as exc:
            if exc.start < len(pending) - 3:  # not a character cut at the end: not UTF-8 at all
                out.append(pending.decode("utf-8", "replace"))
            else:
                continue
        pending = b""
    if pending:
        out.append(pending.decode("utf-8", "replace"))
    return out


def http_record(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    chunks: Sequence[bytes] | None = None,
    raw: Any = None,
) -> dict[str, Any]:
    """The ``http:`` record of a response: its status, kept headers and body (an event stream as
    ``chunks``, the ones given or its events; JSON parsed as ``body``, left out when it is
    ``raw``, the response's ``raw_response``, already kept; other text as ``text``)."""
    lower = {k.lower(): v for k, v in headers.items()}
    kept = {name: str(lower[name]) for name in KEPT_HEADERS if name in lower}
    record: dict[str, Any] = {"status": status, "headers": kept}
    if "text/event-stream" in lower.get("content-type", ""):
        record["chunks"] = _texts(chunks if chunks is not None else split_events(body))
        return record
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        record["text"] = body.decode("utf-8", "replace")
        return record
    if raw is None or parsed != raw:
        record["body"] = parsed
    return record


def wire_response(
    record: Mapping[str, Any], extra: Sequence[tuple[str, str]] = (), raw: Any = None
) -> WireResponse:
    """The recorded response, to send again (``extra`` headers added, unless recorded; ``raw``,
    the response's ``raw_response``, the body when the record keeps none)."""
    headers = [(k, str(v)) for k, v in (record.get("headers") or {}).items()]
    names = {k for k, _ in headers}
    headers += [(k, v) for k, v in extra if k not in names]
    status = int(record.get("status") or 200)
    if "chunks" in record:
        parts = [str(c).encode("utf-8") for c in record["chunks"]]
        return WireResponse(status, headers, parts, stream=True)
    if "body" in record or ("text" not in record and raw is not None):
        data = json.dumps(record.get("body", raw), ensure_ascii=False).encode("utf-8")
        if "content-type" not in names:
            headers.append(("content-type", "application/json"))
    else:
        data = str(record.get("text") or "").encode("utf-8")
    return WireResponse(status, headers, [data])
