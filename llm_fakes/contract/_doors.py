"""The HTTP doors of the conformance backend: a watched transport and a loopback server.

:class:`WatchedTransport` wraps a fake server's in-process transport (which answers ``httpx``
and ``httpx2`` clients alike, so the official SDKs can use it too). It adds the example's
latency, re-splits response bytes at awkward places (inside UTF-8 characters, SSE lines and
tool-argument JSON), and counts responses whose body is still open (contract S7).

:class:`LoopbackServer` is one real HTTP server on 127.0.0.1 for the whole run, forwarding each
request to the watched transport of the example being played, so an SDK pointed at its base URL
meets the same fake over a real socket, and a server is not started and stopped per example. A
client that walks away from a stream closes its socket; the server notices at its next write and
closes the upstream body, so an abandoned stream shows up as released.

This module imports httpx; it is reached only when a provider opens an HTTP door.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from llm_fakes.contract.virtual_time import BACKEND_THREAD_PREFIX

__all__ = ["BACKEND_THREAD_PREFIX", "LoopbackServer", "WatchedTransport", "make_watched"]


def _resplit(data: bytes, sizes: tuple[int, ...], start: int) -> tuple[list[bytes], int]:
    if not any(sizes):
        return [b"", data], start
    out: list[bytes] = []
    i, k = 0, start
    while i < len(data):
        size = sizes[k % len(sizes)]
        k += 1
        out.append(data[i : i + size])  # size 0 gives an empty chunk, on purpose
        i += size
    return out, k


class _Counter:
    """Response bodies handed out and not yet closed (thread-safe)."""

    def __init__(self) -> None:
        self.open = 0
        self._lock = threading.Lock()

    def add(self, n: int) -> None:
        with self._lock:
            self.open += n


_STREAMS: dict[str, type[Any]] = {}


def _module_of(request: Any) -> Any:
    """``httpx`` or ``httpx2``: the package of the client that sent ``request``."""
    if isinstance(request, httpx.Request):
        return httpx
    return sys.modules.get(type(request).__module__.split(".")[0], httpx)


def _stream_class(mod: Any) -> type[Any]:
    cls = _STREAMS.get(mod.__name__)
    if cls is not None:
        return cls

    class _Watched(mod.SyncByteStream, mod.AsyncByteStream):  # type: ignore[misc]
        def __init__(self, inner: Any, counter: _Counter, sizes: tuple[int, ...]) -> None:
            self._inner = inner
            self._counter = counter
            self._sizes = sizes
            self._closed = False
            counter.add(1)

        def _mark_closed(self) -> None:
            if not self._closed:
                self._closed = True
                self._counter.add(-1)

        def __iter__(self) -> Iterator[bytes]:
            k = 0
            for chunk in self._inner:
                if not self._sizes:
                    yield chunk
                    continue
                pieces, k = _resplit(chunk, self._sizes, k)
                yield from pieces

        async def __aiter__(self) -> AsyncIterator[bytes]:
            k = 0
            async for chunk in self._inner:
                if not self._sizes:
                    yield chunk
                    continue
                pieces, k = _resplit(chunk, self._sizes, k)
                for piece in pieces:
                    yield piece

        def close(self) -> None:
            try:
                close = getattr(self._inner, "close", None)
                if close is not None:
                    close()
            finally:
                self._mark_closed()

        async def aclose(self) -> None:
            try:
                aclose = getattr(self._inner, "aclose", None)
                if aclose is not None:
                    await aclose()
            finally:
                self._mark_closed()

    _STREAMS[mod.__name__] = _Watched
    return _Watched


class _Watching:
    """Wraps a fake's transport: latency, re-split bytes, a count of open response bodies."""

    def __init__(self, inner: Any, *, latency: float = 0.0, byte_splits: tuple[int, ...] = ()):
        self.inner = inner
        self.latency = latency
        self.byte_splits = byte_splits
        self.counter = _Counter()

    @property
    def open_responses(self) -> int:
        """Response bodies not closed yet."""
        return self.counter.open

    def _wrap(self, request: Any, response: Any) -> Any:
        mod = _module_of(request)
        stream = _stream_class(mod)(response.stream, self.counter, self.byte_splits)
        return mod.Response(
            response.status_code,
            headers=response.headers.multi_items(),
            stream=stream,
            request=request,
            extensions=response.extensions,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.latency:
            time.sleep(self.latency)
        return self._wrap(request, self.inner.handle_request(request))  # type: ignore[no-any-return]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.latency:
            await asyncio.sleep(self.latency)
        response = await self.inner.handle_async_request(request)
        return self._wrap(request, response)  # type: ignore[no-any-return]

    def close(self) -> None:
        """Nothing to release: the fake belongs to the backend."""

    async def aclose(self) -> None:
        """Nothing to release: the fake belongs to the backend."""


class WatchedTransport(_Watching, httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps a fake's transport: latency, re-split bytes, a count of open response bodies."""


@functools.cache
def _watched_class() -> type[_Watching]:
    try:
        import httpx2
    except ImportError:
        return WatchedTransport
    # SDK releases on httpx2 reject a transport with an httpx class in its MRO (as for the
    # fakes' own transport, llm_fakes.http._fake_transport.make_transport).
    bases = (_Watching, httpx2.BaseTransport, httpx2.AsyncBaseTransport)
    cls: type[_Watching] = type("WatchedTransport", bases, {"__doc__": _Watching.__doc__})
    return cls


def make_watched(
    inner: Any, *, latency: float = 0.0, byte_splits: tuple[int, ...] = ()
) -> _Watching:
    """A watched transport that ``httpx`` and ``httpx2`` clients (any SDK release) accept."""
    return _watched_class()(inner, latency=latency, byte_splits=byte_splits)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30  # an idle keep-alive connection's thread ends after this

    def setup(self) -> None:
        super().setup()
        # Headers and each SSE event are separate small writes: without TCP_NODELAY, Nagle's
        # algorithm holds each back until the client's delayed ACK (~40 ms per request).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr logging."""

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        transport = self.server.route()
        headers = [(k, v) for k, v in self.headers.items() if k.lower() != "host"]
        request = httpx.Request(
            "POST", f"http://testserver{self.path}", headers=headers, content=body
        )
        try:
            response = transport.handle_request(request)
        except httpx.HTTPError:
            self._drop()  # a scripted connection failure or timeout
            return
        try:
            self.send_response(response.status_code)
            for key, value in response.headers.multi_items():
                if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(key, value)
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for chunk in response.stream:
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (httpx.HTTPError, OSError):
            self._drop()  # a failure mid-body, or the client walked away
        finally:
            response.close()

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    route: Callable[[], Any]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client resetting its connection (an abandoned stream, a closed pool) is normal
        here; anything else is a bug worth the traceback."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        t = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{BACKEND_THREAD_PREFIX}-handler",
            daemon=True,
        )
        t.start()


class LoopbackServer:
    """A server on 127.0.0.1 that forwards to ``route()``'s transport; stop it with ``close``."""

    def __init__(self, route: Callable[[], Any]) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.route = route
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{BACKEND_THREAD_PREFIX}-server",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
