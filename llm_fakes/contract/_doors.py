"""The HTTP doors of the conformance backend: a watched transport, served by the kit's one
loopback server.

:class:`WatchedTransport` wraps a fake server's in-process transport (which answers ``httpx``
and ``httpx2`` clients alike, so the official SDKs can use it too). It adds the example's
latency, re-splits response bytes at awkward places (inside UTF-8 characters, SSE lines and
tool-argument JSON), and counts responses whose body is still open (contract S7).

The backend session runs one :class:`~llm_fakes.http._loopback.LoopbackServer` per door for the
whole run (a :class:`~llm_fakes.http._loopback.TransportApp` forwarding each request to the
watched transport of the example being played), so an SDK pointed at its base URL meets the same
fake over a real socket, and a server is not started and stopped per example. A client that walks
away from a stream closes its socket; the server notices at its next write and closes the
upstream body, so an abandoned stream shows up as released.

This module imports httpx; it is reached only when a provider opens an HTTP door.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from llm_fakes.http._httpx_compat import module_of, per_module, transport_class

__all__ = ["WatchedTransport", "make_watched"]


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


def _stream_class(mod: Any) -> type[Any]:
    return per_module("watched", mod, _make_stream_class)


def _make_stream_class(mod: Any) -> type[Any]:
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
        mod = module_of(request)
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


def make_watched(
    inner: Any, *, latency: float = 0.0, byte_splits: tuple[int, ...] = ()
) -> _Watching:
    """A watched transport on the base classes SDKs accept here (``httpx2``'s where it is
    installed: SDK releases on it reject a transport with an ``httpx`` class in its MRO)."""
    cls: type[_Watching] = transport_class(_Watching, "WatchedTransport")
    return cls(inner, latency=latency, byte_splits=byte_splits)
