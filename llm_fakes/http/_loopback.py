"""The loopback form of a fake server: a threaded HTTP/1.1 server on 127.0.0.1.

Streams go out with chunked transfer encoding, one HTTP chunk per SSE event, flushed at once.
A scripted connection drop closes the socket without the closing chunk (or before any response).
Leaving the ``with`` block stops the accept loop, shuts every open connection and joins the
handler threads, so no thread or socket outlives the test.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from llm_fakes.http._fake_values import json_response

if TYPE_CHECKING:
    from llm_fakes.http._fake_values import WireResponse
from llm_fakes.http.fake_server import FakeServer

__all__ = ["LoopbackServer"]


#: The largest request body read (a lying Content-Length must not make the server wait forever).
MAX_BODY = 64 * 1024 * 1024
LENGTH_HINT = "Send the body with a Content-Length of at most 64 MiB."


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30

    def setup(self) -> None:
        super().setup()
        # Headers, body and each SSE event are separate small writes: without TCP_NODELAY,
        # Nagle's algorithm holds each one back until the client's delayed ACK (~40 ms).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, threading.current_thread(), add=True)

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
        """What the stdlib rejects itself (a garbled request line, a header too long) gets the
        API's JSON error body too, not an HTML page."""
        if self.request_version == "HTTP/0.9":  # unparsable request line: answer as HTTP/1.0
            self.request_version = "HTTP/1.0"
        text = message or self.responses.get(code, ("Bad request",))[0]
        body = self.server.fake.error_body(
            code, f"{text}. {explain or ''}".strip(), "invalid_request"
        )
        self.close_connection = True
        self._send(json_response(code, body, [("connection", "close")]))

    def _body(self) -> bytes | None:
        """The request body; ``None`` once a bad ``Content-Length`` was answered with a 400."""
        text = (self.headers.get("content-length") or "0").strip()
        if not text.isdigit() or int(text) > MAX_BODY:
            self.send_error(400, f"Invalid Content-Length header {text[:40]!r}", LENGTH_HINT)
            return None
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            self.send_error(400, "Chunked request bodies are not supported", LENGTH_HINT)
            return None
        length = int(text)
        return self.rfile.read(length) if length else b""

    def _answer(self) -> None:
        raw = self._body()
        if raw is None:
            return
        url = urlsplit(self.path)
        wire = self.server.fake.handle(self.command, url.path, self.headers.items(), raw, url.query)
        try:
            self._send(wire)
        except OSError:
            # The client went away (an early break of a stream): nothing left to say.
            self.close_connection = True

    def _send(self, wire: WireResponse) -> None:
        if wire.ending == "no_response":
            self._drop()
            return
        self.send_response(wire.status)
        for name, value in wire.headers:
            self.send_header(name, value)
        if wire.stream:
            self.send_header("transfer-encoding", "chunked")
        else:
            length = wire.content_length or sum(len(p) for p in wire.parts)
            self.send_header("content-length", str(length))
        self.end_headers()
        delay = self.server.fake.chunk_delay
        for i, part in enumerate(wire.parts):
            if i and delay:
                time.sleep(delay)
            if wire.stream:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            else:
                self.wfile.write(part)
            self.wfile.flush()
        if wire.ending == "reset":
            self._drop()
            return
        if wire.stream:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def _drop(self) -> None:
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

    def __init__(self, address: tuple[str, int], fake: FakeServer) -> None:
        self.fake = fake
        self._open: dict[socket.socket, threading.Thread] = {}
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

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
    """Runs a fake on ``host:port`` (port 0: a free one) in a background thread."""

    def __init__(self, fake: FakeServer, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), fake)
        self.host = host
        self.port = int(self._server.server_address[1])
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"llm-fakes {type(fake).__name__} :{self.port}",
            daemon=True,
        )

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop accepting, close every connection, join the threads."""
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.close_all()
        self._server.server_close()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
