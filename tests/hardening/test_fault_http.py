"""HTTP faults: a connection reset, a timeout or garbage mid-stream ends in a typed error, and the
provider's connection is released (no socket left open in this process).

A raw TCP server on loopback answers each request with the first events of a real reply (taken
from ``FakeOpenAI`` / ``FakeAnthropic``) and then misbehaves: RST, silence, bytes that are not an
event stream, a status line that is not HTTP, a body cut short. Each fault is injected
``REPEATS`` times per API and per path (``complete``, ``stream``, ``iter_stream``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hardening_support import no_hang, sockets_to, tally

from llm_fakes import (
    AnthropicProvider,
    FakeAnthropic,
    FakeOpenAI,
    OpenAIProvider,
    RetryPolicy,
    VirtualClock,
)
from llm_fakes.errors import (
    APIConnectionError,
    ProviderError,
    ProviderTimeoutError,
    ResponseFormatError,
)

CATEGORY = "HTTP faults"
REPEATS = 2
TIMEOUT = 0.1
KEY = "sk-hardening-5ecret-0123456789"
ASK = [{"role": "user", "content": "Tell me a story"}]
TEXT = "Once upon a time there was a fake server that misbehaved"


def _wire(api: str, stream: bool) -> tuple[bytes, list[bytes]]:
    """(status line + headers, body parts) of a real reply, as the fake server builds them."""
    if api == "openai":
        fake: Any = FakeOpenAI([TEXT])
        body = {"model": "m", "messages": ASK, "stream": stream}
        path = "/v1/chat/completions"
    else:
        fake = FakeAnthropic([TEXT])
        body = {"model": "m", "messages": ASK, "max_tokens": 100, "stream": stream}
        path = "/v1/messages"
    headers = [("anthropic-version", "2023-06-01")]
    wire = fake.handle("POST", path, headers, json.dumps(body).encode())
    head = [f"HTTP/1.1 {wire.status} OK"] + [f"{k}: {v}" for k, v in wire.headers]
    return ("\r\n".join(head) + "\r\n").encode(), wire.parts


def _chunk(part: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(part), part)


def _rst(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed server or a proxy does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


FAULTS: dict[str, Callable[[socket.socket, bytes, list[bytes], bool, threading.Event], None]] = {}


def fault(name: str) -> Callable[[Any], Any]:
    def register(fn: Any) -> Any:
        FAULTS[name] = fn
        return fn

    return register


def _send_head(sock: socket.socket, head: bytes, parts: list[bytes], stream: bool) -> None:
    if stream:
        sock.sendall(head + b"transfer-encoding: chunked\r\n\r\n")
    else:
        length = sum(len(p) for p in parts)
        sock.sendall(head + f"content-length: {length}\r\n\r\n".encode())


@fault("reset before any response")
def _reset_now(sock: socket.socket, head: bytes, parts: list[bytes], stream: bool, _: Any) -> None:
    _rst(sock)


@fault("reset mid-body")
def _reset_mid(sock: socket.socket, head: bytes, parts: list[bytes], stream: bool, _: Any) -> None:
    _send_head(sock, head, parts, stream)
    if stream:
        sock.sendall(b"".join(_chunk(p) for p in parts[:3]))
    else:
        sock.sendall(parts[0][: len(parts[0]) // 2])
    time.sleep(0.02)
    _rst(sock)


@fault("silence (read timeout)")
def _silence(
    sock: socket.socket, head: bytes, parts: list[bytes], stream: bool, stop: threading.Event
) -> None:
    _wait_for_close(sock, stop)


@fault("stall mid-stream (read timeout)")
def _stall(
    sock: socket.socket, head: bytes, parts: list[bytes], stream: bool, stop: threading.Event
) -> None:
    _send_head(sock, head, parts, stream)
    sock.sendall(_chunk(parts[0]) if stream else parts[0][:10])
    _wait_for_close(sock, stop)


def _wait_for_close(sock: socket.socket, stop: threading.Event) -> None:
    """Say nothing until the client hangs up (or the test ends)."""
    sock.settimeout(0.05)
    while not stop.is_set():
        try:
            if not sock.recv(1024):
                return
        except TimeoutError:
            continue


@fault("garbage event mid-stream")
def _garbage_event(
    sock: socket.socket, head: bytes, parts: list[bytes], stream: bool, _: Any
) -> None:
    junk = b"event: content_block_delta\ndata: {not json at all\xff\xfe\n\n"
    if stream:
        sock.sendall(head + b"transfer-encoding: chunked\r\n\r\n")
        sock.sendall(b"".join(_chunk(p) for p in [*parts[:2], junk, *parts[2:]]) + b"0\r\n\r\n")
    else:
        body = parts[0][:20] + junk
        sock.sendall(head + f"content-length: {len(body)}\r\n\r\n".encode() + body)


@fault("binary bytes mid-stream, then close")
def _binary(sock: socket.socket, head: bytes, parts: list[bytes], stream: bool, _: Any) -> None:
    _send_head(sock, head, parts, stream)
    if stream:
        sock.sendall(_chunk(parts[0]) + b"\x00\xff\x13\x37 not a chunk size\r\n\x00\x00")
    else:
        sock.sendall(b"\x00\xff" * 8)
    sock.close()


@fault("status line that is not HTTP")
def _bad_status(sock: socket.socket, head: bytes, parts: list[bytes], stream: bool, _: Any) -> None:
    sock.sendall(b"SMTP ready\r\n\xff\xfe\r\n\r\n")
    sock.close()


@fault("HTML error page with status 200")
def _html(sock: socket.socket, head: bytes, parts: list[bytes], stream: bool, _: Any) -> None:
    body = b"<html><body>502 Bad Gateway</body></html>"
    sock.sendall(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )


@fault("body shorter than its content-length")
def _short(sock: socket.socket, head: bytes, parts: list[bytes], stream: bool, _: Any) -> None:
    body = b"".join(parts)
    sock.sendall(head + f"content-length: {len(body) + 500}\r\n\r\n".encode() + body)
    sock.close()


class _FaultServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _FaultHandler)
        self.behaviour = "reset before any response"
        self.api = "openai"
        self.stop = threading.Event()
        self.served = 0


class _FaultHandler(socketserver.BaseRequestHandler):
    server: _FaultServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        data = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in data:
                more = sock.recv(65536)
                if not more:
                    return
                data += more
            head_text, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head_text.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(body) < length:
                more = sock.recv(65536)
                if not more:
                    return
                body += more
            stream = bool(json.loads(body).get("stream"))
            head, parts = _wire(self.server.api, stream)
            self.server.served += 1
            FAULTS[self.server.behaviour](sock, head, parts, stream, self.server.stop)


@pytest.fixture(scope="module")
def server() -> Iterator[_FaultServer]:
    """A loopback server whose misbehaviour the test picks."""
    srv = _FaultServer()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield srv
    finally:
        srv.stop.set()
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def _provider(api: str, url: str) -> Any:
    cls = OpenAIProvider if api == "openai" else AnthropicProvider
    base = url + "/v1" if api == "openai" else url
    return cls(
        "m",
        api_key=KEY,
        base_url=base,
        timeout=TIMEOUT,
        retry_policy=RetryPolicy(default_max_retries=0),
        clock=VirtualClock(),
    )


TYPED = (APIConnectionError, ProviderTimeoutError, ResponseFormatError, ProviderError)


def _complete(provider: Any) -> str:
    try:
        provider.complete(ASK, max_retries=0)
    except TYPED as exc:
        assert KEY not in str(exc)
        return type(exc).__name__
    return "answered"


def _stream(provider: Any) -> str:
    async def run() -> list[Any]:
        return [event async for event in provider.stream(ASK)]

    return _events_outcome(asyncio.run(run()))


def _iter_stream(provider: Any) -> str:
    return _events_outcome(list(provider.iter_stream(ASK)))


def _events_outcome(events: list[Any]) -> str:
    terminal = [e for e in events if e.type in ("finish", "error")]
    assert len(terminal) == 1 and events[-1] is terminal[0], events  # S3: one terminal event
    if terminal[0].type == "error":
        assert KEY not in terminal[0].error
        return "StreamErrorEvent"
    return "finished"


PATHS = {"complete": _complete, "stream": _stream, "iter_stream": _iter_stream}
# Where a fault may end in a normal answer: it comes after everything the client needs (a
# garbage event a lenient decoder skips; a stream whose last event arrived before the cut).
MAY_FINISH = {
    ("garbage event mid-stream", "complete"),
    ("garbage event mid-stream", "stream"),
    ("garbage event mid-stream", "iter_stream"),
    ("body shorter than its content-length", "stream"),
    ("body shorter than its content-length", "iter_stream"),
}


@pytest.mark.parametrize("api", ["openai", "anthropic"])
@pytest.mark.parametrize("behaviour", sorted(FAULTS))
def test_a_fault_is_a_typed_error_and_the_connection_is_released(
    server: _FaultServer, api: str, behaviour: str
) -> None:
    server.api, server.behaviour = api, behaviour
    url = f"http://127.0.0.1:{server.server_address[1]}"
    port = server.server_address[1]
    provider = _provider(api, url)
    try:
        for path, run in PATHS.items():
            for _ in range(REPEATS):
                with no_hang(10, f"{behaviour} on {api} {path}"):
                    outcome = run(provider)
                if outcome in ("answered", "finished"):
                    assert (behaviour, path) in MAY_FINISH, f"{behaviour}: {path} -> {outcome}"
                tally(CATEGORY, f"{outcome}")
            # No connection piles up across repeated faults (a pool may keep one idle socket).
            assert sockets_to(port) <= 1, f"{behaviour}: {path} leaves connections open"
    finally:
        provider.close()
    assert sockets_to(port) == 0, f"{behaviour}: a connection outlived provider.close()"


def test_the_faults_raise_the_expected_error_types(server: _FaultServer) -> None:
    """Spot checks of the exact type for the clear-cut faults (the loop above checks them all)."""
    url = f"http://127.0.0.1:{server.server_address[1]}"
    expected = {
        "reset before any response": "APIConnectionError",
        "silence (read timeout)": "ProviderTimeoutError",
        "HTML error page with status 200": "ResponseFormatError",
    }
    server.api = "openai"
    with _provider("openai", url) as provider:
        for behaviour, name in expected.items():
            server.behaviour = behaviour
            assert _complete(provider) == name, behaviour
