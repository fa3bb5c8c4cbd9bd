"""Forwarding what a served cassette cannot replay to the real API, and keeping what it answers.

:class:`Upstream` sends a client's request on to ``upstream`` (the API's root URL: the request's
path is appended to it) with the client's own headers, and hands the response back as it
arrives: a stream goes out chunk by chunk as the upstream sends it, while the chunks are kept.
When the response is complete, ``on_done(status, headers, body, chunks)`` is called with what was
received, for the server to record. A response the client stopped reading is not recorded.

Example:
    >>> import httpx
    >>> def api(request):
    ...     return httpx.Response(200, text=request.url.path)
    >>> up = Upstream("https://api.example.com", transport=httpx.MockTransport(api))
    >>> seen = []
    >>> wire = up.forward("POST", "/v1/x?a=1", [("host", "me")], b"{}",
    ...                   lambda *done: seen.append(done[:3]))
    >>> b"".join(wire.parts), [(status, body) for status, _, body in seen]
    (b'/v1/x', [(200, b'/v1/x')])
    >>> up.close()
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from typing import Any

from llm_fakes.http._fake_values import WireResponse

__all__ = ["Upstream", "UpstreamError"]

#: Headers that describe one hop, not the message: never forwarded either way.
_HOP = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
        "content-encoding",
        "accept-encoding",
    }
)

Done = Callable[[int, dict[str, str], bytes, list[bytes]], None]


class UpstreamError(Exception):
    """The upstream could not be reached or failed before answering; the message says how."""


class Upstream:
    """The real API a served cassette records from.

    Args:
        url: Its root URL (``https://api.openai.com``); a request's path is appended to it.
        transport: An httpx transport to reach it through (tests: a fake's ``transport()``).
        timeout: Seconds to wait for it to connect and between reads.
    """

    def __init__(self, url: str, transport: Any = None, timeout: float = 600.0) -> None:
        import httpx

        self.url = url.rstrip("/")
        self._client = httpx.Client(
            transport=transport, timeout=httpx.Timeout(timeout, connect=10.0)
        )

    def forward(
        self,
        method: str,
        path: str,
        headers: Iterable[tuple[str, str]],
        raw: bytes,
        on_done: Done,
    ) -> WireResponse:
        """Send the request on; the response to pass back (a stream, as it arrives).

        Raises:
            UpstreamError: No response came (refused, unreachable, timed out).
        """
        import httpx

        sent = [(k, v) for k, v in headers if k.lower() not in _HOP]
        sent.append(("accept-encoding", "identity"))  # a body it can record as it passes
        request = self._client.build_request(method, self.url + path, headers=sent, content=raw)
        try:
            response = self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise UpstreamError(f"{type(exc).__name__}: {exc}") from None
        kept = {k.lower(): v for k, v in response.headers.items()}
        back = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _HOP]
        ctype = kept.get("content-type", "")
        if "text/event-stream" not in ctype:
            try:
                body = response.read()
            except httpx.HTTPError as exc:
                raise UpstreamError(
                    f"the response broke off: {type(exc).__name__}: {exc}"
                ) from None
            finally:
                response.close()
            on_done(response.status_code, kept, body, [body])
            return WireResponse(response.status_code, back, [body])
        parts = _passed_through(response, kept, on_done)
        # Sent as they come (the loopback server and the transport iterate them); closing them
        # (a client gone mid-stream) releases the upstream response.
        return WireResponse(response.status_code, back, parts, stream=True, close=parts.close)

    def close(self) -> None:
        """Close the connections to the upstream."""
        self._client.close()


def _passed_through(
    response: Any, headers: dict[str, str], on_done: Done
) -> Generator[bytes, None, None]:
    import httpx

    chunks: list[bytes] = []
    complete = False
    try:
        for chunk in response.iter_raw():
            if chunk:
                chunks.append(chunk)
                yield chunk
        complete = True
    except httpx.HTTPError as exc:
        # The upstream broke off: the client's connection is cut too, and nothing is kept.
        raise ConnectionResetError(f"the upstream broke off: {exc}") from None
    finally:
        response.close()
        if complete:
            on_done(response.status_code, headers, b"".join(chunks), chunks)
