"""The one loopback server: a threaded HTTP/1.1 server on 127.0.0.1 in front of an app.

The app is a fake server (``fake.serve()``, ``llm-fakes serve``) or a :class:`TransportApp`
forwarding to an httpx transport (the conformance backend's doors, which route each request to
the example being played). Either way an app has ``handle(method, path, headers, body) ->``
:class:`~llm_fakes.http._fake_values.WireResponse`, ``error_body(status, message, kind)`` and
``chunk_delay``.

* Every socket has ``TCP_NODELAY``: headers, body and each SSE event are separate small writes,
  and Nagle's algorithm would hold each back until the client's delayed ACK (~40 ms a request).
* A request body is read only with a sane ``Content-Length``: ASCII digits (``²`` is a 400),
  one value, at most ``max_body`` bytes (:data:`MAX_BODY` by default; more is a 413). What the
  stdlib rejects itself (a garbled request line, a header too long) gets the API's JSON error
  body too, never an HTML page.
* No client can hold a thread: the headers must arrive within ``header_timeout`` seconds and
  the body within ``body_timeout`` (a 408 then; slowloris connections are closed), and an idle
  keep-alive connection is closed after :attr:`_Handler.timeout`.
* Streams go out with chunked transfer encoding, one HTTP chunk per SSE event, flushed at once;
  an HTTP/1.0 client, which cannot read chunks, gets the bytes as they are and the end of the
  stream is the end of the connection.
* ``host`` may be IPv6 (``::1``); the URL then brackets it (``http://[::1]:8000``).
  A scripted connection drop closes the socket without the closing chunk (or before any
  response), as does a failure of the app mid-body.
* Leaving the ``with`` block (or :meth:`LoopbackServer.stop`) stops the accept loop, shuts every
  open connection and joins the handler threads, so no thread or socket outlives the test.
"""

from __future__ import annotations

import contextlib
import io
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from llm_fakes.http._fake_values import WireResponse, json_response

__all__ = ["BODY_TIMEOUT", "HEADER_TIMEOUT", "MAX_BODY", "App", "LoopbackServer", "TransportApp"]


#: The largest request body read by default (a lying Content-Length must not make the server
#: wait forever, nor a huge one fill its memory).
MAX_BODY = 64 * 1024 * 1024
LENGTH_HINT = "Send the body with one Content-Length header of ASCII digits."
#: Seconds a client has to send a request's headers (once its first line arrived), and its body.
HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 30.0


class _DeadlineReader(io.RawIOBase):
    """The socket's reads, each bounded by what is left of the handler's current deadline, so a
    client trickling bytes (slowloris) cannot keep a read going past it."""

    def __init__(self, handler: _Handler) -> None:
        self._handler = handler
        self._sock: socket.socket = handler.connection

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._handler.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the client did not send the request in time")
        self._sock.settimeout(left)
        try:
            return self._sock.recv_into(buffer)
        finally:
            self._sock.settimeout(self._handler.timeout)


class App(Protocol):
    """What the server answers from (a :class:`~llm_fakes.http.fake_server.FakeServer` is one)."""

    chunk_delay: float

    def handle(
        self, method: str, path: str, headers: Iterable[tuple[str, str]], raw: bytes
    ) -> WireResponse: ...

    def error_body(self, status: int, message: str, kind: str) -> dict[str, Any]: ...


class _Dropped(Exception):
    """The app failed mid-body: the connection is dropped, as a real server's would be."""


class TransportApp:
    """An app forwarding each request to the httpx transport ``route()`` returns now.

    The response streams through as it arrives (one HTTP chunk per transport chunk); a transport
    error before the response drops the connection, one mid-body cuts it. The response is closed
    when the exchange ends, so a transport counting open bodies sees it released.
    """

    chunk_delay = 0.0

    def __init__(
        self,
        route: Callable[[], Any],
        error_body: Callable[[int, str, str], dict[str, Any]] | None = None,
    ) -> None:
        self.route = route
        self._error_body = error_body

    def error_body(self, status: int, message: str, kind: str) -> dict[str, Any]:
        if self._error_body is not None:
            return self._error_body(status, message, kind)
        return {"error": {"message": message, "type": kind}}

    def handle(
        self, method: str, path: str, headers: Iterable[tuple[str, str]], raw: bytes
    ) -> WireResponse:
        import httpx

        sent = [(k, v) for k, v in headers if k.lower() != "host"]
        request = httpx.Request(method, f"http://testserver{path}", headers=sent, content=raw)
        try:
            response = self.route().handle_request(request)
        except httpx.HTTPError:
            return WireResponse(0, [], [], ending="no_response")  # a scripted failure
        skip = ("content-length", "transfer-encoding", "connection")
        kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in skip]
        return WireResponse(
            response.status_code, kept, _chunks(response), stream=True, close=response.close
        )


def _chunks(response: Any) -> Iterator[bytes]:
    import httpx

    try:
        for chunk in response.stream:
            if chunk:
                yield chunk
    except httpx.HTTPError as exc:
        raise _Dropped(str(exc)) from exc


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30  # an idle keep-alive connection's thread ends after this

    #: When the read under way must be done (monotonic seconds).
    deadline = 0.0

    def setup(self) -> None:
        super().setup()
        if self.connection.family in (socket.AF_INET, socket.AF_INET6):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile.close()
        self.rfile = io.BufferedReader(_DeadlineReader(self))
        self.server.track(self.connection, threading.current_thread(), add=True)

    def handle_one_request(self) -> None:
        # Waiting for the next request on a kept-alive connection: the idle timeout.
        self.deadline = time.monotonic() + (self.timeout or 30)
        super().handle_one_request()

    def parse_request(self) -> bool:
        self.deadline = time.monotonic() + self.server.header_timeout
        try:
            return super().parse_request()
        except TimeoutError:
            self._too_slow("headers", self.server.header_timeout)
            return False

    def _too_slow(self, what: str, seconds: float) -> None:
        self.send_error(
            408,
            f"The request's {what} did not arrive within {seconds:g} s",
            "Send the whole request at once.",
        )

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.track(self.connection, threading.current_thread(), add=False)

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:
            # The client reset the connection (a cancelled stream, a closed pool): not an error
            # of the server, and not worth a traceback on the test's stderr.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test's output is not the place for an access log."""

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    # Every method reaches the fake, as through .transport(): the Responses API's DELETE, and
    # the same 404 for a method no route serves (the stdlib would answer 501).
    do_DELETE = do_PUT = do_PATCH = do_OPTIONS = do_POST

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What the stdlib rejects itself gets the API's JSON error body too."""
        if self.request_version == "HTTP/0.9":  # unparsable request line: answer as HTTP/1.0
            self.request_version = "HTTP/1.0"
        text = message or self.responses.get(code, ("Bad request",))[0]
        body = self.server.app.error_body(
            code, f"{text}. {explain or ''}".strip(), "invalid_request"
        )
        self.close_connection = True
        self._send(json_response(code, body, [("connection", "close")]))

    def _body(self) -> bytes | None:
        """The request body; ``None`` once a bad one was answered (400, 408 or 413)."""
        given = {v.strip() for v in self.headers.get_all("content-length") or ()} or {"0"}
        text = next(iter(given))
        # isdigit() alone takes "²" and other Unicode digits, which int() then refuses.
        if len(given) > 1 or not (text.isascii() and text.isdigit()):
            shown = ", ".join(sorted(given))
            self.send_error(400, f"Invalid Content-Length header {shown[:40]!r}", LENGTH_HINT)
            return None
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            self.send_error(400, "Chunked request bodies are not supported", LENGTH_HINT)
            return None
        length = int(text)
        limit = self.server.max_body
        if length > limit:
            self.send_error(
                413,
                f"The request body of {length} bytes is over this fake server's limit of "
                f"{limit} bytes",
                "Send less, or raise the limit (llm-fakes serve --max-body-bytes N).",
            )
            return None
        self.deadline = time.monotonic() + self.server.body_timeout
        try:
            return self.rfile.read(length) if length else b""
        except TimeoutError:
            self._too_slow("body", self.server.body_timeout)
            return None

    def _answer(self) -> None:
        raw = self._body()
        if raw is None:
            return
        wire = self.server.app.handle(self.command, self.path, self.headers.items(), raw)
        try:
            self._send(wire)
        except (OSError, _Dropped):
            # The client went away (an early break of a stream), or the app failed mid-body.
            self._drop()
        finally:
            if wire.close is not None:
                wire.close()

    def _send(self, wire: WireResponse) -> None:
        if wire.ending == "no_response":
            self._drop()
            return
        chunked = wire.stream and self.request_version != "HTTP/1.0"
        self.send_response(wire.status)
        for name, value in wire.headers:
            self.send_header(name, value)
        if chunked:
            self.send_header("transfer-encoding", "chunked")
        elif wire.stream:  # HTTP/1.0 has no chunks: the stream ends with the connection
            self.send_header("connection", "close")
            self.close_connection = True
        else:
            length = wire.content_length or sum(len(p) for p in wire.parts)
            self.send_header("content-length", str(length))
        self.end_headers()
        delay = self.server.app.chunk_delay
        for i, part in enumerate(wire.parts):
            if i and delay:
                time.sleep(delay)
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            else:
                self.wfile.write(part)
            self.wfile.flush()
        if wire.ending == "reset":
            self._drop()
            return
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def _drop(self) -> None:
        with contextlib.suppress(OSError):
            self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # The listen backlog: socketserver's default of 5 made a third of 200 clients connecting at
    # once fail with a reset (benchmarks/bench_load.py).
    request_queue_size = 1024

    max_body = MAX_BODY
    header_timeout = HEADER_TIMEOUT
    body_timeout = BODY_TIMEOUT

    def __init__(self, address: tuple[str, int], app: App, thread_name: str) -> None:
        self.app = app
        self.thread_name = thread_name
        if ":" in address[0]:  # an IPv6 address (::1): the stdlib server binds IPv4 only
            self.address_family = socket.AF_INET6
        self._open: dict[socket.socket, threading.Thread] = {}
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{self.thread_name}-handler",
            daemon=True,
        )
        thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client resetting its connection is normal here; anything else is a bug worth the
        traceback."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def track(self, conn: socket.socket, thread: threading.Thread, *, add: bool) -> None:
        with self._open_lock:
            if add:
                self._open[conn] = thread
            else:
                self._open.pop(conn, None)

    def close_all(self) -> None:
        with self._open_lock:
            open_now = dict(self._open)
        for conn in open_now:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in open_now.values():
            thread.join(timeout=5)


class LoopbackServer:
    """Runs ``app`` on ``host:port`` (port 0: a free one) in a background thread.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. ``thread_name`` prefixes
    the server's threads (the conformance suite tells its backend threads by name).
    ``max_body`` caps a request body in bytes (413 above it); ``header_timeout`` and
    ``body_timeout`` are the seconds a client has to send them (408 after).

    Raises:
        UsageError: A limit that is not a positive, finite number.
    """

    def __init__(
        self,
        app: App,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        thread_name: str = "",
        max_body: int = MAX_BODY,
        header_timeout: float = HEADER_TIMEOUT,
        body_timeout: float = BODY_TIMEOUT,
    ) -> None:
        _check_limits(max_body, header_timeout, body_timeout)
        name = thread_name or f"llm-fakes {type(app).__name__}"
        host = host.strip("[]")
        self._server = _Server((host, port), app, name)
        self._server.max_body = max_body
        self._server.header_timeout = header_timeout
        self._server.body_timeout = body_timeout
        self.host = host
        self.port = int(self._server.server_address[1])
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{name}-server :{self.port}",
            daemon=True,
        )

    def start(self) -> LoopbackServer:
        """Start serving (once)."""
        if not self._thread.is_alive():
            self._thread.start()
        return self

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def close_connections(self) -> None:
        """Close every open connection and join its thread; the server keeps serving (the
        conformance suite calls this when an example ends: its clients are done)."""
        self._server.close_all()

    def stop(self) -> None:
        """Stop accepting, close every connection, join the threads."""
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.close_all()
        self._server.server_close()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


def _check_limits(max_body: object, header_timeout: object, body_timeout: object) -> None:
    import math

    from llm_fakes.errors import UsageError

    if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 0:
        raise UsageError(f"max_body must be a number of bytes >= 0, got {max_body!r}.")
    for name, value in (("header_timeout", header_timeout), ("body_timeout", body_timeout)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise UsageError(f"{name} must be a positive, finite number of seconds, got {value!r}.")
