"""From HTTP to the kit's typed errors: statuses, ``Retry-After``, transport failures.

Both providers use these, so a 429 from OpenAI and one from Anthropic surface identically: a
:class:`~llm_fakes.errors.RateLimitError` carrying the provider's own message (never the raw body)
and the server's requested wait in ``retry_after``.

Example:
    >>> parse_retry_after({"retry-after-ms": "1500", "retry-after": "2"})
    1.5
    >>> err = error_from_status(429, {"retry-after": "3"}, "Rate limit reached")
    >>> type(err).__name__, err.retry_after, err.message
    ('RateLimitError', 3.0, 'Rate limit reached')
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from llm_fakes.errors import (
    APIConnectionError,
    OverloadedError,
    ProviderError,
    ProviderTimeoutError,
    ResponseFormatError,
    error_for_status,
)

if TYPE_CHECKING:
    import httpx

    from llm_fakes.wire.base import WireAPI

__all__ = [
    "KIT_DEFAULTS",
    "api_words",
    "decode_json_body",
    "error_from_status",
    "error_from_transport",
    "parse_retry_after",
]


def parse_retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """The wait a response asks for: ``retry-after-ms``, else ``retry-after`` (seconds or a date).

    Example:
        >>> when = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
        >>> parse_retry_after({"retry-after": "Thu, 01 Jan 2026 00:00:07 GMT"}, now=when)
        7.0
        >>> parse_retry_after({"retry-after": "soon"}) is None
        True
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    ms = lowered.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            value = -1.0
        if value >= 0:
            return value
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
        return max(0.0, seconds)
    return seconds if seconds >= 0 else None


def error_from_status(
    status: int,
    headers: Mapping[str, str],
    message: str | None,
    *,
    error_type: str | None = None,
    hint: str = "",
    retry_after: float | None = None,
) -> ProviderError:
    """The typed error for an HTTP error status, with the provider's own ``message``.

    ``error_type`` is the provider's error type (``"overloaded_error"``...), used where the status
    alone is ambiguous (OpenAI reports overload as a 503). ``hint`` is appended (the fix).
    ``retry_after`` is a wait the body asked for (else the headers' is used).
    """
    text = message or f"HTTP {status} with no error message"
    if hint:
        text = f"{text.rstrip('.')}. {hint}"
    if retry_after is None:
        retry_after = parse_retry_after(headers)
    overloaded = "overloaded" in (error_type or "") or "overloaded" in text.lower()
    err: ProviderError
    if status == 408:
        err = ProviderTimeoutError(text, status=408)
    elif status == 503 and overloaded:
        err = OverloadedError(text, status=503)
    else:
        err = error_for_status(status, text, retry_after=retry_after)
    if retry_after is not None and not hasattr(err, "retry_after"):
        # The retry policy reads ``retry_after`` from any error, not only rate limits.
        err.retry_after = retry_after  # type: ignore[attr-defined]
    return err


def error_from_transport(exc: httpx.HTTPError, what: str) -> ProviderError:
    """The typed error for a failure below HTTP (``what`` names the request, e.g. ``"POST ..."``).

    Example:
        >>> import httpx
        >>> error_from_transport(httpx.ConnectError("refused"), "POST /v1/x")
        APIConnectionError('APIConnectionError: connection failed during POST /v1/x: refused')
    """
    import httpx
    from httpx_sse import SSEError

    detail = str(exc) or type(exc).__name__
    if isinstance(exc, SSEError):
        return ResponseFormatError(f"{what} did not answer with an event stream: {detail}")
    if isinstance(exc, httpx.TimeoutException):
        said = f": {exc}" if str(exc) else ""
        return ProviderTimeoutError(
            f"{what} timed out ({type(exc).__name__}{said}). Raise timeout= if the model is slow."
        )
    if isinstance(exc, httpx.DecodingError):
        return ResponseFormatError(f"{what} sent a body that cannot be decoded: {detail}")
    if isinstance(exc, httpx.TransportError):
        return APIConnectionError(f"connection failed during {what}: {detail}")
    return APIConnectionError(f"{what} failed: {type(exc).__name__}: {detail}")


def describe_body(content: bytes, content_type: str) -> str:
    """A short, safe description of an unexpected body: its type, size and first characters."""
    head = content[:60].decode("utf-8", errors="replace")
    more = "..." if len(content) > 60 else ""
    return f"{content_type or 'no content type'!r}, {len(content)} bytes, starting {head + more!r}"


def decode_json_body(content: bytes, content_type: str, what: str) -> dict[str, Any]:
    """Parse a JSON object body or raise :class:`ResponseFormatError` describing what came instead.

    Example:
        >>> decode_json_body(b'{"a": 1}', "application/json", "POST /x")
        {'a': 1}
        >>> decode_json_body(b"<html>502</html>", "text/html", "POST /x")
        Traceback (most recent call last):
        ...
        llm_fakes.errors.ResponseFormatError: ResponseFormatError: POST /x answered 200 \
with a body that is not a JSON object: 'text/html', 16 bytes, starting '<html>502</html>'. \
Check base_url points at the API itself.
    """
    try:
        data = json.loads(content)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ResponseFormatError(
            f"{what} answered 200 with a body that is not a JSON object: "
            f"{describe_body(content, content_type)}. Check base_url points at the API itself."
        )
    return data


def error_details(content: bytes) -> tuple[str | None, str | None]:
    """(message, "type:code") from an OpenAI- or Anthropic-shaped error body; ``None``s if neither.

    Example:
        >>> error_details(b'{"error": {"type": "overloaded_error", "message": "x"}}')
        ('x', 'overloaded_error')
    """
    try:
        data = json.loads(content)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    err = data.get("error")
    if isinstance(err, dict):
        msg = err.get("message")
        kinds = [k for k in (err.get("type"), err.get("code")) if isinstance(k, str) and k]
        return (msg if isinstance(msg, str) else None), (":".join(kinds) or None)
    if isinstance(err, str):
        return err, None
    msg = data.get("message") or data.get("detail")
    return (msg if isinstance(msg, str) else None), None


def error_from_response(
    response: httpx.Response, hint_401: str = "", api: WireAPI | None = None
) -> ProviderError:
    """The typed error for an HTTP error response (body already read), read as ``api`` reads
    its errors (message, type and retry hint; OpenAI's and Anthropic's shape without one)."""
    details = api.error_details if api is not None else error_details
    message, kind = details(response.content)
    if message is None:
        ctype = response.headers.get("content-type", "")
        message = f"HTTP {response.status_code} with a body that is not an API error: " + (
            describe_body(response.content, ctype)
        )
    hint = hint_401 if response.status_code == 401 else ""
    wait = api.retry_after(response.headers, response.content) if api is not None else None
    return error_from_status(
        response.status_code,
        response.headers,
        message,
        error_type=kind,
        hint=hint,
        retry_after=wait,
    )


def error_from_event(payload: Any, what: str) -> ProviderError:
    """The typed error for an error sent *inside* a 200 event stream.

    Overload and rate-limit errors stay retryable; anything else is not (the server chose to end
    a stream it had started, and no network fault is involved).
    """
    err = payload.get("error") if isinstance(payload, dict) else None
    message = err.get("message") if isinstance(err, dict) else None
    kind = err.get("type") if isinstance(err, dict) else None
    text = message if isinstance(message, str) and message else f"{what} sent an error event"
    kind = kind if isinstance(kind, str) else ""
    if kind.startswith("overloaded"):
        return OverloadedError(text)
    if kind in ("rate_limit_error", "rate_limit_exceeded", "requests", "tokens"):
        return error_for_status(429, text)
    return ProviderError(f"{text} (error type {kind or 'unknown'!r} in the stream)")


#: The messages ``Fail``'s constructors give when the script names none. A fake answers such a
#: failure in its API's own words (each wire module's ``WORDING``), since clients classify errors
#: by the text too: litellm 1.83 calls an OpenAI 401 whose message lacks "Incorrect API key
#: provided" a ``BadRequestError``. A failure scripted with a message of its own keeps it.
KIT_DEFAULTS = frozenset(
    {
        "rate limited",
        "overloaded",
        "internal server error",
        "request timed out",
        "bad request",
        "invalid api key",
    }
)


def api_words(wording: Mapping[str, str], kind: str, message: str, status: int | None) -> str:
    """The API's words for an error of ``kind`` (``"kind:status"`` first) when ``message`` is
    the kit's default; ``message`` otherwise, or when the API's words are not known.

    Example:
        >>> words = {"auth": "invalid x-api-key", "server:500": "Internal server error"}
        >>> api_words(words, "auth", "invalid api key", 401), api_words(words, "auth", "mine", 401)
        ('invalid x-api-key', 'mine')
        >>> api_words(words, "server", "internal server error", 502)
        'internal server error'
    """
    if message not in KIT_DEFAULTS:
        return message
    return wording.get(f"{kind}:{status}") or wording.get(kind) or message
