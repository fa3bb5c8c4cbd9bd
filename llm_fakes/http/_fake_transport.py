"""The in-process form of a fake server: one transport for sync and async clients.

It answers ``httpx`` clients and also ``httpx2`` ones (the fork the official ``openai`` and
``anthropic`` SDKs now use; the Anthropic SDK accepts only ``httpx2.Client``): each response and
error is built from the package of the request it answers. Responses stream part by part (one
SSE event per part), so a client sees chunk boundaries as a real server sends them, and a
scripted connection drop surfaces mid-stream as the exception a real one raises.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import httpx

from llm_fakes.http._httpx_compat import module_of, per_module, transport_class

if TYPE_CHECKING:
    from llm_fakes.http._fake_values import WireResponse
from llm_fakes.http.fake_server import FakeServer

__all__ = ["FakeTransport", "make_transport"]


def _stream_class(mod: Any) -> type[Any]:
    """A byte stream class for ``mod`` (sync and async), made once per package."""
    return per_module("parts", mod, _make_stream_class)


def _make_stream_class(mod: Any) -> type[Any]:
    class _Parts(mod.SyncByteStream, mod.AsyncByteStream):  # type: ignore[misc]
        def __init__(self, wire: WireResponse, request: Any, delay: float) -> None:
            self._wire = wire
            self._request = request
            self._delay = delay

        def _broken(self) -> Exception:
            error: Exception = mod.RemoteProtocolError(
                "peer closed connection without sending complete message body "
                "(scripted connection drop)",
                request=self._request,
            )
            return error

        def __iter__(self) -> Iterator[bytes]:
            for i, part in enumerate(self._wire.parts):
                if i and self._delay:
                    time.sleep(self._delay)
                yield part
            if self._wire.ending == "reset":
                raise self._broken()

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for i, part in enumerate(self._wire.parts):
                if i:
                    # Yield to the loop between chunks, as a network read would.
                    await asyncio.sleep(self._delay)
                yield part
            if self._wire.ending == "reset":
                raise self._broken()

    return _Parts


class _Answers:
    """Answers requests from a :class:`~llm_fakes.http.fake_server.FakeServer`."""

    def __init__(self, fake: FakeServer) -> None:
        self.fake = fake

    def _respond(self, request: Any, body: bytes) -> Any:
        mod = module_of(request)
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query.decode("ascii", errors="replace")
        wire = self.fake.handle(request.method, target, request.headers.items(), body)
        if wire.ending == "no_response":
            raise mod.ConnectError(
                "connection reset by peer (scripted Fail.connection)", request=request
            )
        if wire.ending == "timeout":
            raise mod.ReadTimeout("timed out (scripted Fail.timeout)", request=request)
        headers = list(wire.headers)
        if not wire.stream:
            length = sum(len(p) for p in wire.parts)
            headers.append(("content-length", str(wire.content_length or length)))
        stream = _stream_class(mod)(wire, request, self.fake.chunk_delay)
        return mod.Response(wire.status, headers=headers, stream=stream, request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response: httpx.Response = self._respond(request, request.read())
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response: httpx.Response = self._respond(request, await request.aread())
        return response

    def __repr__(self) -> str:
        return f"FakeTransport({self.fake!r})"


class FakeTransport(_Answers, httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers requests from a :class:`~llm_fakes.http.fake_server.FakeServer`."""


def make_transport(fake: FakeServer) -> Any:
    """A transport answering from ``fake``, for ``httpx`` and ``httpx2`` clients alike.

    It answers each request in the request's own package either way; only its base classes
    differ. SDK releases on ``httpx2`` reject any object with an ``httpx`` class in its MRO, while
    ``httpx`` clients (and older SDKs) take any object with ``handle_request``; so where
    ``httpx2`` is installed the transport is an ``httpx2`` one, else an ``httpx`` one.
    """
    return transport_class(_Answers, "FakeTransport")(fake)
